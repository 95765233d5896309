"""Which WebSocket API of the template(s) to read, and the wsnb id it gets."""

from __future__ import annotations

import re
from typing import Any

from .._errors import TemplateError
from ._kinds import API_TYPE
from ._load import Loaded
from ._template import of_type

_API_ID = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}$")


def find_apis(loaded: list[Loaded]) -> list[tuple[Loaded, str]]:
    """Every WebSocket ``AWS::ApiGatewayV2::Api`` in the templates, in order."""
    out = []
    for item in loaded:
        for logical, res in of_type(item.template["Resources"], API_TYPE).items():
            proto = (res.get("Properties") or {}).get("ProtocolType")
            if proto == "WEBSOCKET":
                out.append((item, logical))
    return out


class ApiChoiceError(TemplateError):
    """The template holds no WebSocket API, several (and none was picked), or not the one asked
    for: what to load is unclear, the template itself may be fine."""


def pick_api(loaded: list[Loaded], api: str | None) -> tuple[Loaded, str]:
    """The template and logical id of the API to read: ``api``, or the only one there is."""
    found = find_apis(loaded)
    names = [logical for _, logical in found]
    where = loaded[0].origin if len(loaded) == 1 else "the cloud assembly"
    if api is not None:
        for item, logical in found:
            if logical == api:
                return item, logical
        raise ApiChoiceError(
            f"{where} has no WebSocket API with logical id {api!r}"
            + (f" (it has {', '.join(names)})." if names else "."),
            given=api,
            allowed=", ".join(names) or "(no AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET)",
            fix=f"api={names[0]!r} (CLI: FILE:{names[0]})"
            if names
            else "load a template that defines a WebSocket API",
        )
    if not found:
        raise ApiChoiceError(
            f"{where} defines no WebSocket API (no AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET).",
            given=where,
            fix="load the template of a WebSocket API (HTTP and REST APIs are not read)",
        )
    if len(found) > 1:
        raise ApiChoiceError(
            f"{where} defines {len(found)} WebSocket APIs ({', '.join(names)}); "
            "say which one to load.",
            given=names,
            allowed=", ".join(names),
            fix=f"WebSocketApi.from_template(..., api={names[0]!r})  or  TARGET FILE:{names[0]}",
        )
    return found[0]


def wsnb_api_id(resources: dict[str, Any], logical: str) -> str:
    """The wsnb id of the API ``logical``: its CDK construct id when the template comes from a
    wsnb/CDK app (``aws:cdk:path`` ``Stack/Api/Api/Resource``), else its logical id (made a
    valid id)."""
    meta = (resources[logical].get("Metadata") or {}).get("aws:cdk:path")
    if isinstance(meta, str):
        parts = meta.split("/")
        if len(parts) >= 3 and _API_ID.match(parts[1]):
            return parts[1]
    return (
        logical if _API_ID.match(logical) else ("Api" + re.sub(r"[^A-Za-z0-9-]", "", logical))[:64]
    )
