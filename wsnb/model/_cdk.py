"""``cdk=`` overrides: the construct id, and the CDK WebSocketApi/WebSocketStage props or imports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .. import _facts
from .._errors import CdkPropsError
from ._frozen import freeze_fields, thaw
from ._values import check_data

_CDK_ID = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}\Z")
_STAGE_NAME = re.compile(r"^[A-Za-z0-9_$-]{1,128}\Z")


@dataclass(frozen=True)
class CdkSpec:
    id: str | None = None
    web_socket_api: dict[str, Any] | str | None = None
    web_socket_stage: dict[str, Any] | str | None = None

    def __post_init__(self) -> None:
        freeze_fields(self, "web_socket_api", "web_socket_stage")

    @property
    def imports_api(self) -> bool:
        return isinstance(self.web_socket_api, str)

    @property
    def imports_stage(self) -> bool:
        return isinstance(self.web_socket_stage, str)

    def to_json(self) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        if self.id:
            out["id"] = self.id
        if self.web_socket_api is not None:
            out["web_socket_api"] = thaw(self.web_socket_api)
        if self.web_socket_stage is not None:
            out["web_socket_stage"] = thaw(self.web_socket_stage)
        return out or None


_CAMEL_CDK = {"webSocketApi": "web_socket_api", "webSocketStage": "web_socket_stage"}
_CAMEL_PROPS = {
    "apiName": "api_name",
    "routeSelectionExpression": "route_selection_expression",
    "apiKeySelectionExpression": "api_key_selection_expression",
    "ipAddressType": "ip_address_type",
    "stageName": "stage_name",
    "autoDeploy": "auto_deploy",
    "detailedMetricsEnabled": "detailed_metrics_enabled",
}


def normalize_cdk(value: Any) -> CdkSpec:
    if value is None:
        return CdkSpec()
    if isinstance(value, CdkSpec):
        return value
    if not isinstance(value, dict):
        raise CdkPropsError(
            "cdk must be a dict.",
            given=value,
            allowed="id, web_socket_api, web_socket_stage",
            path="cdk",
        )
    data: dict[Any, Any] = {_CAMEL_CDK.get(k, k): v for k, v in value.items()}  # keys unchecked
    unknown = set(data) - {"id", "web_socket_api", "web_socket_stage"}
    if unknown:
        raise CdkPropsError(
            f"cdk has unknown key(s) {sorted(unknown)}.",
            given=value,
            allowed="id, web_socket_api, web_socket_stage",
            path="cdk",
        )
    cdk_id = data.get("id")
    if cdk_id is not None and (not isinstance(cdk_id, str) or not _CDK_ID.match(cdk_id)):
        raise CdkPropsError(
            "cdk.id must start with a letter and hold letters, digits and '-'.",
            given=cdk_id,
            path="cdk.id",
        )
    api = _cdk_props(
        data.get("web_socket_api"),
        "web_socket_api",
        _facts.WEB_SOCKET_API_PROPS,
        r"^[a-z0-9]{1,32}\Z",
        "an existing API id such as 'a1b2c3d4e5'",
    )
    stage = _cdk_props(
        data.get("web_socket_stage"),
        "web_socket_stage",
        _facts.WEB_SOCKET_STAGE_PROPS,
        _STAGE_NAME.pattern,
        "an existing stage name such as 'prod'",
    )
    if isinstance(stage, str) and not isinstance(api, str):
        # SST v1 WebSocketApi: "Cannot import the webSocketStage when the webSocketApi is not imported"
        raise CdkPropsError(
            "Cannot import the web_socket_stage when the web_socket_api is not imported.",
            given=value,
            allowed="an imported stage together with an imported API: "
            '{"web_socket_api": "<api id>", "web_socket_stage": "<stage name>"}',
            fix='import both, or give the new stage props: cdk={"web_socket_stage": {"stage_name": "prod"}}',
            path="cdk.web_socket_stage",
        )
    return CdkSpec(id=cdk_id, web_socket_api=api, web_socket_stage=stage)


def _cdk_props(
    value: Any, name: str, allowed: tuple[str, ...], import_pattern: str, import_desc: str
):
    if value is None:
        return None
    if isinstance(value, str):
        if not re.match(import_pattern, value):
            raise CdkPropsError(
                f"cdk.{name} as a string imports an existing resource, but {value!r} is not one.",
                given=value,
                allowed=import_desc,
                path=f"cdk.{name}",
            )
        return value
    if not isinstance(value, dict):
        raise CdkPropsError(
            f"cdk.{name} must be a dict of props or a string to import.",
            given=value,
            path=f"cdk.{name}",
        )
    props: dict[Any, Any] = {_CAMEL_PROPS.get(k, k): v for k, v in value.items()}  # unchecked
    for key, val in props.items():
        if key not in allowed:
            import difflib

            close = difflib.get_close_matches(key, allowed, n=1)
            raise CdkPropsError(
                f"cdk.{name} has no prop {key!r}.",
                given=key,
                allowed=", ".join(allowed),
                fix=f"did you mean {close[0]!r}?" if close else None,
                path=f"cdk.{name}.{key}",
            )
        check_data(val, f"cdk.{name}.{key}", error=CdkPropsError)
        _check_cdk_value(name, key, val)
    return props


def _check_cdk_value(name: str, key: str, val: Any) -> None:
    ok = True
    if key in ("auto_deploy", "detailed_metrics_enabled"):
        ok = isinstance(val, bool)
    elif key == "throttle":
        ok = (
            isinstance(val, dict)
            and set(val) <= {"rate_limit", "burst_limit"}
            and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0
                for v in val.values()
            )
        )
    elif key == "stage_name":
        ok = isinstance(val, str) and bool(_STAGE_NAME.match(val))
    elif key == "ip_address_type":
        ok = val in ("ipv4", "dualstack")
    else:
        ok = isinstance(val, str) and 0 < len(val) <= 1024
    if not ok:
        raise CdkPropsError(
            f"cdk.{name}.{key} has a value of the wrong type or form.",
            given=val,
            path=f"cdk.{name}.{key}",
        )
