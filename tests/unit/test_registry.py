"""The bench registry: every workload declared once, and everything read from it."""

import json
from types import SimpleNamespace

import pytest

from localab import cli
from localab.host.bench import registry
from localab.host.bench import report as bench_report
from localab.host.bench import runner as bench
from localab.host.bench.hub_spawn import REPEATS, WAVES
from localab.host.bench.load import SCALES as LOAD_SCALES
from localab.host.bench.startup import RUNS
from localab.host.errors import UsageError
from localab.workloads import plots
from localab.workloads import resnet as fit
from localab.workloads.common import spread
from localab.workloads.matmul import SCALES as MATMUL_SCALES
from localab.workloads.pipeline import SCALES as PIPELINE_SCALES
from localab.workloads.storage import SCALES as STORAGE_SCALES
from localab.workloads.workload import Workload

# summaries shaped as each workload's recorder.summary(...) writes them, at scale smoke
SEED, TUNED = spread([2.0, 2.2, 2.1]), spread([3.0, 3.1, 2.9])
SAMPLES = {
    "resnet50-cifar10": {
        "workload": "resnet50-cifar10", "params": {**fit.config("smoke", "both"), "mixed_precision": False},
        "pipelines": ["seed", "tuned"], "synthetic": False, "data": "keras cache", "weights": "none (random init)",
        "mixed_precision": False, "flop_per_image": 5e8, "interrupted": False, "notes": [],
        "figures": {"seed": {"images_per_s": SEED, "achieved_gflop_s": 1.0, "wall_s": 9.0, "xla": False,
                             "val_accuracy": 0.1, "train_accuracy": 0.2, "mfu_vs_host_sgemm": 0.01},
                    "tuned": {"images_per_s": TUNED, "achieved_gflop_s": 1.5, "wall_s": 6.0, "xla": False},
                    "tuned_over_seed": 1.48},
        "references": [{"match": "P100", "images_per_s": 195, "source": "somewhere"}]},
    "matmul": {
        "workload": "matmul", "params": MATMUL_SCALES["smoke"], "synthetic": False, "notes": [],
        "figures": {"numpy_float32": spread([40.0, 42.0]), "tensorflow_cpu_float32": spread([50.0, 51.0, 49.0]),
                    "host_numpy_float32": spread([45.0]), "container_over_host_numpy": 0.91}},
    "input-pipeline": {
        "workload": "input-pipeline", "params": PIPELINE_SCALES["smoke"], "synthetic": True, "data": "synthetic",
        "notes": [], "figures": {"seed": {"images_per_s": SEED}, "tuned": {"images_per_s": TUNED}, "tuned_over_seed": 1.48}},
    "storage": {
        "workload": "storage", "params": STORAGE_SCALES["smoke"], "synthetic": False, "notes": [],
        "figures": {"drive": {"write_mb_s": 100.0, "read_mb_s": 200.0, "write_files_s": 500.0, "read_files_s": 900.0},
                    "scratch": {"write_mb_s": 400.0, "read_mb_s": 800.0, "write_files_s": 2000.0, "read_files_s": 3000.0},
                    "drive_over_scratch": {"write_mb_s": 0.25, "read_mb_s": 0.25, "write_files_s": 0.25,
                                           "read_files_s": 0.3}}},
    "startup": {
        "workload": "startup", "params": {"runs": RUNS["smoke"]}, "synthetic": False, "notes": [],
        "figures": {"up_to_answering_s": spread([4.0]), "second_up_s": spread([1.0]),
                    "kernel_first_cell_s": spread([0.8])}},
    "load": {
        "workload": "load", "params": LOAD_SCALES["smoke"], "synthetic": False, "notes": [],
        "figures": {"requests_per_s": 40.0, "p50_s": 0.02, "p99_s": 0.2, "errors": 0,
                    "by_kind": {"contents": {"n": 100, "p50_s": 0.01, "p99_s": 0.1, "mean_s": 0.02, "errors": 0}},
                    "server_memory_before_bytes": 100 << 20, "server_memory_after_bytes": 120 << 20}},
    "hub-spawn": {
        "workload": "hub-spawn", "synthetic": False, "notes": [],
        "params": {"waves": list(WAVES["smoke"]), "profile": "cpu", "repeats": REPEATS["smoke"]},
        "figures": {"1_users_s": spread([3.0]), "2_users_s": spread([4.0, 5.0]), "errors": []}},
}


def test_every_workload_is_registered_once_and_runs_somewhere():
    assert set(SAMPLES) == set(registry.REGISTRY) and registry.DEFAULT in registry.REGISTRY
    for name, workload in registry.REGISTRY.items():
        assert workload.name == name and workload.help and "\n" not in workload.help
        if workload.where == "container":
            assert callable(workload.run), f"{name} has no code under localab/workloads/"
        else:
            assert callable(workload.run_host)
        assert workload.charts, f"{name} draws no chart of its own"


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_workload_reads_a_summary_shaped_like_its_own(name):
    workload, summary = registry.get(name), json.loads(json.dumps(SAMPLES[name]))  # as read back from summary.json
    rows = workload.rows(summary)
    assert rows and all(len(row) == 3 and all(isinstance(cell, str) for cell in row) for row in rows)
    assert isinstance(workload.headline(summary), float)
    assert bench_report.rows(summary)[:len(rows)] == rows
    assert bench_report.headline(summary) == workload.headline(summary)
    if workload.compare_host:
        assert workload.main_spread(summary)["median"] == registry.main_figure(summary)


def test_rows_read_as_before():
    rows = bench_report.rows(SAMPLES["storage"])
    assert rows[0] == ("sequential write", "drive 100 MB/s | scratch 400 MB/s", "drive/scratch 0.25x")
    rows = bench_report.rows(SAMPLES["hub-spawn"])
    assert rows[0] == ("spawn -> ready, 1 user(s) at once (one host)", "3 s", "± 0 (MAD, n=1)") and rows[-1] == ("errors", "0", "")
    assert ("requests/s", "40", "2 clients, 10 s") in bench_report.rows(SAMPLES["load"])
    assert ("seed: utilisation of host sgemm peak", "1 %", "") in bench_report.rows(SAMPLES["resnet50-cifar10"])
    assert bench_report.rows(SAMPLES["input-pipeline"])[-1] == ("data", "SYNTHETIC", "throughput valid, accuracy meaningless")


@pytest.mark.parametrize("name", ["bert", "", "all ", "ALL", "matmul,storage"])
def test_unknown_workloads_are_refused_as_usage_errors(name, tmp_path):
    with pytest.raises(UsageError, match="is not a workload; use one of: resnet50-cifar10, .*hub-spawn, or all") as error:
        registry.get(name)
    assert error.value.exit_code == 2
    with pytest.raises(UsageError) as error:
        bench.validate(bench.BenchRequest(workload=name, drive=str(tmp_path)))
    assert error.value.exit_code == 2


def test_bench_help_lists_every_workload_from_the_registry(capsys):
    text = registry.help_text()
    assert text.endswith("or all")
    assert all(f"{w.name}{' (default)' if w.name == registry.DEFAULT else ''}: {w.help}" in text
               for w in registry.REGISTRY.values())
    with pytest.raises(SystemExit) as exited:
        cli.program.run(["localab", "bench", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert exited.value.code == 0 and " ".join(text.split()) in shown


def test_a_workload_declaration_is_checked():
    def rows(summary):
        return []

    with pytest.raises(ValueError, match="run_host"):
        Workload(name="x", where="host", help="x", rows=rows, headline=rows)
    with pytest.raises(ValueError, match="where"):
        Workload(name="x", where="cloud", help="x", rows=rows, headline=rows)
    with pytest.raises(ValueError, match="compare-host"):
        Workload(name="x", where="container", help="x", rows=rows, headline=rows, compare_host=True, run=rows)
    with pytest.raises(ValueError, match="run is for container workloads"):
        Workload(name="x", where="container", help="x", rows=rows, headline=rows)


def test_container_arguments_come_from_the_workload():
    request = bench.BenchRequest(pipeline="tuned", resume=True)
    assert bench.container_command(registry.get("resnet50-cifar10"), request, "/out")[-3:] == ["--pipeline", "tuned", "--resume"]
    assert bench.container_command(registry.get("matmul"), request, "/out") == ["matmul", "--scale", "smoke", "--out", "/out"]


def test_the_sgemm_peak_is_measured_for_the_workloads_that_use_it():
    assert {n for n, w in registry.REGISTRY.items() if w.needs_sgemm} == {"resnet50-cifar10", "matmul"}
    assert {n for n, w in registry.REGISTRY.items() if w.compare_host} == {"resnet50-cifar10", "matmul", "input-pipeline"}


def test_importing_the_registry_loads_no_framework():
    """The host reads the registry with nothing but localab installed; frameworks load in a workload's run."""
    import subprocess
    import sys

    code = ("import sys, localab.workloads; heavy = [m for m in ('numpy', 'tensorflow', 'matplotlib', 'keras', "
            "'localab.host') if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", list(SAMPLES))
def test_plots_are_drawn_from_the_summary_alone(name, tmp_path):
    pytest.importorskip("matplotlib")
    (tmp_path / "summary.json").write_text(json.dumps(SAMPLES[name]))
    made = plots.make(tmp_path, registry.get(name).charts)
    assert made and {p.name for p in made} <= set(plots.FILES)


class FakeKeras:
    """Records what build_model asks of Keras, so the compiled configuration is checked without TensorFlow."""

    def __init__(self):
        self.compiled = {}
        keras = self

        class Model:
            def compile(self, **kwargs):
                keras.compiled = kwargs

        self.applications = SimpleNamespace(ResNet50=lambda **kw: ("ResNet50", kw))
        self.layers = SimpleNamespace(Dense=lambda *a, **kw: ("Dense", a, kw))
        self.optimizers = SimpleNamespace(Adam=lambda **kw: ("Adam", kw))
        self.Sequential = lambda layers: Model()


def test_the_fit_records_the_optimizer_and_loss_it_compiles():
    params = fit.config("full", "both", weights="/keras/models/w.h5")
    assert params["model"] == "ResNet50" and params["loss"] == "categorical_crossentropy"
    assert params["optimizer"] == {"name": "Adam", "learning_rate": 0.001}
    assert params["weights"] == "imagenet (/keras/models/w.h5)" and params["pipelines"] == ["seed", "tuned"]
    assert (params["size"], params["batch"], params["epochs"]) == (224, 32, 10)
    assert fit.config("smoke")["weights"] == "none (random init)" and fit.config("smoke", "tuned")["pipelines"] == ["tuned"]
    keras = FakeKeras()
    fit.build_model(keras, 32, None)
    assert keras.compiled["loss"] == params["loss"] and keras.compiled["metrics"] == params["metrics"]
    assert keras.compiled["optimizer"] == (params["optimizer"]["name"], {"learning_rate": params["optimizer"]["learning_rate"]})


def test_run_json_carries_the_workloads_configuration(tmp_path):
    (tmp_path / "summary.json").write_text(json.dumps(SAMPLES["resnet50-cifar10"]))
    config = bench.workload_config(tmp_path)
    assert config["optimizer"]["name"] == "Adam" and config["loss"] == "categorical_crossentropy"
