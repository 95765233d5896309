"""Resources a handler can use: ``Table``, ``Bucket``, ``Secret``, ``Parameter``.

Their attributes (``table.table_name``, ``bucket.bucket_arn``…) are :class:`Ref` strings:
placeholders that the synthesizer turns into CloudFormation references and the emulator into
real local values. A ``Ref`` can also be embedded in a longer string (an f-string); it is then
found again by its token text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from .._errors import ResourceError, suggest_id
from ._frozen import Frozen, freeze

_ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}\Z")
_PARAM_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}\Z")
TOKEN_PATTERN = re.compile(
    r"\$\{wsnb:(Table|Bucket|Secret|Parameter)/([A-Za-z0-9_-]+)\.([a-z_]+)\}"
)
FIELD_TYPES = ("string", "number", "binary")


class Ref(str):
    """A placeholder for a resource attribute, e.g. ``table.table_name``.

    It is a ``str`` (its text is a token such as ``${wsnb:Table/Connections.table_name}``) so
    it can go anywhere a string goes; ``.resource`` and ``.attribute`` say what it stands for.
    """

    resource: Resource
    attribute: str

    def __new__(cls, resource: Resource, attribute: str) -> Ref:
        text = f"${{wsnb:{resource.kind}/{resource.id}.{attribute}}}"
        obj = super().__new__(cls, text)
        obj.resource = resource
        obj.attribute = attribute
        return obj

    def __repr__(self) -> str:
        return f"{self.resource.kind}({self.resource.id!r}).{self.attribute}"

    def __reduce__(self):
        return (Ref, (self.resource, self.attribute))


def find_tokens(text: str) -> list[tuple[str, str, str]]:
    """Every ``(kind, id, attribute)`` a string refers to through embedded Ref tokens."""
    return TOKEN_PATTERN.findall(text)


class Resource(Frozen):
    """Base of the resources a function can be granted or bound to."""

    kind: ClassVar[str] = "Resource"
    attributes: ClassVar[tuple[str, ...]] = ()

    id: str

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Resource:
        raise NotImplementedError

    def _key(self) -> tuple:
        import json

        return (self.kind, json.dumps(self.to_dict(), sort_keys=True))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Resource) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _check_value(self) -> None:
        """The constructor's last step: check the whole value (fields are already read-only)."""
        from ._values import check_data

        check_data(self.to_dict(), f"{self.kind}({self.id!r})", error=ResourceError)

    def ref(self, attribute: str) -> Ref:
        if attribute not in self.attributes:
            raise ResourceError(
                f"{self.kind} has no attribute {attribute!r}.",
                given=attribute,
                allowed=", ".join(self.attributes),
            )
        return Ref(self, attribute)


def _check_id(kind: str, value: Any, pattern: re.Pattern[str] = _ID_PATTERN) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise ResourceError(
            f"{kind} id {value!r} is not valid.",
            given=value,
            allowed="a name of letters, digits, '_' and '-', starting with a letter, at most 64 characters",
            fix=f"{kind}({suggest_id(value, keep='_-', fallback='Connections')!r}, ...)",
        )
    return value


class Table(Resource):
    """A DynamoDB table (SST's ``Table``, kept small).

    ``Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})``
    """

    kind = "Table"
    attributes = ("table_name", "table_arn", "stream_arn")

    fields: Mapping[str, str]
    primary_index: Mapping[str, str]
    global_indexes: Mapping[str, Mapping[str, Any]]

    def __init__(
        self,
        id: str,
        *,
        fields: dict[str, str],
        primary_index: dict[str, str],
        global_indexes: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self._init_field("id", _check_id("Table", id))
        self._init_field("fields", freeze(_check_fields(id, fields)))
        self._init_field(
            "primary_index", freeze(_check_index(id, "primary_index", primary_index, self.fields))
        )
        gsi = {} if global_indexes is None else global_indexes
        if not isinstance(gsi, dict):
            raise ResourceError(
                f"Table {id!r}: global_indexes must be a dict of index name to index.",
                given=global_indexes,
                fix='global_indexes={"byRoom": {"partition_key": "room"}}',
            )
        indexes = {
            _check_index_name(id, name): _check_index(
                id, f"global_indexes[{name!r}]", spec, self.fields
            )
            for name, spec in gsi.items()
        }
        self._init_field("global_indexes", freeze(indexes))
        self._check_value()

    @property
    def table_name(self) -> Ref:
        return Ref(self, "table_name")

    @property
    def table_arn(self) -> Ref:
        return Ref(self, "table_arn")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "fields": dict(self.fields),
            "primary_index": dict(self.primary_index),
        }
        if self.global_indexes:
            out["global_indexes"] = {k: dict(v) for k, v in self.global_indexes.items()}
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Table:
        return cls(
            data["id"],
            fields=data["fields"],
            primary_index=data["primary_index"],
            global_indexes=data.get("global_indexes"),
        )

    def __repr__(self) -> str:
        return f"Table({self.id!r}, fields={self.fields!r}, primary_index={self.primary_index!r})"


# "Supported data types and naming rules in Amazon DynamoDB": index names are 3-255 of
# a-z, A-Z, 0-9, '_', '-', '.'; attribute names 1-255 bytes of UTF-8.
_INDEX_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}\Z")


def _check_index_name(table_id: str, name: Any) -> str:
    if not isinstance(name, str) or not _INDEX_NAME.match(name):
        raise ResourceError(
            f"Table {table_id!r}: global index name {name!r} is not a DynamoDB index name.",
            given=name,
            allowed="3-255 letters, digits, '_', '-' or '.'",
            fix='global_indexes={"byRoom": {"partition_key": "room"}}',
        )
    return name


def _check_fields(table_id: str, fields: Any) -> dict[str, str]:
    if not isinstance(fields, dict) or not fields:
        raise ResourceError(
            f"Table {table_id!r}: fields must be a non-empty dict of field name to type.",
            given=fields,
            allowed=" | ".join(FIELD_TYPES),
            fix='fields={"id": "string"}',
        )
    for name, type_ in fields.items():
        if (
            not isinstance(name, str)
            or not name
            or len(name.encode("utf-8", "replace")) > 255
            or type_ not in FIELD_TYPES
        ):
            raise ResourceError(
                f"Table {table_id!r}: field {name!r} has type {type_!r}.",
                given={name: type_},
                allowed="a name of 1-255 bytes, of type "
                + " | ".join(repr(t) for t in FIELD_TYPES),
                fix=f'fields={{"{name}": "string"}}',
            )
    return dict(fields)


def _check_index(
    table_id: str, where: str, index: Any, fields: Mapping[str, str]
) -> dict[str, str]:
    allowed_keys = {"partition_key", "sort_key"}
    if not isinstance(index, dict) or "partition_key" not in index or set(index) - allowed_keys:
        raise ResourceError(
            f"Table {table_id!r}: {where} must be a dict with 'partition_key' and optional 'sort_key'.",
            given=index,
            fix='{"partition_key": "id"}',
        )
    for role, field in index.items():
        if field not in fields:
            raise ResourceError(
                f"Table {table_id!r}: {where} {role} {field!r} is not one of the table's fields.",
                given=field,
                allowed=", ".join(repr(f) for f in fields),
                fix=f"add {field!r} to fields=, or index a field that exists",
            )
    return dict(index)


class Bucket(Resource):
    """An S3 bucket (SST's ``Bucket``, kept small)."""

    kind = "Bucket"
    attributes = ("bucket_name", "bucket_arn")

    def __init__(self, id: str) -> None:
        self._init_field("id", _check_id("Bucket", id))
        self._check_value()

    @property
    def bucket_name(self) -> Ref:
        return Ref(self, "bucket_name")

    @property
    def bucket_arn(self) -> Ref:
        return Ref(self, "bucket_arn")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bucket:
        return cls(data["id"])

    def __repr__(self) -> str:
        return f"Bucket({self.id!r})"


class Secret(Resource):
    """A secret value set outside the code (SST's ``Config.Secret``).

    Bound functions get the SSM parameter *name* in an environment variable, never the value,
    and permission to read it; set the value with
    ``aws ssm put-parameter --type SecureString --name <name> --value ...``.
    """

    kind = "Secret"
    attributes = ("name", "parameter_name")

    def __init__(self, name: str) -> None:
        self._init_field("id", _check_id("Secret", name, _PARAM_NAME_PATTERN))
        self._check_value()

    @property
    def name(self) -> str:
        return self.id

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.id}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Secret:
        return cls(data["name"])

    def __repr__(self) -> str:
        return f"Secret({self.id!r})"


class Parameter(Resource):
    """A plain configuration value (SST's ``Config.Parameter``)."""

    kind = "Parameter"
    attributes: ClassVar[tuple[str, ...]] = ("name", "value")

    value: str

    def __init__(self, name: str, value: str) -> None:
        self._init_field("id", _check_id("Parameter", name, _PARAM_NAME_PATTERN))
        if not isinstance(value, str):
            raise ResourceError(
                f"Parameter {name!r}: value must be a string.",
                given=value,
                fix=f"Parameter({name!r}, str(value))",
            )
        self._init_field("value", value)
        self._check_value()

    @property
    def name(self) -> str:
        return self.id

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.id, "value": self.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Parameter:
        return cls(data["name"], data["value"])

    def __repr__(self) -> str:
        return f"Parameter({self.id!r}, {self.value!r})"


RESOURCE_TYPES: dict[str, type[Resource]] = {
    "Table": Table,
    "Bucket": Bucket,
    "Secret": Secret,
    "Parameter": Parameter,
}


def resource_name(resource_id: str, *, app: str, stage: str) -> str:
    """The name a resource gets in a stage (a Table's table name): ``<stage>-<app>-<id>``."""
    return f"{stage}-{app}-{resource_id}"


def ssm_parameter_name(resource: Secret | Parameter, *, app: str, stage: str) -> str:
    """The SSM parameter holding a Secret's (or Parameter's) value:
    ``/wsnb/<app>/<stage>/<Kind>/<name>/value`` (synth grants it, the emulator stores it)."""
    return f"/wsnb/{app}/{stage}/{resource.kind}/{resource.id}/value"


def bind_environment(resource: Resource) -> dict[str, str]:
    """Environment variables that ``bind`` injects for a resource (the documented naming).

    ``WSNB_<Kind>_<id>_<attribute>``: e.g. ``WSNB_Table_Connections_table_name``,
    ``WSNB_Bucket_Uploads_bucket_name``, ``WSNB_Parameter_STAGE_COLOR_value`` and
    ``WSNB_Secret_STRIPE_KEY_parameter_name`` (the SSM parameter holding the secret).
    """
    prefix = f"WSNB_{resource.kind}_{resource.id}_"
    if isinstance(resource, Table):
        return {
            prefix + "table_name": resource.table_name,
            prefix + "table_arn": resource.table_arn,
        }
    if isinstance(resource, Bucket):
        return {prefix + "bucket_name": resource.bucket_name}
    if isinstance(resource, Parameter):
        return {prefix + "value": resource.value}
    if isinstance(resource, Secret):
        return {prefix + "parameter_name": Ref(resource, "parameter_name")}
    return {}
