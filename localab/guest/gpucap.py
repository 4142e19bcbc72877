"""Cap each framework's GPU memory at the profile's GPU memory, in every Python process.

The image's localab.pth imports this module at interpreter start. When
LOCALAB_GPU_MEMORY_MB is set, each framework gets its own per-process limit before its
first GPU use: TensorFlow, the moment it finishes importing, one logical device per GPU
with that limit; PyTorch, at CUDA's lazy initialisation, set_per_process_memory_fraction;
JAX/XLA, XLA_PYTHON_CLIENT_MEM_FRACTION, which the entry process sets from the GPU's
total memory (jax_environment). Kernels, `!python train.py` and bench workloads are all
covered, and processes that never import a framework pay nothing.
"""

import os
import sys

from .contract import ENV_GPU_MEMORY_MB as ENV
from .contract import nvidia_smi
from .imports import when_imported


def apply_limit(tf, megabytes: int) -> list[str]:
    """Give each GPU one logical device of `megabytes`; returns the GPU names capped."""
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        tf.config.set_logical_device_configuration(
            gpu, [tf.config.LogicalDeviceConfiguration(memory_limit=megabytes)]
        )
    return [gpu.name for gpu in gpus]


def torch_limit(torch, megabytes: int) -> None:
    """Queue the cap for CUDA's lazy initialisation: importing torch stays free of CUDA
    (a forked DataLoader worker must not inherit a CUDA context)."""

    def apply():
        for index in range(torch.cuda.device_count()):
            total = torch.cuda.get_device_properties(index).total_memory
            torch.cuda.set_per_process_memory_fraction(min(1.0, megabytes * 2**20 / total), index)

    torch.cuda._lazy_call(apply)


def jax_fraction(megabytes: int, total_mb: list[int]) -> str | None:
    """XLA's memory fraction for a cap on GPUs of these sizes (the smallest decides)."""
    if not total_mb or min(total_mb) <= 0:
        return None
    return f"{min(1.0, megabytes / min(total_mb)):.4f}"


def jax_environment(env: dict) -> None:
    """For the entry process: JAX reads its cap from the environment, as a fraction."""
    value = env.get(ENV, "")
    if not value.isdigit() or int(value) <= 0 or env.get("XLA_PYTHON_CLIENT_MEM_FRACTION"):
        return
    rows = nvidia_smi(("memory.total",))
    fraction = jax_fraction(int(value), [int(float(row["memory.total"])) for row in rows if row.get("memory.total")])
    if fraction:
        env["XLA_PYTHON_CLIENT_MEM_FRACTION"] = fraction


def install(environ=os.environ) -> bool:
    value = environ.get(ENV, "")
    if not value.isdigit() or int(value) <= 0 or "tensorflow" in sys.modules:
        return False
    megabytes = int(value)

    def cap(tf):
        try:
            apply_limit(tf, megabytes)
        except Exception as exc:  # never break `import tensorflow` over the cap
            print(f"localab: could not cap GPU memory at {megabytes} MB: {exc}", file=sys.stderr)

    def cap_torch(torch):
        try:
            torch_limit(torch, megabytes)
        except Exception as exc:  # never break `import torch` over the cap
            print(f"localab: could not cap PyTorch's GPU memory at {megabytes} MB: {exc}", file=sys.stderr)

    when_imported("tensorflow", cap)
    when_imported("torch", cap_torch)
    return True


install()
