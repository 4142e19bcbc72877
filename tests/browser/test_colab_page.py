"""What a Colab user sees and does in the page (issue: Colab inside the runtime)."""

import re

from playwright.sync_api import expect

from localab.host import profiles
from tests.utils.lab import NOTEBOOK, new_notebook, open_lab, press_run, run_cell, screenshot
from tests.utils.runtime import wait_for


def test_the_resource_bar_shows_the_profiles_cap_and_drive_mount_works(runtime, page):
    url = runtime.up().stdout.strip().splitlines()[-1]
    open_lab(page, url)
    # jupyter-resource-usage prints the cgroup's cap (whole pages) in MiB, labelled MB.
    cap_mib = profiles.load().get("cpu").memory_bytes // 4096 * 4096 / (1 << 20)
    bar = page.locator("#jp-main-statusbar")
    expect(bar).to_contain_text(re.compile(rf"Mem:\s+[\d.]+ / {cap_mib:.2f} MB"), timeout=30_000)
    new_notebook(page)
    text = run_cell(page, "from google.colab import drive\ndrive.mount('/content/gdrive')", "Mounted at")
    assert text.strip() == "Mounted at /content/gdrive"
    screenshot(page, "colab-resource-bar-and-drive")


def run_until_the_file_picker(runtime, page, code: str):
    """A new notebook in a fresh runtime whose first cell, running `code`, shows a file picker."""
    open_lab(page, runtime.up().stdout.strip().splitlines()[-1])
    new_notebook(page)
    cell = page.locator(f"{NOTEBOOK} .jp-Cell").last
    cell.locator(".cm-content").click()
    page.keyboard.insert_text(code)
    press_run(page, cell)
    picker = page.locator(f"{NOTEBOOK} input[type=file]").first
    picker.wait_for(timeout=60_000)
    return cell, picker


def test_files_upload_and_download_go_through_the_browser(runtime, page, tmp_path):
    cell, picker = run_until_the_file_picker(runtime, page, "from google.colab import files\nuploaded = files.upload()\n"
                                             "print({name: len(data) for name, data in uploaded.items()})")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    picker.set_input_files(str(tmp_path / "data.csv"))
    expect(cell.locator(".jp-OutputArea-output").filter(has_text="{'data.csv': 8}")).to_be_visible(timeout=60_000)
    assert "Saving data.csv to data.csv" in cell.inner_text()
    screenshot(page, "colab-files-upload")

    with page.expect_download(timeout=60_000) as download:
        run_cell_in_new(page, "files.download('data.csv')")
    target = tmp_path / "downloaded.csv"
    download.value.save_as(target)
    assert target.read_text() == "a,b\n1,2\n" and download.value.suggested_filename == "data.csv"


def run_cell_in_new(page, code: str) -> None:
    page.keyboard.press("Escape")
    page.keyboard.press("b")  # a new cell below, in command mode (JupyterLab's own shortcut)
    page.keyboard.press("Enter")
    page.keyboard.insert_text(code)
    page.keyboard.press("Control+Enter")


def test_an_upload_larger_than_free_scratch_is_refused_and_the_kernel_lives(runtime, page, tmp_path):
    # Pretend /content has 4 bytes free: the page must refuse before sending anything.
    cell, picker = run_until_the_file_picker(runtime, page, "import shutil, collections\nfrom google.colab import files\n"
                                             "usage = collections.namedtuple('usage', 'total used free')\n"
                                             "shutil.disk_usage = lambda path: usage(100, 96, 4)\nfiles.upload()")
    (tmp_path / "big.bin").write_bytes(b"x" * 64)
    picker.set_input_files(str(tmp_path / "big.bin"))
    expect(cell.locator(".jp-OutputArea-output").filter(has_text="only 4 bytes free")).to_have_count(2, timeout=60_000)
    screenshot(page, "colab-upload-refused")
    run_cell_in_new(page, "print('still alive')")
    expect(page.locator(f"{NOTEBOOK} .jp-OutputArea-output").filter(has_text="still alive")).to_be_visible(timeout=60_000)


def test_the_colab_keymap_is_opt_in(runtime, page):
    url = runtime.up("--keymap", "colab").stdout.strip().splitlines()[-1]
    open_lab(page, url)
    new_notebook(page)
    cells = page.locator(f"{NOTEBOOK} .jp-Cell")
    expect(cells).to_have_count(1)
    cells.first.locator(".cm-content").click()
    page.keyboard.press("Control+m")
    page.keyboard.press("b")
    expect(cells).to_have_count(2, timeout=10_000)
    page.keyboard.press("Control+m")
    page.keyboard.press("m")
    expect(page.locator(f"{NOTEBOOK} .jp-MarkdownCell")).to_have_count(1, timeout=10_000)
    page.keyboard.press("Control+m")
    page.keyboard.press("d")
    expect(cells).to_have_count(1, timeout=10_000)
    screenshot(page, "colab-keymap")


def test_a_new_notebook_is_saved_in_the_drive_and_its_kernel_works_in_content(runtime, page):
    url = runtime.up().stdout.strip().splitlines()[-1]
    open_lab(page, url)
    # The file browser opens in the drive: the breadcrumbs end in MyDrive.
    expect(page.locator(".jp-BreadCrumbs")).to_contain_text("MyDrive", timeout=30_000)
    new_notebook(page)
    text = run_cell(page, "import os\nprint(os.getcwd(), sorted(os.listdir('sample_data'))[:1])", "/content")
    assert text.startswith("/content ['README.md']"), text
    page.keyboard.press("Control+s")
    saved = wait_for(lambda: sorted(runtime.drive.glob("Untitled*.ipynb")), timeout_s=30, what="the notebook saved")
    reset = runtime.invoke("reset", "--name", runtime.name, "--yes")
    assert reset.returncode == 0, reset.stderr
    assert all(path.exists() for path in saved), "a notebook saved from the launcher outlives a reset"
    screenshot(page, "new-notebook-in-the-drive")


def test_upload_file_takes_one_file_and_saves_it_under_the_name_given(runtime, page, tmp_path):
    cell, picker = run_until_the_file_picker(runtime, page, "from google.colab import files\n"
                                             "files.upload_file('renamed.csv')\nprint(open('renamed.csv').read())")
    assert picker.get_attribute("multiple") is None, "a one-file picker"
    (tmp_path / "data.csv").write_text("a,b\n3,4\n")
    picker.set_input_files(str(tmp_path / "data.csv"))
    expect(cell.locator(".jp-OutputArea-output").filter(has_text="3,4")).to_be_visible(timeout=60_000)
    assert "Saved data.csv to /content/renamed.csv" in cell.inner_text()
