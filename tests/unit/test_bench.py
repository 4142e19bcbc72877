import json

import pytest

from localab.host.bench import containers, registry
from localab.host.bench import report as bench_report
from localab.host.bench import runner as bench
from localab.host.errors import UsageError
from localab.workloads.common import spread
from localab.workloads.data import BATCH_FILES, find_cifar10, synthetic, write_cifar_batches


def test_validate_lists_workloads_and_resolves_the_drive(tmp_path):
    workloads, drive = bench.validate(bench.BenchRequest(workload="all", drive=str(tmp_path)))
    assert workloads == list(registry.REGISTRY.values()) and drive == tmp_path
    with pytest.raises(UsageError, match="or all"):
        bench.validate(bench.BenchRequest(workload="bert", drive=str(tmp_path)))


def test_resume_needs_a_checkpoint_and_the_fit(tmp_path):
    with pytest.raises(UsageError, match="no checkpoint"):
        bench.validate(bench.BenchRequest(resume=True, drive=str(tmp_path)))
    with pytest.raises(UsageError, match="continues a resnet50-cifar10 fit, and matmul takes no --resume"):
        bench.validate(bench.BenchRequest(workload="matmul", resume=True, drive=str(tmp_path)))
    state = bench.checkpoint_dir(tmp_path, "smoke", "seed") / "state.json"
    state.parent.mkdir(parents=True)
    state.write_text('{"phase": "seed", "epoch": 1}')
    assert [w.name for w in bench.validate(bench.BenchRequest(resume=True, drive=str(tmp_path)))[0]] == ["resnet50-cifar10"]


@pytest.mark.parametrize("value, expected", [(None, 1), ("3", 3), (5, 5)])
def test_runs(value, expected):
    assert bench.parse_runs(value) == expected


@pytest.mark.parametrize("value", ["0", "x", "101", "-1"])
def test_bad_runs(value):
    with pytest.raises(UsageError, match="is not a run count"):
        bench.parse_runs(value)


def test_the_fit_gets_its_utilisation_against_the_hosts_sgemm(tmp_path):
    (tmp_path / "summary.json").write_text(json.dumps({
        "workload": "resnet50-cifar10", "pipelines": ["seed"], "figures": {"seed": {"achieved_gflop_s": 25.0}}}))
    run = {"host_sgemm": {"gflop_s": {"median": 100.0}}, "host": {"gpus": []}, "caps": {"gpus": 0}}
    summary = bench.finish_summary(tmp_path, run)
    assert summary["figures"]["seed"]["mfu_vs_host_sgemm"] == 0.25


def test_a_gpu_result_shows_the_published_reference_for_that_gpu(tmp_path):
    (tmp_path / "summary.json").write_text(json.dumps({"workload": "resnet50-cifar10", "pipelines": ["seed"], "figures": {}}))
    run = {"host": {"gpus": ["Tesla P100-PCIE-16GB, 16280 MiB, 535.1"]}, "caps": {"gpus": 1}}
    references = bench.finish_summary(tmp_path, run)["references"]
    assert {r["images_per_s"] for r in references} == {195, 170}
    assert all(r["source"] for r in references)


def test_table_rows_say_synthetic_and_ratios():
    summary = {"workload": "resnet50-cifar10", "synthetic": True, "figures": {
        "seed": {"images_per_s": spread([2.0, 2.2, 2.1])}, "tuned": {"images_per_s": spread([3.0])},
        "tuned_over_seed": 1.43}}
    rows = bench_report.rows(summary)
    assert ("tuned / seed", "1.43x", "measured in this run") in rows
    assert rows[-1] == ("data", "SYNTHETIC", "throughput valid, accuracy meaningless")
    assert ("compute", "float32, XLA off", "XLA: Keras' own choice (GPU on, CPU off)") in rows


def test_table_rows_say_when_xla_and_mixed_precision_were_on():
    summary = {"workload": "resnet50-cifar10", "mixed_precision": True, "figures": {
        "tuned": {"images_per_s": spread([180.0]), "xla": True}}}
    assert ("compute", "mixed float16, XLA on", "XLA: Keras' own choice (GPU on, CPU off)") in bench_report.rows(summary)


def test_history_compares_the_latest_with_the_previous_run(tmp_path):
    root = bench.bench_root(tmp_path)
    for name, rate in (("20260101T000000Z-matmul", 40.0), ("20260102T000000Z-matmul", 50.0)):
        (root / name).mkdir(parents=True)
        (root / name / "summary.json").write_text(json.dumps(
            {"workload": "matmul", "figures": {"tensorflow_cpu_float32": {"median": rate}}}))
        (root / name / "run.json").write_text(json.dumps({"params": {"scale": "smoke"}}))
    lines = bench_report.history(tmp_path)
    assert lines[0].startswith("20260101T000000Z-matmul") and "matmul (smoke): latest / previous = 1.250" in lines[-1]
    assert "no bench results" in bench_report.history(tmp_path / "empty")[0]


def test_cifar_files_in_the_real_format_are_found_where_keras_keeps_them(tmp_path):
    assert find_cifar10(tmp_path) is None
    folder = tmp_path / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    write_cifar_batches(folder, per_batch=4)
    assert find_cifar10(tmp_path) == folder and sorted(p.name for p in folder.iterdir()) == sorted(BATCH_FILES)


def test_synthetic_data_has_cifars_shapes():
    (x, y), (xt, yt) = synthetic(10, 3)
    assert x.shape == (10, 32, 32, 3) and x.dtype.name == "uint8" and y.shape == (10,) and yt.max() < 10


@pytest.fixture
def planted(tmp_path):
    """A result folder in the drive, and a host file a runtime would like root to write."""
    partial = tmp_path / "drive" / "localab" / "bench" / ".partial-x"
    partial.mkdir(parents=True)
    outside = tmp_path / "host-file"
    outside.write_text("host file")
    return partial, outside


def test_a_containers_log_never_goes_through_a_planted_link(planted):
    partial, outside = planted
    (partial / "output.log").symlink_to(outside)

    class Engine:
        def logs(self, name, follow):
            yield b"progress: step 1\n"

    said = []
    live = containers.Live(said.append)
    containers.follow(Engine(), "c", partial / "output.log", live).join(timeout=10)
    assert outside.read_text() == "host file"
    assert any("symbolic link" in line for line in said), said


def test_a_run_whose_host_process_died_is_cleaned_up_by_the_next(tmp_path):
    import os
    import time

    from localab.host import drivefs

    drive = tmp_path / "drive"
    root = drive / "localab" / "bench"
    for name in (".partial-dead", ".partial-running", ".partial-old-unlocked", ".partial-new-unlocked", "2026-done"):
        (root / name).mkdir(parents=True)
        (root / name / "run.json").write_text("{}")
    (root / ".partial-dead" / bench.PARTIAL_LOCK).write_text("")  # its lock is free: the process is gone
    old = time.time() - bench.ABANDONED_AFTER_S - 60
    os.utime(root / ".partial-old-unlocked", (old, old))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("the user's")
    (root / ".partial-dead" / "escape").symlink_to(outside)  # planted in a folder that is removed
    said = []
    with drivefs.held(root / ".partial-running" / bench.PARTIAL_LOCK):
        bench.clean_abandoned(drive, said.append)
    left = sorted(p.name for p in root.iterdir())
    assert left == [".partial-new-unlocked", ".partial-running", "2026-done"]
    assert len(said) == 2 and all("ended without finishing" in line for line in said)
    assert (outside / "keep.txt").read_text() == "the user's", "rm -r never follows a link out of the drive"


def test_the_trace_table_sets_idle_apart_and_estimates_convolution_rates():
    from localab.workloads import profile

    ops = [{"type": "IDLE", "name": "IDLE", "self_us": 6e6, "count": 0},
           {"type": "Conv2DBackpropInput", "name": "grad/conv1", "self_us": 2e6, "count": 3},
           {"type": "Conv2DBackpropFilter", "name": "grad/conv1", "self_us": 1e6, "count": 3},
           {"type": "Conv2D", "name": "conv1", "self_us": 0.5e6, "count": 3},
           {"type": "ResourceApplyAdam", "name": "adam/update", "self_us": 0.4e6, "count": 3},
           {"type": "Relu", "name": "relu", "self_us": 0.1e6, "count": 3},
           {"type": "Mul", "name": "grad/resnet50_1/conv2_block2_3_bn_1/batchnorm/mul_1/Mul", "self_us": 0.3e6,
            "count": 3},
           {"type": "BroadcastTo", "name": "resnet50_1/conv2_block3_3_bn_1/moments/BroadcastTo", "self_us": 0.2e6,
            "count": 3}]
    result = profile.table(ops, wall_s=2.5, cpus=2, train_flop=30e9)
    shares = {c["category"]: c["share"] for c in result["categories"]}
    assert shares == pytest.approx({"convolution backward-input": 2 / 4.5, "convolution backward-filter": 1 / 4.5,
                                    "convolution forward": 0.5 / 4.5, "optimizer": 0.4 / 4.5,
                                    "batch norm": 0.5 / 4.5, "elementwise": 0.1 / 4.5})
    rates = {c["category"]: c["gflop_s"] for c in result["categories"]}
    assert rates["convolution backward-input"] == 5.0 and rates["convolution forward"] == 20.0
    assert rates["optimizer"] is None
    assert result["idle_s"] == 6.0 and result["in_ops_share"] == pytest.approx(4.5 / 5.0)
    assert [op["type"] for op in result["top_ops"]][:2] == ["Conv2DBackpropInput", "Conv2DBackpropFilter"]


def test_trace_with_a_workload_that_has_no_training_steps_is_a_usage_error(tmp_path):
    from localab.host.bench.runner import BenchRequest, validate

    with pytest.raises(UsageError, match="--trace profiles the training steps of a resnet50-cifar10 fit, and matmul takes no --trace"):
        validate(BenchRequest(workload="matmul", trace=True, drive=str(tmp_path)))


@pytest.mark.parametrize("value, expected", [(None, None), ("64", 64), (8, 8)])
def test_batch(value, expected):
    assert bench.parse_batch(value) == expected


@pytest.mark.parametrize("value", ["0", "x", "1025", "-8", "3.5"])
def test_bad_batch(value):
    with pytest.raises(UsageError, match="is not a batch size; use a whole number from 1 to 1024"):
        bench.parse_batch(value)


def test_batch_is_the_fits_and_only_the_fits(tmp_path):
    with pytest.raises(UsageError, match="--batch sets the batch size of a resnet50-cifar10 fit, and storage takes no --batch"):
        bench.validate(bench.BenchRequest(workload="storage", batch=64, drive=str(tmp_path)))
    assert registry.get("resnet50-cifar10").args(bench.BenchRequest(batch=64))[-2:] == ["--batch", "64"]


def test_another_batch_size_keeps_the_number_of_measured_steps():
    from localab.workloads.resnet import SCALES, config

    quick = config("quick", batch=64)
    assert quick["batch"] == 64 and quick["images"] // 64 == SCALES["quick"]["images"] // SCALES["quick"]["batch"]
    assert config("full", batch=64)["images"] == 50000 and config("smoke") == config("smoke", batch=8)


def test_the_plain_container_gets_its_row_and_the_ratio():
    summary = {"workload": "resnet50-cifar10", "figures": {
        "seed": {"images_per_s": spread([2.0, 2.2, 2.1])}, "plain_container": {"images_per_s": spread([1.9, 2.0])},
        "localab_over_plain": 1.08}, "plain_container": {"tensorflow": "2.21.0", "cpus": 2.0, "memory_gib": 16.0}}
    rows = bench_report.rows(summary)
    assert ("plain container", "1.95 images/s", "± 0.05 (MAD, n=2)") in rows
    assert ("localab / plain container", "1.08x",
            "measured in this run; plain: TensorFlow 2.21.0 from PyPI, docker run --cpus 2 --memory 16g") in rows


def test_the_compute_row_says_when_batch_norm_was_fused():
    summary = {"workload": "resnet50-cifar10", "params": {"fused_batch_norm": True},
               "figures": {"seed": {"images_per_s": spread([2.7])}}}
    assert ("compute", "float32, XLA off, batch norm fused", "XLA: Keras' own choice (GPU on, CPU off)") \
        in bench_report.rows(summary)
