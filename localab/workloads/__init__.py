"""Benchmark workloads: each one file of this package, declaring its `Workload` (how it
runs, how its result is read, shown and drawn), and one line below. A container workload
runs by itself inside a localab container (`python -m localab.workloads NAME --scale smoke
--out DIR`); `localab bench` runs them in fresh containers under a profile's caps.

Importing this package loads no framework: each workload imports TensorFlow, NumPy or
matplotlib inside the functions that use them."""

from . import hub_spawn, load, matmul, pipeline, resnet, startup, storage
from .workload import Workload

REGISTRY: dict[str, Workload] = {w.name: w for w in (
    resnet.WORKLOAD,
    matmul.WORKLOAD,
    pipeline.WORKLOAD,
    storage.WORKLOAD,
    startup.WORKLOAD,
    load.WORKLOAD,
    hub_spawn.WORKLOAD,
)}
DEFAULT = "resnet50-cifar10"
