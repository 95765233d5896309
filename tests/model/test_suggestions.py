"""Mistyped names get the close one: an id, a keyword argument, a class name in an import."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import wsnb
from wsnb import ArgumentError, Table, ValidationError, WebSocketApi


@pytest.mark.parametrize(
    ("given", "suggested"),
    [("my_api", "my-api"), ("my api", "my-api"), ("9lives", "lives"), ("___", "Api")],
)
def test_an_invalid_api_id_says_what_is_allowed_and_suggests_one(given, suggested):
    with pytest.raises(ValidationError) as caught:
        WebSocketApi(given)
    assert "letters, digits and '-'" in caught.value.allowed
    assert caught.value.fix == f"WebSocketApi({suggested!r})"
    WebSocketApi(suggested)  # the suggestion is valid


def test_an_invalid_resource_id_suggests_a_valid_one():
    with pytest.raises(wsnb.ResourceError) as caught:
        Table("bad id!", fields={"id": "string"}, primary_index={"partition_key": "id"})
    assert caught.value.fix.startswith("Table('bad-id', ")


def test_an_unknown_keyword_names_the_close_one_before_anything_runs():
    with pytest.raises(ArgumentError) as caught:
        WebSocketApi("Api", route={"$default": "src/default.main"})
    assert isinstance(caught.value, TypeError)
    assert caught.value.fix == "did you mean routes=...?"
    with pytest.raises(ArgumentError, match="stge"):
        WebSocketApi("Api").synth(stge="dev")
    assert "routes" in inspect.signature(WebSocketApi).parameters  # the real signature shows


def test_a_misspelt_name_suggests_the_right_one():
    with pytest.raises(AttributeError) as caught:
        wsnb.WebSocketAPI  # noqa: B018
    assert isinstance(caught.value, wsnb.WsnbError)
    assert caught.value.fix == "wsnb.WebSocketApi"
    assert not hasattr(wsnb, "nothing_like_this")
    assert getattr(wsnb, "nothing_like_this", 1) == 1


def test_from_import_of_a_misspelt_name_suggests_the_right_one():
    code = (
        "try:\n"
        "    from wsnb import WebSocketAPI\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, exc.fix)\n"
        "from wsnb import local, Table\n"  # submodules and real names still import
        "print(local.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [
        "UnknownImportError from wsnb import WebSocketApi",
        "wsnb.local",
    ]
