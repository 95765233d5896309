"""ApiWidget inside a real IPython kernel (no browser): changes made in a cell reach the view
once, when the cell ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import execute_cell, write_handlers

jupyter_client = pytest.importorskip("jupyter_client")


def run(client, code: str, timeout: float = 60) -> str:
    """Execute one cell; return what it printed, fail on an error."""
    out = execute_cell(client, code, timeout)
    if out["error"]:
        raise AssertionError(out["error"])
    return out["stdout"] + out["stderr"]


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    root: Path = tmp_path_factory.mktemp("kernel")
    write_handlers(root)
    manager = jupyter_client.KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(root))
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_a_cell_of_chained_changes_refreshes_a_shown_widget_once_when_it_ends(kernel):
    run(
        kernel,
        "from wsnb import WebSocketApi\n"
        'api = WebSocketApi("Api").route("$connect", "src/connect.main")\n'
        "w = api.show()\n"
        "updates = []\n"
        "w.observe(lambda change: updates.append(change['new']), names='digest')\n",
    )
    during = run(
        kernel,
        "for i in range(20):\n"
        '    api.route(f"action{i}", "src/send.main")\n'
        "print(len(w.routes), len(updates))\n",
    )
    assert during.split() == ["1", "0"]  # nothing sent while the cell runs
    after = run(kernel, "print(len(w.routes), len(updates), w.digest == api.spec.digest())")
    assert after.split() == ["21", "1", "True"]


def test_changes_from_other_threads_refresh_at_once(kernel):
    out = run(
        kernel,
        "import threading\n"
        "from wsnb import WebSocketApi\n"
        'api2 = WebSocketApi("Api2").route("$connect", "src/connect.main")\n'
        "w2 = api2.show()\n"
        't = threading.Thread(target=lambda: api2.route("$default", "src/default.main"))\n'
        "t.start(); t.join()\n"
        "print(len(w2.routes))\n",
    )
    assert out.split() == ["2"]
