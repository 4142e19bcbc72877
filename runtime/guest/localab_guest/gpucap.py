"""Cap TensorFlow's GPU memory at the profile's GPU memory, in every Python process.

The image's localab.pth imports this module at interpreter start. When
LOCALAB_GPU_MEMORY_MB is set it installs a post-import hook: the moment `tensorflow`
finishes importing, and before any op can touch the GPU, each physical GPU gets one
logical device with that memory limit. Kernels, `!python train.py` and bench workloads
are all covered, and processes that never import TensorFlow pay nothing.
"""

import importlib.abc
import os
import sys

ENV = "LOCALAB_GPU_MEMORY_MB"


def apply_limit(tf, megabytes: int) -> list[str]:
    """Give each GPU one logical device of `megabytes`; returns the GPU names capped."""
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        tf.config.set_logical_device_configuration(
            gpu, [tf.config.LogicalDeviceConfiguration(memory_limit=megabytes)]
        )
    return [gpu.name for gpu in gpus]


class _Loader(importlib.abc.Loader):
    def __init__(self, inner, megabytes: int):
        self.inner = inner
        self.megabytes = megabytes

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        self.inner.exec_module(module)
        try:
            apply_limit(module, self.megabytes)
        except Exception as exc:  # never break `import tensorflow` over the cap
            print(f"localab: could not cap GPU memory at {self.megabytes} MB: {exc}", file=sys.stderr)


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, megabytes: int):
        self.megabytes = megabytes

    def find_spec(self, fullname, path, target=None):
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)  # once: find the real spec with the other finders
        from importlib.util import find_spec

        spec = find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _Loader(spec.loader, self.megabytes)
        return spec


def install(environ=os.environ) -> bool:
    value = environ.get(ENV, "")
    if not value.isdigit() or int(value) <= 0 or "tensorflow" in sys.modules:
        return False
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder(int(value)))
    return True


install()
