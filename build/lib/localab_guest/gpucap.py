"""Cap TensorFlow's GPU memory at the profile's GPU memory, in every Python process.

The image's localab.pth imports this module at interpreter start. When
LOCALAB_GPU_MEMORY_MB is set, the moment `tensorflow` finishes importing, and before
any op can touch the GPU, each physical GPU gets one logical device with that memory
limit. Kernels, `!python train.py` and bench workloads are all covered, and
processes that never import TensorFlow pay nothing.
"""

import os
import sys

from .contract import ENV_GPU_MEMORY_MB as ENV
from .imports import when_imported


def apply_limit(tf, megabytes: int) -> list[str]:
    """Give each GPU one logical device of `megabytes`; returns the GPU names capped."""
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        tf.config.set_logical_device_configuration(
            gpu, [tf.config.LogicalDeviceConfiguration(memory_limit=megabytes)]
        )
    return [gpu.name for gpu in gpus]


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

    when_imported("tensorflow", cap)
    return True


install()
