"""``$input``, ``$util``, ``$context`` and ``$stageVariables`` as API Gateway gives them to a
WebSocket API's mapping template ("API Gateway WebSocket API mapping template reference")."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from ._jsonpath import MISSING, query
from ._problems import MappingTemplateError
from ._values import VtlMap, VtlString, compact_json, java_str, to_vtl

_NOT_JSON = object()


class InputVariable:
    """``$input``: the payload (the client's message, or the integration's response)."""

    def __init__(self, body: str, params: Mapping[str, Mapping[str, str]] | None = None) -> None:
        # API Gateway hands an empty payload to templates as "{}" (REST APIs do; assumed here)
        self._raw = body if body else "{}"
        self._params = params or {}
        self._parsed: Any = MISSING

    @property
    def body(self) -> VtlString:
        """``$input.body``: the raw payload as a string."""
        return VtlString(self._raw)

    def _data(self) -> Any:
        if self._parsed is MISSING:
            try:
                self._parsed = json.loads(self._raw)
            except ValueError:
                self._parsed = _NOT_JSON
        return self._parsed

    def _query(self, path: Any) -> Any:
        text = "$" if path is None else java_str(path)
        data = self._data()
        if data is _NOT_JSON:  # a payload that is not JSON is one string value
            return self._raw if text.strip() in ("", "$") else MISSING
        return query(data, text)

    def json(self, path: Any = "$") -> VtlString:
        """``$input.json(x)``: the JSONPath's value as a JSON string (``""`` when absent)."""
        found = self._query(path)
        return VtlString('""' if found is MISSING else compact_json(found))

    def path(self, path: Any = "$") -> Any:
        """``$input.path(x)``: the JSONPath's value as an object the template can navigate."""
        found = self._query(path)
        return None if found is MISSING else to_vtl(found)

    def params(self, name: Any = None) -> Any:
        """``$input.params()`` (``path``, ``querystring``, ``header`` maps) or ``$input.params(x)``
        (the value from the path, else the query string, else a header)."""
        if name is None:
            return to_vtl({kind: dict(self._params.get(kind, {})) for kind in _PARAM_KINDS})
        wanted = java_str(name)
        for kind in _PARAM_KINDS:
            values = self._params.get(kind, {})
            if kind == "header":
                values = {k.lower(): v for k, v in values.items()}
                wanted = wanted.lower()
            if wanted in values:
                return VtlString(values[wanted])
        return VtlString("")

    def __repr__(self) -> str:
        return "$input"


_PARAM_KINDS = ("path", "querystring", "header")


def escape_javascript(text: str) -> str:
    """Java's ``StringEscapeUtils.escapeJavaScript`` (AWS's description of
    ``$util.escapeJavaScript`` is its Javadoc): ``'`` ``"`` ``\\`` ``/`` escaped, control
    characters as ``\\n``/``\\t``/… or ``\\u00XX``, everything beyond ASCII as ``\\uXXXX`` (two
    escapes for a character outside the BMP, as Java's UTF-16 strings)."""
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}")
        elif code > 0x7F:
            out.append(f"\\u{code:04X}")
        elif code < 0x20:
            out.append(_CONTROL.get(ch) or f"\\u{code:04X}")
        elif ch in "'\"\\/":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


_CONTROL = {"\b": "\\b", "\n": "\\n", "\t": "\\t", "\f": "\\f", "\r": "\\r"}


class UtilVariable:
    """``$util``: the functions AWS's WebSocket mapping template reference lists."""

    def escapeJavaScript(self, value: Any) -> VtlString | None:
        return None if value is None else VtlString(escape_javascript(java_str(value)))

    def parseJson(self, value: Any) -> Any:
        if value is None:
            return None
        text = java_str(value)
        try:
            return to_vtl(json.loads(text))
        except ValueError as exc:
            where = (
                f"{exc.msg} at position {exc.pos}"
                if isinstance(exc, json.JSONDecodeError)
                else f"{exc} at position ?"  # not a JSONDecodeError: it has no msg/pos
            )
            raise MappingTemplateError(
                f"$util.parseJson was given text that is not JSON ({where}).",
                given=text,
                allowed="stringified JSON, e.g. an errorMessage that holds JSON.stringify(...) output",
                fix="parse only values that hold JSON text: #if($value.startsWith('{')) ... #end",
            ) from None

    def urlEncode(self, value: Any) -> VtlString | None:
        """Java's ``URLEncoder.encode(s, "UTF-8")``: space → ``+``, only ``A-Za-z0-9.-*_`` kept."""
        if value is None:
            return None
        return VtlString(quote_plus(java_str(value), safe="*").replace("~", "%7E"))

    def urlDecode(self, value: Any) -> VtlString | None:
        return None if value is None else VtlString(unquote_plus(java_str(value)))

    def base64Encode(self, value: Any) -> VtlString | None:
        if value is None:
            return None
        return VtlString(base64.b64encode(java_str(value).encode("utf-8")).decode("ascii"))

    def base64Decode(self, value: Any) -> VtlString | None:
        if value is None:
            return None
        text = java_str(value)
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise MappingTemplateError(
                "$util.base64Decode was given text that is not base64.",
                given=text,
                allowed="standard base64 (A-Z a-z 0-9 + /, padded with =)",
                fix="decode only values your client base64-encodes",
            ) from None
        return VtlString(raw.decode("utf-8", errors="replace"))

    def __repr__(self) -> str:
        return "$util"


def context_variable(context: Mapping[str, Any]) -> VtlMap:
    """``$context`` from the emulator's values, with AWS's derived fields filled in."""
    out = to_vtl(dict(context))
    if "requestId" in out and "extendedRequestId" not in out:
        out["extendedRequestId"] = out["requestId"]  # "Same as $context.extendedRequestId"
    authorizer = out.get("authorizer")
    if isinstance(authorizer, dict):
        # "The stringified value of the specified key-value pair of the context map"
        for key, value in list(dict.items(authorizer)):
            if not isinstance(value, (dict, list, str)) and value is not None:
                authorizer[key] = VtlString(java_str(value))
    error = out.get("error")
    if isinstance(error, dict) and "message" in error and "messageString" not in error:
        # "The quoted value of $context.error.message, namely "$context.error.message""
        error["messageString"] = VtlString('"' + java_str(error["message"]) + '"')
    return out


def stage_variables(values: Mapping[str, Any]) -> VtlMap:
    """``$stageVariables``: stage variables are strings."""
    return VtlMap({str(k): VtlString(java_str(v)) for k, v in values.items()})
