"""Session-wide JupyterLab server and chromium for the browser tests (started once, if needed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ._browser import (
    chromium_missing_reason,
    launch,
    widget_errors_in_console,
    widget_errors_in_page_error,
)
from ._jupyter import JupyterServer

SEND_HANDLER = """import json


def main(event, context):
    body = json.loads(event["body"])
    return {"statusCode": 200, "body": "echo: " + str(body.get("data"))}
"""
PLAIN_HANDLER = "def main(event, context):\n    return {'statusCode': 200}\n"

NOTEBOOK_CELLS = [
    # 1: the API, built from handler files next to the notebook
    "from wsnb import WebSocketApi\n"
    "api = (\n"
    '    WebSocketApi("Chat")\n'
    "    .defaults(timeout=20)\n"
    '    .route("$connect", "src/connect.main")\n'
    '    .route("sendMessage", "src/send.main", memory_size=512, return_response=True)\n'
    ")",
    # 2: the live widget
    "w = api.show()\nw",
    # 3: a later cell changes the model; the widget above must follow
    'api.route("$default", "src/default.main")\napi.routes',
]


@pytest.fixture(scope="package")
def jupyter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    server = JupyterServer(tmp_path_factory.mktemp("jupyter"))
    src = server.root / "src"
    src.mkdir()
    (src / "connect.py").write_text(PLAIN_HANDLER)
    (src / "default.py").write_text(PLAIN_HANDLER)
    (src / "send.py").write_text(SEND_HANDLER)
    try:
        yield server
    finally:
        server.stop()


# Package scope: playwright's sync API keeps an event loop running in this thread while it is
# open, so a test outside tests/widget that calls asyncio.run() must not run inside it.
@pytest.fixture(scope="package")
def browser(jupyter: JupyterServer) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, jupyter: JupyterServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=jupyter.url)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.extend(widget_errors_in_page_error(exc)))
    page.on("console", lambda msg: errors.extend(widget_errors_in_console(msg)))
    page.page_errors = errors  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()
        jupyter.shutdown_kernels()  # stops the emulators the notebooks started, too
