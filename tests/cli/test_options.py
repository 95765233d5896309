"""Parsing of ``--context`` and the synth options (in-process: pure functions)."""

from __future__ import annotations

import argparse

import pytest

from wsnb.cli import build_parser
from wsnb.cli._options import context_item, synth_kwargs

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
        ("broken={not json", ("broken", "{not json")),
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
