import shutil

import pytest

from tests.utils.runtime import ARTIFACTS

CHROMIUM = "/usr/bin/chromium"
# As root in a sandbox-less VM, and with no network but loopback: no sandbox, no GPU,
# none of Chromium's background calls home.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which("chromium"):
        pytest.fail(f"Debian's chromium is missing at {CHROMIUM}: `invoke test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    yield opened
    ARTIFACTS.mkdir(exist_ok=True)
    opened.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"))
    context.close()
