"""An API's root: the folder its handler paths are relative to (None: the working directory at
each call). Lint, the route-time file check, synth, export and serve read handler files there,
whatever the working directory is; nothing changes the working directory."""

from __future__ import annotations

import asyncio
import json
import os
import warnings
from pathlib import Path

import pytest

from wsnb import HandlerFileWarning, ValidationError, WebSocketApi

ECHO = "def main(event, context):\n    return {'statusCode': 200, 'body': event['body']}\n"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``app/src/echo.py``, with the working directory somewhere else (``elsewhere/``)."""
    (tmp_path / "app" / "src").mkdir(parents=True)
    (tmp_path / "app" / "src" / "echo.py").write_text(ECHO)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    return tmp_path / "app"


def _codes(api: WebSocketApi) -> set[str]:
    return {f.code for f in api.lint()}


def test_root_keyword_property_and_with_root(app):
    api = WebSocketApi("Api", root=app)
    assert api.root == app and api.root.is_absolute()
    assert WebSocketApi("Api").root is None  # the working directory, at each call
    relative = WebSocketApi("Api", root="../app")  # made absolute against the cwd, when set
    assert relative.root == Path(os.path.abspath("../app"))
    assert api.with_root(None) is api and api.root is None
    assert api.with_root(str(app)).root == app


@pytest.mark.parametrize("bad", [3, "", "   ", b"app", "src/echo.py"])
def test_a_bad_root_is_refused_and_changes_nothing(app, bad):
    if bad == "src/echo.py":
        bad = app / "src" / "echo.py"  # a file, not a folder
    api = WebSocketApi("Api", root=app)
    with pytest.raises(ValidationError) as err:
        api.with_root(bad)
    assert "root" in err.value.message
    assert err.value.given == bad
    if isinstance(bad, Path):  # a file: its folder is the likely root
        assert err.value.fix == f"api.with_root({str(app / 'src')!r})"
    else:
        assert err.value.fix == (
            'WebSocketApi("Api", root="path/to/project"), or api.with_root("path/to/project")'
        )
    assert api.root == app
    with pytest.raises(ValidationError):
        WebSocketApi("Api", root=bad)


def test_builders_check_handler_files_in_the_root(app):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        WebSocketApi("Api", root=app).route("$default", "src/echo.main")
        WebSocketApi("Api", root=app, routes={"$connect": "src/echo.main"})
    assert [w for w in caught if issubclass(w.category, HandlerFileWarning)] == []
    with pytest.warns(HandlerFileWarning, match="relative to the working directory"):
        WebSocketApi("Api").route("$default", "src/echo.main")  # not in elsewhere/
    with pytest.warns(HandlerFileWarning, match="relative to the API's root") as got:
        WebSocketApi("Api", root=app).route("$default", "src/missing.main")
    assert str(app) in str(got[0].message)


def test_lint_reads_handler_files_in_the_root_or_the_cwd_of_each_call(app):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HandlerFileWarning)
        rootless = WebSocketApi("Api").route("$default", "src/echo.main")
    rooted = rootless.copy().with_root(app)
    assert "handler-file-missing" in _codes(rootless)
    assert "handler-file-missing" not in _codes(rooted)
    assert "handler-file-missing" in rootless._repr_mimebundle_()["text/html"]
    assert "handler-file-missing" not in rooted._repr_mimebundle_()["text/html"]
    assert "handler-file-missing" not in rooted.to_html()
    os.chdir(app)  # the fixture's monkeypatch restores it
    assert "handler-file-missing" not in _codes(rootless)  # the cwd now, not when it was built


def test_root_is_not_part_of_the_model(app):
    rooted = WebSocketApi("Api", root=app).route("$default", "src/echo.main")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HandlerFileWarning)
        rootless = WebSocketApi("Api").route("$default", "src/echo.main")
    assert rooted == rootless and rooted.spec.digest() == rootless.spec.digest()
    data = rooted.to_dict()
    assert "root" not in json.dumps(data) and str(app) not in json.dumps(data)
    back = WebSocketApi.from_dict(data, root=app)  # its files are checked there, no warning
    assert back == rooted and back.root == app and back.origin is None
    with pytest.warns(HandlerFileWarning):
        assert WebSocketApi.from_dict(data).root is None
    assert rooted.copy().root == app


def test_with_root_tells_views_once(app):
    api = WebSocketApi("Api")
    seen: list[Path | None] = []

    def view(changed: WebSocketApi) -> None:
        seen.append(changed.root)

    api._subscribe(view)
    api.with_root(app)
    api.with_root(app)  # the same root: nothing to redraw
    assert seen == [app]


def test_an_api_not_read_from_a_template_has_no_template_attributes(app):
    api = WebSocketApi("Api", root=app)
    assert api.origin is None and api.foreign_functions() == {}
    api.check_runnable()  # nothing to refuse
    for name in ("template_report", "template_stage", "runtimes", "route_functions"):
        assert not hasattr(api, name)


@pytest.mark.cdk
def test_synth_and_export_read_handlers_in_the_root(app, tmp_path):
    api = WebSocketApi("Api", root=app).route("$default", "src/echo.main")
    template = api.synth().template
    handlers = [
        r["Properties"]["Handler"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    ]
    assert handlers == ["echo.main"]
    assert Path.cwd() == tmp_path / "elsewhere"
    out = api.export("cdk-app")  # relative to the working directory, not to the root
    assert out.path == tmp_path / "elsewhere" / "cdk-app"
    assert (out.path / "src" / "echo.py").read_text() == ECHO
    from wsnb import ExportError

    with pytest.raises(ExportError, match="it holds the API's root"):
        api.export(tmp_path)


def test_a_handler_missing_from_the_root_names_the_root_in_the_fix(app):
    from wsnb import SynthError
    from wsnb.plan import collect_assets, function_handlers

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HandlerFileWarning)
        api = WebSocketApi("Api", root=app).route("$default", "src/gone.main")
    with pytest.raises(SynthError) as err:
        collect_assets(function_handlers(api.spec), root=api.root)
    assert str(app / "src" / "gone.py") in str(err.value.allowed)
    assert "with_root" in err.value.fix


def test_serve_runs_handlers_from_the_root(app):
    pytest.importorskip("websockets")
    import websockets

    api = WebSocketApi("Api", root=app).route("$default", "src/echo.main", return_response=True)

    async def echo(url: str) -> str:
        async with websockets.connect(url) as ws:
            await ws.send("hello")
            return await asyncio.wait_for(ws.recv(), 20)

    with api.serve() as server:
        assert asyncio.run(echo(server.url)) == "hello"
    assert Path.cwd().name == "elsewhere"


def test_the_example_chat_api_carries_its_root(app, tmp_path):
    from wsnb.examples import CHAT_DIR, build_chat_api, copy_chat_example

    copy = copy_chat_example(tmp_path / "chat")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        api = build_chat_api(copy)
    assert [w for w in caught if issubclass(w.category, HandlerFileWarning)] == []
    assert api.root == copy and build_chat_api().root == CHAT_DIR
    assert "handler-file-missing" not in _codes(api)
