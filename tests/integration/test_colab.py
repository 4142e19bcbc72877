"""Colab-style notebooks, unchanged, executed in a running runtime through its own
Jupyter Server and real kernels (issue: Colab inside the runtime)."""

import json
import urllib.request
from pathlib import Path

import pytest

from localab.host.image import lock
from tests.utils.runtime import wait_for

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run_notebook(client, name: str, kernel: str | None = None) -> list:
    """Every code cell in order, in one kernel started under the notebook's own kernel
    name (or in `kernel`, which is left running)."""
    notebook = json.loads((NOTEBOOKS / name).read_text())
    running = kernel or client.start_kernel(notebook["metadata"]["kernelspec"]["name"])
    try:
        return [client.execute(running, "".join(cell["source"]), timeout_s=300)
                for cell in notebook["cells"] if cell["cell_type"] == "code"]
    finally:
        if kernel is None:
            client.shutdown_kernel(running)


@pytest.fixture
def colab(runtime):
    secret = runtime.invoke("secret", "set", "API_KEY", input="sk-test-123\n")
    assert secret.returncode == 0, secret.stderr
    runtime.up()
    return runtime


def test_a_colab_tutorial_runs_unchanged(colab):
    cells = run_notebook(colab.client(), "colab_basics.ipynb")
    assert [cell.status for cell in cells] == ["ok"] * len(cells), [cell.error for cell in cells]
    assert cells[0].stdout.strip() == "in colab: True", "google.colab is imported when the kernel starts"
    assert cells[1].stdout.splitlines() == ["Colab only includes TensorFlow 2.x; %tensorflow_version has no effect.",
                                            lock.read_lock(colab.flavour).tensorflow_version]
    assert cells[2].stdout.strip() == "Mounted at /content/drive"
    assert cells[3].stdout.startswith("Drive already mounted at /content/drive")
    assert cells[4].stdout.strip() == "saved from a notebook"
    assert (colab.drive / "from-colab.txt").read_text() == "saved from a notebook"
    assert "git version" in cells[5].stdout and "script ran 42" in cells[5].stdout
    assert "Requirement already satisfied: six" in cells[6].stdout
    assert "iris.csv" in cells[7].stdout


def test_bad_input_gives_clear_messages_and_the_kernel_keeps_running(colab):
    cells = run_notebook(colab.client(), "colab_errors.ipynb")
    # Magics fail the IPython way: a one-line UsageError, no traceback.
    assert cells[0].status == "error" and cells[0].stderr.startswith("UsageError: Tensorflow 1 is unsupported")
    assert cells[1].status == "error" and "'3.x' is not a TensorFlow version here; use 2.x" in cells[1].stderr
    assert cells[2].status == "error" and cells[2].error.startswith("ValueError: Mountpoint must be in /content")
    assert cells[3].error == ("SecretNotFoundError: Secret NO_SUCH_SECRET does not exist. "
                              "Set it on the host with `localab secret set NO_SUCH_SECRET`.")
    assert cells[4].status == "ok" and cells[4].stdout.strip() == "the kernel is still running"


def test_secrets_from_the_host(colab):
    [cell] = run_notebook(colab.client(), "colab_secrets.ipynb")
    assert cell.status == "ok", cell.error
    assert cell.stdout.strip() == "11 sk-"
    inside = colab.client().run("import os, stat; s = os.stat('/run/localab/secrets/API_KEY'); "
                                "print(oct(s.st_mode & 0o777), os.access('/run/localab/secrets/API_KEY', os.W_OK))")
    assert inside.stdout.split() == ["0o600", "False"], "0600 and mounted read-only"


def test_a_keras_model_trained_in_a_notebook_lands_on_the_drive(colab):
    cells = run_notebook(colab.client(), "keras_to_drive.ipynb")
    assert [cell.status for cell in cells] == ["ok"] * 3, [cell.error for cell in cells]
    assert cells[0].stdout.strip() == "epochs 3" and cells[1].stdout.strip().endswith("saved")
    assert int(cells[2].text.strip()) > 0
    saved = colab.drive / "models" / "small.keras"
    assert saved.is_file() and saved.stat().st_size > 1000


def test_tensorboard_is_shown_through_the_runtimes_own_port(colab):
    client = colab.client()
    kernel = client.start_kernel()  # TensorBoard lives as long as the kernel that started it
    cells = run_notebook(client, "tensorboard.ipynb", kernel)
    assert [cell.status for cell in cells] == ["ok"] * 3, [cell.error for cell in cells]
    html = "".join(bundle.get("text/html", "") for cell in cells for bundle in cell.data)
    assert "iframe" in html and '"/proxy/6006/"' in html, html[:500]
    assert "google.colab.kernel.proxyPort" not in json.dumps([cell.data for cell in cells])

    def tensorboard_answers():
        request = urllib.request.Request(f"http://127.0.0.1:{colab.port}/proxy/6006/",
                                         headers={"Authorization": f"token {client.token}"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status == 200 and b"TensorBoard" in response.read()
        except OSError:
            return False

    try:
        wait_for(tensorboard_answers, timeout_s=60, what="TensorBoard behind /proxy/6006/")
    finally:
        client.shutdown_kernel(kernel)


def test_an_unknown_kernel_name_starts_the_default_kernel(colab):
    client = colab.client()
    kernel = client.start_kernel("conda-env-myenv-py")
    try:
        assert client.execute(kernel, "print(6 * 7)").stdout.strip() == "42"
    finally:
        client.shutdown_kernel(kernel)


def test_drive_mount_anywhere_under_content_and_read_only_for_real(colab):
    result = colab.client().run(
        "from google.colab import drive\n"
        "drive.mount('/content/gdrive')\n"
        "open('/content/gdrive/MyDrive/through-gdrive.txt', 'w').write('kept')\n"
        "drive.mount('/content/ro', readonly=True)\n"
        "print(open('/content/ro/MyDrive/through-gdrive.txt').read())\n"
        "import subprocess\n"
        "print(subprocess.run(['touch', '/content/ro/MyDrive/nope'], capture_output=True, text=True).stderr.strip())\n"
        "try:\n    open('/content/ro/MyDrive/nope', 'w')\nexcept OSError as error:\n    print(type(error).__name__, error.strerror)\n"
        "drive.flush_and_unmount()\n")
    assert result.status == "ok", result.error
    lines = result.stdout.splitlines()
    assert lines[:3] == ["Mounted at /content/gdrive", "Mounted at /content/ro", "kept"]
    assert "Read-only file system" in lines[3] and lines[4] == "OSError Read-only file system"
    assert lines[-1] == "All changes made in this colab session should now be visible in Drive."
    assert (colab.drive / "through-gdrive.txt").read_text() == "kept" and not (colab.drive / "nope").exists()


def test_without_a_page_eval_js_says_so_and_auth_says_what_to_do(colab):
    result = colab.client().run("from google.colab import output\noutput.eval_js('1 + 1')")
    assert result.status == "error" and result.error.startswith("MessageError: eval_js needs a page attached")
    auth = colab.client().run("from google.colab import auth\nauth.authenticate_user()")
    assert auth.status == "error" and "gcloud auth application-default login" in auth.error
    table = colab.client().run("import pandas as pd\nfrom google.colab import data_table\n"
                               "html = data_table.DataTable(pd.DataFrame({'n': range(3)}))._repr_html_()\n"
                               "print('<table' in html, 'cdn.' in html, len(html) > 10000)")
    assert table.stdout.split() == ["True", "False", "True"], table.stdout


def test_colab_ai_answers_from_a_model_server_the_host_names_in_a_secret(colab):
    """google.colab.ai in a real kernel of the runtime, against the small OpenAI-compatible
    server of the unit tests started inside the runtime on its loopback; the base URL is a
    secret set on the host. Whole and streamed answers, and a timeout the kernel survives."""
    import inspect

    from tests.utils import openai_server

    port = 18451
    base = colab.invoke("secret", "set", "LOCALAB_AI_BASE_URL", input=f"http://127.0.0.1:{port}/v1\n")
    assert base.returncode == 0, base.stderr  # the secrets folder is mounted: a new one is there at once
    client = colab.client()
    kernel = client.start_kernel("python3")
    try:
        serve = client.execute(kernel, inspect.getsource(openai_server) + f"""
import threading
from http.server import ThreadingHTTPServer
server = ThreadingHTTPServer(("127.0.0.1", {port}), OpenAICompatible)
threading.Thread(target=server.serve_forever, daemon=True).start()
""")
        assert serve.status == "ok", serve.error
        whole = client.execute(kernel, "from google.colab import ai\n"
                                       "print(ai.list_models())\n"
                                       "print(ai.generate_text('What is the capital of France?', model_name='tiny-llama'))\n"
                                       "print('|'.join(ai.generate_text('again', model_name='qwen-0.5b', stream=True)))")
        assert whole.status == "ok", whole.error
        assert whole.stdout.splitlines() == ["['tiny-llama', 'qwen-0.5b']", "Paris is the capital.",
                                             "Paris| is| the| capital."]
        late = client.execute(kernel, "%env LOCALAB_AI_TIMEOUT=2\nai.generate_text('hi', model_name='silent')")
        assert late.status == "error" and "ModelProxyServiceError" in late.error and "within 2 s" in late.error
        assert client.execute(kernel, "print(ai.list_models()[0])").stdout.strip() == "tiny-llama", "the kernel goes on"
    finally:
        client.shutdown_kernel(kernel)


def test_colabs_bigquery_cell_magics_are_declared_and_say_where_their_package_is(colab):
    client = colab.client()
    if colab.flavour == "tf":
        result = client.run("%%bigquery\nSELECT 1")
        assert result.status == "error" and result.stderr.startswith(
            "UsageError: %%bigquery needs bigquery-magics: the colab image has it"), result.stderr
        return
    # the colab image has the packages: each declaration loads the package's own magic (running
    # one would ask Google for credentials, so they are loaded, not run)
    result = client.run("ip = get_ipython()\n"
                        "for name, module in [('bigquery', 'bigquery_magics'), ('bqsql', 'bigframes')]:\n"
                        "    assert ip.magics_manager.magics['cell'][name].__name__ == 'load_then_run'\n"
                        "    ip.extension_manager.load_extension(module)\n"
                        "    print(name, ip.magics_manager.magics['cell'][name].__module__.split('.')[0])")
    assert result.stdout.splitlines() == ["bigquery bigquery_magics", "bqsql bigframes"], result.stderr


def test_quickchart_draws_the_charts_a_dataframes_columns_allow(colab):
    client = colab.client()
    kernel = client.start_kernel("python3")
    try:
        drawn = client.execute(kernel, "import pandas as pd\nfrom google.colab import autoviz\n"
                                       "df = pd.DataFrame({'when': pd.date_range('2026-01-01', periods=40), "
                                       "'price': range(40), 'volume': [i % 7 for i in range(40)], "
                                       "'shop': ['north', 'south'] * 20})\nautoviz.quickchart(df)")
        assert drawn.status == "ok", drawn.error
        html = "".join(bundle.get("text/html", "") for bundle in drawn.data)
        for section in ("Distributions", "Categorical distributions", "2-d distributions", "Time series", "Values"):
            assert f"<h4>{section}</h4>" in html, section
        assert html.count("data:image/png;base64,") == 2 + 1 + 1 + 2 + 2, "a PNG per chart"
        wrong = client.execute(kernel, "autoviz.quickchart([1, 2])")
        assert wrong.error == "TypeError: quickchart draws a pandas DataFrame, not list"
        empty = client.execute(kernel, "autoviz.quickchart(pd.DataFrame({'note': ['a' * i for i in range(100)]}))")
        assert empty.stdout.strip() == "No charts were generated by quickchart"
    finally:
        client.shutdown_kernel(kernel)
