"""lint() keeps its findings while the model, the root and the handler files stay the same,
and sees every change to what its handler checks read (wsnb/_lint_cache.py)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from wsnb import WebSocketApi
from wsnb._lint import lint
from wsnb._lint_cache import LintCache, handler_files_state

HANDLER = "def main(event, context):\n    return {'statusCode': 200}\n"


def _codes(findings) -> list[str]:
    return [f.code for f in findings]


_PAST = time.time() - 60


def _age(path: Path) -> None:
    """Date a file or folder back (to one fixed time), as files are that were not just written."""
    os.utime(path, (_PAST, _PAST))


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "echo.py").write_text(HANDLER)
    _age(tmp_path / "src" / "echo.py")
    _age(tmp_path / "src")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.filterwarnings("ignore::wsnb.HandlerFileWarning")
def test_findings_follow_every_change_to_the_handler_files(project):
    api = WebSocketApi("Api").route("$default", "src/echo.main").route("b", "src/other.main")
    spec = api.spec
    assert "handler-file-missing" in _codes(lint(spec))
    assert lint(spec) == lint(spec)  # kept: the same answer
    (project / "src" / "other.py").write_text(HANDLER)  # the missing file appears
    assert "handler-file-missing" not in _codes(lint(spec))
    (project / "src" / "echo.py").write_text("def mian(event, context):\n    return 1\n")
    assert "handler-function-missing" in _codes(lint(spec))  # edited in place, same size
    (project / "src" / "echo.py").write_text(HANDLER)
    assert "handler-function-missing" not in _codes(lint(spec))


@pytest.mark.filterwarnings("ignore::wsnb.HandlerFileWarning")
def test_the_root_is_part_of_the_key(project, tmp_path_factory, monkeypatch):
    spec = WebSocketApi("Api").route("$default", "src/echo.main").spec
    assert "handler-file-missing" not in _codes(lint(spec))
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert "handler-file-missing" in _codes(lint(spec, root=elsewhere))
    monkeypatch.chdir(elsewhere)  # the default root is the working directory of each call
    assert "handler-file-missing" in _codes(lint(spec))
    assert "handler-file-missing" not in _codes(lint(spec, root=project))


def test_what_a_notebook_function_reads_is_checked_at_every_call(project):
    namespace: dict = {"__name__": "__main__"}
    source = "def handler(event, context):\n    return {'statusCode': 200, 'body': GREETING}\n"
    import linecache

    linecache.cache["<lint-cache-cell>"] = (len(source), None, source.splitlines(True), "x")
    exec(compile(source, "<lint-cache-cell>", "exec"), namespace)
    spec = WebSocketApi("Api").route("$default", namespace["handler"]).spec
    assert "callable-globals" in _codes(lint(spec))  # GREETING is not defined anywhere
    namespace["GREETING"] = "hello"  # a later cell defines it as plain data: shippable
    assert "callable-globals" not in _codes(lint(spec))


def test_state_sees_added_removed_and_recent_files(project):
    files = ["src/echo.py"]
    _age(project / "src")
    before = handler_files_state(files, str(project))
    assert handler_files_state(files, str(project)) == before  # nothing changed: equal
    (project / "src" / "echo.ts").write_text("export const main = () => 1;\n")
    added = handler_files_state(files, str(project))
    assert added != before  # a sibling with the same name (a Node handler) counts
    assert handler_files_state(files, str(project)) != added  # written just now: not trusted
    _age(project / "src" / "echo.ts")
    _age(project / "src")
    settled = handler_files_state(files, str(project))
    assert handler_files_state(files, str(project)) == settled
    (project / "src" / "unrelated.txt").write_text("x")
    _age(project / "src" / "unrelated.txt")
    _age(project / "src")  # same folder mtime as before: an unrelated file leaves it equal
    assert handler_files_state(files, str(project)) == settled


def test_cache_is_bounded_and_answers_per_model():
    cache = LintCache(size=3)
    specs = [WebSocketApi(f"Api{i}").spec for i in range(5)]
    calls: list[int] = []
    for i, spec in enumerate(specs):
        assert cache.get(spec, ".", [], lambda i=i: calls.append(i) or i) == i
    assert cache.get(specs[4], ".", [], lambda: -1) == 4  # still kept
    assert cache.get(specs[0], ".", [], lambda: -1) == -1  # dropped: least recently used
    assert len(cache._entries) == 3


@pytest.mark.filterwarnings("ignore::wsnb.HandlerFileWarning")
def test_threads_get_the_same_findings(project):
    spec = WebSocketApi("Api").route("$default", "src/echo.main").route("b", "src/x.main").spec
    expected = lint(spec)
    results: list = []

    def work() -> None:
        for _ in range(20):
            results.append(lint(spec))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 80 and all(r == expected for r in results)


@pytest.mark.filterwarnings("ignore::wsnb.HandlerFileWarning")
def test_a_second_lint_of_the_same_model_reuses_the_kept_findings(project):
    spec = WebSocketApi("Api").route("$default", "src/echo.main").route("b", "src/x.main").spec
    first, again = lint(spec), lint(spec)
    assert first and all(a is b for a, b in zip(first, again, strict=True))  # not recomputed
    (project / "src" / "x.py").write_text(HANDLER)
    changed = lint(spec)
    assert "handler-file-missing" not in _codes(changed)
    assert not any(a is b for a, b in zip(first, changed, strict=False) if a.code == b.code)
