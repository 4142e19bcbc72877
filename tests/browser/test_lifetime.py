"""The runtime's lifetime and idle timeout, from the profile, with tiny values, and a stop the
user asks for (issue: Colab inside the runtime; the 'nothing lost' promise)."""

import json
import re
import subprocess

from playwright.sync_api import expect

from localab.guest import contract
from localab.host.drive import give_to_drive_owner
from tests.utils.lab import NOTEBOOK, press_run, screenshot
from tests.utils.runtime import Runtime, cpu_profile, invoke, wait_for

NOTEBOOK_JSON = {"cells": [{"cell_type": "code", "metadata": {}, "source": "print('first')", "outputs": [],
                            "execution_count": None}],
                 "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                 "nbformat": 4, "nbformat_minor": 5}


def test_at_the_end_of_its_lifetime_the_page_is_warned_notebooks_are_saved_and_status_says_expired(
        engine, tf_image, tmp_path, page):
    owned = Runtime(tmp_path, env=cpu_profile(tmp_path, lifetime="80s", idle="0"))
    owned.drive.mkdir()
    (owned.drive / "work.ipynb").write_text(json.dumps(NOTEBOOK_JSON))
    give_to_drive_owner(owned.drive)  # the user's own notebook on their drive
    try:
        result = invoke("up", "--name", owned.name, "--port", str(owned.port), "--drive", str(owned.drive), "--flavour", "tf",
                        "--profile", "cpu", env=owned.env)
        assert result.returncode == 0, result.stderr
        url = result.stdout.strip().splitlines()[-1]
        cell = open_work_and_run_its_first_cell(page, url, left=r"Runtime: \d+s left")
        page.keyboard.insert_text("unsaved = 'typed just before the end'")  # never saved by the user
        expect(page.get_by_text(re.compile(r"This runtime stops in .* lifetime ends"))).to_be_visible(timeout=30_000)
        expect(cell.locator(".jp-OutputArea-output").filter(has_text="localab: this runtime stops in about")
               ).to_be_visible(timeout=30_000)
        screenshot(page, "lifetime-warning")
        expect(page.get_by_text("open documents were saved")).to_be_visible(timeout=60_000)
        screenshot(page, "lifetime-saved")
        wait_for(lambda: engine.container(owned.container)["State"]["Status"] == "exited", timeout_s=120,
                 what="the runtime to stop at the end of its lifetime")
        saved = json.loads((owned.drive / "work.ipynb").read_text())
        assert "typed just before the end" in json.dumps(saved["cells"]), "the page saved the notebook before the stop"
        status = json.loads(invoke("status", "--name", owned.name, "--json", env=owned.env).stdout)
        assert status["state"] == "expired" and "drive is kept" in status["reason"]
    finally:
        engine.remove(owned.container)


def test_down_lets_the_open_page_save_what_was_typed_first(engine, tf_image, tmp_path, page):
    owned = Runtime(tmp_path, env=cpu_profile(tmp_path, lifetime="2h", idle="0"))
    owned.drive.mkdir()
    (owned.drive / "work.ipynb").write_text(json.dumps(NOTEBOOK_JSON))
    give_to_drive_owner(owned.drive)
    try:
        open_work_and_run_its_first_cell(page, owned.url(), left=r"Runtime: 1h5\dm left")
        page.keyboard.insert_text("unsaved = 'typed just before down'")  # never saved by the user
        down = owned.invoke("down", "--name", owned.name)
        assert down.returncode == 0, down.stdout + down.stderr
        assert "letting the open page save its notebooks" in down.stdout
        saved = json.loads((owned.drive / "work.ipynb").read_text())
        assert "typed just before down" in json.dumps(saved["cells"]), "the page saved the notebook before the stop"
    finally:
        engine.remove(owned.container)


def open_work_and_run_its_first_cell(page, url: str, *, left: str):
    """Open work.ipynb from the drive once the status bar shows the lifetime (`left`), run its
    first cell, and start a new cell below it, in edit mode. Returns the first cell."""
    page.goto(url.replace("/lab?", "/lab/tree/drive/MyDrive/work.ipynb?reset&"))
    expect(page.locator("#jp-main-statusbar")).to_contain_text(re.compile(left), timeout=60_000)
    expect(page.locator(".jp-StatusBar-Widget").filter(has_text=re.compile(r"\| Idle"))).to_be_visible(timeout=90_000)
    cell = page.locator(f"{NOTEBOOK} .jp-Cell").first
    cell.locator(".cm-content").click()
    press_run(page, cell)
    expect(cell.locator(".jp-OutputArea-output").filter(has_text="first")).to_be_visible(timeout=60_000)
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    return cell


def run_ahead(owned: Runtime, seconds: float) -> None:
    """Move the runtime's clock ahead (root in the container writes contract.CLOCK_AHEAD)."""
    done = subprocess.run(["docker", "exec", "-u", "0", owned.container, "sh", "-c",
                           f"echo {seconds:.0f} > {contract.CLOCK_AHEAD}"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_a_two_hour_lifetime_warns_at_30_minutes_and_again_at_5(engine, tf_image, tmp_path, page):
    """Each warning on its own, page and kernel, with a clock moved ahead instead of a wait.
    The kernel's warning lands in the cell that is running (a long fit, where the user looks)."""
    owned = Runtime(tmp_path, env=cpu_profile(tmp_path, lifetime="2h", idle="0"))
    owned.drive.mkdir()
    (owned.drive / "work.ipynb").write_text(json.dumps(NOTEBOOK_JSON))
    give_to_drive_owner(owned.drive)
    try:
        url = owned.url()
        open_work_and_run_its_first_cell(page, url, left=r"Runtime: 1h5\dm left")
        page.keyboard.insert_text("import time\nfor step in range(240):\n    time.sleep(1)")  # a long fit
        page.keyboard.press("Control+Enter")
        fit = page.locator(f"{NOTEBOOK} .jp-Cell").nth(1)
        expect(fit.locator(".jp-InputPrompt")).to_have_text("[*]:", timeout=30_000)
        page_warning = page.get_by_text(re.compile(r"This runtime stops in \d+m\d\ds: its 2h00m lifetime ends"))
        kernel_warning = fit.locator(".jp-OutputArea-output").filter(has_text=re.compile(r"stops in about \d+ minutes"))
        expect(page_warning).to_have_count(0)
        run_ahead(owned, 7200 - 29 * 60)
        expect(page.get_by_text(re.compile(r"This runtime stops in 2[89]m\d\ds: its 2h00m lifetime ends"))
               ).to_be_visible(timeout=30_000)
        expect(kernel_warning.filter(has_text=re.compile(r"about 2[89] minutes"))).to_be_visible(timeout=30_000)
        expect(page_warning).to_have_count(1)
        expect(kernel_warning).to_have_count(1)
        screenshot(page, "lifetime-30-minutes")
        run_ahead(owned, 7200 - 280)
        expect(page.get_by_text(re.compile(r"This runtime stops in 4m\d\ds: its 2h00m lifetime ends"))
               ).to_be_visible(timeout=30_000)
        expect(kernel_warning.filter(has_text=re.compile(r"about [45] minutes"))).to_be_visible(timeout=30_000)
        expect(page_warning).to_have_count(2)
        screenshot(page, "lifetime-5-minutes")
    finally:
        engine.remove(owned.container)


def test_an_idle_runtime_culls_its_kernels_then_stops_and_status_says_idle(engine, tf_image, tmp_path):
    owned = Runtime(tmp_path, env=cpu_profile(tmp_path, idle="20s"))
    try:
        result = invoke("up", "--name", owned.name, "--port", str(owned.port), "--drive", str(owned.drive), "--flavour", "tf",
                        "--profile", "cpu", env=owned.env)
        assert result.returncode == 0, result.stderr
        client = owned.client()
        kernel = client.start_kernel()
        assert client.execute(kernel, "x = 1").status == "ok"
        wait_for(lambda: client.request("GET", "/api/kernels")[1] == [], timeout_s=90, what="the idle kernel to be culled")
        wait_for(lambda: engine.container(owned.container)["State"]["Status"] == "exited", timeout_s=150,
                 what="the idle server to shut down")
        status = json.loads(invoke("status", "--name", owned.name, "--json", env=owned.env).stdout)
        assert status["state"] == "idle", status
        assert owned.drive.is_dir()
    finally:
        engine.remove(owned.container)
