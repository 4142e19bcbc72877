"""A Colab notebook that uses google.colab's newer parts, run in a real Chromium as a person
runs it (issue 29): a model server's answer, tabs, tagged progress that goes away, a file
opened beside the notebook, and the runtime given back at the end."""

import inspect
import json
import os
import re
import shutil
from pathlib import Path

from playwright.sync_api import expect

from tests.utils import openai_server
from tests.utils.lab import NOTEBOOK, open_lab, screenshot
from tests.utils.runtime import ARTIFACTS, wait_for

TOUR = Path(__file__).resolve().parent.parent / "notebooks" / "colab_tour.ipynb"
PORT = 18452


def serve_a_model_inside(runtime) -> None:
    """The unit tests' OpenAI-compatible server, in a kernel of its own in the runtime (on
    its loopback, which the notebook's kernel shares); the notebook finds it by a secret."""
    client = runtime.client()
    kernel = client.start_kernel("python3")
    served = client.execute(kernel, inspect.getsource(openai_server) + f"""
import threading
from http.server import ThreadingHTTPServer
server = ThreadingHTTPServer(("127.0.0.1", {PORT}), OpenAICompatible)
threading.Thread(target=server.serve_forever, daemon=True).start()
""")
    assert served.status == "ok", served.error


def test_a_tour_of_google_colab_runs_in_the_page_and_ends_by_giving_the_runtime_back(runtime, engine, page):
    base = runtime.invoke("secret", "set", "LOCALAB_AI_BASE_URL", input=f"http://127.0.0.1:{PORT}/v1\n")
    assert base.returncode == 0, base.stderr
    url = runtime.up().stdout.strip().splitlines()[-1]
    shutil.copy(TOUR, runtime.drive / TOUR.name)  # as the runtime's own user would have saved it
    owner = (runtime.drive.stat().st_uid, runtime.drive.stat().st_gid)
    os.chown(runtime.drive / TOUR.name, *owner)
    serve_a_model_inside(runtime)
    open_lab(page, url)
    page.evaluate(f"window.jupyterapp.commands.execute('docmanager:open', {{path: 'drive/MyDrive/{TOUR.name}'}})")
    notebook = page.locator(NOTEBOOK)
    expect(page.locator(".jp-StatusBar-Widget").filter(has_text=re.compile(r"\| Idle"))).to_be_visible(timeout=90_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    cells = notebook.locator(".jp-CodeCell")

    expect(cells.nth(0).locator(".jp-OutputArea")).to_contain_text("Paris is the capital.", timeout=120_000)
    cells.nth(0).screenshot(path=screenshot_path("tour-ai"))

    tabs = cells.nth(1).locator(".widget-tab")
    expect(tabs.get_by_text("all steps done")).to_be_visible(timeout=60_000)
    expect(tabs.get_by_text("every step, in detail")).to_be_hidden()
    cells.nth(1).screenshot(path=screenshot_path("tour-tabbar"))

    progress = cells.nth(2).locator(".jp-OutputArea")
    expect(progress).to_contain_text("kept: the result", timeout=60_000)
    expect(progress).not_to_contain_text("working on step")
    cells.nth(2).screenshot(path=screenshot_path("tour-tags"))

    expect(page.locator(".jp-FileEditor .cm-content").filter(has_text="written by the notebook")).to_be_visible(
        timeout=60_000)
    screenshot(page, "tour-files-view")

    expect(page.get_by_text("The runtime is stopping: open documents were saved.")).to_be_visible(timeout=60_000)
    screenshot(page, "tour-unassign")
    wait_for(lambda: runtime.status()["state"] == "unassigned", timeout_s=90, what="status to say unassigned")
    saved = json.loads((runtime.drive / TOUR.name).read_text())
    answers = [o.get("text", "") for c in saved["cells"] for o in c.get("outputs", [])]
    assert any("Paris is the capital." in "".join(text) for text in answers), "the page saved the outputs first"


def screenshot_path(name: str) -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    return str(ARTIFACTS / f"{name}.png")
