"""``authorizer=``: ``"none"``, ``"iam"`` or a Lambda REQUEST authorizer."""

from __future__ import annotations

import re
from typing import Any

from .. import _facts
from .._errors import AuthorizerError
from ._frozen import Frozen
from ._function import Function, normalize_props


class LambdaAuthorizer(Frozen):
    """A Lambda REQUEST authorizer for ``$connect``.

    ``LambdaAuthorizer("src/authorizer.main")`` or ``LambdaAuthorizer(Function(...),
    identity_source=["route.request.querystring.token"], name="TokenAuthorizer")``.
    """

    __slots__ = ("function", "identity_source", "name")
    function: Function
    identity_source: tuple[str, ...]
    name: str

    def __init__(
        self,
        function: Any,
        *,
        identity_source: list[str] | tuple[str, ...] | None = None,
        name: str | None = None,
    ) -> None:
        path = "authorizer.function"
        if isinstance(function, Function):
            fn = function
        elif isinstance(function, dict):
            fn = Function(**normalize_props(function, path))
        elif function is None:
            raise AuthorizerError(
                "A Lambda authorizer needs a function.",
                given=None,
                fix='LambdaAuthorizer("src/authorizer.main")',
                path=path,
            )
        else:
            fn = Function(function)
        sources = (
            tuple(identity_source)
            if identity_source is not None
            else _facts.DEFAULT_IDENTITY_SOURCE
        )
        if (
            isinstance(identity_source, str)
            or not sources
            or not all(isinstance(s, str) and s.startswith("route.request.") for s in sources)
        ):
            raise AuthorizerError(
                "identity_source must be a non-empty list of route.request.* expressions.",
                given=identity_source,
                allowed="route.request.header.<Name>, route.request.querystring.<name>",
                fix='identity_source=["route.request.header.Authorization"]',
                path="authorizer.identity_source",
            )
        if name is not None and (
            not isinstance(name, str) or not re.match(r"^[\w-]{1,128}\Z", name, re.ASCII)
        ):
            raise AuthorizerError(
                "Authorizer name must be 1-128 letters, digits, '_' or '-'.",
                given=name,
                path="authorizer.name",
            )
        self._init_field("function", fn)
        self._init_field("identity_source", sources)
        self._init_field("name", name or _facts.DEFAULT_AUTHORIZER_NAME)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "lambda",
            "function": self.function.to_dict(),
            "identity_source": list(self.identity_source),
            "name": self.name,
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LambdaAuthorizer) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self.to_dict()))

    def __repr__(self) -> str:
        return f"LambdaAuthorizer({self.function!r}, identity_source={list(self.identity_source)!r}, name={self.name!r})"


_AUTHORIZER_ALLOWED = '"none", "iam", LambdaAuthorizer(...), or {"type": "lambda", "function": ...}'


def normalize_authorizer(value: Any) -> str | LambdaAuthorizer:
    if value is None:
        return "none"
    if isinstance(value, LambdaAuthorizer):
        return value
    if isinstance(value, str):
        norm = value.strip().lower()
        if norm in ("none", "iam"):
            return norm
        raise AuthorizerError(
            f"Authorizer {value!r} is not known.",
            given=value,
            allowed=_AUTHORIZER_ALLOWED,
            fix='authorizer="iam"'
            if "iam" in norm
            else 'authorizer=LambdaAuthorizer("src/authorizer.main")',
        )
    if isinstance(value, dict):
        data = dict(value)
        type_ = data.pop("type", None)
        if type_ != "lambda":
            raise AuthorizerError(
                f"Authorizer dict has type {type_!r}; only 'lambda' takes a dict.",
                given=value,
                allowed=_AUTHORIZER_ALLOWED,
                fix='{"type": "lambda", "function": "src/authorizer.main"}',
            )
        cdk = data.pop("cdk", None)
        if cdk:
            raise AuthorizerError(
                "cdk.authorizer (a ready-made CDK authorizer) cannot be expressed in the model.",
                given=cdk,
                fix="pass function=, identity_source= and name= instead",
            )
        if "identitySource" in data:
            data["identity_source"] = data.pop("identitySource")
        unknown = set(data) - {"function", "identity_source", "name"}
        if unknown:
            raise AuthorizerError(
                f"Lambda authorizer has unknown key(s) {sorted(unknown)}.",
                given=value,
                allowed="type, function, identity_source, name",
            )
        return LambdaAuthorizer(
            data.get("function"), identity_source=data.get("identity_source"), name=data.get("name")
        )
    raise AuthorizerError(
        f"Authorizer of type {type(value).__name__} is not understood.",
        given=value,
        allowed=_AUTHORIZER_ALLOWED,
    )


def authorizer_to_json(value: str | LambdaAuthorizer) -> Any:
    return value.to_dict() if isinstance(value, LambdaAuthorizer) else value
