"""The CDK construct ``to_cdk`` returns (the class is defined on first use: aws_cdk is heavy)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .._errors import IntegrationError, RouteKeyError
from ..plan import Plan
from ._interpret import Interpreter

_CLASS: Any = None


def construct_class() -> Any:
    global _CLASS
    if _CLASS is None:
        from constructs import Construct

        class WebSocketApiConstruct(Construct):
            """wsnb's WebSocket API as a CDK construct (SST's ``WebSocketApi`` shape).

            ``.cdk.web_socket_api``, ``.cdk.web_socket_stage``, ``.cdk.access_log_group``,
            ``.cdk.domain_name``, ``.cdk.certificate``; ``get_function(key)``, ``get_route(key)``,
            ``url``, ``custom_domain_url``, ``id``, ``routes``.
            """

            def __init__(self, scope: Any, id: str, *, plan: Plan, asset_root: Path | None) -> None:
                super().__init__(scope, id)
                env = Interpreter({"self": self}, asset_root).run(plan.body)
                out = plan.outputs
                self.cdk = SimpleNamespace(
                    **{
                        name: env[out[name]] if out[name] else None
                        for name in (
                            "web_socket_api",
                            "web_socket_stage",
                            "access_log_group",
                            "domain_name",
                            "certificate",
                        )
                    }
                )
                self._functions = {k: env[v] for k, v in out["functions"].items()}
                self._routes = {k: env[v] for k, v in out["routes"].items()}
                self._resources = {k: env[v] for k, v in out["resources"].items()}
                self._integrations = dict(out.get("integrations", {}))
                self._custom_domain_url = out["custom_domain_url"]
                self._plan = plan

            @property
            def id(self) -> str:
                return self.node.id

            @property
            def routes(self) -> list[str]:
                return list(self._routes)

            @property
            def url(self) -> str:
                """``wss://<api id>.execute-api.<region>.<suffix>/<stage>`` (a CDK token)."""
                return self.cdk.web_socket_stage.url

            @property
            def custom_domain_url(self) -> str | None:
                return self._custom_domain_url

            def get_function(self, key: str) -> Any:
                """The route's ``aws_lambda.Function`` (a Lambda proxy's or a non-proxy
                ``LambdaIntegration``'s; mock, HTTP and AWS service routes have none)."""
                norm = _key(key, self._routes)
                if norm not in self._functions:
                    raise IntegrationError(
                        f"get_function: route {norm!r} has no function; its integration is "
                        f"{self._integrations.get(norm, 'not a Lambda')}.",
                        given=key,
                        allowed=", ".join(repr(k) for k in self._functions) or "(no functions)",
                        fix="use get_route(key) for the route itself",
                    )
                return self._functions[norm]

            def get_route(self, key: str) -> Any:
                """The route's ``aws_apigatewayv2.WebSocketRoute``."""
                return self._routes[_key(key, self._routes)]

            def get_resource(self, kind: str, rid: str) -> Any:
                """The CDK construct of a wsnb ``Table``/``Bucket``: ``get_resource("Table", "Connections")``."""
                return self._resources[f"{kind}/{rid}"]

        _CLASS = WebSocketApiConstruct
    return _CLASS


def _key(key: str, known: dict[str, Any]) -> str:
    norm = key.strip() if isinstance(key, str) else key
    if norm not in known:
        raise RouteKeyError(
            f"This API has no route {key!r}.",
            given=key,
            allowed=", ".join(repr(k) for k in known) or "(no routes)",
        )
    return norm
