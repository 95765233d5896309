"""Driving Debian's chromium with playwright-python against a real Jupyter front end."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # stay off the network: only 127.0.0.1 is used
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
]
WIDGET = '.wsnb-widget[data-render="live"]'


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run, or ``None``. With ``CI`` set nothing is a reason to skip."""
    if CHROMIUM.exists():
        return None
    if os.environ.get("CI"):
        raise RuntimeError(
            f"{CHROMIUM} is missing but CI is set: install Debian's chromium (apt-get install chromium)"
        )
    return (
        f"{CHROMIUM} is not installed (apt-get install chromium); set CI=1 to make this a failure"
    )


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


KERNEL_DIALOG = '.jp-Dialog:has-text("Select Kernel")'


def run_all_cells(page: Any, url: str, *, timeout_ms: int = 60_000) -> None:
    """Open a notebook (JupyterLab or Notebook 7), wait for the kernel, and Run All Cells."""
    page.goto(url)
    page.wait_for_selector(
        '.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=timeout_ms
    )
    accept_kernel_dialog(page, wait_ms=1500)
    click_run_all(page)


_STARTED = """() => [...document.querySelectorAll('.jp-InputArea-prompt')]
    .some(p => /[*\\d]/.test(p.textContent))"""


def click_run_all(page: Any, *, attempts: int = 4) -> None:
    """Run > Run All Cells, again if no cell started (a busy machine can bring the page up
    before the kernel is usable, and the menu item then does nothing)."""
    for _ in range(attempts):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            page.wait_for_function(_STARTED, timeout=5_000)
            return
        except Exception:
            page.keyboard.press("Escape")  # close the menu if it is still open
            accept_kernel_dialog(page)
    raise AssertionError(f"Run All Cells did not start any cell after {attempts} attempts")


def accept_kernel_dialog(page: Any, *, wait_ms: int = 0) -> bool:
    """On a fresh server Lab sometimes asks "Select Kernel" (its kernel list arrived after the
    notebook); accept the notebook's own kernel. Returns whether the dialog was there."""
    try:
        page.wait_for_selector(KERNEL_DIALOG, timeout=max(wait_ms, 1))
    except Exception:
        return False
    page.locator(KERNEL_DIALOG).locator("button.jp-mod-accept").click()
    page.wait_for_selector(KERNEL_DIALOG, state="detached")
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    return True


def wait_idle(page: Any, *, timeout_ms: int = 60_000) -> None:
    """Wait until every cell has run (no ``[*]`` prompt left) and the kernel is idle."""
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-InputArea-prompt')].map(p => p.textContent);
            const ind = document.querySelector('.jp-Notebook-ExecutionIndicator');
            return prompts.length > 0 && prompts.every(t => !t.includes('*') && /\\d/.test(t))
                && ind && ind.dataset.status === 'idle';
        }""",
        timeout=timeout_ms,
    )


def screenshot(page: Any, name: str, locator: Any = None) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    (locator or page).screenshot(path=str(path))
    return path


def theme(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => ({
            light: document.body.dataset.jpThemeLight || '',
            name: document.body.dataset.jpThemeName || '',
            background: getComputedStyle(document.querySelector('.wsnb-widget')).backgroundColor,
            color: getComputedStyle(document.querySelector('.wsnb-widget')).color,
        })"""
    )


# Notebook 7.6.5 itself throws "Cannot read properties of undefined (reading 'schema')" from its
# settings loader (static/notebook/notebook_core...js) on every page load, with or without wsnb.
_JUPYTER_BUNDLES = ("/static/notebook/", "/static/lab/")


def widget_errors_in_page_error(exc: Any) -> list[str]:
    """An uncaught page error, unless it comes from Jupyter's own bundles."""
    stack = getattr(exc, "stack", "") or ""
    frames = [
        line for line in stack.splitlines() if line.strip().startswith("at ") and "://" in line
    ]
    if frames and all(any(b in f for b in _JUPYTER_BUNDLES) for f in frames):
        return []
    return [f"{exc}: {stack}"]


def widget_errors_in_console(msg: Any) -> list[str]:
    """Console errors that mean the widget view failed (e.g. its ESM did not load)."""
    if msg.type != "error":
        return []
    text = msg.text
    if "Could not create a view" in text or "anywidget" in text.lower() or "wsnb" in text:
        return [text]
    return []
