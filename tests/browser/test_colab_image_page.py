"""The colab image in a real browser: what Colab notebooks show besides text."""

import pytest
from playwright.sync_api import expect

from tests.utils.lab import NOTEBOOK, new_notebook, open_lab, run_cell, screenshot
from tests.utils.runtime import Runtime

pytestmark = pytest.mark.colab


def test_a_plotly_figure_renders_in_jupyterlab(engine, colab_image, tmp_path, page):
    owned = Runtime(tmp_path, flavour="colab")
    try:
        open_lab(page, owned.url())
        new_notebook(page)
        run_cell(page, "import plotly.express as px\nfig = px.scatter(x=[1, 2, 3], y=[4, 1, 9], title='localab plotly')\n"
                       "fig.show()\nprint('shown')", "shown")
        plot = page.frame_locator(f"{NOTEBOOK} iframe.localab-plotly").first.locator(".js-plotly-plot")
        expect(plot).to_be_visible(timeout=60_000)
        expect(plot.locator(".gtitle")).to_have_text("localab plotly", timeout=30_000)
        assert plot.locator(".scatterlayer .point").count() == 3, "three points drawn"
        frame = page.locator(f"{NOTEBOOK} iframe.localab-plotly").first
        expect(frame).to_have_attribute("sandbox", "allow-scripts")
        inner = next(f for f in page.frames if f.url == "about:srcdoc")
        reach = inner.evaluate("() => { try { return String(window.parent.document.cookie.length >= 0) } "
                               "catch (error) { return error.name } }")
        assert reach == "SecurityError", f"the figure's frame reached the lab's page: {reach}"
        screenshot(page, "colab-plotly")
    finally:
        engine.remove(owned.container)
