"""Facts about AWS and SST that the model, synthesizer, emulator and display share."""

from __future__ import annotations

RESERVED_ROUTE_KEYS = ("$connect", "$disconnect", "$default")
ROUTE_KEY_MAX_LENGTH = 128
ROUTE_SELECTION_EXPRESSION = "$request.body.action"

DEFAULT_RUNTIME = "python3.12"
PYTHON_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")

# Node.js runtimes, as AWS's "Lambda runtimes" page (AWS Lambda Developer Guide) lists them:
# its "Supported runtimes" table has nodejs24.x and nodejs22.x with projected deprecation
# dates, its "Deprecated runtimes" table the date each older one was deprecated (checked
# 2026-12 against cfn-lint's runtime lifecycle data, which is kept from that page:
# AdditionalSpecs/LmbdRuntimeLifecycle.json). A deprecated runtime still deploys until AWS
# blocks creating functions with it: wsnb accepts those (with a lint warning) and refuses the
# ones whose creation AWS has blocked (nodejs14.x since Jan 9, 2024, and older).
NODE_CURRENT_RUNTIMES = ("nodejs22.x", "nodejs24.x")
NODE_DEPRECATED_RUNTIMES = ("nodejs16.x", "nodejs18.x", "nodejs20.x")
NODE_RUNTIMES = NODE_DEPRECATED_RUNTIMES + NODE_CURRENT_RUNTIMES
#: The runtime a fix suggests for a Node.js handler (SPEC §8: ``runtime="nodejs22.x"``).
DEFAULT_NODE_RUNTIME = "nodejs22.x"
#: Every runtime the ``runtime`` prop accepts, Python first.
RUNTIMES = PYTHON_RUNTIMES + NODE_RUNTIMES
#: The day AWS deprecated each Node.js runtime (projected, for the current ones), as the
#: "Lambda runtimes" page gives it (ISO dates; :func:`aws_date` writes them AWS's way); the
#: retired ones (creation blocked) are listed for messages.
NODE_DEPRECATION_DATES: dict[str, str] = {
    "nodejs24.x": "2028-04-30",
    "nodejs22.x": "2027-04-30",
    "nodejs20.x": "2026-04-30",
    "nodejs18.x": "2025-09-01",
    "nodejs16.x": "2024-06-12",
    "nodejs14.x": "2023-12-04",
    "nodejs12.x": "2023-03-31",
    "nodejs10.x": "2021-07-30",
}
#: Retired Node.js runtimes: deprecated, and AWS no longer creates functions with them.
NODE_RETIRED_RUNTIMES = ("nodejs10.x", "nodejs12.x", "nodejs14.x")
#: SST's resolution of ``"path/to/file.func"`` under a Node.js runtime: the first of these
#: that exists (SPEC §8).
NODE_HANDLER_EXTENSIONS = (".ts", ".tsx", ".mts", ".js", ".mjs", ".cjs", ".jsx")


def runtime_family(runtime: str | None) -> str:
    """``"python"`` or ``"nodejs"`` for a Lambda runtime name (None: wsnb's default, Python);
    ``"other"`` for anything else a template may declare (``java21``, ``provided.al2023``)."""
    name = (runtime or DEFAULT_RUNTIME).strip().lower()
    if name.startswith("python"):
        return "python"
    if name.startswith("nodejs"):
        return "nodejs"
    return "other"


def node_major(runtime: str) -> int | None:
    """The Node.js major version of a runtime name (``"nodejs22.x"`` → 22), else None."""
    name = runtime.strip().lower()
    major = name.removeprefix("nodejs").split(".")[0]
    return int(major) if name.startswith("nodejs") and major.isdigit() else None


def aws_date(day: str) -> str:
    """An ISO date (``2026-04-30``) the way AWS's runtime tables write it: ``Apr 30, 2026``."""
    year, month, date = (int(part) for part in day.split("-"))
    return f"{_MONTHS[month - 1]} {date}, {year}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ARCHITECTURES = ("x86_64", "arm_64")
TRACING_MODES = ("active", "pass_through", "disabled")
DEFAULT_TRACING = "active"  # SST turns X-Ray tracing on for every function
DEFAULT_TIMEOUT = 10  # seconds, as SST
DEFAULT_MEMORY = 1024  # MB, as SST
LAMBDA_TIMEOUT_RANGE = (1, 900)
LAMBDA_MEMORY_RANGE = (128, 10240)
LAMBDA_EPHEMERAL_RANGE = (512, 10240)

RETENTION_DAYS: dict[str, int | None] = {
    "one_day": 1,
    "three_days": 3,
    "five_days": 5,
    "one_week": 7,
    "two_weeks": 14,
    "one_month": 30,
    "two_months": 60,
    "three_months": 90,
    "four_months": 120,
    "five_months": 150,
    "six_months": 180,
    "one_year": 365,
    "thirteen_months": 400,
    "eighteen_months": 545,
    "two_years": 731,
    "five_years": 1827,
    "six_years": 2192,
    "seven_years": 2557,
    "eight_years": 2922,
    "nine_years": 3288,
    "ten_years": 3653,
    "infinite": None,
}

# The 14 $context fields of the default access-log line, in order (SPEC §2).
ACCESS_LOG_FIELDS = (
    ("requestTime", "$context.requestTime", False),
    ("requestId", "$context.requestId", False),
    ("eventType", "$context.eventType", False),
    ("routeKey", "$context.routeKey", False),
    ("status", "$context.status", True),
    ("integrationRequestId", "$context.awsEndpointRequestId", False),
    ("integrationStatus", "$context.integrationStatus", False),
    ("integrationLatency", "$context.integrationLatency", False),
    ("integrationServiceStatus", "$context.integration.integrationStatus", False),
    ("ip", "$context.identity.sourceIp", False),
    ("userAgent", "$context.identity.userAgent", False),
    ("cognitoIdentityId", "$context.identity.cognitoIdentityId", False),
    ("connectedAt", "$context.connectedAt", False),
    ("connectionId", "$context.connectionId", False),
)


def default_access_log_format() -> str:
    """The one-line JSON access-log format (status is a number, the rest strings)."""
    parts = []
    for name, variable, numeric in ACCESS_LOG_FIELDS:
        value = variable if numeric else f'"{variable}"'
        parts.append(f'"{name}":{value}')
    return "{" + ",".join(parts) + "}"


DEFAULT_IDENTITY_SOURCE = ("route.request.header.Authorization",)
DEFAULT_AUTHORIZER_NAME = "WebSocketAuthorizer"

CFN_RESOURCE_LIMIT = 500
CFN_RESOURCE_WARN_AT = 450
RESOURCES_PER_ROUTE = 6  # function, role, its default policy, integration, route, permission

# API Gateway limits the emulator enforces.
MAX_MESSAGE_BYTES = 128 * 1024
MAX_FRAME_BYTES = 32 * 1024
IDLE_TIMEOUT_SECONDS = 10 * 60
MAX_CONNECTION_SECONDS = 2 * 60 * 60
INTEGRATION_TIMEOUT_SECONDS = 29

# AWS API-mapping key: letters, digits and $-_.+!*'() with "/" between levels, <= 300 chars.
API_MAPPING_KEY_PATTERN = r"[A-Za-z0-9$\-_.+!*'()]+(/[A-Za-z0-9$\-_.+!*'()]+)*"
API_MAPPING_KEY_MAX = 300

WEB_SOCKET_API_PROPS = (
    "api_name",
    "description",
    "route_selection_expression",
    "api_key_selection_expression",
    "ip_address_type",
)
WEB_SOCKET_STAGE_PROPS = (
    "stage_name",
    "auto_deploy",
    "description",
    "throttle",
    "detailed_metrics_enabled",
)

#: The access-log caveat (API Gateway needs the account's CloudWatch role), said in the same
#: words and at the same level by lint, synth()'s summary and the CLI.
ACCESS_LOG_ROLE_NOTE = {
    "level": "info",
    "code": "access-log-role",
    "message": "Access logging is on: API Gateway can write logs only once the account has an "
    "API Gateway CloudWatch role set (AWS::ApiGateway::Account CloudWatchRoleArn, one per "
    "account and region); without it the deploy fails with 'CloudWatch Logs role ARN must "
    "be set in account settings'.",
    "fix": "create a role trusting apigateway.amazonaws.com with the "
    "AmazonAPIGatewayPushToCloudWatchLogs policy and set it once: aws apigateway update-account "
    "--patch-operations op=replace,path=/cloudwatchRoleArn,value=<role-arn>; or access_log=False",
}
