"""A person's first minute: open the printed URL, make a notebook, run TensorFlow."""

import re
import time

from playwright.sync_api import expect

from localab.host.image import lock
from tests.utils.lab import new_notebook, open_lab, run_cell, screenshot
from tests.utils.runtime import Runtime


def test_the_printed_url_opens_jupyterlab_and_runs_tensorflow(runtime, page):
    url = runtime.up().stdout.strip().splitlines()[-1]
    open_lab(page, url)
    new_notebook(page)
    version = lock.read_lock(runtime.flavour).tensorflow_version
    text = run_cell(page, "import tensorflow as tf; print(tf.__version__)", version)
    assert text.strip() == version
    screenshot(page, f"runtime-tensorflow-version-{runtime.flavour}")


def test_a_captured_profile_opens_in_tensorboards_profile_tab(engine, tf_image, tmp_path, page):
    """TensorBoard's profile plugin (XProf) in the image, served through the runtime's own
    port like every %tensorboard, offline: the session a notebook captured is listed with
    its tools."""
    owned = Runtime(tmp_path)
    try:
        url = owned.up().stdout.strip().splitlines()[-1]
        open_lab(page, url)
        new_notebook(page)
        run_cell(page, "import tensorflow as tf\n"
                       "x = tf.random.uniform((256, 256))\n"
                       "step = tf.function(lambda x: tf.nn.relu(tf.matmul(x, x)))\n"
                       "step(x)\n"
                       "tf.profiler.experimental.start('/content/logs/profile')\n"
                       "for _ in range(5): step(x).numpy()\n"
                       "tf.profiler.experimental.stop()\n"
                       "print('captured')\n"
                       "%load_ext tensorboard\n"
                       "%tensorboard --logdir /content/logs/profile --port 6006\n", "captured")
        tensorboard = page.context.new_page()
        proxied = url.split("/lab")[0] + "/proxy/6006/"
        deadline = time.monotonic() + 90  # TensorBoard starts in the background: the proxy answers 500 until then
        while tensorboard.request.get(proxied).status != 200:  # the page's own cookies
            assert time.monotonic() < deadline, "TensorBoard did not answer behind /proxy/6006/ within 90 s"
            time.sleep(2)
        tensorboard.goto(proxied + "#profile")
        xprof = tensorboard.frame_locator("iframe").first
        expect(xprof.get_by_text("Overview Page").first).to_be_visible(timeout=90_000)
        expect(xprof.get_by_text(re.compile(r"Sessions \([1-9]\d*\)"))).to_be_visible()
        expect(xprof.get_by_text(re.compile(r"\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d")).first).to_be_visible()
        expect(xprof.get_by_text(re.compile(r"Tools \([1-9]\d*\)"))).to_be_visible()
        screenshot(tensorboard, "tensorboard-profile-tab")
    finally:
        engine.remove(owned.container)
