"""A person's first minute: open the printed URL, make a notebook, run TensorFlow."""

from runtime.image import lock
from tests.utils.lab import new_notebook, open_lab, run_cell, screenshot


def test_the_printed_url_opens_jupyterlab_and_runs_tensorflow(runtime, page):
    url = runtime.up().stdout.strip().splitlines()[-1]
    open_lab(page, url)
    new_notebook(page)
    version = lock.read_lock(runtime.flavour).tensorflow_version
    text = run_cell(page, "import tensorflow as tf; print(tf.__version__)", version)
    assert text.strip() == version
    screenshot(page, f"runtime-tensorflow-version-{runtime.flavour}")
