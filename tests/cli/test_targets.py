"""TARGET loading through a real ``python -m wsnb`` subprocess: modules, files, notebooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import run_cli, write_notebook


def test_routes_from_file_prints_the_route_table(cli_project: Path) -> None:
    done = run_cli("routes", "app.py:api", cwd=cli_project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("WebSocketApi 'Chat': 3 routes")
    for key in (
        "$connect",
        "$disconnect",
        "sendMessage",
        "src/send_message.main",
        "Table Connections",
    ):
        assert key in done.stdout
    assert done.stderr == ""


def test_variable_is_optional_when_the_file_defines_one_api(cli_project: Path) -> None:
    named = run_cli("routes", "app.py:api", cwd=cli_project)
    bare = run_cli("routes", "app.py", cwd=cli_project)
    assert bare.returncode == 0, bare.stderr
    assert bare.stdout == named.stdout


def test_installed_script_matches_python_dash_m(cli_project: Path) -> None:
    via_script = run_cli("routes", "app.py", cwd=cli_project, script=True)
    assert via_script.returncode == 0, via_script.stderr
    assert via_script.stdout == run_cli("routes", "app.py", cwd=cli_project).stdout


def test_file_target_runs_in_its_own_folder(cli_project: Path, tmp_path: Path) -> None:
    # from elsewhere, src/connect.py is still found next to app.py: lint has no missing-file warning
    done = run_cli("lint", str(cli_project / "app.py"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "handler-file-missing" not in done.stdout
    assert "access-log-role" in done.stdout


def test_module_target_with_dotted_name(cli_project: Path) -> None:
    done = run_cli("routes", "chatpkg.chat:api", "--format", "json", cwd=cli_project)
    assert done.returncode == 0, done.stderr
    model = json.loads(done.stdout)
    assert model["id"] == "FromModule"
    assert list(model["routes"]) == ["$default"]


def test_module_target_without_variable(cli_project: Path) -> None:
    done = run_cli("routes", "chatpkg.chat", cwd=cli_project)
    assert done.returncode == 0, done.stderr
    assert "WebSocketApi 'FromModule'" in done.stdout


def test_wsnb_cli_flag_is_set_while_loading(cli_project: Path) -> None:
    done = run_cli("routes", "needs_flag.py", cwd=cli_project)
    assert done.returncode == 0, done.stderr
    assert "WebSocketApi 'Flagged'" in done.stdout


def test_notebook_target_skips_serve_show_and_await_cells(cli_project: Path) -> None:
    done = run_cli("routes", "chat.ipynb", "--format", "json", cwd=cli_project)
    assert done.returncode == 0, done.stderr
    model = json.loads(done.stdout)
    assert model["id"] == "Notebook"
    handler = model["routes"]["$default"]["function"]["handler"]["python"]
    # inspect.getsource worked on a function defined in a notebook cell
    assert handler["name"] == "shout"
    assert handler["source"].startswith("def shout(event, context):")
    assert done.stderr == ""  # cell output and the skips are shown only with -v
    verbose = run_cli("routes", "chat.ipynb", "--format", "json", "-v", cwd=cli_project)
    assert verbose.stdout == done.stdout
    assert verbose.stderr.splitlines() == [
        "wsnb: skipped chat.ipynb cell 4, line 1 (it calls .serve() on a WebSocketApi)",
        "wsnb: skipped chat.ipynb cell 5, line 2 (top-level await)",
        "wsnb: skipped chat.ipynb cell 6, line 1 (it calls .show() on a WebSocketApi)",
        "wsnb: skipped chat.ipynb cell 7, line 1 (it uses server from a skipped statement)",
        "wsnb: chat.ipynb cell 8 raised RouteKeyError, as saved",
        "None 1",  # a cell that rebinds a skipped name runs; WSNB_CLI=1; prints go to stderr
    ]


def test_notebook_skipping_is_by_what_the_call_is_on_not_by_its_name(tmp_path: Path) -> None:
    write_notebook(
        tmp_path / "mixed.ipynb",
        [
            (
                "code",
                "import subprocess, tempfile\n"
                "import not_installed_anywhere  # only skipped statements use it: never imported\n"
                "from pathlib import Path\n"
                "from wsnb import WebSocketApi\n"
                "class Plot:\n"
                "    def show(self):\n"
                "        return 'shown'\n"
                "plt = Plot()",
            ),
            ("code", "api = WebSocketApi('Mixed').route('$default', 'src/default.main')"),
            ("code", "shown = plt.show()  # not a wsnb object: runs"),
            ("code", "WebSocketApi('Other').route('$default', 'src/d.main').show()"),
            ("code", "subprocess.run(['false'], check=True)"),
            ("code", "await not_installed_anywhere.connect(api)"),
            ("code", "out = Path(tempfile.mkdtemp()) / 'app'\napi.export(out)"),
            ("code", "names = sorted(p.name for p in out.iterdir())  # export was skipped"),
            ("code", "api.route('later', 'src/default.main')  # after skipped actions: runs"),
        ],
    )
    done = run_cli("routes", "mixed.ipynb:api", "--format", "json", "-v", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(json.loads(done.stdout)["routes"]) == ["$default", "later"]
    lines = done.stderr.splitlines()
    # the model's own warnings (no src/default.py here) are shown once, after loading
    assert lines[-1].startswith("warning: routes['later'].function.handler: handler file")
    assert [line for line in lines if line.startswith("wsnb: ")] == [
        "wsnb: skipped mixed.ipynb cell 4, line 1 (it calls .show() on a WebSocketApi)",
        "wsnb: skipped mixed.ipynb cell 5, line 1 (it starts a process)",
        "wsnb: skipped mixed.ipynb cell 6, line 1 (top-level await)",
        "wsnb: skipped mixed.ipynb cell 7, line 2 (it calls .export() on a WebSocketApi)",
        "wsnb: skipped mixed.ipynb cell 8, line 1 (it uses out from a skipped statement)",
    ]


def test_notebook_named_variable_and_table(cli_project: Path) -> None:
    done = run_cli("routes", "chat.ipynb:nb_api", cwd=cli_project)
    assert done.returncode == 0, done.stderr
    assert "shout() (notebook)" in done.stdout


def test_notebook_cells_tagged_wsnb_skip_do_not_run(tmp_path: Path) -> None:
    write_notebook(
        tmp_path / "tagged.ipynb",
        [
            ("code", "from wsnb import WebSocketApi\napi = WebSocketApi('Tagged')"),
            ("code", "raise RuntimeError('should be skipped')"),
        ],
        tags={1: ["wsnb-skip"]},
    )
    done = run_cli("routes", "tagged.ipynb", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "WebSocketApi 'Tagged'" in done.stdout


def test_notebook_error_names_cell_and_line(cli_project: Path) -> None:
    done = run_cli("routes", "failing.ipynb", cwd=cli_project)
    assert done.returncode == 1
    assert done.stderr == (
        "error: Loading failing.ipynb failed in failing.ipynb cell 2, line 2: "
        "ZeroDivisionError: division by zero "
        "Fix: fix the error in failing.ipynb, or rerun with --traceback for the full traceback\n"
    )


@pytest.mark.parametrize("fmt, marker", [("mermaid", "flowchart"), ("dot", "digraph")])
def test_routes_diagram_formats(cli_project: Path, fmt: str, marker: str) -> None:
    done = run_cli("routes", "app.py", "-f", fmt, cwd=cli_project)
    assert done.returncode == 0, done.stderr
    assert marker in done.stdout
    assert "sendMessage" in done.stdout


@pytest.mark.parametrize("name", ["app.py", "chat.ipynb"])
def test_relative_path_into_a_subfolder(cli_project: Path, name: str) -> None:
    done = run_cli("lint", f"{cli_project.name}/{name}", cwd=cli_project.parent)
    assert done.returncode == 0, done.stderr
    assert "handler-file-missing" not in done.stdout


def test_prints_while_loading_go_to_stderr(cli_project: Path) -> None:
    done = run_cli("routes", "noisy.py", "--format", "json", cwd=cli_project)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["id"] == "Noisy"
    assert done.stderr == "hello from noisy.py\n"


MIXED_APP = """
from wsnb import AwsIntegration, HttpIntegration, LambdaIntegration, MockIntegration, WebSocketApi

api = (
    WebSocketApi("Mixed")
    .route("$connect", MockIntegration(request_templates={"$default": '{"statusCode": 200}'}))
    .route("$default", "src/default.main")
    .route("ask", LambdaIntegration("src/default.main", invocation_type="Event"))
    .route("enqueue", AwsIntegration.sqs_send_message("jobs"))
    .route("fwd", HttpIntegration("https://example.com/hook"))
)
"""


def test_routes_lists_routes_without_a_function_with_their_integration(tmp_path: Path) -> None:
    # issue 19 §2: `wsnb routes` lists every route, not only those with a Lambda proxy
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "default.py").write_text("def main(event, context):\n    return None\n")
    (tmp_path / "mixed.py").write_text(MIXED_APP.lstrip(), encoding="utf-8")
    done = run_cli("routes", "mixed.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "WebSocketApi 'Mixed': 5 routes"
    table = {line.split()[0]: line for line in lines if line.startswith("  ")}
    assert table["route"].split()[:3] == ["route", "target", "integration"]
    assert table["$connect"].split()[-1] == "MOCK"
    assert table["ask"].split()[1:4] == ["src/default.main", "λ", "(Event)"]
    assert table["enqueue"].split()[1:] == ["sqs", "{account}/jobs", "AWS", "sqs"]
    assert table["fwd"].split()[1:] == ["https://example.com/hook", "(POST)", "HTTP"]
    mermaid = run_cli("routes", "--format", "mermaid", "mixed.py", cwd=tmp_path).stdout
    assert '-->|"AWS sqs"|' in mermaid and '-->|"MOCK"|' in mermaid
