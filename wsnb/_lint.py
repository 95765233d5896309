"""``api.lint()``: what would fail or surprise at deploy, found before deploying. Never raises."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from . import _facts
from ._handler_check import handler_problems, model_handlers
from ._integration_lint import integration_findings
from ._lint_cache import LintCache
from .model import ApiSpec, FileHandler, LambdaAuthorizer, managed_policy

LEVELS = ("error", "warning", "info")
_SECRET_NAME = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|API_?KEY|ACCESS_?KEY)", re.IGNORECASE
)


@dataclass(frozen=True)
class Finding:
    """One lint finding: ``level`` is "error", "warning" or "info"; ``code`` is short and stable.

    ``fix`` is the advice in Python (the model's terms). ``route`` is the route key the finding
    is about, when it is about one. An API read from a template also gets the advice in its
    user's other terms: ``template_fix``, the same as an edit of the template (shown after the
    fix), and ``cli_fix``, in command-line words (``TARGET`` standing for the CLI's TARGET).
    """

    level: str
    code: str
    message: str
    fix: str
    route: str | None = None
    template_fix: str | None = None
    cli_fix: str | None = None

    def __str__(self) -> str:
        text = f"{self.level}: [{self.code}] {self.message} Fix: {self.fix}"
        return text + (f"; in the template: {self.template_fix}" if self.template_fix else "")

    def to_dict(self) -> dict[str, str]:
        out = {"level": self.level, "code": self.code, "message": self.message, "fix": self.fix}
        for name in ("route", "template_fix", "cli_fix"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out


def lint(spec: ApiSpec, *, root: str | os.PathLike[str] | None = None) -> list[Finding]:
    """All findings, errors first, then warnings, then infos (stable order within a level).

    Handler files are checked in ``root`` (None: the working directory now). What
    the checks find is kept while the model, the root and the handler files stay the same
    (:mod:`wsnb._lint_cache`), so showing an API again costs little; what a notebook function
    reads from the notebook is checked at every call."""
    files = [h.file for _, h in model_handlers(spec) if isinstance(h, FileHandler)]
    where = "." if root is None else root
    parts = _CACHE.get(spec, where, files, lambda: _checked(spec, where))
    findings: list[Finding] = []
    for check, part in zip(_CHECKS, parts, strict=True):
        findings.extend(_with_notebook_functions(spec, part) if check is _handlers else part)
    return sorted(findings, key=lambda f: LEVELS.index(f.level))


def _checked(spec: ApiSpec, root: str | os.PathLike[str]) -> tuple[tuple[Any, ...], ...]:
    """Each check's findings (the handler check's as ``(where, finding)``), kept by the cache."""
    parts = []
    for check in _CHECKS:
        try:
            parts.append(tuple(check(spec, root) if check is _handlers else check(spec)))
        except Exception as exc:  # lint never raises
            parts.append((_internal(exc),))
    return tuple(parts)


def _internal(exc: Exception) -> Finding:
    return Finding("info", "lint-internal", f"A lint check failed: {exc!r}.", "report it")


def _with_notebook_functions(spec: ApiSpec, part: tuple[Any, ...]) -> list[Finding]:
    """The handler check's findings in function order: the kept ones for file handlers, and
    the notebook functions' checked now (what they read from the notebook can change)."""
    if any(isinstance(item, Finding) for item in part):  # the check itself failed
        return list(part)
    found = dict(part)
    try:
        for where, problem in handler_problems(spec, file_handlers=False):
            found[where] = _handler_finding(where, problem)
    except Exception as exc:
        return [*found.values(), _internal(exc)]
    return [found[where] for where, _ in model_handlers(spec) if where in found]


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
                route=key,
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
        yield access_log_role_finding()


def access_log_role_finding() -> Finding:
    """The access-log caveat, said once: lint, ``synth()``'s summary and the CLI all show this."""
    return Finding(**_facts.ACCESS_LOG_ROLE_NOTE)


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


def _handlers(spec: ApiSpec, root: str | os.PathLike[str] = "."):
    """``(where, finding)`` for each file handler with a problem (notebook functions: see
    :func:`_with_notebook_functions`)."""
    for where, problem in handler_problems(spec, root, notebook_functions=False):
        yield where, _handler_finding(where, problem)


def _handler_finding(where: str, problem: Any) -> Finding:
    return Finding(
        problem.level,
        problem.code,
        f"{where}: {problem.message}",
        problem.fix,
        route=None if where == "authorizer" else where,
    )


def _runtimes(spec: ApiSpec):
    """Deprecated Node.js runtimes, the local Node.js version, notebook functions kept on Python."""
    from ._node_check import runtime_problems

    for problem in runtime_problems(spec):
        yield Finding(problem.level, problem.code, problem.message, problem.fix)


def _functions(spec: ApiSpec):
    functions = [(fn.route_key, fn.props) for _, fn in spec.all_functions()]
    # "Set up asynchronous invocation of the backend Lambda function": with the Event
    # invocation type API Gateway does not wait for the function, so its limit does not apply
    not_waited = {
        r.key for r in spec.integration_routes() if getattr(r.integration, "is_async", False)
    }
    for where, props in functions:
        timeout = props.get("timeout", _facts.DEFAULT_TIMEOUT)
        if where in not_waited:
            continue
        if where != "authorizer" and timeout > _facts.INTEGRATION_TIMEOUT_SECONDS:
            yield Finding(
                "info",
                "timeout-over-integration-limit",
                f"{where}: timeout is {timeout} s but API Gateway stops waiting after "
                f"{_facts.INTEGRATION_TIMEOUT_SECONDS} s (the client gets an error; Lambda keeps running).",
                "keep the work under 29 s, or reply later through the @connections API",
                route=where,
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
    from .model import LAMBDA_ENV_NAME, env_name_fix

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
                    f"rename it, e.g. {env_name_fix(name)!r}",
                )


def _dynamic_references(spec: ApiSpec):
    """``{{resolve:...}}`` is allowed only in environment values (wsnb/model/_values.py)."""
    from .model import DYNAMIC_REFERENCE

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


def _route_selection(spec: ApiSpec):
    """A route selection expression the local emulator (``api.serve()``) cannot evaluate."""
    from ._selection import SelectionExpressionError, expression_of, parse

    expression = expression_of(spec)
    try:
        parse(expression)
    except SelectionExpressionError as exc:
        yield Finding(
            "warning",
            "route-selection-expression",
            f"cdk.web_socket_api.route_selection_expression {expression!r}: {exc.message} "
            "api.serve() refuses it.",
            f"use {exc.allowed}",
        )


# ---------------------------------------------------------------- security: grants and parameters

#: services whose full access lets a function make itself (or anyone) an administrator
_ESCALATING_SERVICES = ("iam", "sts", "organizations")


def _grant_sources(spec: ApiSpec):
    """(where, merged props) for every route function and the authorizer function."""
    for fn in spec.functions():
        yield f"route {fn.route_key!r}", fn.props
    if isinstance(spec.authorizer, LambdaAuthorizer):
        yield "the authorizer", spec.authorizer.function.props


def _grouped(spec: ApiSpec, items_of) -> dict[object, str]:
    """item → where it applies ("every route", or the route/authorizer names), in model order."""
    found: dict[object, list[str]] = {}
    for where, props in _grant_sources(spec):
        for item in items_of(props):
            found.setdefault(item, [])
            if where not in found[item]:
                found[item].append(where)
    routes = [f"route {fn.route_key!r}" for fn in spec.functions()]
    out: dict[object, str] = {}
    for item, places in found.items():
        if len(routes) > 1 and all(r in places for r in routes):
            places = ["every route"] + [p for p in places if p not in routes]
        out[item] = ", ".join(places)
    return out


def _wide_actions(item: object) -> list[str]:
    """The actions of a permission item that reach every resource of a service (or all)."""
    managed = managed_policy(item)
    if managed is not None:  # AWS's policies that are as wide as these actions
        name = managed[1] if managed[0] == "aws" else ""
        return {"AdministratorAccess": ["*"], "IAMFullAccess": ["iam:*"]}.get(name, [])
    if isinstance(item, str):  # a string grant applies to every resource ("*")
        action = item if item == "*" or ":" in item else f"{item}:*"
        return [action] if action == "*" or action.endswith(":*") else []
    if isinstance(item, dict) and item.get("Effect", "Allow") == "Allow":
        resources = item.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else list(resources or [])
        if "*" not in resources:
            return []
        actions = item.get("Action", [])
        actions = [actions] if isinstance(actions, str) else list(actions or [])
        return [a for a in actions if isinstance(a, str) and (a == "*" or a.endswith(":*"))]
    return []


def _wide_grants(spec: ApiSpec):
    """``"*"`` (full admin), a bare service (``"s3"`` → ``s3:*`` on ``*``), and ``"iam"``."""
    wide = _grouped(
        spec,
        lambda props: [a for item in props.get("permissions", ()) for a in _wide_actions(item)],
    )
    for action, where in wide.items():
        assert isinstance(action, str)
        service = action.split(":", 1)[0]
        if action == "*":
            yield Finding(
                "warning",
                "admin-grant",
                f'{where}: permissions "*" gives the function full administrator access to '
                "the whole AWS account (every action on every resource).",
                'grant only what the handler uses: a Table/Bucket, or actions such as "dynamodb:GetItem"',
            )
        elif service in _ESCALATING_SERVICES:
            yield Finding(
                "warning",
                "escalating-grant",
                f"{where}: {action} on every resource lets the function grant itself (or anyone) "
                "any permission: it is as wide as administrator access.",
                f"name the few {service} actions and resources the handler needs",
            )
        else:
            yield Finding(
                "warning",
                "service-wide-grant",
                f"{where}: {action} allows every {service} action on every {service} resource "
                "in the account.",
                "grant the resource itself (a Table/Bucket), or name actions such as "
                f'"{service}:Get*" in a statement with a Resource',
            )


def _secret_parameters(spec: ApiSpec):
    """A ``Parameter`` whose name looks secret: its value ships as a plain environment variable."""
    from .model import Parameter

    params = _grouped(
        spec,
        lambda props: [
            r for r in props.get("bind", ()) if isinstance(r, Parameter) and looks_secret(r.id)
        ],
    )
    for res, where in params.items():
        assert isinstance(res, Parameter)
        yield Finding(
            "warning",
            "secret-parameter",
            f"{where}: Parameter {res.id!r} looks like a secret, but a Parameter's value is "
            "written into the template and the function's environment in plain text.",
            f"use Secret({res.id!r}) (its value stays in SSM Parameter Store) and bind that",
        )


_CACHE = LintCache()

_CHECKS = (
    _routes,
    _authorizer,
    _access_log,
    _resource_count,
    _defaults,
    _handlers,
    _runtimes,
    _functions,
    _secrets,
    _environment_names,
    _dynamic_references,
    _domain,
    _route_selection,
    _wide_grants,
    _secret_parameters,
    integration_findings,
)
