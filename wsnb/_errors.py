"""The wsnb exception tree. Every error wsnb raises on purpose is a :class:`WsnbError`::

    WsnbError(Exception)
    ├── ValidationError(WsnbError, ValueError)   bad input, raised before the model changes
    │   ├── ArgumentError(ValidationError, TypeError) an unknown keyword argument (with a suggestion)
    │   ├── RouteKeyError                        a route key that API Gateway would refuse
    │   ├── HandlerError                         a handler that is not "path/file.func" or a usable callable
    │   ├── PropError(ValidationError, TypeError) an unknown function prop or a value of the wrong type
    │   ├── DuplicateRouteError                  a different definition under a key already taken
    │   ├── DefaultsConflictError                a finished Function() while defaults are set
    │   ├── AuthorizerError, DomainError, AccessLogError, PermissionsError, CdkPropsError, ResourceError
    │   ├── IntegrationError                     a route integration API Gateway would refuse
│   ├── TemplateError                        a template from_template() cannot read
    ├── SynthError                               a valid model that cannot synthesize
    ├── ExportError                              an unsafe or occupied export target
    ├── EmulatorError                            the local emulator cannot do what was asked
    ├── MissingDependencyError(WsnbError, ImportError)
    ├── UnknownNameError(WsnbError, AttributeError)  ``wsnb.WebSocketAPI``: suggests ``WebSocketApi``
    └── UnknownImportError(WsnbError, ImportError)   the same for ``from wsnb import WebSocketAPI``

Each error carries ``given``, ``allowed``, ``fix`` and ``path`` attributes, and ``str()`` lays
them out on separate lines, so a message always says what was given, what is allowed and how
to fix it.
In IPython and Jupyter a WsnbError shows only the user's own frames and this block
(``%xmode Verbose`` or ``WSNB_TRACEBACK=full`` show the full traceback); plain scripts keep
Python's normal traceback::

    try:
        api.route("$conect", "src/connect.main")
    except wsnb.WsnbError as exc:
        print(exc.fix)
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

_MISSING = object()
_F = TypeVar("_F", bound=Callable[..., Any])


class WsnbError(Exception):
    """Root of every error wsnb raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        given: Any = _MISSING,
        allowed: str | None = None,
        fix: str | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message
        self.given = None if given is _MISSING else given
        self._has_given = given is not _MISSING
        self.allowed = allowed
        self.fix = fix
        self.path = path
        super().__init__(message)

    def __str__(self) -> str:
        lines = [self.message]
        if self.path:
            lines.append(f"  at:      {self.path}")
        if self._has_given:
            lines += self._given_lines()
        if self.allowed:
            lines.append(f"  allowed: {self.allowed}")
        if self.fix:
            lines.append(f"  fix:     {self.fix}")
        return "\n".join(lines)

    def _given_lines(self) -> list[str]:
        return [f"  given:   {_short_repr(self.given)}"]

    @property
    def _render_traceback_(self):
        """IPython's hook: show the user's frames and this message, not wsnb's internals.

        Absent (``AttributeError``) under ``%xmode Verbose`` or ``WSNB_TRACEBACK=full``, so
        IPython falls back to its full traceback; see :mod:`wsnb._user_frames`.
        """
        from ._user_frames import full_traceback_wanted, render_for_ipython

        if full_traceback_wanted():
            raise AttributeError("_render_traceback_")
        return lambda: render_for_ipython(self)

    def __reduce__(self):  # keep errors picklable (multiprocessing, ipyparallel)
        return (_rebuild, (type(self), self.message, self.__dict__))


def _rebuild(cls, message, state):
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


def _short_repr(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ValidationError(WsnbError, ValueError):
    """Bad input to the model; raised before anything changes."""


class RouteKeyError(ValidationError):
    """A route key API Gateway would not accept."""


class HandlerError(ValidationError):
    """A handler that is neither ``"path/file.func"`` nor a usable Python function."""


class ArgumentError(ValidationError, TypeError):
    """An unknown keyword argument to a wsnb function; the fix names the close one."""


class PropError(ValidationError, TypeError):
    """An unknown function prop, or a prop value of the wrong type or range."""


class DuplicateRouteError(ValidationError):
    """A different definition under a route key that is already taken.

    ``given`` is ``{"existing": ..., "new": ...}`` (the two definitions as JSON); ``str()``
    shows only what differs, one prop per line (``timeout: unset → 30``)."""

    def _given_lines(self) -> list[str]:
        given = self.given
        if not (isinstance(given, dict) and set(given) == {"existing", "new"}):
            return super()._given_lines()
        changes = definition_changes(given["existing"], given["new"])
        if not changes:
            return super()._given_lines()
        return [f"  {'changes:' if i == 0 else '':9}{line}" for i, line in enumerate(changes)]


def definition_changes(existing: Any, new: Any) -> list[str]:
    """``name: old → new`` for every prop (and route option) two route definitions disagree on;
    ``unset`` where one of them leaves it out. Definitions are ``RouteSpec.definition_json()``."""

    def flat(definition: Any) -> dict[str, Any]:
        if not isinstance(definition, dict):
            return {"handler": definition}
        out = dict(definition.get("function") or {})
        out.update((k, v) for k, v in definition.items() if k != "function")
        return out

    old, now = flat(existing), flat(new)
    lines = []
    for name in [*old, *(n for n in now if n not in old)]:
        if old.get(name, _MISSING) == now.get(name, _MISSING):
            continue
        if name == "handler" and _handler_text(old.get(name)) == _handler_text(now.get(name)):
            lines.append(f"handler: {_handler_text(now[name])}: its code changed")
            continue
        before, after = (_change_text(name, d.get(name, _MISSING)) for d in (old, now))
        lines.append(f"{name}: {before} → {after}")
    return lines


def _handler_text(value: Any) -> str:
    if isinstance(value, dict) and isinstance(value.get("python"), dict):
        return f"{value['python'].get('name')}() (notebook)"
    return repr(value)


def _change_text(name: str, value: Any) -> str:
    if value is _MISSING:
        return "unset"
    if name == "handler":
        return _handler_text(value)
    return _short_repr(value, 80)


class DefaultsConflictError(ValidationError):
    """A finished ``Function(...)`` used as a route while ``defaults`` are set."""


class AuthorizerError(ValidationError):
    """An authorizer that is not ``"none"``, ``"iam"`` or a Lambda authorizer."""


class DomainError(ValidationError):
    """A custom domain value that cannot be deployed."""


class AccessLogError(ValidationError):
    """An access-log setting that is not a bool, a format string or a settings dict."""


class PermissionsError(ValidationError):
    """A permission that is not ``"*"``, a service, an action, a statement or a resource."""


class CdkPropsError(ValidationError):
    """A ``cdk=`` override that wsnb cannot apply."""


class ResourceError(ValidationError):
    """A Table, Bucket, Secret or Parameter that is not well formed, or clashes with another."""


class IntegrationError(ValidationError):
    """A route integration (mock, non-proxy Lambda, HTTP, AWS service) API Gateway would refuse,
    or a function-only call (``get_function``…) on a route without a function."""


class TemplateError(ValidationError):
    """A CloudFormation/SAM template or cdk.out that ``WebSocketApi.from_template`` cannot read."""


class SynthError(WsnbError):
    """A valid model that cannot be synthesized as it stands."""


class ExportError(WsnbError):
    """An export target that is unsafe or already occupied."""


class EmulatorError(WsnbError):
    """The local emulator cannot do what was asked."""


class MissingDependencyError(WsnbError, ImportError):
    """An optional dependency is not installed; the message has the install line."""


class UnknownNameError(WsnbError, AttributeError):
    """A name the ``wsnb`` package does not have (``wsnb.WebSocketAPI``), with the close one."""


class UnknownImportError(WsnbError, ImportError):
    """``from wsnb import WebSocketAPI``: a name the package does not have, with the close one."""


class HandlerFileWarning(UserWarning):
    """A handler's file does not exist (yet), or (at ``serve()``) does not define a usable function."""


class LintWarning(UserWarning):
    """A finding of :meth:`WebSocketApi.lint` surfaced as a warning (e.g. at synth)."""


def require(module: str, *, extra: str, purpose: str):
    """Import an optional dependency or raise :class:`MissingDependencyError` with the fix."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs the optional package {module!r}, which is not installed.",
            given=str(exc),
            allowed=f"wsnb with the [{extra}] extra",
            fix=f"pip install 'wsnb[{extra}]'",
        ) from None


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``name`` most likely meant: same letters ignoring case, else difflib's."""
    options = list(candidates)
    for option in options:
        if option.lower() == name.lower():
            return option
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return close[0] if close else None


def check_keywords(func: _F) -> _F:
    """Refuse an unknown keyword argument of ``func`` with an :class:`ArgumentError` that names
    the close one (``WebSocketApi(route=...)`` → ``routes=``), before ``func`` runs.

    ``func``'s signature is kept (``inspect.signature`` and help() show the real one).
    """
    params = inspect.signature(func).parameters.values()
    names = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    owner = func.__qualname__.removesuffix(".__init__")

    @functools.wraps(func)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for key in kwargs:
            if key not in names:
                close = closest(key, [n for n in names if n != "self"])
                raise ArgumentError(
                    f"{owner}() has no argument {key!r}.",
                    given=key,
                    allowed=", ".join(n for n in names if n != "self"),
                    fix=f"did you mean {close}=...?" if close else f"see help({owner})",
                )
        return func(*args, **kwargs)

    return checked  # type: ignore[return-value]


def unknown_name(
    module: str, name: str, candidates: Iterable[str], *, importing: bool
) -> WsnbError:
    """The error for a missing module attribute, suggesting the close public name."""
    close = closest(name, candidates)
    cls = UnknownImportError if importing else UnknownNameError
    message = (
        f"cannot import name {name!r} from {module!r}."
        if importing
        else f"module {module!r} has no attribute {name!r}."
    )
    fix = (
        (f"from {module} import {close}" if importing else f"{module}.{close}")
        if close
        else f"see help({module}) for what it defines"
    )
    err = cls(message, given=name, fix=fix)
    if importing:
        err.name = module  # ImportError's fields, as Python sets them
    else:
        err.name = name
    return err


def suggest_id(value: Any, *, keep: str = "-", fallback: str = "Api") -> str:
    """A valid id close to ``value``: other characters become '-', a letter first, at most 64
    characters (``'my_api'`` → ``'my-api'``); ``keep`` lists the punctuation allowed."""
    import re

    text = str(value) if isinstance(value, str) else ""
    text = re.sub(f"[^A-Za-z0-9{re.escape(keep)}]+", "-", text).strip("-_")
    text = re.sub(r"^[^A-Za-z]+", "", text)[:64].rstrip("-_")
    return text or fallback
