"""localab: a self-hosted, reproducible, Colab-like runtime.

localab.host drives the engine from the host, localab.guest runs inside the container,
localab.workloads are the benchmarks (in a container or a venv), localab.cli the verbs.
The image carries this file with the guest and the workloads, so it imports nothing.
"""


def __getattr__(name: str):
    # Looked up on first use only: a kernel imports localab.guest at every start, and
    # reading distribution metadata costs tens of milliseconds beside Colab's ~650.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("localab")
        except PackageNotFoundError:  # a checkout that was never installed, or the image
            return "0.0.0+checkout"
    raise AttributeError(name)
