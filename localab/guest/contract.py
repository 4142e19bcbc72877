"""What the host, the guest and the workloads agree on, written once.

The guest owns these facts (it runs them); the host package and the workloads import
this module and nothing else from the guest. It imports only the standard library, so
it loads on the host, in the image and in a bare venv alike.
"""

import re
from pathlib import PurePosixPath

# -- places inside the container
CONTENT = PurePosixPath("/content")  # scratch, as on Colab: wiped by reset and down
DRIVE_ROOT = CONTENT / "drive"
DRIVE = DRIVE_ROOT / "MyDrive"  # the host's drive folder is bind-mounted here
DRIVE_READONLY = PurePosixPath("/run/localab/drive-readonly")
# Seconds the runtime's clock runs ahead (a number in a root-owned file, non-negative: it can
# only bring the end closer). Tests write it with `docker exec -u 0` to reach the 30- and
# 5-minute warnings of a long lifetime without waiting for them.
CLOCK_AHEAD = PurePosixPath("/run/localab/clock-ahead")  # and read-only here: drive.mount(..., readonly=True)
SECRETS_MOUNT = PurePosixPath("/run/localab/secrets")
TOKEN_MOUNT = PurePosixPath("/run/localab/token")  # the server's token: a read-only 0600 file, never in the environment
MANIFEST = PurePosixPath("/etc/localab/manifest.json")
COLAB_DIR = PurePosixPath("/etc/localab/colab")  # a colab image's freeze, parity and their licence
USER_PACKAGES = "localab/pip"  # in the drive: what `!pip install` adds, one folder per image
SHELL_ENV = PurePosixPath("/tmp/localab-environment")  # the kernels' environment, for login shells (profile.sh)
STOP_FLAG = PurePosixPath("/tmp/localab-stopping")  # made by the host before a stop: the page saves open notebooks
PAGE_SAVE_WAIT_S = 7  # the page polls the runtime's status every 5 s, then saves what is open
UNASSIGN_FLAG = PurePosixPath("/tmp/localab-unassign")  # made by google.colab.runtime.unassign(): the runtime ends
PORT = 8888  # Jupyter Server, inside the container

# -- the image's unprivileged user and the group that owns what a runtime may write
IMAGE_UID, IMAGE_GID = 1000, 100

# -- environment the host sets for the entry process (and the workloads)
ENV_TOKEN = "JUPYTER_TOKEN"  # accepted (a plain docker run), then taken out of the environment
ENV_TOKEN_FILE = "JUPYTER_TOKEN_FILE"  # what localab sets: the path of TOKEN_MOUNT
ENV_PROFILE = "LOCALAB_PROFILE"
ENV_LIFETIME_S = "LOCALAB_LIFETIME_S"
ENV_IDLE_S = "LOCALAB_IDLE_S"
ENV_GPU_MEMORY_MB = "LOCALAB_GPU_MEMORY_MB"
ENV_KEYMAP = "LOCALAB_KEYMAP"
ENV_COLAB_FRONTEND = "LOCALAB_COLAB_FRONTEND"  # "1": Colab's own web UI may use this runtime
ENV_SUDO = "LOCALAB_SUDO"  # "1": a privileged runtime, whose notebook user may sudo (`up --sudo`)
ENV_RUN_AS = "LOCALAB_RUN_AS"  # "uid:gid" a privileged runtime's entry process drops to
SUDO_GROUP = "sudo"  # Debian's; /etc/sudoers.d/localab lets it sudo without a password
COLAB_ORIGIN = "https://colab.research.google.com"
ENV_SECRETS_DIR = "LOCALAB_SECRETS_DIR"  # tests point the stand-in elsewhere

# -- exit codes of the entry process, read by the host to say why a runtime stopped
EXIT_STOPPED = 0  # asked to stop (docker stop, localab down)
EXIT_EXPIRED = 75  # the profile's maximum lifetime ran out
EXIT_IDLE = 76  # Jupyter Server shut itself down after the profile's idle timeout
EXIT_SERVER_FAILED = 77  # Jupyter Server exited on its own with an error
EXIT_UNASSIGNED = 78  # a notebook ended the runtime (google.colab.runtime.unassign)
EXIT_REASONS = {EXIT_STOPPED: "stopped", EXIT_EXPIRED: "expired", EXIT_IDLE: "idle", EXIT_SERVER_FAILED: "failed",
                EXIT_UNASSIGNED: "unassigned"}

# -- exit codes of a workload (python -m localab.workloads)
WORKLOAD_USAGE = 2  # bad input
WORKLOAD_STOPPED = 3  # stopped by SIGTERM, checkpoint saved; --resume continues

# -- secrets: google.colab.userdata.get(NAME) reads SECRETS_MOUNT/NAME
SECRET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def is_secret_name(name) -> bool:
    return isinstance(name, str) and SECRET_NAME.fullmatch(name) is not None


# -- benchmark results and checkpoints, relative to the drive
SCALES = ("smoke", "quick", "full")  # every workload runs at each; tests use smoke
BENCH_DIR = PurePosixPath("localab") / "bench"
CHECKPOINTS_DIR = BENCH_DIR / "checkpoints"
KERAS_CACHE_DIR = PurePosixPath("localab") / "cache" / "keras"  # KERAS_HOME: datasets and weights
RUN_FILE, METRICS_FILE, SUMMARY_FILE, OUTPUT_LOG = "run.json", "metrics.jsonl", "summary.json", "output.log"
CHECKPOINT_STATE = "state.json"


def checkpoint_name(scale: str, phase: str) -> str:
    """The folder of one resnet50-cifar10 fit's checkpoint under CHECKPOINTS_DIR."""
    return f"resnet50-{scale}-{phase}"


# -- small shared readers and formats
def format_duration(seconds: float) -> str:
    """12h00m, 5m03s, 45s: how localab writes a duration (the page's script writes the same)."""
    seconds = int(round(max(0.0, seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def nvidia_smi(fields: tuple[str, ...], *, timeout_s: float = 10) -> list[dict[str, str]]:
    """One dict per GPU from `nvidia-smi --query-gpu`; empty without nvidia-smi or a GPU."""
    import shutil  # here, not at the top: every Python process in the image imports this module
    import subprocess

    if not shutil.which("nvidia-smi"):
        return []
    try:
        output = subprocess.run(["nvidia-smi", f"--query-gpu={','.join(fields)}", "--format=csv,noheader,nounits"],
                                capture_output=True, text=True, timeout=timeout_s).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return parse_nvidia_smi(output, fields)


def parse_nvidia_smi(output: str, fields: tuple[str, ...]) -> list[dict[str, str]]:
    rows = []
    for line in output.splitlines():
        values = [value.strip() for value in line.split(",")]
        if line.strip() and len(values) == len(fields):
            rows.append(dict(zip(fields, values)))
    return rows
