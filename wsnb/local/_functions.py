"""The functions of the served model: routes, each function's local configuration and
environment, and the local tables, buckets and parameters they use.

The model (``api.spec``) is read at every event; :class:`Functions` rebuilds a :class:`Routes`
only when that value changes (routes added after ``serve()`` are served), creating resources
the new model uses, and makes each route's function the first time it is invoked.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import _facts
from .._selection import evaluator, expression_of
from ..model import Bucket, Parameter, Resource, Secret, Table, bind_environment
from . import _moto, _tables
from ._buckets import ensure_buckets
from ._handler_runtime import LocalFunction
from ._ids import log_stream_name, now_ms
from ._runtimes import runtime_of
from ._secrets import SecretValues, ensure_parameters

log = logging.getLogger("wsnb.local")


class Routes:
    """The functions of one ``ApiSpec`` value (rebuilt when the model changes)."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self.keys = frozenset(spec.route_keys)
        # a proxy's reply is its result's body; a non-proxy route's is made by its integration
        self.return_response = {
            r.key for r in spec.routes if r.return_response and r.integration is None
        }
        #: The routes whose target is not a Lambda proxy (run by :mod:`._integrations`).
        self.integrations = {r.key: r for r in spec.routes if r.integration is not None}
        self.functions: dict[str, LocalFunction] = {}
        try:
            self.select = evaluator(expression_of(spec))
        except Exception as exc:  # serve() refuses it; a later model change is logged
            log.error("%s; routing on $request.body.action", exc)
            self.select = evaluator("$request.body.action")


class Functions:
    """Makes the local functions of a server's model, and the resources they use.

    ``reserve(name, limit)`` declares a function's reserved concurrency to the invoker;
    ``on_new_spec(spec)`` is called once for each new model value, after its resources exist.
    """

    def __init__(
        self,
        *,
        stage: str,
        app: str,
        region: str,
        account: str,
        root: Path,
        secrets: SecretValues,
        fake_credentials: bool,
        reserve: Callable[[str, int | None], None],
        on_new_spec: Callable[[Any], None] | None = None,
    ) -> None:
        self._where = {"stage": stage, "app": app, "region": region}
        self._account = account
        self._root = root
        self._secrets = secrets
        self._fake_credentials = fake_credentials
        self._reserve = reserve
        self._on_new_spec = on_new_spec  # e.g. preparing the integrations' local resources
        self._made: set[Resource] = set()
        self.current: Routes | None = None

    def routes_for(self, spec: Any) -> Routes:
        """The routes of ``spec`` (the same object while the model does not change)."""
        routes = self.current
        if routes is None or routes.spec is not spec:
            routes = Routes(spec)
            self.ensure_resources(spec.resources())
            if self._on_new_spec is not None:
                self._on_new_spec(spec)
            self.current = routes
        return routes

    def function(self, routes: Routes, key: str) -> LocalFunction:
        """The function of route ``key`` (or ``"authorizer"``), made on first use."""
        rt = routes.functions.get(key)
        if rt is None:
            spec = routes.spec
            if key == "authorizer":
                props = spec.authorizer_function.props  # built-in defaults filled in, as synth
            else:
                props = spec.merged_function(key).props
            where = self._where
            name = function_name(
                where["stage"], where["app"], spec.construct_id, key, props.get("function_name")
            )
            environment = self.environment(spec, props, name)
            reserved = props.get("reserved_concurrent_executions")
            rt = LocalFunction(
                key=key,
                name=name,
                arn=f"arn:aws:lambda:{where['region']}:{self._account}:function:{name}",
                runtime=runtime_of(props["handler"], props),
                handler=props["handler"],
                timeout=float(props.get("timeout", 10)),
                memory=int(props.get("memory_size", 1024)),
                environment=environment,
                log_group=f"/aws/lambda/{name}",
                log_stream=log_stream_name(now_ms()),
                env_digest=hashlib.sha256(repr(sorted(environment.items())).encode()).hexdigest()[
                    :16
                ],
                return_response=key in routes.return_response,
                reserved_concurrency=None if reserved is None else int(reserved),
            )
            self._reserve(name, rt.reserved_concurrency)
            routes.functions[key] = rt
        return rt

    def environment(self, spec: Any, props: dict[str, Any], name: str) -> dict[str, str]:
        """The variables Lambda would set for the function, and its own (tokens resolved)."""
        resources = spec.resources()
        region = self._where["region"]
        where = {**self._where, "account": self._account}
        env = {
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(props.get("memory_size", _facts.DEFAULT_MEMORY)),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{props.get('runtime', _facts.DEFAULT_RUNTIME)}",
            "LAMBDA_TASK_ROOT": str(self._root),
            "WSNB_LOCAL": "1",
        }
        if any(isinstance(r, Table) for r in resources):
            env["AWS_ENDPOINT_URL_DYNAMODB"] = _moto.ENDPOINTS["dynamodb"]
        if any(isinstance(r, Bucket) for r in resources):
            env["AWS_ENDPOINT_URL_S3"] = _moto.ENDPOINTS["s3"]
        if any(isinstance(r, (Secret, Parameter)) for r in resources):
            env["AWS_ENDPOINT_URL_SSM"] = _moto.ENDPOINTS["ssm"]
        # the queues, streams, topics and buses AWS service integrations write to, locally
        for service in _integration_services(spec):
            env[_ENDPOINT_VARIABLES[service]] = _moto.ENDPOINTS[service]
        if self._fake_credentials:
            env["AWS_ACCESS_KEY_ID"] = "wsnb-local"
            env["AWS_SECRET_ACCESS_KEY"] = "wsnb-local"
        for res in props.get("bind", ()):
            for key, value in bind_environment(res).items():
                env[key] = _tables.resolve_tokens(str(value), resources, **where)
        for key, value in props.get("environment", {}).items():
            env[key] = _tables.resolve_tokens(str(value), resources, **where)
        return env

    def ensure_resources(self, resources: list[Resource]) -> None:
        """Create the model's tables, buckets and SSM parameters not made yet by this server."""
        new = [r for r in resources if r not in self._made]
        if not new:
            return
        where = self._where
        made_tables = {r.id for r in self._made if isinstance(r, Table)}
        _tables.ensure_tables(
            [r for r in new if isinstance(r, Table) and r.id not in made_tables], **where
        )
        ensure_buckets([r for r in new if isinstance(r, Bucket)], **where)
        ensure_parameters(
            [r for r in new if isinstance(r, (Secret, Parameter))], self._secrets, **where
        )
        self._made |= set(new)


#: botocore's endpoint variable of each service an AWS service integration may reach locally.
_ENDPOINT_VARIABLES = {
    "sqs": "AWS_ENDPOINT_URL_SQS",
    "sns": "AWS_ENDPOINT_URL_SNS",
    "kinesis": "AWS_ENDPOINT_URL_KINESIS",
    "events": "AWS_ENDPOINT_URL_EVENTBRIDGE",
}


def _integration_services(spec: Any) -> list[str]:
    services = {getattr(r.integration, "service", None) for r in spec.integration_routes()}
    return sorted(s for s in services if s in _ENDPOINT_VARIABLES)


_SLUG = re.compile(r"[^A-Za-z0-9_-]+")


def function_name(stage: str, app: str, api: str, key: str, given: str | None) -> str:
    """The Lambda function name: the one given, else ``<stage>-<app>-<api>-<route>`` (64 max)."""
    if given:
        return given
    slug = _SLUG.sub("", key.lstrip("$")) or "route"
    return f"{stage}-{app}-{api}-{slug}"[:64]
