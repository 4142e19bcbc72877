"""Driving JupyterLab in a real browser the way a person does: click, type, read."""

import re
import time

from playwright.sync_api import Page, expect

from tests.utils.runtime import ARTIFACTS

NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def open_lab(page: Page, url: str) -> None:
    """Open the URL in a fresh workspace (JupyterLab restores the last layout otherwise)."""
    fresh = url.replace("/lab?", f"/lab/workspaces/t{time.time_ns()}?reset&", 1)
    page.goto(fresh)
    page.locator(".jp-LauncherCard[data-category='Notebook']").first.wait_for(timeout=90_000)


def new_notebook(page: Page) -> None:
    page.locator(".jp-LauncherCard[data-category='Notebook']").first.click()
    page.locator(f"{NOTEBOOK} .jp-Cell .cm-content").first.wait_for(timeout=60_000)
    expect(page.locator(".jp-StatusBar-Widget").filter(has_text=re.compile(r"\| Idle"))).to_be_visible(timeout=90_000)


def run_cell(page: Page, code: str, expected: str, timeout_ms: int = 120_000) -> str:
    """Type code into the notebook's last cell, run it (Ctrl+Enter, as a person would,
    again if the kernel was not listening yet), and wait for `expected` in its output."""
    cell = page.locator(f"{NOTEBOOK} .jp-Cell").last
    cell.locator(".cm-content").click()
    page.keyboard.insert_text(code)
    press_run(page, cell)
    output = cell.locator(".jp-OutputArea-output").filter(has_text=expected)
    expect(output.first).to_be_visible(timeout=timeout_ms)
    return output.first.inner_text()


def press_run(page: Page, cell) -> None:
    """Ctrl+Enter in the focused cell until its prompt leaves `[ ]:` (a kernel that is still
    connecting drops the first request), bounded to a minute."""
    prompt = cell.locator(".jp-InputPrompt")
    deadline = time.monotonic() + 60
    while True:
        page.keyboard.press("Control+Enter")
        try:
            expect(prompt).not_to_have_text(re.compile(r"^\[ \]:$"), timeout=5_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def screenshot(page: Page, name: str) -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return str(path)
