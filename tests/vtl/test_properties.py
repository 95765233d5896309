"""Properties that must hold for any payload ("API Gateway WebSocket API mapping template
reference": $input.json returns a JSON string, $input.body the raw payload; $util's encoders)."""

from __future__ import annotations

import base64
import json
from urllib.parse import unquote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsnb.vtl import MappingContext, escape_javascript, render

pytest.importorskip("airspeed")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
FAST = settings(max_examples=60, deadline=None)


def _with(template: str, body: str) -> str:
    return render(template, MappingContext(body=body))


@FAST
@given(json_values)
def test_input_json_of_root_parses_back_to_the_same_value(value):
    assert json.loads(_with("$input.json('$')", json.dumps(value))) == value


@FAST
@given(json_values)
def test_input_body_embedded_in_a_template_gives_valid_json_with_the_value(value):
    # the SAM LLM-chat shape: "body": $input.body
    out = _with('{"body": $input.body, "id": "$context.connectionId"}', json.dumps(value))
    assert json.loads(out) == {"body": value, "id": ""}


KEYS = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", min_size=1, max_size=8
)


@FAST
@given(st.dictionaries(KEYS, json_values, min_size=1, max_size=4))
def test_input_json_and_path_of_each_key(value):
    body = json.dumps(value)
    for key in value:
        assert json.loads(_with(f"$input.json('$.{key}')", body)) == value[key]
        assert json.loads(_with(f"$input.json(\"$['{key}']\")", body)) == value[key]


@FAST
@given(st.text())
def test_escape_javascript_inside_quotes_is_json_string_content(text):
    # "... turn any escaped single quotes (\') back to regular single quotes (')"
    escaped = escape_javascript(text)
    assert json.loads('"' + escaped.replace("\\'", "'") + '"') == text
    assert escaped.isascii()


@FAST
@given(st.text(max_size=40))
def test_util_escape_javascript_through_a_template(text):
    template = '{"v": "$util.escapeJavaScript($input.path(\'$.v\')).replaceAll("\\\\\'","\'")"}'
    assert json.loads(_with(template, json.dumps({"v": text}))) == {"v": text}


@FAST
@given(st.text(max_size=40))
def test_base64_round_trip(text):
    body = json.dumps({"v": text})
    encoded = _with("$util.base64Encode($input.path('$.v'))", body)
    assert base64.b64decode(encoded).decode("utf-8") == text
    decoded = _with("$util.base64Decode($util.base64Encode($input.path('$.v')))", body)
    assert decoded == text


@FAST
@given(st.text(max_size=40))
def test_url_encode_round_trip_and_alphabet(text):
    body = json.dumps({"v": text})
    encoded = _with("$util.urlEncode($input.path('$.v'))", body)
    assert set(encoded) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-*_+%"
    )
    assert unquote_plus(encoded) == text
    assert _with("$util.urlDecode($util.urlEncode($input.path('$.v')))", body) == text


@FAST
@given(st.text(max_size=60))
def test_input_body_is_the_raw_payload(text):
    if text:  # an empty payload is "{}"
        assert _with("$input.body", text) == text
