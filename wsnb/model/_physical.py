"""What a template can say that the builder cannot: resources with an explicit physical name
(a template's ``TableName``/``BucketName``/SSM ``Name``), and handlers with a non-Python runtime.

The builder names every resource ``<stage>-<app>-<id>`` (see :func:`resource_name`). An API read
from an existing template must keep the names its handlers already use, so
:func:`wsnb.WebSocketApi.from_template` makes these subclasses; synth and the emulator ask
:func:`explicit_name` first. They behave as their base class everywhere else (same ``kind``,
same Ref tokens), and ``to_dict()`` carries the name as ``physical_name``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._errors import ResourceError
from ._handlers import FileHandler
from ._resources import Bucket, Parameter, Resource, Table


def _check_name(kind: str, rid: str, name: Any) -> str:
    if not isinstance(name, str) or not name or len(name) > 2048:
        raise ResourceError(
            f"{kind} {rid!r}: physical_name must be a non-empty string.",
            given=name,
            path="physical_name",
        )
    return name


class NamedTable(Table):
    """A ``Table`` whose DynamoDB table name is fixed (e.g. ``simplechat_connections``)."""

    physical_name: str

    def __init__(self, id: str, *, physical_name: str, **kwargs: Any) -> None:
        object.__setattr__(self, "physical_name", _check_name("Table", id, physical_name))
        super().__init__(id, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "physical_name": self.physical_name}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NamedTable:
        return cls(
            data["id"],
            physical_name=data["physical_name"],
            fields=data["fields"],
            primary_index=data["primary_index"],
            global_indexes=data.get("global_indexes"),
        )

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, physical_name={self.physical_name!r})"


class NamedBucket(Bucket):
    """A ``Bucket`` whose S3 bucket name is fixed."""

    physical_name: str

    def __init__(self, id: str, *, physical_name: str) -> None:
        object.__setattr__(self, "physical_name", _check_name("Bucket", id, physical_name))
        super().__init__(id)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "physical_name": self.physical_name}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NamedBucket:
        return cls(data["id"], physical_name=data["physical_name"])

    def __repr__(self) -> str:
        return f"Bucket({self.id!r}, physical_name={self.physical_name!r})"


class NamedParameter(Parameter):
    """A ``Parameter`` stored in SSM under a fixed name (an ``AWS::SSM::Parameter``'s ``Name``)."""

    attributes = ("name", "value", "parameter_name")
    physical_name: str

    def __init__(self, name: str, value: str, *, physical_name: str) -> None:
        object.__setattr__(self, "physical_name", _check_name("Parameter", name, physical_name))
        super().__init__(name, value)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "physical_name": self.physical_name}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NamedParameter:
        return cls(data["name"], data["value"], physical_name=data["physical_name"])

    def __repr__(self) -> str:
        return f"Parameter({self.id!r}, {self.value!r}, physical_name={self.physical_name!r})"


NAMED_TYPES: dict[str, type[Resource]] = {
    "Table": NamedTable,
    "Bucket": NamedBucket,
    "Parameter": NamedParameter,
}


def explicit_name(resource: Resource) -> str | None:
    """The fixed physical name of a resource read from a template, else None."""
    return getattr(resource, "physical_name", None)


def from_dict(kind: str, data: dict[str, Any]) -> Resource | None:
    """Rebuild a named resource from ``to_dict()`` output (None when ``data`` has no name)."""
    if "physical_name" in data and kind in NAMED_TYPES:
        return NAMED_TYPES[kind].from_dict(data)
    return None


@dataclass(frozen=True)
class DeclaredRuntimeHandler(FileHandler):
    """The handler of a function read from a template, with the runtime the template declares
    when the model cannot hold it (``python3.9``): the route table shows that runtime."""

    runtime: str = ""
    logical_id: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ForeignHandler(DeclaredRuntimeHandler):
    """The handler of a function read from a template whose runtime is not Python
    (``nodejs20.x``, ``java21``…): shown with its runtime; ``serve()`` runs a Node.js one and
    refuses the others; ``synth()`` refuses them."""


def foreign_handlers(spec: Any) -> dict[str, str]:
    """``{logical id or route key: runtime}`` of every non-Python handler in a spec."""
    from ._options import LambdaAuthorizer

    out: dict[str, str] = {}
    for fn in spec.functions():
        h = fn.handler
        if isinstance(h, ForeignHandler):
            out[h.logical_id or fn.route_key] = h.runtime
    auth = spec.authorizer
    if isinstance(auth, LambdaAuthorizer) and isinstance(auth.function.handler, ForeignHandler):
        h = auth.function.handler
        out[h.logical_id or "authorizer"] = h.runtime
    return dict(sorted(out.items()))
