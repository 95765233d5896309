"""Handler files are checked by reading them (ast), never by running them: lint and serve()
name the mistake and the fix before a client ever sees 'Internal server error'."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from wsnb import HandlerFileWarning, WebSocketApi
from wsnb._handler_check import (
    check_file_handler,
    handler_problems,
    notebook_function_needs,
)
from wsnb.model._handlers import FileHandler

ECHO = (
    "import json\n"
    "import os.path\n"
    "from helpers import reply\n"
    "\n"
    "def main(event, context):\n"
    "    return {}\n"
    "\n"
    "def helper(a):\n"
    "    pass\n"
    "\n"
    "def flexible(*args, **kwargs):\n"
    "    pass\n"
    "\n"
    "async def awaited(event, context):\n"
    "    pass\n"
    "\n"
    "def needs_three(event, context, extra):\n"
    "    pass\n"
    "\n"
    "if os.path:\n"
    "    def conditional(event, context=None):\n"
    "        pass\n"
    "\n"
    "built = reply\n"
    "RAN = open('ran-at-import', 'w')\n"  # proves the file is never executed
)


@pytest.fixture
def echo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "echo.py").write_text(ECHO)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def problem(text: str):
    return check_file_handler(FileHandler(text))


@pytest.mark.parametrize(
    "text",
    [
        "src/echo.main",
        "src/echo.flexible",
        "src/echo.conditional",
        "src/echo.reply",
        "src/echo.built",
    ],
)
def test_usable_or_uncheckable_handlers_have_no_problem(echo, text):
    assert problem(text) is None
    assert not (echo / "ran-at-import").exists()


def test_a_file_name_given_as_the_handler_suggests_the_function(echo):
    found = problem("src/echo.py")
    assert found.level == "error" and found.code == "handler-names-file"
    assert '"src/echo.main"' in found.fix


def test_a_misspelt_function_suggests_the_close_one(echo):
    found = problem("src/echo.mian")
    assert found.code == "handler-function-missing"
    assert found.fix == 'did you mean "src/echo.main"?'


def test_imported_modules_are_never_offered_as_functions(echo):
    found = problem("src/echo.jsn")
    assert "json" not in found.fix and "helper" not in found.fix  # helper takes one argument
    module = problem("src/echo.json")
    assert module.code == "handler-is-module"
    assert "json" not in module.fix.split(":")[-1]


@pytest.mark.parametrize(
    ("text", "words"),
    [("src/echo.helper", "fewer than the two"), ("src/echo.needs_three", "requires 3")],
)
def test_a_handler_that_cannot_take_event_and_context_is_an_error(echo, text, words):
    found = problem(text)
    assert found.code == "handler-signature" and words in found.message


VALUES = (
    "import os\n"
    "TIMEOUT = 5\n"
    "ROUTES: list = ['a']\n"
    "GREETING = f'hi {os.sep}'\n"
    "twice = 1\n"
    "twice = None\n"
    "later = 1\n"
    "later = os.path.join\n"
    "looped = 0\n"
    "for looped in [print]:\n"
    "    pass\n"
    "imported = 0\n"
    "from os import getcwd as imported\n"
    "def main(event, context):\n"
    "    global changed\n"
    "    changed = main\n"
    "changed = 0\n"
)


@pytest.mark.parametrize("name", ["TIMEOUT", "ROUTES", "GREETING", "twice"])
def test_a_handler_bound_to_a_literal_value_is_an_error(echo, name):
    (echo / "src" / "values.py").write_text(VALUES)
    found = problem(f"src/values.{name}")
    assert found.level == "error" and found.code == "handler-not-callable"
    assert "not a function" in found.message and "main" in found.fix


@pytest.mark.parametrize("name", ["later", "looped", "imported", "changed"])
def test_a_name_also_bound_some_other_way_is_not_judged(echo, name):
    (echo / "src" / "values.py").write_text(VALUES)
    assert problem(f"src/values.{name}") is None


def test_an_async_file_handler_is_an_error(echo):
    # "Define Lambda function handler in Python": the handler is a regular function; the
    # runtime does not await a coroutine (notebook functions get a sync entry point instead)
    found = problem("src/echo.awaited")
    assert found.level == "error" and found.code == "handler-async"
    assert "asyncio.run" in found.fix


def test_missing_and_misspelt_files(echo):
    assert problem("src/ecoh.main").fix == 'did you mean "src/echo.main"?'
    assert '"src/echo.main"' in problem("src/echo.py.main").fix
    assert problem("lib/none.main").code == "handler-file-missing"


def test_a_syntax_error_names_the_line(echo):
    (echo / "src" / "bad.py").write_text("def main(event, context)\n    pass\n")
    found = problem("src/bad.main")
    assert found.code == "handler-syntax-error" and "line 1" in found.message


def test_lint_reports_them_and_strict_lint_would_fail(echo):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HandlerFileWarning)
        api = WebSocketApi("Api").route("x", "src/echo.py").route("y", "src/echo.mian")
    codes = {(f.code, f.level) for f in api.lint()}
    assert ("handler-names-file", "error") in codes
    assert ("handler-function-missing", "error") in codes


def test_serve_warns_at_the_users_line_before_any_message(echo):
    pytest.importorskip("websockets")
    api = WebSocketApi("Api").route("y", "src/echo.mian")
    with pytest.warns(HandlerFileWarning, match=r'did you mean "src/echo.main"') as caught:
        server = api.serve()
    server.stop()
    assert caught[0].filename == __file__


SHARED = {"limit": 3}


class Widget:
    pass


def uses_globals(event, context, default=Widget, *, n: Widget = None) -> Widget:
    return SHARED, json_module, undefined_name  # noqa: F821


import json as json_module  # noqa: E402


def test_notebook_function_needs_covers_body_defaults_and_annotations():
    assert notebook_function_needs(uses_globals) == ["Widget", "undefined_name"]


def test_handler_problems_reports_notebook_functions(echo):
    api = WebSocketApi("Api").route("x", uses_globals)
    ((where, found),) = handler_problems(api.spec)
    assert where == "x" and found.code == "callable-globals" and "Widget" in found.message
