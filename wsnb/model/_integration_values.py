"""The values an integration is made of, checked with API Gateway's rules where they enter:
selection expressions, mapping templates, timeouts, request parameters and integration
responses (SPEC §9). The integration classes are in :mod:`._integrations`."""

from __future__ import annotations

import re
from typing import Any

from .._errors import IntegrationError
from ._frozen import Frozen, FrozenDict

#: The model's integration kinds → CloudFormation's ``IntegrationType``.
CFN_TYPES: dict[str, str] = {
    "lambda": "AWS",
    "mock": "MOCK",
    "http": "HTTP",
    "http_proxy": "HTTP_PROXY",
    "aws": "AWS",
}
PASSTHROUGH_BEHAVIORS = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")
CONTENT_HANDLINGS = ("CONVERT_TO_BINARY", "CONVERT_TO_TEXT")
HTTP_METHODS = ("ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
INVOCATION_TYPES = ("RequestResponse", "Event")
#: The AWS services whose integrations the local emulator runs (against its moto backends).
LOCAL_SERVICES = ("dynamodb", "events", "kinesis", "s3", "sns", "sqs")
#: ``TimeoutInMillis``: 50 ms to 29 s for WebSocket APIs ("Amazon API Gateway quotas").
MIN_TIMEOUT_MS, MAX_TIMEOUT_MS = 50, 29_000
#: A mapping template is at most 300 KB ("Amazon API Gateway quotas": mapping template size).
MAX_TEMPLATE_BYTES = 300 * 1024

_PARAM_NAME = r"[a-zA-Z0-9._$-]+"
_REQUEST_PARAMETER_KEY = re.compile(
    rf"^integration\.request\.(header|querystring|path)\.{_PARAM_NAME}\Z"
)
_REQUEST_PARAMETER_VALUE = re.compile(
    rf"^(route\.request\.(querystring|header|multivaluequerystring|multivalueheader)\.{_PARAM_NAME}"
    r"|route\.request\.body\.\$?[^\s]*"
    rf"|stageVariables\.{_PARAM_NAME}"
    rf"|context\.{_PARAM_NAME}"
    r"|'[^']*')\Z"
)
_CONNECT_ONLY_SOURCES = (
    "route.request.querystring.",
    "route.request.header.",
    "route.request.multi",
)
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)?\Z")
_ACTION = re.compile(r"^[A-Za-z][A-Za-z0-9]*\Z")
_ROLE_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:iam::(\d{12}|\*|\{account\}):role/[\w+=,.@/-]+\Z")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*\Z")

_SELECTION_HELP = (
    "a static value, \\$default, or ${request.body.<jsonPath>} (e.g. ${request.body.action})"
)
_RESPONSE_SELECTION_HELP = (
    "a static value, \\$default, ${request.body.<jsonPath>}, ${integration.response.statuscode}, "
    "${integration.response.header.<name>} or ${integration.response.multivalueheader.<name>}"
)


def _error(
    message: str, given: Any, path: str, *, allowed: str | None = None, fix: str | None = None
):
    return IntegrationError(message, given=given, allowed=allowed, fix=fix, path=path)


def check_selection_expression(value: Any, path: str, *, response: bool = False) -> str | None:
    """A template selection expression as AWS allows it ("Data transformations for WebSocket
    APIs in API Gateway": ``Integration.TemplateSelectionExpression`` supports
    ``${request.body.jsonPath}`` and static values; ``IntegrationResponse``'s also the
    integration response's status code and headers)."""
    if value is None:
        return None
    allowed = _RESPONSE_SELECTION_HELP if response else _SELECTION_HELP
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise _error(
            "A template selection expression must be a non-empty string.",
            value,
            path,
            allowed=allowed,
            fix='template_selection_expression="\\\\$default"',
        )
    for var in re.findall(r"\$\{([^}]*)\}|(?<!\\)\$([A-Za-z][\w.]*)", value):
        name = var[0] or var[1]
        if name == "default" and var[1]:
            raise _error(
                "In a selection expression '$default' must be escaped as '\\$default' (an "
                "unescaped $ starts a variable).",
                value,
                path,
                allowed=allowed,
                fix='template_selection_expression="\\\\$default"',
            )
        ok = name.startswith("request.body.") or name == "request.body"
        if response:
            ok = ok or name == "integration.response.statuscode"
            ok = ok or re.match(r"^integration\.response\.(multivalue)?header\.[\w-]+\Z", name)
        if not ok:
            raise _error(
                f"Selection expression variable ${{{name}}} is not one API Gateway evaluates here.",
                value,
                path,
                allowed=allowed,
                fix='template_selection_expression="${request.body.action}"',
            )
    return value


def _templates(value: Any, path: str) -> FrozenDict:
    if value is None:
        return FrozenDict()
    if isinstance(value, str):
        value = {"$default": value}
    if not isinstance(value, dict):
        raise _error(
            "Templates are a dict of template key to Velocity (VTL) template text.",
            value,
            path,
            allowed='{"$default": "<template>"} (a plain string means {"$default": string})',
            fix='request_templates={"$default": \'{"body": $input.body}\'}',
        )
    out = {}
    for key, text in value.items():
        if not isinstance(key, str) or not key.strip() or len(key) > 255:
            raise _error(
                "A template key must be a non-empty string (the value its selection expression "
                "evaluates to, or $default).",
                key,
                f"{path}[{key!r}]",
                fix="use $default for the template that applies when nothing else matches",
            )
        if not isinstance(text, str):
            raise _error(
                "A mapping template is text (Velocity Template Language).",
                text,
                f"{path}[{key!r}]",
                fix='\'{"connectionId": "$context.connectionId", "body": $input.body}\'',
            )
        if len(text.encode("utf-8", "surrogatepass")) > MAX_TEMPLATE_BYTES:
            raise _error(
                "A mapping template may be at most 300 KB (API Gateway's quota).",
                f"{len(text.encode('utf-8', 'surrogatepass'))} bytes",
                f"{path}[{key!r}]",
                fix="move the logic into the integration (a Lambda function) and keep the template small",
            )
        out[key.strip()] = text
    return FrozenDict(sorted(out.items()))


def _choice(value: Any, options: tuple[str, ...], path: str, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        for option in options:
            if value.strip().upper() == option.upper():
                return option
    raise _error(
        f"{what} must be one of {', '.join(options)}.",
        value,
        path,
        allowed=", ".join(options),
        fix=f"{path.rsplit('.', 1)[-1]}={options[0]!r}",
    )


def _timeout_ms(value: Any, path: str) -> int | None:
    """``timeout`` in seconds (as function props take it) → ``TimeoutInMillis``."""
    if value is None:
        return None
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ms = round(value * 1000) if ok else -1
    if not MIN_TIMEOUT_MS <= ms <= MAX_TIMEOUT_MS:
        raise _error(
            "An integration timeout is 0.05 to 29 seconds (API Gateway's WebSocket integration "
            "timeout).",
            value,
            path,
            allowed="a number of seconds from 0.05 to 29",
            fix="timeout=29",
        )
    return ms


def _request_parameters(value: Any, path: str) -> FrozenDict:
    """``integration.request.{header|querystring|path}.NAME`` → a route request, body,
    context, stage variable or 'static' value ("Set up data mapping for WebSocket APIs")."""
    if value is None:
        return FrozenDict()
    if not isinstance(value, dict):
        raise _error(
            "request_parameters is a dict of integration request parameter to mapping expression.",
            value,
            path,
            allowed="{'integration.request.header.Name': \"'static'\" | 'context.connectionId' | "
            "'route.request.body.$.action' | 'stageVariables.name' | ...}",
            fix="request_parameters={'integration.request.header.connectionId': 'context.connectionId'}",
        )
    out = {}
    for key, source in value.items():
        where = f"{path}[{key!r}]"
        if not isinstance(key, str) or not _REQUEST_PARAMETER_KEY.match(key):
            raise _error(
                "A request parameter is named integration.request.{header|querystring|path}.NAME.",
                key,
                where,
                fix="'integration.request.header.X-Amz-Invocation-Type'",
            )
        if not isinstance(source, str) or not _REQUEST_PARAMETER_VALUE.match(source):
            raise _error(
                "A request parameter's value is a mapping expression: route.request.header.NAME, "
                "route.request.querystring.NAME, route.request.body.JSONPATH, context.NAME, "
                "stageVariables.NAME, or a static value in single quotes.",
                source,
                where,
                fix="\"'Event'\" (a static value keeps its single quotes)",
            )
        out[key] = source
    return FrozenDict(sorted(out.items()))


class IntegrationResponse(Frozen):
    """How an integration's answer becomes the route's reply (``AWS::ApiGatewayV2::IntegrationResponse``).

    ``key`` is ``"$default"`` or a ``/regex/`` matched against the integration's status code
    (HTTP, mock, AWS service) or a Lambda error message ("Set up a WebSocket API integration
    response in API Gateway"). ``templates`` are response templates chosen by
    ``template_selection_expression``; with none, the integration's body passes through.
    """

    __slots__ = ("content_handling", "key", "template_selection_expression", "templates")
    key: str
    templates: FrozenDict
    template_selection_expression: str | None
    content_handling: str | None

    def __init__(
        self,
        key: str = "$default",
        *,
        templates: Any = None,
        template_selection_expression: str | None = None,
        content_handling: str | None = None,
    ) -> None:
        path = "IntegrationResponse"
        if not isinstance(key, str) or not (
            key.strip() == "$default" or _is_pattern_key(key.strip())
        ):
            raise _error(
                "An integration response key is $default or a /regex/ (e.g. /2\\d\\d/).",
                key,
                f"{path}.key",
                allowed="'$default', '/200/', '/4\\\\d\\\\d/', '/.*Error.*/'",
                fix='IntegrationResponse("$default", templates={"$default": "$input.body"})',
            )
        self._init_field("key", key.strip())
        self._init_field("templates", _templates(templates, f"{path}.templates"))
        self._init_field(
            "template_selection_expression",
            check_selection_expression(
                template_selection_expression,
                f"{path}.template_selection_expression",
                response=True,
            ),
        )
        self._init_field(
            "content_handling",
            _choice(
                content_handling, CONTENT_HANDLINGS, f"{path}.content_handling", "content_handling"
            ),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key}
        if self.templates:
            out["templates"] = dict(self.templates)
        if self.template_selection_expression is not None:
            out["template_selection_expression"] = self.template_selection_expression
        if self.content_handling is not None:
            out["content_handling"] = self.content_handling
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IntegrationResponse:
        return cls(
            data.get("key", "$default"),
            templates=data.get("templates"),
            template_selection_expression=data.get("template_selection_expression"),
            content_handling=data.get("content_handling"),
        )

    def _key(self) -> tuple:
        return (
            self.key,
            tuple(self.templates.items()),
            self.template_selection_expression,
            self.content_handling,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IntegrationResponse) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        parts = [repr(self.key)]
        parts += [f"{k}={v!r}" for k, v in self.to_json().items() if k != "key"]
        return f"IntegrationResponse({', '.join(parts)})"


def _is_pattern_key(key: str) -> bool:
    if len(key) < 2 or not (key.startswith("/") and key.endswith("/")):
        return False
    try:
        re.compile(key[1:-1])
    except re.error:
        return False
    return True


def _responses(value: Any, path: str) -> tuple[IntegrationResponse, ...]:
    if value is None:
        return ()
    if isinstance(value, IntegrationResponse):
        value = [value]
    if isinstance(value, dict):  # {key: templates}
        value = [IntegrationResponse(k, templates=v) for k, v in value.items()]
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(r, IntegrationResponse) for r in value
    ):
        raise _error(
            "responses is a list of IntegrationResponse(...).",
            value,
            path,
            fix='responses=[IntegrationResponse("$default", templates={"$default": "$input.body"})]',
        )
    keys = [r.key for r in value]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise _error(
            f"Two integration responses share the key {dupes[0]!r}.",
            keys,
            path,
            fix="give each IntegrationResponse its own key",
        )
    return tuple(value)
