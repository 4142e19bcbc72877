"""The profile's GPU-memory cap holds for PyTorch and JAX on a real GPU.

No Docker needed: each child process starts as every Python process in the image
does, through a site folder whose localab.pth imports the cap, with the environment
the entry process gives kernels (LOCALAB_GPU_MEMORY_MB, and JAX's fraction from
gpucap.jax_environment). Past the cap the framework's own out-of-memory error, under it
success; without the cap the same large allocation succeeds, so the test can fail.
Runs where the framework sees a CUDA GPU (`python3 -m pytest tests/gpu --noconftest`
on a GPU machine); skipped elsewhere.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GUEST = Path(__file__).resolve().parents[2]  # the checkout: localab.guest imports from it
CAP_MB = 16 * 1024  # the p100 profile's GPU memory
OVER = 20 * 2**30
UNDER = 12 * 2**30

pytestmark = pytest.mark.gpu

ALLOCATE = {
    "torch": """
import torch
lazy = not torch.cuda.is_initialized()
def allocate(n):
    try:
        torch.empty(n, dtype=torch.uint8, device="cuda")
        torch.cuda.synchronize()
        return "ok"
    except torch.OutOfMemoryError as exc:
        return "oom: " + str(exc).splitlines()[0]
over = allocate(OVER)
torch.cuda.empty_cache()
print(json.dumps({"lazy": lazy, "over": over, "under": allocate(UNDER)}))
""",
    "jax": """
import jax, jax.numpy as jnp
def allocate(n):
    try:
        jnp.zeros((n,), dtype=jnp.uint8).block_until_ready()
        return "ok"
    except Exception as exc:  # XlaRuntimeError: RESOURCE_EXHAUSTED
        return "oom: " + str(exc).splitlines()[0] if "RESOURCE_EXHAUSTED" in str(exc) else "error: " + str(exc)
print(json.dumps({"lazy": True, "over": allocate(OVER), "under": allocate(UNDER)}))
""",
}

SEES_GPU = {
    "torch": "import torch; print(torch.cuda.is_available())",
    "jax": "import jax; print(any(d.platform == 'gpu' for d in jax.devices()))",
}


def sees_gpu(framework: str) -> bool:
    try:
        done = subprocess.run([sys.executable, "-c", SEES_GPU[framework]], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return False
    return done.stdout.strip().endswith("True")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    (folder / "localab.pth").write_text(f"{GUEST}\nimport localab.guest.gpucap\n")
    return folder


def run(framework: str, site: Path, *, capped: bool) -> dict:
    sys.path.insert(0, str(GUEST))
    from localab.guest import gpucap

    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCALAB_", "XLA_PYTHON_CLIENT"))}
    if capped:
        env["LOCALAB_GPU_MEMORY_MB"] = str(CAP_MB)
        gpucap.jax_environment(env)
    code = (f"import site, json; site.addsitedir({str(site)!r}); OVER, UNDER = {OVER}, {UNDER}\n"
            + ALLOCATE[framework])
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(framework, "capped" if capped else "uncapped", result, env.get("XLA_PYTHON_CLIENT_MEM_FRACTION"))
    return result


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_the_cap_holds_past_it_and_allows_under_it(framework, site):
    if not sees_gpu(framework):
        pytest.skip(f"{framework} sees no CUDA GPU here")
    capped = run(framework, site, capped=True)
    assert capped["over"].startswith("oom"), capped
    assert capped["under"] == "ok", capped
    assert capped["lazy"], "importing torch must not initialise CUDA (forked DataLoader workers)"
    uncapped = run(framework, site, capped=False)
    assert uncapped["over"] == "ok", f"without the cap {OVER >> 30} GiB must fit on this GPU: {uncapped}"
