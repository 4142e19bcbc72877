"""The colab image: Colab's own package set, through real kernels in the real image
(`pytest -m colab` selects this group; the image is built once per session)."""

import json
import os
import stat
import subprocess

import pytest

from localab.host import drive, driveview
from localab.host.image import footprint, lock
from tests.utils.runtime import Runtime

pytestmark = pytest.mark.colab

# What Colab notebooks import most, by judgement (no corpus of notebooks is reachable
# offline to count them): the packages the issue names, the scientific and deep-learning
# stacks, and the tools Colab's own tutorials use.
MOST_USED = (
    "numpy", "pandas", "matplotlib.pyplot", "seaborn", "sklearn", "scipy", "tensorflow", "keras", "torch",
    "torchvision", "torchaudio", "jax", "flax", "optax", "cv2", "PIL", "tqdm.auto", "plotly.express", "xgboost",
    "lightgbm", "tensorflow_datasets", "tensorflow_hub", "transformers", "datasets", "nltk", "spacy", "statsmodels",
    "sympy", "networkx", "h5py", "ipywidgets", "google.colab", "kagglehub", "altair", "bokeh", "imageio", "skimage",
    "librosa", "openpyxl", "bs4", "requests", "pydot",
)


@pytest.fixture
def colab_runtime(request, engine, colab_image, tmp_path):
    owned = Runtime(tmp_path, flavour="colab")
    yield owned
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        print(f"--- logs of {owned.container}:\n{owned.invoke('logs', '--name', owned.name).stdout[-4000:]}")
    engine.remove(owned.container)


def run(client, kernel, code: str, timeout_s: float = 300):
    result = client.execute(kernel, code, timeout_s=timeout_s)
    assert result.status == "ok", f"{code[:80]}...\n{result.error}\n{result.stderr[-2000:]}"
    return result


def test_colabs_most_used_packages_import_at_colabs_versions(colab_runtime):
    colab_runtime.up()
    client = colab_runtime.client()
    kernel = client.start_kernel("python3")
    code = ("import importlib, json, sys\nfailed = {}\nfor name in %r:\n    try:\n        importlib.import_module(name)\n"
            "    except Exception as exc:\n        failed[name] = f'{type(exc).__name__}: {exc}'\n"
            "print(json.dumps({'failed': failed, 'python': sys.version.split()[0]}))") % (MOST_USED,)
    found = json.loads(run(client, kernel, code, timeout_s=600).stdout.strip().splitlines()[-1])
    assert found["failed"] == {} and found["python"].startswith("3.13."), found
    versions = run(client, kernel, "import tensorflow as tf, torch, pandas\nprint(tf.__version__, torch.__version__, "
                                   "pandas.__version__)").stdout.split()
    # Colab's versions (its freeze), not localab's; PyTorch is PyPI's CUDA build of Colab's 2.11.0+cpu
    assert versions == ["2.20.0", "2.11.0+cu130", "2.2.3"]
    sample = run(client, kernel, "import json, os\nprint(sorted(os.listdir('/content/sample_data')))\n"
                                 "print(len(json.load(open('/content/sample_data/anscombe.json'))))").stdout.splitlines()
    assert "anscombe.json" in sample[0] and "README.md" in sample[0] and sample[1] == "44", "Anscombe's 4 x 11 points"
    readme = run(client, kernel, "print(open('/content/sample_data/README.md').read())").stdout
    assert "california_housing_train.csv" in readme and "does not invent" in readme, "what is missing is said"


def test_a_notebook_of_colabs_kind_runs_torch_cv2_tqdm_and_seaborn(colab_runtime):
    colab_runtime.up()
    client = colab_runtime.client()
    kernel = client.start_kernel("python3")
    trained = run(client, kernel, (
        "import torch\ntorch.manual_seed(0)\nx = torch.randn(256, 4); y = x @ torch.tensor([1., -2., 3., .5]) + 1\n"
        "model = torch.nn.Linear(4, 1); opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "for _ in range(200):\n    opt.zero_grad(); loss = ((model(x).squeeze() - y) ** 2).mean(); loss.backward(); opt.step()\n"
        "print(f'{loss.item():.4f}')"))
    assert float(trained.stdout.strip()) < 0.01, "a tiny torch model trains on the CPU"
    shown = run(client, kernel, (
        "import numpy as np, cv2\nfrom google.colab.patches import cv2_imshow\n"
        "image = np.zeros((32, 48, 3), np.uint8); image[:, :, 2] = 255\ncv2_imshow(image)"))
    assert any("image/png" in bundle for bundle in shown.data), shown.data
    progress = run(client, kernel, "from tqdm.auto import tqdm\nprint(sum(i for i in tqdm(range(1000))))")
    assert progress.stdout.strip().endswith("499500")
    plotted = run(client, kernel, (
        "import pandas as pd, seaborn as sns, matplotlib.pyplot as plt\n"
        "df = pd.DataFrame({'x': range(50), 'y': [i * i for i in range(50)]})\n"
        "sns.scatterplot(data=df, x='x', y='y'); plt.show()"))
    assert any("image/png" in bundle for bundle in plotted.data), plotted.data


def test_a_pip_install_survives_a_reset_and_cannot_shadow_the_image(colab_runtime):
    colab_runtime.up()
    client = colab_runtime.client()
    kernel = client.start_kernel("python3")
    added = run(client, kernel, "%pip install 'pyfiglet==1.0.2'", timeout_s=300)
    assert "Successfully installed pyfiglet-1.0.2" in added.stdout, added.stdout[-2000:]
    # Forced past pip's own refusal: a user's numpy lands in the drive, and still loses to the image's.
    forced = run(client, kernel, "%pip install --ignore-installed --no-deps 'numpy==2.2.6'", timeout_s=300)
    assert "Successfully installed numpy-2.2.6" in forced.stdout, forced.stdout[-2000:]
    refused = run(client, kernel, "%pip install 'six==1.16.0'", timeout_s=300)
    assert "Will not install to the user site" in refused.stdout, "an image package is never replaced"
    reset = colab_runtime.invoke("reset", "--name", colab_runtime.name, "--yes")
    assert reset.returncode == 0, reset.stdout + reset.stderr
    client = colab_runtime.client()
    kernel = client.start_kernel("python3")  # the kernel starts: the user's numpy did not break it
    after = run(client, kernel, "import pyfiglet, six, numpy, tensorflow as tf\nprint(pyfiglet.__file__)\n"
                                "print(six.__version__, numpy.__version__, tf.__version__)")
    where, versions = after.stdout.strip().splitlines()[-2:]
    assert where.startswith("/content/drive/MyDrive/localab/pip/colab-"), "installed into the drive, kept"
    assert versions.split() == ["1.17.0", "2.1.3", "2.20.0"], "the image's six, numpy (Colab's) and TensorFlow"
    installs = colab_runtime.drive / "localab" / "pip"
    assert any(installs.rglob("pyfiglet")), "the installs are in the host's drive folder"
    cleaned = colab_runtime.invoke("reset", "--name", colab_runtime.name, "--yes", "--clean-installs")
    assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
    assert not any(installs.rglob("pyfiglet*")), "removed (the fresh runtime makes its empty folder again)"
    client = colab_runtime.client()
    gone = client.execute(client.start_kernel("python3"), "import pyfiglet")
    assert gone.status == "error" and "No module named 'pyfiglet'" in gone.error


def test_sudo_is_opt_in_and_the_default_runtime_cannot_gain_privileges(colab_runtime, engine):
    colab_runtime.up()
    denied = subprocess.run(["docker", "exec", colab_runtime.container, "sudo", "-n", "id", "-u"],
                            capture_output=True, text=True, timeout=60)
    assert denied.returncode != 0, "an unprivileged runtime's user cannot sudo"
    assert not colab_runtime.status().get("privileged")
    again = colab_runtime.up("--recreate", "--sudo")
    assert again.returncode == 0
    assert colab_runtime.status()["privileged"] is True
    client = colab_runtime.client()
    kernel = client.start_kernel("python3")
    root = run(client, kernel, "!sudo -n id -u && id -u && stat -c %u /content/drive/MyDrive")
    lines = root.stdout.split()
    user = str(drive.owner()[0])  # the host user's uid, or the image's user when root runs localab
    assert lines[0] == "0", "the notebook user may sudo without a password"
    assert lines[1] == user, "the kernel itself still runs as the user, not root"
    assert lines[2] == user, "the drive still belongs to the user"
    status = colab_runtime.invoke("status", "--name", colab_runtime.name)
    assert "privileged" in status.stdout and "--sudo" in status.stdout


def test_root_in_a_sudo_runtime_leaves_no_set_id_program_or_device_in_the_host_drive(colab_runtime):
    """The audit's exploit, from a kernel: root inside writes a setuid-root shell, a
    setgid program, a device node and a file capability into the drive. On the host each
    is the drive owner's plain file, or is not there; apt still installs."""
    assert colab_runtime.up("--sudo").returncode == 0
    client = colab_runtime.client()
    kernel = client.start_kernel("python3")
    drive_in = "/content/drive/MyDrive"
    attack = run(client, kernel, (
        f"!sudo cp /bin/bash {drive_in}/x; sudo chown 0:0 {drive_in}/x; sudo chmod 4755 {drive_in}/x\n"
        f"!sudo install -m 6755 /bin/true {drive_in}/y; sudo mkdir -m 2777 {drive_in}/shared\n"
        f"!sudo mknod {drive_in}/null c 1 3; echo mknod=$?\n"
        f"!sudo python3 -c \"import os; os.setxattr('{drive_in}/x', 'security.capability', "
        f"bytes.fromhex('0100000200000000800000000000000000000000'))\"; echo setxattr=$?\n"
        "!sudo python3 -c 'import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW)' 2>/dev/null; echo raw=$?\n"
        f"!sudo -n apt-get update -qq >/dev/null && sudo -n apt-get install -y -qq tree >/dev/null; echo apt=$?\n"
        "!tree --version"), timeout_s=600)
    out = attack.stdout
    assert "mknod=1" in out and "setxattr=1" in out and "raw=1" in out, out
    assert "apt=0" in out and "tree v" in out, f"apt-get install still works in a sudo runtime:\n{out}"
    owner = drive.owner()
    for name in ("x", "y", "shared"):
        found = os.lstat(colab_runtime.drive / name)
        assert (found.st_uid, found.st_gid) == owner, f"{name} belongs to the drive's owner on the host"
        assert not found.st_mode & (stat.S_ISUID | stat.S_ISGID), f"{name} is set-id on the host: {oct(found.st_mode)}"
    assert not os.path.lexists(colab_runtime.drive / "null"), "no device node reaches the host"
    assert "security.capability" not in os.listxattr(colab_runtime.drive / "x")
    views = colab_runtime.state / "drive-views" / colab_runtime.name
    assert driveview.is_mounted(views / "sudo"), "the runtime's drive is the bindfs view while it runs"
    down = colab_runtime.invoke("down", "--name", colab_runtime.name, "--discard-scratch")
    assert down.returncode == 0, down.stderr
    assert not views.exists(), "down unmounts the view and removes its mount points"
    assert (colab_runtime.drive / "x").read_bytes()[:4] == b"\x7fELF", "what root wrote is kept, as a plain file"


def test_manifest_colab_prints_the_parity_of_the_image(colab_runtime, colab_image):
    shown = colab_runtime.invoke("manifest", "localab:colab", "--colab")
    assert shown.returncode == 0, shown.stderr
    assert "at Colab's version:" in shown.stdout and "Missing (" in shown.stdout
    assert "google-colab URL: Colab's own package" in shown.stdout
    refused = colab_runtime.invoke("manifest", "localab:tf", "--colab")
    assert refused.returncode == 2 and "is not a colab image" in refused.stderr


def test_what_its_first_build_says_it_costs_is_what_the_image_and_its_lock_cost(colab_image):
    """docker/flavours.toml's footprint for colab, stated before a first build, within 15%."""
    row = lock.flavour("colab")
    assert colab_image["Size"] / footprint.GB == pytest.approx(row.footprint.image_gb, rel=0.15)
    downloads = footprint.download_bytes(row, lock.read_lock("colab")) / footprint.GB
    assert downloads == pytest.approx(row.footprint.download_gb, rel=0.15)


# A service account's key whose token endpoint is a server on the runtime's loopback: the
# first thing BigQuery would send to Google is the token request, and it lands here instead.
LOOPBACK_TOKEN_SERVER = """
import json, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
token_requests = []
class Token(BaseHTTPRequestHandler):
    def do_POST(self):
        token_requests.append(parse_qs(self.rfile.read(int(self.headers['Content-Length'])).decode()))
        body = json.dumps({'error': 'invalid_grant', 'error_description': 'a loopback test server'}).encode()
        self.send_response(400); self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(('127.0.0.1', 0), Token)
threading.Thread(target=server.serve_forever, daemon=True).start()
pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
key = {'type': 'service_account', 'project_id': 'localab-test', 'private_key_id': '1', 'private_key': pem,
       'client_email': 'notebook@localab-test.iam.gserviceaccount.com', 'client_id': '1',
       'token_uri': f'http://127.0.0.1:{server.server_port}/token'}
from google.oauth2 import service_account
creds = service_account.Credentials.from_service_account_info(key, scopes=['https://www.googleapis.com/auth/cloud-platform'])
"""


def refused_at_the_token_request(client, kernel, call: str) -> None:
    """`call`, made with `creds` (the loopback service account; metadata checks off), fails
    with the token server's answer after a signed token request reached it."""
    run(client, kernel, "%env NO_GCE_CHECK=True\n%env GCE_METADATA_HOST=127.0.0.1:9\n" + LOOPBACK_TOKEN_SERVER)
    refused = client.execute(kernel, call, timeout_s=300)
    assert refused.status == "error" and "invalid_grant" in refused.error, refused.error
    sent = run(client, kernel, "print(json.dumps(token_requests[0]['grant_type']))").stdout.strip()
    assert sent == '["urn:ietf:params:oauth:grant-type:jwt-bearer"]', "a signed token request reached the server"


def test_bigquery_without_credentials_says_what_to_do_and_with_them_goes_as_far_as_the_token_request(colab_runtime):
    """No network here: the test stops where Google would be reached, at the token request,
    which goes to a server on the runtime's loopback (GCE metadata checks are off)."""
    colab_runtime.up()
    client = colab_runtime.client()
    kernel = client.start_kernel("python3")
    bare = client.execute(kernel, "from google.colab.sql import bigquery\nbigquery.run('SELECT 1')", timeout_s=300)
    assert bare.status == "error" and "no Google credentials in this runtime" in bare.error, bare.error
    refused_at_the_token_request(client, kernel, "bigquery.set_credentials(creds, project_id='localab-test')\n"
                                                 "answer = 42\nbigquery.run('SELECT {answer} AS n')")
    checked = run(client, kernel, "print(json.dumps(bigquery.validate('SELECT 1')))").stdout.strip()
    result = json.loads(checked)
    assert result["authorization_failed"] is True and "invalid_grant" in result["errors"][0]["message"], result


def test_sheets_without_credentials_says_what_to_do_and_with_them_goes_as_far_as_the_token_request(colab_runtime):
    colab_runtime.up()
    client = colab_runtime.client()
    kernel = client.start_kernel("python3")
    bare = client.execute(kernel, "import pandas as pd\nfrom google.colab import sheets\n"
                                  "sheets.InteractiveSheet(df=pd.DataFrame({'n': [1, 2]}))", timeout_s=300)
    assert bare.status == "error" and "no Google credentials in this runtime" in bare.error, bare.error
    refused_at_the_token_request(client, kernel, "sheets.InteractiveSheet(sheet_id='1abc', credentials=creds)")
    wrong = client.execute(kernel, "sheets.InteractiveSheet(title='a', url='https://x', credentials=creds)")
    assert wrong.error == "ValueError: Expected either a `url`, `sheet_id` or `title` but got more than one."
    backend = client.execute(kernel, "sheets.InteractiveSheet(backend='excel', credentials=creds)")
    assert backend.error == "ValueError: Unrecognized backend 'excel', use one of 'polars' or 'pandas'."
    # Cells written and read back through the strategies, on a worksheet kept in memory (the
    # part of gspread they call: update, get_values), since Google cannot be reached here.
    trip = run(client, kernel, """
class Kept:
    def update(self, values, range_name=None):
        self.values = values
    def get_values(self, range_name=None):
        return self.values
frame = pd.DataFrame({'when': pd.to_datetime(['2026-12-05']), 'n': [3], 'gap': [None]})
kept = Kept()
sheets.HeaderStorageStrategy().write(kept, frame, '')
print(json.dumps(kept.values))
print(sheets.HeaderStorageStrategy().read(kept).columns.tolist())
""").stdout.splitlines()
    assert trip == ['[["when", "n", "gap"], ["2026-12-05T00:00:00", 3, null]]', "['when', 'n', 'gap']"]
