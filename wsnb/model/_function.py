"""Lambda function props (snake_case), their validation, and the ``Function`` value."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from .. import _facts
from .._errors import HandlerError, PropError
from ._frozen import Frozen, freeze
from ._handlers import CallableHandler, FileHandler, Handler, parse_handler
from ._permissions import normalize_permissions, permission_to_json, statement_resources
from ._resources import Ref, Resource, find_tokens
from ._values import ALLOWED_TEXT, check_data, number_problem, text_problem

# Names a Python handler can read. Lambda's own pattern is stricter ([a-zA-Z][a-zA-Z0-9_]+:
# "Environment" in the Lambda API reference); one-letter and '_'-leading names still build
# (SPEC examples use {"A": "1"}) and lint() reports them as errors (LAMBDA_ENV_NAME).
# The whole set (names and values) must stay under 4 KB.
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")
LAMBDA_ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]+\Z")
ENV_MAX_BYTES = 4096
# "CreateFunction" API reference, FunctionName: 1-64 of letters, digits, '-' and '_'.
_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
_LAYER_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+\Z")
_DURATION = re.compile(r"^\s*(\d+)\s*(second|seconds|minute|minutes|s|sec|min)?\s*\Z")
_SIZE = re.compile(r"^\s*(\d+)\s*(MB|GB)?\s*\Z", re.IGNORECASE)


def _int_in_range(name: str, lo: int, hi: int, unit: str, parse: Callable[[Any], int | None]):
    def check(value: Any, path: str) -> int:
        number = parse(value)
        if number is None or not lo <= number <= hi:
            raise PropError(
                f"{name} must be a whole number of {unit} from {lo} to {hi}.",
                given=value,
                allowed=f"{lo}..{hi} ({unit})",
                fix=f"{name}={max(lo, min(hi, number or lo))}",
                path=path,
            )
        return number

    return check


def _parse_seconds(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and (m := _DURATION.match(value)):
        n = int(m[1])
        return n * 60 if (m[2] or "s").startswith("min") else n
    return None


def _parse_megabytes(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and (m := _SIZE.match(value)):
        n = int(m[1])
        return n * 1024 if (m[2] or "MB").upper() == "GB" else n
    return None


def _choice(name: str, options: tuple[str, ...]):
    def check(value: Any, path: str) -> str:
        if isinstance(value, str):
            norm = value.strip().lower().replace("-", "_")
            if norm in options:
                return norm
        close = difflib.get_close_matches(str(value), options, n=1)
        raise PropError(
            f"{name} {value!r} is not supported.",
            given=value,
            allowed=", ".join(repr(o) for o in options),
            fix=f"{name}={close[0]!r}" if close else f"{name}={options[0]!r}",
            path=path,
        )

    return check


def _runtime(value: Any, path: str) -> str:
    """A Lambda runtime wsnb runs and synthesizes: Python, or Node.js (SPEC §8)."""
    if isinstance(value, str):
        norm = value.strip().lower()
        if norm in _facts.RUNTIMES:
            return norm
        if norm in _facts.NODE_RETIRED_RUNTIMES:
            when = _facts.aws_date(_facts.NODE_DEPRECATION_DATES[norm])
            raise PropError(
                f"runtime {value!r} is retired: AWS Lambda deprecated it on {when} and no longer "
                "creates functions with it.",
                given=value,
                allowed=", ".join(repr(o) for o in _facts.RUNTIMES),
                fix=f"runtime={_facts.DEFAULT_NODE_RUNTIME!r}",
                path=path,
            )
    close = difflib.get_close_matches(str(value), _facts.RUNTIMES, n=1)
    raise PropError(
        f"runtime {value!r} is not supported.",
        given=value,
        allowed=", ".join(repr(o) for o in _facts.RUNTIMES),
        fix=f"runtime={close[0]!r}" if close else f"runtime={_facts.DEFAULT_RUNTIME!r}",
        path=path,
    )


def _string(name: str, max_len: int):
    def check(value: Any, path: str) -> str:
        if not isinstance(value, str) or len(value) > max_len:
            raise PropError(
                f"{name} must be a string of at most {max_len} characters.",
                given=value,
                path=path,
            )
        return value

    return check


def _environment(value: Any, path: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise PropError(
            "environment must be a dict of variable name to string value.",
            given=value,
            fix='environment={"TABLE_NAME": table.table_name}',
            path=path,
        )
    out: dict[str, str] = {}
    for key, val in value.items():
        if not isinstance(key, str) or not _ENV_NAME.match(key) or key.startswith("AWS_"):
            raise PropError(
                f"Environment variable name {key!r} is not allowed.",
                given=key,
                allowed="letters, digits and '_', not starting with a digit, not AWS_*",
                fix=f"environment={{{env_name_fix(key)!r}: ...}}",
                path=f"{path}[{key!r}]",
            )
        if isinstance(val, bool) or not isinstance(val, (str, int, float)):
            raise PropError(
                f"Environment value for {key!r} must be a string.",
                given=val,
                fix=f"environment={{{key!r}: str(value)}}",
                path=f"{path}[{key!r}]",
            )
        if not isinstance(val, str) and number_problem(val):
            raise PropError(
                f"Environment value for {key!r} {number_problem(val)}.",
                given=val,
                fix=f"environment={{{key!r}: str(value)}} with a finite number",
                path=f"{path}[{key!r}]",
            )
        if isinstance(val, str) and (problem := text_problem(val, dynamic_reference=True)):
            raise PropError(
                f"Environment value for {key!r} {problem}.",
                given=val,
                allowed=ALLOWED_TEXT + "; '{{resolve:...}}' references are allowed here",
                fix=f"environment={{{key!r}: ...}} with plain text",
                path=f"{path}[{key!r}]",
            )
        out[key] = val if isinstance(val, str) else str(val)
    check_environment_size(out, path)
    return out


def env_name_fix(key: Any) -> str:
    text = re.sub(r"[^A-Za-z0-9_]", "_", str(key)).removeprefix("AWS_")
    text = text if text[:1].isalpha() and text[:1].isascii() else "V" + text
    return text if len(text) > 1 else text + "_VALUE"


def environment_bytes(env: dict[str, str]) -> int:
    """The size Lambda counts against its 4 KB limit: every name and value, UTF-8."""
    return sum(len(k.encode()) + len(str(v).encode()) for k, v in env.items())


def check_environment_size(env: dict[str, str], path: str) -> None:
    size = environment_bytes(env)
    if size > ENV_MAX_BYTES:
        raise PropError(
            f"The environment holds {size} bytes; Lambda allows {ENV_MAX_BYTES} in all (names and values).",
            given=f"{len(env)} variables, {size} bytes",
            allowed=f"at most {ENV_MAX_BYTES} bytes",
            fix="move large values to a Parameter/Secret (api.bind([...])) or a file in the handler's folder",
            path=path,
        )


def _function_name(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _FUNCTION_NAME.match(value):
        raise PropError(
            "function_name must be 1-64 letters, digits, '-' or '_'.",
            given=value,
            allowed="[A-Za-z0-9_-]{1,64}",
            fix=f"function_name={re.sub(r'[^A-Za-z0-9_-]+', '-', str(value)).strip('-')[:64] or 'my-function'!r}",
            path=path,
        )
    return value


def _whole_number(name: str, lo: int, hi: int):
    """A plain int in range (no strings, no floats): reserved_concurrent_executions."""

    def check(value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise PropError(
                f"{name} must be a whole number from {lo} to {hi}.",
                given=value,
                allowed=f"an int {lo}..{hi}",
                fix=f"{name}=10",
                path=path,
            )
        return value

    return check


def _layers(value: Any, path: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, str) and _LAYER_ARN.match(v) for v in value
    ):
        raise PropError(
            "layers must be a list of Lambda layer version ARNs.",
            given=value,
            allowed="arn:aws:lambda:<region>:<account>:layer:<name>:<version>",
            path=path,
        )
    return tuple(value)


def _bind(value: Any, path: str) -> tuple[Resource, ...]:
    if isinstance(value, Resource):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, Resource) for v in value):
        raise PropError(
            "bind must be a list of wsnb Table, Bucket, Secret or Parameter objects.",
            given=value,
            fix="bind=[table, Secret('STRIPE_KEY')]",
            path=path,
        )
    return tuple(value)


def _handler(value: Any, path: str) -> Handler:
    return parse_handler(value, path)


# name -> validator(value, path) -> normalized value
PROP_VALIDATORS: dict[str, Callable[[Any, str], Any]] = {
    "handler": _handler,
    "runtime": _runtime,
    "timeout": _int_in_range("timeout", *_facts.LAMBDA_TIMEOUT_RANGE, "seconds", _parse_seconds),
    "memory_size": _int_in_range(
        "memory_size", *_facts.LAMBDA_MEMORY_RANGE, "MB", _parse_megabytes
    ),
    "environment": _environment,
    "permissions": lambda v, p: normalize_permissions(v, p),
    "layers": _layers,
    "bind": _bind,
    "architecture": _choice("architecture", _facts.ARCHITECTURES),
    "description": _string("description", 256),
    "tracing": _choice("tracing", _facts.TRACING_MODES),
    "ephemeral_storage_size": _int_in_range(
        "ephemeral_storage_size", *_facts.LAMBDA_EPHEMERAL_RANGE, "MB", _parse_megabytes
    ),
    "reserved_concurrent_executions": _whole_number("reserved_concurrent_executions", 0, 100000),
    "function_name": _function_name,
}
PROP_NAMES = tuple(PROP_VALIDATORS)
MERGED_PROPS = ("environment", "permissions", "layers", "bind")
BUILTIN_DEFAULTS: dict[str, Any] = {
    "runtime": _facts.DEFAULT_RUNTIME,
    "timeout": _facts.DEFAULT_TIMEOUT,
    "memory_size": _facts.DEFAULT_MEMORY,
    "architecture": "x86_64",
    "tracing": _facts.DEFAULT_TRACING,
}
_CAMEL_ALIASES = {
    "memorySize": "memory_size",
    "functionName": "function_name",
    "ephemeralStorageSize": "ephemeral_storage_size",
    "reservedConcurrentExecutions": "reserved_concurrent_executions",
    "memory": "memory_size",
}


def normalize_props(
    props: dict[str, Any], path: str, *, route_keyword: bool = False
) -> dict[str, Any]:
    """Validate function props and return them normalized (order: as ``PROP_NAMES``)."""
    if not isinstance(props, dict):
        raise PropError(
            f"Function props must be a dict, not {type(props).__name__}.",
            given=props,
            fix='{"handler": "src/send.main", "timeout": 10}',
            path=path,
        )
    unknown = [k for k in props if k not in PROP_VALIDATORS]
    if unknown:
        key = unknown[0]
        raise unknown_prop_error(key, path, route_keyword=route_keyword)
    out: dict[str, Any] = {}
    for name in PROP_NAMES:
        if name in props and props[name] is not None:
            out[name] = PROP_VALIDATORS[name](props[name], f"{path}.{name}")
    _check_callable_runtime(out, path)
    check_data(props_to_json(out), path, error=PropError)
    return freeze(out)


def _check_callable_runtime(props: dict[str, Any], path: str) -> None:
    """A Python function runs on a Python runtime: asking for Node.js with it is a mistake (a
    Node.js runtime that comes from ``defaults`` does not apply to it: see ``merge_props``)."""
    handler, runtime = props.get("handler"), props.get("runtime")
    if isinstance(handler, CallableHandler) and _facts.runtime_family(runtime) != "python":
        raise PropError(
            f"{handler.name}() is a Python function; it cannot run on {runtime}.",
            given=runtime,
            allowed=", ".join(repr(o) for o in _facts.PYTHON_RUNTIMES),
            fix=f"leave runtime out (a Python function runs on {_facts.DEFAULT_RUNTIME}), or "
            'write the handler as a Node.js file and name it: "src/handler.main"',
            path=f"{path}.runtime",
        )


def unknown_prop_error(key: Any, path: str, *, route_keyword: bool = False) -> PropError:
    candidates = list(PROP_NAMES) + (["return_response"] if route_keyword else [])
    suggestion = _CAMEL_ALIASES.get(str(key)) or next(
        iter(difflib.get_close_matches(str(key), candidates, n=1, cutoff=0.5)), None
    )
    return PropError(
        f"{key!r} is not a function prop.",
        given=key,
        allowed=", ".join(candidates),
        fix=f"did you mean {suggestion!r}?" if suggestion else "remove it",
        path=f"{path}.{key}",
    )


def props_to_json(props: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in props.items():
        if name == "handler":
            out[name] = value.to_json()
        elif name == "permissions":
            out[name] = [permission_to_json(p) for p in value]
        elif name == "bind":
            out[name] = [{r.kind.lower(): r.id} for r in value]
        elif name == "layers":
            out[name] = list(value)
        elif name == "environment":
            out[name] = {k: str(v) for k, v in value.items()}
        else:
            out[name] = value
    return out


def props_resources(props: dict[str, Any]) -> list[Resource]:
    """Resources these props refer to: permissions, bind, and Refs in environment values."""
    found: list[Resource] = []
    for item in props.get("permissions", ()):
        if isinstance(item, Resource):
            found.append(item)
        found.extend(statement_resources(item))  # a statement naming table.table_arn
    found.extend(props.get("bind", ()))
    for val in props.get("environment", {}).values():
        if isinstance(val, Ref):
            found.append(val.resource)
    return found


def env_tokens(props: dict[str, Any]) -> list[tuple[str, str, str]]:
    tokens: list[tuple[str, str, str]] = []
    for val in props.get("environment", {}).values():
        tokens.extend(find_tokens(val))
    return tokens


class Function(Frozen):
    """A Lambda function for a route: ``Function("src/send.main", memory_size=512)``.

    Its props are final: a ``Function`` is used as it is, so passing one as a route while
    ``defaults`` are set is an error (pass a dict or keyword props to have defaults merged).
    """

    __slots__ = ("_props",)
    _props: Mapping[str, Any]  # frozen (a FrozenDict)

    def __init__(self, handler: str | Callable[..., Any] | None = None, /, **props: Any) -> None:
        if handler is not None:
            if "handler" in props:
                raise PropError(
                    "The handler was given twice (positionally and as handler=).",
                    given=(handler, props["handler"]),
                    fix=f"Function({handler!r}, ...)",
                )
            props["handler"] = handler
        if props.get("handler") is None:
            raise HandlerError(
                "A Function needs a handler.",
                given=props,
                allowed='"path/to/file.func" or a Python function',
                fix='Function("src/send.main")',
                path="Function",
            )
        self._init_field("_props", normalize_props(props, "Function"))

    @classmethod
    def _from_normalized(cls, props: dict[str, Any]) -> Function:
        obj = cls.__new__(cls)
        obj._init_field("_props", freeze(props))
        return obj

    @property
    def handler(self) -> FileHandler | CallableHandler:
        return self._props["handler"]

    @property
    def props(self) -> dict[str, Any]:
        """The props as given (normalized), handler included."""
        return dict(self._props)

    def to_dict(self) -> dict[str, Any]:
        return props_to_json(self._props)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Function) and _canon(self.to_dict()) == _canon(other.to_dict())

    def __hash__(self) -> int:
        return hash(_canon(self.to_dict()))

    def __repr__(self) -> str:
        args = [
            repr(str(self.handler)) if isinstance(self.handler, FileHandler) else self.handler.name
        ]
        args += [f"{k}={v!r}" for k, v in self._props.items() if k != "handler"]
        return f"Function({', '.join(args)})"


def _canon(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))
