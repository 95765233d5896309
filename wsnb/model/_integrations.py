"""Route targets other than a Lambda proxy (SPEC §9): non-proxy Lambda, mock, HTTP, AWS service.

A plain handler (``"src/send.main"``, a ``Function``, a notebook function) stays a Lambda
*proxy* integration (``AWS_PROXY``): the function gets API Gateway's event and its result is
the reply. The classes here are the other targets API Gateway offers a WebSocket route, named
after aws-cdk-lib's ``WebSocketMockIntegration`` / ``WebSocketAwsIntegration`` (and a non-proxy
Lambda and HTTP integration, which CDK has no L2 class for)::

    api.route("$connect", MockIntegration(request_templates={"$default": '{"statusCode": 200}'}))
    api.route("ask", LambdaIntegration("src/ask.main",
                                       request_templates={"$default": '{"body": $input.body}'},
                                       invocation_type="Event"))
    api.route("enqueue", AwsIntegration.sqs_send_message("jobs"))

Every value is checked with API Gateway's rules where it enters (an :class:`IntegrationError`
saying what was given, what is allowed and how to fix it), and objects are immutable. Mapping
templates are Velocity (VTL); their syntax is checked by ``lint()`` and rendered by the local
emulator (``wsnb.vtl``). AWS's pages: "Set up WebSocket API integrations in API Gateway",
"Data transformations for WebSocket APIs in API Gateway", "Set up data mapping for WebSocket
APIs in API Gateway", "Set up a WebSocket API integration response in API Gateway",
"AWS::ApiGatewayV2::Integration" and "AWS::ApiGatewayV2::IntegrationResponse".
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from .._errors import IntegrationError
from ._frozen import Frozen, FrozenDict, freeze, thaw
from ._function import Function, normalize_props
from ._integration_values import (
    _ACTION,
    _CONNECT_ONLY_SOURCES,
    _ROLE_ARN,
    _SERVICE,
    _URL,
    CFN_TYPES,
    CONTENT_HANDLINGS,
    HTTP_METHODS,
    INVOCATION_TYPES,
    LOCAL_SERVICES,
    PASSTHROUGH_BEHAVIORS,
    IntegrationResponse,
    _choice,
    _error,
    _request_parameters,
    _responses,
    _templates,
    _timeout_ms,
    check_selection_expression,
)
from ._permissions import normalize_permissions, permission_from_json, permission_to_json
from ._resources import Resource, Table


class Integration(Frozen):
    """What every non-proxy integration has: request templates and their selection, request
    parameters, passthrough behaviour, content handling, timeout and integration responses."""

    kind: ClassVar[str] = ""
    _COMMON = (
        "request_templates",
        "template_selection_expression",
        "request_parameters",
        "passthrough_behavior",
        "content_handling",
        "timeout",
        "responses",
    )
    __slots__ = _COMMON
    request_templates: FrozenDict
    template_selection_expression: str | None
    request_parameters: FrozenDict
    passthrough_behavior: str | None
    content_handling: str | None
    timeout: int | None  # TimeoutInMillis
    responses: tuple[IntegrationResponse, ...]

    def _init_common(
        self,
        *,
        request_templates: Any,
        template_selection_expression: Any,
        request_parameters: Any,
        passthrough_behavior: Any,
        content_handling: Any,
        timeout: Any,
        responses: Any,
    ) -> None:
        path = type(self).__name__
        self._init_field(
            "request_templates", _templates(request_templates, f"{path}.request_templates")
        )
        self._init_field(
            "template_selection_expression",
            check_selection_expression(
                template_selection_expression, f"{path}.template_selection_expression"
            ),
        )
        self._init_field(
            "request_parameters",
            _request_parameters(request_parameters, f"{path}.request_parameters"),
        )
        self._init_field(
            "passthrough_behavior",
            _choice(
                passthrough_behavior,
                PASSTHROUGH_BEHAVIORS,
                f"{path}.passthrough_behavior",
                "passthrough_behavior",
            ),
        )
        self._init_field(
            "content_handling",
            _choice(
                content_handling, CONTENT_HANDLINGS, f"{path}.content_handling", "content_handling"
            ),
        )
        self._init_field("timeout", _timeout_ms(timeout, f"{path}.timeout"))
        self._init_field("responses", _responses(responses, f"{path}.responses"))

    # ------------------------------------------------------------------ reading

    @property
    def cfn_type(self) -> str:
        """CloudFormation's ``IntegrationType``."""
        return CFN_TYPES[self.kind]

    @property
    def has_function(self) -> bool:
        """Whether the route creates a Lambda function (only a Lambda integration does)."""
        return False

    @property
    def label(self) -> str:
        """A short name for tables and diagrams: ``MOCK``, ``AWS (lambda, Event)``, ``HTTP``…"""
        return self.cfn_type

    def resources(self) -> list[Resource]:
        """The wsnb resources the integration itself refers to (an AWS service's grants)."""
        return []

    def template_tokens(self) -> list[tuple[str, str, str]]:
        """``(kind, id, attribute)`` of every wsnb placeholder (``table.table_name``) in its
        request and response templates: synth makes them references, the emulator local names."""
        from ._resources import find_tokens

        texts = list(self.request_templates.values())
        texts += [t for r in self.responses for t in r.templates.values()]
        return [token for text in texts for token in find_tokens(text)]

    def local_problem(self) -> str | None:
        """Why the local emulator (``api.serve()``) cannot run this integration, in one short
        phrase for tables and logs; None when it can. Mock, Lambda and HTTP integrations run
        locally; an AWS service integration runs when wsnb emulates the service
        (:data:`LOCAL_SERVICES`)."""
        return None

    def connect_only_sources(self) -> list[str]:
        """Request-parameter sources API Gateway supports on ``$connect`` only."""
        return [v for v in self.request_parameters.values() if v.startswith(_CONNECT_ONLY_SOURCES)]

    # ------------------------------------------------------------------ JSON and equality

    def _specific_json(self) -> dict[str, Any]:
        return {}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind, **self._specific_json()}
        if self.request_templates:
            out["request_templates"] = dict(self.request_templates)
        for name in ("template_selection_expression", "passthrough_behavior", "content_handling"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.request_parameters:
            out["request_parameters"] = dict(self.request_parameters)
        if self.timeout is not None:
            out["timeout"] = self.timeout / 1000
        if self.responses:
            out["responses"] = [r.to_json() for r in self.responses]
        return out

    def _common_kwargs(self) -> dict[str, Any]:
        return {
            "request_templates": dict(self.request_templates) or None,
            "template_selection_expression": self.template_selection_expression,
            "request_parameters": dict(self.request_parameters) or None,
            "passthrough_behavior": self.passthrough_behavior,
            "content_handling": self.content_handling,
            "timeout": None if self.timeout is None else self.timeout / 1000,
            "responses": list(self.responses) or None,
        }

    def _canonical(self) -> str:
        import json

        return json.dumps(thaw(self.to_json()), sort_keys=True, default=str)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._canonical() == other._canonical()

    def __hash__(self) -> int:
        return hash(self._canonical())

    def __repr__(self) -> str:
        data = self.to_json()
        data.pop("type")
        parts = ", ".join(f"{k}={v!r}" for k, v in data.items())
        return f"{type(self).__name__}({parts})"


def _common_args(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {name: kwargs.get(name) for name in Integration._COMMON}


class LambdaIntegration(Integration):
    """A Lambda function behind a *non-proxy* integration (``IntegrationType: AWS``).

    The function gets what the request template makes of the message (the raw body when no
    template matches and passthrough allows it), and its result goes through the integration
    response's template. ``invocation_type="Event"`` invokes it asynchronously
    (``X-Amz-Invocation-Type: 'Event'``): API Gateway returns at once and the function answers,
    if at all, through the @connections API. ``function`` is any handler form (``"src/f.main"``,
    a ``Function``, a notebook function, or a props dict); the API's ``defaults`` apply to it as
    to a proxy route's function.
    """

    kind = "lambda"
    __slots__ = ("final", "function_props", "invocation_type")
    final: bool
    function_props: FrozenDict
    invocation_type: str | None

    def __init__(
        self,
        function: Any,
        *,
        request_templates: Any = None,
        template_selection_expression: str | None = None,
        invocation_type: str | None = "RequestResponse",  # None reads as RequestResponse
        request_parameters: Any = None,
        passthrough_behavior: str | None = None,
        content_handling: str | None = None,
        timeout: float | None = None,
        responses: Any = None,
    ) -> None:
        path = "LambdaIntegration.function"
        if isinstance(function, LambdaIntegration):
            raise _error(
                "LambdaIntegration takes a function, not another integration.", function, path
            )
        if isinstance(function, Function):
            props, final = function.props, True
        elif function is None or (isinstance(function, FrozenDict) and not function):
            props, final = FrozenDict(), False  # the route holds the function (see make_route)
        elif isinstance(function, dict):
            props, final = freeze(normalize_props(function, path)), False
        else:
            props, final = freeze(normalize_props({"handler": function}, path)), False
        self._init_field("function_props", props)
        self._init_field("final", final)
        self._init_field(
            "invocation_type",
            _choice(
                invocation_type,
                INVOCATION_TYPES,
                "LambdaIntegration.invocation_type",
                "invocation_type",
            ),
        )
        self._init_common(
            request_templates=request_templates,
            template_selection_expression=template_selection_expression,
            request_parameters=request_parameters,
            passthrough_behavior=passthrough_behavior,
            content_handling=content_handling,
            timeout=timeout,
            responses=responses,
        )
        header = self.request_parameters.get("integration.request.header.X-Amz-Invocation-Type")
        if header is not None and header.strip("'") != self.invocation_type:
            raise _error(
                "The X-Amz-Invocation-Type request parameter and invocation_type disagree.",
                header,
                "LambdaIntegration.request_parameters",
                fix=f"set invocation_type={header.strip(chr(39))!r} and leave the header to wsnb",
            )

    @property
    def has_function(self) -> bool:
        return True

    @property
    def is_async(self) -> bool:
        return self.invocation_type == "Event"

    @property
    def label(self) -> str:
        return "AWS (Lambda, Event)" if self.is_async else "AWS (Lambda)"

    def effective_request_parameters(self) -> FrozenDict:
        """What CloudFormation gets: the user's parameters plus the invocation type header."""
        params = dict(self.request_parameters)
        if self.is_async:
            params["integration.request.header.X-Amz-Invocation-Type"] = "'Event'"
        return FrozenDict(sorted(params.items()))

    def with_function(self, function: Any) -> LambdaIntegration:
        """The same options around ``function`` (any handler form)."""
        return LambdaIntegration(
            function, invocation_type=self.invocation_type, **self._common_kwargs()
        )

    def without_function(self) -> LambdaIntegration:
        """The integration's own options (what a route keeps once it holds the function)."""
        return LambdaIntegration(
            None, invocation_type=self.invocation_type, **self._common_kwargs()
        )

    def _specific_json(self) -> dict[str, Any]:
        return {"invocation_type": self.invocation_type} if self.is_async else {}


class MockIntegration(Integration):
    """API Gateway answers by itself (``IntegrationType: MOCK``): the request template must
    produce ``{"statusCode": <code>}``, which selects the integration response (and, on
    ``$connect``, decides whether the connection opens)."""

    kind = "mock"
    __slots__ = ()

    def __init__(
        self,
        *,
        request_templates: Any = None,
        template_selection_expression: str | None = None,
        passthrough_behavior: str | None = None,
        responses: Any = None,
    ) -> None:
        self._init_common(
            request_templates=request_templates,
            template_selection_expression=template_selection_expression,
            request_parameters=None,
            passthrough_behavior=passthrough_behavior,
            content_handling=None,
            timeout=None,
            responses=responses,
        )


class HttpIntegration(Integration):
    """An HTTP backend: ``HTTP_PROXY`` (``proxy=True``: the message body is sent as is and the
    backend's answer is the reply) or ``HTTP`` (request/response templates apply)."""

    __slots__ = ("method", "proxy", "url")
    method: str | None
    proxy: bool
    url: str

    def __init__(
        self,
        url: str,
        *,
        method: str = "POST",
        proxy: bool = False,
        request_templates: Any = None,
        template_selection_expression: str | None = None,
        request_parameters: Any = None,
        passthrough_behavior: str | None = None,
        content_handling: str | None = None,
        timeout: float | None = None,
        responses: Any = None,
    ) -> None:
        if not isinstance(url, str) or not _URL.match(url.strip()):
            raise _error(
                "An HTTP integration needs an http:// or https:// URL.",
                url,
                "HttpIntegration.url",
                fix='HttpIntegration("https://backend.example.com/messages")',
            )
        if not isinstance(proxy, bool):
            raise _error("proxy must be True or False.", proxy, "HttpIntegration.proxy")
        self._init_field("url", url.strip())
        self._init_field(
            "method", _choice(method, HTTP_METHODS, "HttpIntegration.method", "method")
        )
        self._init_field("proxy", proxy)
        if proxy and (request_templates or responses or template_selection_expression):
            raise _error(
                "An HTTP proxy integration passes the message through: it takes no templates or "
                "integration responses.",
                {"request_templates": request_templates, "responses": responses},
                "HttpIntegration",
                fix="drop them, or use proxy=False to transform the message",
            )
        self._init_common(
            request_templates=request_templates,
            template_selection_expression=template_selection_expression,
            request_parameters=request_parameters,
            passthrough_behavior=passthrough_behavior,
            content_handling=content_handling,
            timeout=timeout,
            responses=responses,
        )

    @property
    def kind(self) -> str:  # type: ignore[override]
        return "http_proxy" if self.proxy else "http"

    def _specific_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "method": self.method}
        if self.proxy:
            out["proxy"] = True
        return out


class AwsIntegration(Integration):
    """An AWS service called directly (``IntegrationType: AWS``), e.g. SQS ``SendMessage``.

    ``service`` is the service's endpoint prefix (``sqs``, ``dynamodb``, ``kinesis``,
    ``events``, ``sns``); give either ``action`` (``PutItem``: API Gateway calls the action) or
    ``path`` (``{account}/jobs``: API Gateway sends the request to that path). ``{region}`` and
    ``{account}`` in ``path`` become the stack's region and account. API Gateway calls the
    service with a role: ``credentials_role`` (an IAM role ARN), or wsnb creates one granting
    ``permissions`` (wsnb's permission forms: ``"sqs:SendMessage"``, a ``Table``, a statement).
    The class methods build the common ones with their templates and grants.
    """

    kind = "aws"
    __slots__ = ("action", "credentials_role", "method", "path", "permissions", "service")
    action: str | None
    credentials_role: str | None
    method: str | None
    path: str | None
    permissions: tuple[Any, ...]
    service: str

    def __init__(
        self,
        service: str,
        *,
        action: str | None = None,
        path: str | None = None,
        method: str = "POST",
        credentials_role: str | None = None,
        permissions: Any = None,
        request_templates: Any = None,
        template_selection_expression: str | None = None,
        request_parameters: Any = None,
        passthrough_behavior: str | None = None,
        content_handling: str | None = None,
        timeout: float | None = None,
        responses: Any = None,
    ) -> None:
        where = "AwsIntegration"
        if not isinstance(service, str) or not _SERVICE.match(service.strip()):
            raise _error(
                "service is an AWS service's endpoint prefix.",
                service,
                f"{where}.service",
                allowed="sqs, dynamodb, kinesis, events, sns, states, ...",
                fix='AwsIntegration("sqs", path="{account}/jobs")',
            )
        if (action is None) == (path is None):
            raise _error(
                "An AWS service integration names either an action or a path (not both).",
                {"action": action, "path": path},
                where,
                fix='AwsIntegration("dynamodb", action="PutItem") or '
                'AwsIntegration("sqs", path="{account}/jobs")',
            )
        if action is not None and (not isinstance(action, str) or not _ACTION.match(action)):
            raise _error(
                "action is the service API's action name.",
                action,
                f"{where}.action",
                fix='action="PutItem"',
            )
        if path is not None and (
            not isinstance(path, str) or not path.strip() or path.startswith("/") or " " in path
        ):
            raise _error(
                "path is the service path after the service name, without a leading '/'.",
                path,
                f"{where}.path",
                fix='path="{account}/jobs"',
            )
        if credentials_role is not None and (
            not isinstance(credentials_role, str) or not _ROLE_ARN.match(credentials_role)
        ):
            raise _error(
                "credentials_role is the ARN of the IAM role API Gateway assumes to call the service.",
                credentials_role,
                f"{where}.credentials_role",
                allowed="arn:aws:iam::<account>:role/<name>",
                fix="leave it out and pass permissions=[...]: wsnb then creates the role",
            )
        self._init_field("service", service.strip())
        self._init_field("action", action)
        self._init_field("path", path)
        self._init_field("method", _choice(method, HTTP_METHODS, f"{where}.method", "method"))
        self._init_field("credentials_role", credentials_role)
        self._init_field("permissions", normalize_permissions(permissions, f"{where}.permissions"))
        self._init_common(
            request_templates=request_templates,
            template_selection_expression=template_selection_expression,
            request_parameters=request_parameters,
            passthrough_behavior=passthrough_behavior,
            content_handling=content_handling,
            timeout=timeout,
            responses=responses,
        )

    @property
    def label(self) -> str:
        return f"AWS ({self.service} {self.action or 'path'})"

    @property
    def service_api(self) -> str:
        """The integration URI's tail: ``action/PutItem`` or ``path/{account}/jobs``."""
        return f"action/{self.action}" if self.action else f"path/{self.path}"

    def local_problem(self) -> str | None:
        if self.service in LOCAL_SERVICES:
            return None
        return f"no local {self.service} (wsnb emulates {', '.join(LOCAL_SERVICES)})"

    @property
    def needs_role(self) -> bool:
        """No role ARN and nothing to grant: API Gateway could not call the service."""
        return self.credentials_role is None and not self.permissions

    def resources(self) -> list[Resource]:
        """The wsnb resources its grants name (a ``Table``, or a statement naming its ARN)."""
        from ._function import props_resources

        return props_resources({"permissions": self.permissions})

    def _specific_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"service": self.service}
        if self.action:
            out["action"] = self.action
        if self.path:
            out["path"] = self.path
        if self.method != "POST":
            out["method"] = self.method
        if self.credentials_role:
            out["credentials_role"] = self.credentials_role
        if self.permissions:
            out["permissions"] = [permission_to_json(p) for p in self.permissions]
        return out

    # ------------------------------------------------------------------ the common ones

    @classmethod
    def sqs_send_message(
        cls,
        queue_name: str,
        *,
        message_body: str = "$util.urlEncode($input.body)",
        **options: Any,
    ) -> AwsIntegration:
        """Send each message to an SQS queue of this account and region (``SendMessage``);
        the template's ``MessageBody`` is the message body, URL-encoded."""
        if not isinstance(queue_name, str) or not re.match(
            r"^[A-Za-z0-9_-]{1,80}(\.fifo)?\Z", queue_name
        ):
            raise _error(
                "An SQS queue name is 1-80 letters, digits, '-' or '_' (FIFO queues end in .fifo).",
                queue_name,
                "AwsIntegration.sqs_send_message.queue_name",
                fix='AwsIntegration.sqs_send_message("jobs")',
            )
        options.setdefault(
            "request_parameters",
            {"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
        )
        options.setdefault(
            "request_templates", {"$default": f"Action=SendMessage&MessageBody={message_body}"}
        )
        options.setdefault("template_selection_expression", "\\$default")
        options.setdefault(
            "permissions",
            [{"actions": ["sqs:SendMessage"], "resources": [f"arn:aws:sqs:*:*:{queue_name}"]}],
        )
        return cls("sqs", path="{account}/" + queue_name, **options)

    @classmethod
    def dynamodb_put_item(
        cls, table: Table, *, item: str | None = None, **options: Any
    ) -> AwsIntegration:
        """Write each message into a wsnb ``Table`` (``PutItem``). ``item`` is the template of
        the DynamoDB ``Item`` (attribute-value JSON); by default the partition key is the
        request id and ``body`` holds the message."""
        if not isinstance(table, Table):
            raise _error(
                "dynamodb_put_item takes a wsnb Table.",
                table,
                "AwsIntegration.dynamodb_put_item.table",
                fix='Table("Messages", fields={"id": "string"}, primary_index={"partition_key": "id"})',
            )
        pk = table.primary_index["partition_key"]
        if item is None:
            item = (
                f'{{"{pk}": {{"S": "$context.requestId"}}, '
                '"connectionId": {"S": "$context.connectionId"}, '
                '"body": {"S": "$util.escapeJavaScript($input.body)"}}'
            )
        template = f'{{"TableName": "{table.table_name}", "Item": {item}}}'
        options.setdefault("request_templates", {"$default": template})
        options.setdefault("template_selection_expression", "\\$default")
        options.setdefault(
            "permissions", [{"actions": ["dynamodb:PutItem"], "resources": [table.table_arn]}]
        )
        return cls("dynamodb", action="PutItem", **options)

    @classmethod
    def kinesis_put_record(cls, stream_name: str, **options: Any) -> AwsIntegration:
        """Put each message into a Kinesis data stream (``PutRecord``, partition key: the
        connection id)."""
        options.setdefault(
            "request_templates",
            {
                "$default": f'{{"StreamName": "{stream_name}", "PartitionKey": '
                '"$context.connectionId", "Data": "$util.base64Encode($input.body)"}'
            },
        )
        options.setdefault("template_selection_expression", "\\$default")
        options.setdefault(
            "permissions",
            [
                {
                    "actions": ["kinesis:PutRecord"],
                    "resources": [f"arn:aws:kinesis:*:*:stream/{stream_name}"],
                }
            ],
        )
        return cls("kinesis", action="PutRecord", **options)

    @classmethod
    def eventbridge_put_events(
        cls, *, source: str, detail_type: str, event_bus: str = "default", **options: Any
    ) -> AwsIntegration:
        """Put each message on an EventBridge bus (``PutEvents``; the message is the detail)."""
        options.setdefault(
            "request_templates",
            {
                "$default": '{"Entries": [{"Source": "'
                + source
                + '", "DetailType": "'
                + detail_type
                + '", "EventBusName": "'
                + event_bus
                + '", "Detail": "$util.escapeJavaScript($input.body)"}]}'
            },
        )
        options.setdefault("template_selection_expression", "\\$default")
        options.setdefault(
            "permissions",
            [
                {
                    "actions": ["events:PutEvents"],
                    "resources": [f"arn:aws:events:*:*:event-bus/{event_bus}"],
                }
            ],
        )
        return cls("events", action="PutEvents", **options)


#: The public classes by JSON ``type``.
_BY_KIND: dict[str, type[Integration]] = {
    "lambda": LambdaIntegration,
    "mock": MockIntegration,
    "http": HttpIntegration,
    "http_proxy": HttpIntegration,
    "aws": AwsIntegration,
}


def integration_from_json(data: Any, path: str, resources: dict | None = None) -> Integration:
    """The integration back from :meth:`Integration.to_json` (without a Lambda's function)."""
    if not isinstance(data, dict) or data.get("type") not in _BY_KIND:
        raise _error(
            "An integration is a dict with a 'type'.", data, path, allowed=", ".join(_BY_KIND)
        )
    body = dict(data)
    kind = body.pop("type")
    if "responses" in body:
        body["responses"] = [IntegrationResponse.from_json(r) for r in body["responses"]]
    if kind == "lambda":
        return LambdaIntegration(None, **body)
    if kind in ("http", "http_proxy"):
        url = body.pop("url")
        return HttpIntegration(
            url, proxy=kind == "http_proxy", **{k: v for k, v in body.items() if k != "proxy"}
        )
    if kind == "aws":
        service = body.pop("service")
        if "permissions" in body:
            body["permissions"] = [
                permission_from_json(p, resources or {}, f"{path}.permissions")
                for p in body["permissions"]
            ]
        return AwsIntegration(service, **body)
    return MockIntegration(**body)


def integration_error(route_key: str, integration: Integration, what: str) -> IntegrationError:
    """``get_function`` & co. on a route without a function."""
    return IntegrationError(
        f"{what}: route {route_key!r} has no function; its integration is {integration.label}.",
        given=route_key,
        allowed="routes with a Lambda function (a handler, or a LambdaIntegration)",
        fix="attach grants to the integration itself (AwsIntegration(..., permissions=[...])), "
        "or use a route with a function",
    )
