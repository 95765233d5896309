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
        raise RuntimeError(f"{CHROMIUM} is missing but CI is set: install Debian's chromium (apt-get install chromium)")
    return f"{CHROMIUM} is not installed (apt-get install chromium); set CI=1 to make this a failure"


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def run_all_cells(page: Any, url: str, *, timeout_ms: int = 60_000) -> None:
    """Open a notebook (JupyterLab or Notebook 7), wait for the kernel, and Run All Cells."""
    page.goto(url)
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=timeout_ms)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


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
