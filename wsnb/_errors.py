"""The wsnb exception tree. Every error wsnb raises on purpose is a :class:`WsnbError`::

    WsnbError(Exception)
    ├── ValidationError(WsnbError, ValueError)   bad input, raised before the model changes
    │   ├── RouteKeyError                        a route key that API Gateway would refuse
    │   ├── HandlerError                         a handler that is not "path/file.func" or a usable callable
    │   ├── PropError(ValidationError, TypeError) an unknown function prop or a value of the wrong type
    │   ├── DuplicateRouteError                  a different definition under a key already taken
    │   ├── DefaultsConflictError                a finished Function() while defaults are set
    │   ├── AuthorizerError, DomainError, AccessLogError, PermissionsError, CdkPropsError, ResourceError
│   ├── TemplateError                        a template from_template() cannot read
    ├── SynthError                               a valid model that cannot synthesize
    ├── ExportError                              an unsafe or occupied export target
    ├── EmulatorError                            the local emulator cannot do what was asked
    └── MissingDependencyError(WsnbError, ImportError)

Each error carries ``given``, ``allowed``, ``fix`` and ``path`` attributes, and ``str()`` lays
them out on separate lines, so a message always says what was given, what is allowed and how
to fix it::

    try:
        api.route("$conect", "src/connect.main")
    except wsnb.WsnbError as exc:
        print(exc.fix)
"""

from __future__ import annotations

from typing import Any

_MISSING = object()


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
            lines.append(f"  given:   {_short_repr(self.given)}")
        if self.allowed:
            lines.append(f"  allowed: {self.allowed}")
        if self.fix:
            lines.append(f"  fix:     {self.fix}")
        return "\n".join(lines)

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


class PropError(ValidationError, TypeError):
    """An unknown function prop, or a prop value of the wrong type or range."""


class DuplicateRouteError(ValidationError):
    """A different definition under a route key that is already taken."""


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


class HandlerFileWarning(UserWarning):
    """A handler's file does not exist (yet) relative to the working directory."""


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
