"""Benchmark workloads; each runs by itself inside a localab container
(`python -m localab.workloads NAME --scale smoke --out DIR`), and `invoke bench` runs them
in fresh containers under a profile's caps."""

import importlib


class _Lazy(dict):
    """Workload modules by name, imported only when used (TensorFlow is heavy)."""

    def __getitem__(self, name):
        return importlib.import_module(f".{super().__getitem__(name)}", __name__)


WORKLOADS = _Lazy({
    "resnet50-cifar10": "resnet",
    "matmul": "matmul",
    "input-pipeline": "pipeline",
    "storage": "storage",
})
