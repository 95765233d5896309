"""Parsing of ``--context`` and the synth options (in-process: pure functions)."""

from __future__ import annotations

import argparse
import json
import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from wsnb import WsnbError
from wsnb.cli import build_parser, main
from wsnb.cli._options import ContextValueError, context_item, synth_kwargs

ZONE_KEY = "hosted-zone:account=123456789012:domainName=example.com:region=us-east-1"


def test_hosted_zone_lookup_key_keeps_its_equals_signs() -> None:
    key, value = context_item(ZONE_KEY + '={"Id": "/hostedzone/Z123", "Name": "example.com."}')
    assert key == ZONE_KEY
    assert value == {"Id": "/hostedzone/Z123", "Name": "example.com."}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("flag=true", ("flag", True)),
        ("count=3", ("count", 3)),
        ("name=hello", ("name", "hello")),
        ("list=[1, 2]", ("list", [1, 2])),
        ("empty=", ("empty", "")),
        ("expr=a=b", ("expr", "a=b")),
        ('quoted="3"', ("quoted", "3")),
        ("text=-x", ("text", "-x")),
        ("nan=nan", ("nan", "nan")),
        ('version="1.2.3"', ("version", "1.2.3")),
        (ZONE_KEY + "=plain", (ZONE_KEY, "plain")),
    ],
)
def test_values_are_json_when_they_parse(text: str, expected: tuple[str, object]) -> None:
    assert context_item(text) == expected


@pytest.mark.parametrize("text", ["novalue", "=value"])
def test_bad_context_items(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        context_item(text)


def test_synth_options_become_synth_kwargs() -> None:
    args = build_parser().parse_args(
        [
            "synth",
            "app.py",
            "--app",
            "shop",
            "--stage",
            "prod",
            "--region",
            "eu-west-1",
            "--account",
            "123456789012",
            "-c",
            "a=1",
            "--context",
            ZONE_KEY + '={"Id": "Z"}',
        ]
    )
    assert synth_kwargs(args) == {
        "app": "shop",
        "stage": "prod",
        "region": "eu-west-1",
        "account": "123456789012",
        "context": {"a": 1, ZONE_KEY: {"Id": "Z"}},
    }


def test_synth_defaults_match_api_synth() -> None:
    args = build_parser().parse_args(["synth", "app.py"])
    assert synth_kwargs(args) == {
        "app": "app",
        "stage": "dev",
        "region": None,
        "account": None,
        "context": None,
    }


@pytest.mark.parametrize(
    "value, says",
    [
        ("{not json", "does not parse"),
        ("[1,", "does not parse"),
        ('"unterminated', "does not parse"),
        ("1.2.3", "does not parse"),
        ("12abc", "does not parse"),
        ("-5x", "does not parse"),
        ("NaN", "must be finite"),
        ("-Infinity", "must be finite"),
        ('{"rate": [1, Infinity]}', "must be finite"),
    ],
)
def test_json_looking_values_must_be_json_and_finite(value: str, says: str) -> None:
    with pytest.raises(ContextValueError) as err:
        context_item(f"x={value}")
    assert isinstance(err.value, WsnbError) and says in err.value.message
    assert err.value.fix and "-c " in err.value.fix  # the fix is a command-line spelling


def test_bad_json_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", "app.py", "-c", "x=[1,"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: argument --context/-c: x=[1, looks like JSON but does not parse")
    assert "-c 'x=\"[1,\"'" in line
    assert line.count("Fix:") == 1  # its own fix, not also "see --help"


finite_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(finite_json)
def test_any_json_value_round_trips(value: object) -> None:
    assert context_item("k=" + json.dumps(value)) == ("k", value)


@given(st.text().filter(lambda t: not t.strip()[:1] or t.strip()[:1] not in '{["-.0123456789'))
@example("\u1c40")  # a non-ASCII digit: JSON numbers are ASCII, so this stays text
def test_text_that_does_not_start_like_json_stays_text(text: str) -> None:
    try:
        parsed = json.loads(text)
    except ValueError:
        assert context_item("k=" + text) == ("k", text)
    else:  # true/false/null (and NaN/Infinity, refused) are JSON words
        if isinstance(parsed, float) and not math.isfinite(parsed):
            with pytest.raises(ContextValueError):
                context_item("k=" + text)
        else:
            assert context_item("k=" + text) == ("k", parsed)
