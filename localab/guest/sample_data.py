"""Fill /content/sample_data like Colab's, from data sets that ship inside installed
packages (scikit-learn's bundled ones), so it works with no network."""

import csv
import shutil
import sys
from pathlib import Path

README = """\
This folder is localab's stand-in for Colab's `sample_data`, made when the image was
built from data that ships inside installed packages (no network).

By Colab's own file names:
- anscombe.json: Anscombe's quartet (from the vega_datasets package), as on Colab

Not here, although Colab has them: california_housing_train.csv, california_housing_test.csv,
mnist_train_small.csv and mnist_test.csv. No package on PyPI or Debian ships those data;
scikit-learn and Keras download them at first use (with a network:
`sklearn.datasets.fetch_california_housing()`, `keras.datasets.mnist.load_data()`).
localab does not invent stand-ins for them.

More, from scikit-learn, as CSV for pandas or the csv module:

- iris.csv: 150 irises, 4 measurements and the species (Fisher, 1936)
- wine.csv: 178 wines, 13 chemical measurements and the cultivar
- breast_cancer.csv: 569 tumours (Wisconsin diagnostic), 30 features and the diagnosis
- diabetes.csv: 442 patients, 10 baseline variables and disease progression after a year
- digits_8x8.csv: 1797 handwritten digits, 8x8 pixels (0-16) and the label, a tiny MNIST

Like Colab's, this folder lives in /content, which is scratch: it is recreated with each
runtime. Keep your own files in /content/drive/MyDrive.
"""


def write_csv(path: Path, header: list[str], rows) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def main(target: str) -> None:
    from sklearn import datasets  # only in the image

    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "iris.csv": datasets.load_iris(),
        "wine.csv": datasets.load_wine(),
        "breast_cancer.csv": datasets.load_breast_cancer(),
        "diabetes.csv": datasets.load_diabetes(scaled=False),
    }
    for name, bunch in tables.items():
        names = getattr(bunch, "target_names", None)
        labels = [names[t] for t in bunch.target] if names is not None and len(names) else list(bunch.target)
        header = [str(f).replace(" ", "_") for f in bunch.feature_names] + ["target"]
        write_csv(out / name, header, (list(row) + [label] for row, label in zip(bunch.data.tolist(), labels)))
    digits = datasets.load_digits()
    header = [f"pixel{i}" for i in range(64)] + ["label"]
    write_csv(out / "digits_8x8.csv", header,
              ([int(v) for v in row] + [int(t)] for row, t in zip(digits.data, digits.target)))
    import vega_datasets  # Anscombe's quartet, in the same JSON layout as Colab's file

    shutil.copyfile(Path(vega_datasets.__file__).parent / "_data" / "anscombe.json", out / "anscombe.json")
    (out / "README.md").write_text(README)


if __name__ == "__main__":
    main(sys.argv[1])
