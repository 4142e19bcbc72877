"""CIFAR-10 for the workloads: the real data when the drive's Keras cache has it, read
with Keras' own loader; otherwise a labelled synthetic set of the same shapes, said
loudly. Never fake data silently."""

import os
from pathlib import Path

CLASSES = 10
BATCH_FILES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def keras_home() -> Path:
    return Path(os.path.expanduser(os.environ.get("KERAS_HOME", "~/.keras")))


def find_cifar10(home: Path | None = None) -> Path | None:
    """The `cifar-10-batches-py` folder in Keras' dataset cache, where Keras itself
    would leave it (inside `cifar-10-batches-py-target/`) or unpacked by hand."""
    datasets = (home or keras_home()) / "datasets"
    for folder in (datasets / "cifar-10-batches-py-target" / "cifar-10-batches-py", datasets / "cifar-10-batches-py"):
        if all((folder / name).is_file() for name in BATCH_FILES):
            return folder
    return None


def load_real(folder: Path):
    """Keras' CIFAR batch reader over the cached files: ((x_train, y_train), (x_test, y_test))."""
    import numpy as np
    from keras.src.datasets.cifar import load_batch  # the reader keras.datasets.cifar10 uses

    parts = [load_batch(str(folder / name)) for name in BATCH_FILES[:5]]
    x_train = np.concatenate([x for x, _ in parts]).transpose(0, 2, 3, 1)
    y_train = np.concatenate([np.asarray(y) for _, y in parts]).astype("uint8")
    x_test, y_test = load_batch(str(folder / "test_batch"))
    return (x_train, y_train), (x_test.transpose(0, 2, 3, 1), np.asarray(y_test).astype("uint8"))


def synthetic(train: int, test: int, seed: int = 0):
    """Random 32x32x3 uint8 images with labels: CIFAR-10's shapes and dtypes, no content."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return ((rng.integers(0, 256, (train, 32, 32, 3), dtype="uint8"), rng.integers(0, CLASSES, train, dtype="uint8")),
            (rng.integers(0, 256, (test, 32, 32, 3), dtype="uint8"), rng.integers(0, CLASSES, test, dtype="uint8")))


def cifar10(train: int, test: int):
    """(data, synthetic flag, source description), trimmed to the sizes asked for."""
    folder = find_cifar10()
    if folder is None:
        return (synthetic(train, test), True,
                f"synthetic data of CIFAR-10's shapes (no cifar-10-batches-py in {keras_home() / 'datasets'})")
    (x_train, y_train), (x_test, y_test) = load_real(folder)
    return ((x_train[:train], y_train[:train]), (x_test[:test], y_test[:test])), False, f"CIFAR-10 from {folder}"


def write_cifar_batches(folder: Path, per_batch: int, seed: int = 0) -> None:
    """Write files in the real cifar-10-batches-py pickle format (for tests and demos)."""
    import pickle

    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name in BATCH_FILES:
        batch = {b"batch_label": name.encode(), b"labels": rng.integers(0, CLASSES, per_batch).tolist(),
                 b"data": rng.integers(0, 256, (per_batch, 3072), dtype="uint8"),
                 b"filenames": [f"img{i}.png".encode() for i in range(per_batch)]}
        with (folder / name).open("wb") as handle:
            pickle.dump(batch, handle)
