"""The environment the entry process gives Jupyter and, through it, every kernel."""

import os
import sys
from pathlib import Path

from . import cgroup, contract

DRIVE = Path(contract.DRIVE)
CA_MARKER = Path("/etc/localab/ca-bundle")
THREAD_VARS = ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
CA_VARS = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS")
# gperftools' tcmalloc (Debian's libtcmalloc-minimal4, in the image); Colab's runtime has it
# installed too and preloaded it for years (LD_PRELOAD=.../libtcmalloc.so.4)
TCMALLOC = tuple(f"/usr/lib/{arch}-linux-gnu/libtcmalloc_minimal.so.4" for arch in ("x86_64", "aarch64"))


def runtime_environment(environ: dict, *, cpus: int, drive: Path = DRIVE, ca_marker: Path = CA_MARKER,
                        allocators: tuple[str, ...] = TCMALLOC) -> dict:
    """Thread pools sized by the cgroup's CPU quota; tcmalloc; caches on the drive; the build's CA.

    A variable the user set explicitly is left alone (`LD_PRELOAD=`, empty, keeps glibc's malloc).
    """
    env = dict(environ)
    for name in THREAD_VARS:
        env.setdefault(name, str(cpus))
    env.setdefault("TF_NUM_INTEROP_THREADS", str(min(2, cpus)))
    # The seed's fit ran about a fifth faster with it on 2 CPUs (docs/performance.md); its
    # report of every allocation over 1 GiB would be noise in notebooks: only past 64 GiB.
    allocator = next((path for path in allocators if os.path.exists(path)), None)
    if allocator:
        env.setdefault("LD_PRELOAD", allocator)
        env.setdefault("TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD", str(64 << 30))
    if ca_marker.is_file():
        bundle = ca_marker.read_text().strip()
        for name in CA_VARS:
            env.setdefault(name, bundle)
    if drive.is_dir() and os.access(drive, os.W_OK):
        env.setdefault("KERAS_HOME", str(drive / contract.KERAS_CACHE_DIR))
        env.setdefault("PIP_CACHE_DIR", str(drive / contract.KERAS_CACHE_DIR.parent / "pip"))
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # TensorFlow's warnings, not its INFO chatter
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's frozen-modules note at every kernel start
    # %tensorboard shows TensorBoard through Jupyter Server's proxy, on the runtime's own port.
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX", "/")  # under a hub: /user/NAME/
    env.setdefault("TENSORBOARD_PROXY_URL", f"{prefix.rstrip('/')}/proxy/%PORT%/")
    return env


def make_cache_dirs(env: dict) -> None:
    """Create the caches on the drive; one that cannot be made is dropped, and said."""
    for name in ("KERAS_HOME", "PIP_CACHE_DIR"):
        if name in env:
            try:
                Path(env[name]).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                print(f"localab: {name} stays at its default: cannot create {env[name]} ({exc.strerror})", flush=True)
                del env[name]


def default_environment() -> dict:
    return runtime_environment(os.environ, cpus=cgroup.usable_cpus())


def main(argv: list[str]) -> None:
    """`python -m localab.guest.env COMMAND...`: run a command (a bench workload) in the
    runtime's environment, as Jupyter's kernels get it."""
    if not argv:
        sys.exit("usage: python -m localab.guest.env COMMAND [ARG...]")
    environment = default_environment()
    make_cache_dirs(environment)
    os.execvpe(argv[0], argv, environment)


if __name__ == "__main__":
    main(sys.argv[1:])
