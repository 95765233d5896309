"""``api.lint()``: what would fail or surprise at deploy, found before deploying. Never raises."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from . import _facts
from .model._handlers import CallableHandler, FileHandler, unresolved_globals
from .model._spec import ApiSpec

LEVELS = ("error", "warning", "info")
_SECRET_NAME = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|API_?KEY|ACCESS_?KEY)", re.IGNORECASE
)


@dataclass(frozen=True)
class Finding:
    """One lint finding: ``level`` is "error", "warning" or "info"; ``code`` is short and stable."""

    level: str
    code: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.level}: [{self.code}] {self.message} Fix: {self.fix}"

    def to_dict(self) -> dict[str, str]:
        return {"level": self.level, "code": self.code, "message": self.message, "fix": self.fix}


def lint(spec: ApiSpec) -> list[Finding]:
    """All findings, errors first, then warnings, then infos (stable order within a level)."""
    findings: list[Finding] = []
    for check in _CHECKS:
        try:
            findings.extend(check(spec))
        except Exception as exc:  # lint never raises
            findings.append(
                Finding("info", "lint-internal", f"A lint check failed: {exc!r}.", "report it")
            )
    return sorted(findings, key=lambda f: LEVELS.index(f.level))


def looks_secret(name: str) -> bool:
    """Whether an environment variable name suggests a secret value (renders mask these)."""
    return bool(_SECRET_NAME.search(name))


def _routes(spec: ApiSpec):
    if not spec.routes:
        yield Finding(
            "warning",
            "no-routes",
            "The API has no routes; API Gateway cannot deploy a stage without at least one route.",
            'api.route("$default", "src/default.main")',
        )
        return
    keys = set(spec.route_keys)
    if "$default" not in keys:
        yield Finding(
            "info",
            "no-default-route",
            "No $default route: messages whose action matches no route are answered with "
            '{"message": "Forbidden"} and never reach your code.',
            'api.route("$default", "src/default.main") to handle them',
        )
    for key in spec.route_keys:
        bare = "$" + key
        if bare in _facts.RESERVED_ROUTE_KEYS:
            yield Finding(
                "warning",
                "route-looks-reserved",
                f"Route {key!r} is a custom action, not the reserved {bare!r} route.",
                f"rename it to {bare!r} if you meant API Gateway's {bare} route",
            )


def _authorizer(spec: ApiSpec):
    if spec.authorizer != "none" and spec.route("$connect") is None:
        kind = "IAM" if spec.authorizer == "iam" else "Lambda"
        yield Finding(
            "error",
            "authorizer-without-connect",
            f"An {kind} authorizer is set but there is no $connect route; API Gateway authorizes "
            "WebSocket APIs only on $connect, so synth refuses this.",
            'api.route("$connect", "src/connect.main")',
        )


def _access_log(spec: ApiSpec):
    log = spec.access_log
    if spec.cdk.imports_stage and not log.explicit:
        return
    if log.enabled and not log.destination_arn:
        yield Finding(
            "info",
            "access-log-role",
            "Access logging is on: API Gateway can write logs only once the account has an "
            "API Gateway CloudWatch role set (one per account and region); without it the deploy "
            "fails with 'CloudWatch Logs role ARN must be set in account settings'.",
            "create a role trusting apigateway.amazonaws.com with the AmazonAPIGatewayPushToCloudWatchLogs "
            "policy and set it once: aws apigateway update-account --patch-operations "
            "op=replace,path=/cloudwatchRoleArn,value=<role-arn>; or access_log=False",
        )


def _resource_count(spec: ApiSpec):
    total = predicted_total(spec)
    if total > _facts.CFN_RESOURCE_LIMIT:
        yield Finding(
            "error",
            "too-many-resources",
            f"The stack is predicted to have {total} resources; CloudFormation allows {_facts.CFN_RESOURCE_LIMIT}.",
            "split the routes across two APIs/stacks, or share one function between routes",
        )
    elif total >= _facts.CFN_RESOURCE_WARN_AT:
        yield Finding(
            "warning",
            "near-resource-limit",
            f"The stack is predicted to have {total} resources, close to CloudFormation's limit of {_facts.CFN_RESOURCE_LIMIT}.",
            "plan to split the API before adding more routes",
        )


def predicted_total(spec: ApiSpec) -> int:
    from .predict import predict_resource_counts

    return sum(predict_resource_counts(spec).values())


def _defaults(spec: ApiSpec):
    if not spec.defaults or not spec.routes:
        return
    for name in spec.defaults:
        if name in ("environment", "permissions", "layers", "bind"):
            continue
        if all(name in r.props for r in spec.routes):
            yield Finding(
                "info",
                "unused-default",
                f"defaults.{name} is overridden by every route, so it has no effect.",
                f"remove {name} from defaults, or from the routes that repeat it",
            )


def _functions(spec: ApiSpec):
    functions = [(fn.route_key, fn.props) for _, fn in spec.all_functions()]
    for where, props in functions:
        handler = props["handler"]
        if isinstance(handler, FileHandler) and not os.path.isfile(handler.file):
            yield Finding(
                "warning",
                "handler-file-missing",
                f"{where}: handler file {handler.file!r} does not exist relative to the working directory.",
                f"create {handler.file} with def {handler.function_name}(event, context), or fix the path",
            )
        if isinstance(handler, CallableHandler):
            missing = unresolved_globals(handler)
            if missing:
                yield Finding(
                    "warning",
                    "callable-globals",
                    f"{where}: {handler.name}() reads {', '.join(missing)} from the notebook; "
                    "those cannot be shipped with it to Lambda.",
                    "import or define them inside the function, or pass values through environment",
                )
        timeout = props["timeout"]
        if where != "authorizer" and timeout > _facts.INTEGRATION_TIMEOUT_SECONDS:
            yield Finding(
                "info",
                "timeout-over-integration-limit",
                f"{where}: timeout is {timeout} s but API Gateway stops waiting after "
                f"{_facts.INTEGRATION_TIMEOUT_SECONDS} s (the client gets an error; Lambda keeps running).",
                "keep the work under 29 s, or reply later through the @connections API",
            )


def _secrets(spec: ApiSpec):
    sources = [("defaults", spec.defaults)] + [(f"routes[{r.key!r}]", r.props) for r in spec.routes]
    for where, props in sources:
        for name, value in props.get("environment", {}).items():
            if looks_secret(name) and not value.startswith("${wsnb:"):
                yield Finding(
                    "warning",
                    "secret-in-environment",
                    f"{where}: environment variable {name} looks like a secret stored in plain text "
                    "(visible in the template and the console).",
                    f"use Secret({name!r}) with api.bind([...]) instead",
                )


def _environment_names(spec: ApiSpec):
    """Lambda's pattern for variable names is [a-zA-Z][a-zA-Z0-9_]+ ("Environment", Lambda API reference)."""
    from .model._function import LAMBDA_ENV_NAME, _env_name_fix

    functions = [(fn.route_key, fn.props) for _, fn in spec.all_functions()]
    for where, props in functions:
        for name in props.get("environment", {}):
            if not LAMBDA_ENV_NAME.match(name):
                yield Finding(
                    "error",
                    "environment-name",
                    f"{where}: environment variable name {name!r} does not match Lambda's pattern "
                    "[a-zA-Z][a-zA-Z0-9_]+ (at least two characters, starting with a letter); "
                    "the deploy fails.",
                    f"rename it, e.g. {_env_name_fix(name)!r}",
                )


def _dynamic_references(spec: ApiSpec):
    """``{{resolve:...}}`` is allowed only in environment values (wsnb/model/_values.py)."""
    from .model._values import DYNAMIC_REFERENCE

    functions = [(fn.route_key, fn.props) for _, fn in spec.all_functions()]
    for where, props in functions:
        for name, value in props.get("environment", {}).items():
            if not DYNAMIC_REFERENCE.search(value):
                continue
            if "ssm-secure" in value:
                # "Using dynamic references to specify template values": ssm-secure is
                # supported only by a listed set of resource properties; Lambda's is not one.
                yield Finding(
                    "error",
                    "dynamic-reference-unsupported",
                    f"{where}: environment variable {name} uses {{{{resolve:ssm-secure:...}}}}, "
                    "which CloudFormation does not resolve in a Lambda environment (the deploy fails).",
                    f"use Secret({name!r}) with api.bind([...]), or {{{{resolve:secretsmanager:...}}}}",
                )
                continue
            yield Finding(
                "info",
                "dynamic-reference",
                f"{where}: environment variable {name} holds a CloudFormation dynamic reference "
                "({{resolve:...}}): CloudFormation resolves it at deploy time, the local emulator "
                "passes the text through unresolved, and the resolved value is readable in the "
                "function's configuration.",
                f"to keep a secret out of the configuration, use Secret({name!r}) with api.bind([...])",
            )


def _domain(spec: ApiSpec):
    domain = spec.custom_domain
    if domain is None:
        return
    if not domain.creates_domain:
        yield Finding(
            "info",
            "shared-domain",
            f"This API is mapped onto the existing domain {domain.name!r}; AWS forbids mapping a "
            "WebSocket API onto a domain that also serves HTTP or REST APIs.",
            "map only WebSocket APIs onto this domain (use another domain for HTTP/REST APIs)",
        )
    elif domain.is_external_domain:
        yield Finding(
            "info",
            "external-domain-dns",
            f"{domain.name!r} is hosted outside Route 53: after deploy, point a CNAME at the "
            "domain's regional domain name yourself.",
            "read RegionalDomainName of the AWS::ApiGatewayV2::DomainName from the stack",
        )


_CHECKS = (
    _routes,
    _authorizer,
    _access_log,
    _resource_count,
    _defaults,
    _functions,
    _secrets,
    _environment_names,
    _dynamic_references,
    _domain,
)
