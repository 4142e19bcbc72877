"""`localab bench` at smoke scale: every workload in a real container (issue: bench)."""

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from PIL import Image

from localab.host.drive import give_to_drive_owner
from localab.workloads.data import write_cifar_batches
from tests.utils.runtime import ROOT, engine_snapshot, invoke, repo_copy, wait_for

RUN_KEYS = {"workload", "params", "profile", "caps", "image", "host", "engine", "software", "started_at", "ended_at"}


@pytest.fixture
def drive(tmp_path):
    """The user's drive folder, theirs (localab changes the owner only of folders it makes)."""
    folder = tmp_path / "drive"
    folder.mkdir()
    give_to_drive_owner(folder)
    return folder


def bench(drive: Path, *args, timeout=900):
    return invoke("bench", "--profile", "cpu", "--drive", str(drive), *args, timeout=timeout)


def results(drive: Path, workload: str) -> list[Path]:
    return sorted((drive / "localab" / "bench").glob(f"*-{workload}"))


def check_result(folder: Path, workload: str) -> dict:
    run = json.loads((folder / "run.json").read_text())
    assert RUN_KEYS <= set(run), RUN_KEYS - set(run)
    assert run["workload"] == workload and run["profile"]["name"] == "cpu"
    assert run["caps"]["memory_bytes"] == run["profile"]["memory_bytes"]
    assert run["host"]["cpu_model"] and run["host"]["cores"] >= 1
    assert run["image"]["id"].startswith("sha256:") and run["image"]["labels"]["io.localab.flavour"] == "tf"
    assert run["software"]["localab_version"]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["workload"] == workload and "figures" in summary and isinstance(summary["synthetic"], bool)
    assert (folder / "metrics.jsonl").read_text().strip()
    pngs = sorted(folder.glob("*.png"))
    assert pngs
    for png in pngs:
        with Image.open(png) as picture:
            assert picture.format == "PNG" and picture.size == (800, 450)
            assert len(picture.convert("L").getcolors(maxcolors=1 << 16) or range(11)) > 10, f"{png.name} is blank"
    assert not list(folder.parent.glob(".partial-*"))
    return summary


@pytest.mark.parametrize("workload", ["matmul", "storage", "input-pipeline", "startup", "load"])
def test_each_workload_at_smoke_scale(tf_image, drive, workload):
    result = bench(drive, "--workload", workload)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    [folder] = results(drive, workload)
    summary = check_result(folder, workload)
    figures = summary["figures"]
    assert workload in result.stdout and str(folder) in result.stdout.replace("\n", "")
    if workload == "matmul":
        assert figures["tensorflow_cpu_float32"]["median"] > 0 and figures["host_numpy_float32"]["median"] > 0
        assert figures["container_over_host_numpy"] > 0
        host_load = json.loads((folder / "run.json").read_text())["host_load"]
        assert host_load["busy"] == [] and "busy_host" not in summary and "BUSY" not in result.stdout, host_load
        assert host_load["during"]["container_cores"] > 0
    elif workload == "storage":
        assert set(figures["drive_over_scratch"]) == {"write_mb_s", "read_mb_s", "write_files_s", "read_files_s"}
        assert not (drive / "localab" / "bench" / ".storage").exists()
    elif workload == "input-pipeline":
        assert summary["synthetic"] and figures["tuned_over_seed"] > 0
    elif workload == "load":
        assert figures["errors"] == 0 and figures["requests_per_s"] > 0
        assert set(figures["by_kind"]) >= {"kernel_start", "execute", "contents_put", "contents_get"}
        assert figures["p50_s"] <= figures["p99_s"] and figures["server_memory_after_bytes"] > 0
    elif workload == "startup":
        assert 0 < figures["up_to_answering_s"]["median"] < 120
        assert figures["second_up_s"]["median"] < figures["up_to_answering_s"]["median"]


def test_a_run_beside_another_busy_container_is_marked_busy(engine, tf_image, drive):
    """Two cores burnt by another container while matmul runs: the result says BUSY HOST,
    in the table, the summary and the history, with what was seen."""
    burner = engine._client.containers.run(
        "localab:tf", ["sh", "-c", "python3 -c 'while True: pass' & python3 -c 'while True: pass' & wait"],
        entrypoint=[], detach=True, labels={"io.localab.test": "burner"})
    try:
        result = bench(drive, "--workload", "matmul")
    finally:
        burner.remove(force=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    [folder] = results(drive, "matmul")
    summary = check_result(folder, "matmul")
    busy = summary["busy_host"]
    assert any("busy before the run" in reason for reason in busy), busy
    assert any("during the run" in reason for reason in busy), busy
    assert "BUSY" in result.stdout and "not comparable" in result.stdout
    history = bench(drive, "--history")
    assert "BUSY HOST" in history.stdout, history.stdout


def test_trace_writes_a_profile_tensorboard_reads_and_the_table_of_where_the_time_went(tf_image, drive):
    result = bench(drive, "--workload", "resnet50-cifar10", "--pipeline", "seed", "--trace")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    [folder] = results(drive, "resnet50-cifar10")
    profile = check_result(folder, "resnet50-cifar10")["profile"]
    assert profile["steps"] == 3 and list((folder / "profile").glob("plugins/profile/*/*.xplane.pb"))
    shares = {c["category"]: c["share"] for c in profile["categories"]}
    assert {"convolution forward", "convolution backward-input", "convolution backward-filter"} <= set(shares)
    assert sum(shares.values()) == pytest.approx(1.0) and 0 < profile["in_ops_share"] <= 1
    forward = next(c for c in profile["categories"] if c["category"] == "convolution forward")
    assert forward["gflop_s"] > 0 and forward["of_sgemm_peak"] > 0, "rated against the host's sgemm peak"
    assert (folder / "op_time.png").is_file()
    assert "convolution backward-input" in result.stdout and "%tensorboard --logdir" in result.stdout.replace("\n", " ")


def test_compare_host_runs_the_same_workload_in_a_host_venv_in_one_run(tf_image, drive):
    """--compare-host: the cpu lock in a venv on the host (made once), the ratio in this run."""
    result = bench(drive, "--workload", "matmul", "--compare-host", timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    [folder] = results(drive, "matmul")
    figures = check_result(folder, "matmul")["figures"]
    host, ours = figures["host"], figures["tensorflow_cpu_float32"]
    assert host["median"] > 0 and host["n"] >= 1, host
    assert figures["container_over_host"] == pytest.approx(ours["median"] / host["median"])
    assert (folder / "host" / "summary.json").is_file() and (folder / "host-output.log").is_file()
    assert "container / host" in result.stdout


def test_resnet_fit_on_real_cifar_files_with_both_pipelines(tf_image, drive):
    """The real loader on tiny files in the real cifar-10-batches-py pickle format."""
    write_cifar_batches(drive / "localab" / "cache" / "keras" / "datasets" / "cifar-10-batches-py", per_batch=16)
    give_to_drive_owner(drive)  # as if the user had put them there
    result = bench(drive, "--workload", "resnet50-cifar10", "--pipeline", "both")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    [folder] = results(drive, "resnet50-cifar10")
    summary = check_result(folder, "resnet50-cifar10")
    assert summary["synthetic"] is False and "CIFAR-10 from" in summary["data"]
    assert summary["weights"].startswith("none") and any("random weights" in n for n in summary["notes"])
    figures = summary["figures"]
    for phase in ("seed", "tuned"):
        assert figures[phase]["images_per_s"]["median"] > 0
        assert 0 <= figures[phase]["val_accuracy"] <= 1
        assert 0 < figures[phase]["mfu_vs_host_sgemm"] < 1
    assert figures["tuned_over_seed"] > 0
    metrics = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
    assert {m["phase"] for m in metrics} == {"seed", "tuned"}
    state = json.loads((drive / "localab/bench/checkpoints/resnet50-smoke-tuned/state.json").read_text())
    assert state["epoch"] == 2
    history = invoke("bench", "--history", "--drive", str(drive))
    assert history.returncode == 0 and folder.name in history.stdout


def test_resume_after_the_container_is_killed_mid_fit(tf_image, drive, engine):
    command = [sys.executable, "-m", "invoke", "bench", "--profile", "cpu", "--drive", str(drive),
               "--workload", "resnet50-cifar10", "--pipeline", "seed"]
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    state = drive / "localab/bench/checkpoints/resnet50-smoke-seed/state.json"
    try:
        wait_for(state.is_file, timeout_s=600, what="the first epoch's checkpoint")
        [container] = engine.containers("io.localab.bench=resnet50-cifar10")
        engine.kill(container["Id"], "KILL")
        output, _ = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 1, output
    assert "failed" in output and not results(drive, "resnet50-cifar10")
    assert not list((drive / "localab" / "bench").glob(".partial-*")), "no half-written result folder"
    assert json.loads(state.read_text())["epoch"] == 1

    resumed = bench(drive, "--workload", "resnet50-cifar10", "--pipeline", "seed", "--resume")
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr
    [folder] = results(drive, "resnet50-cifar10")
    summary = check_result(folder, "resnet50-cifar10")
    assert any("resumed seed from the checkpoint after epoch 1" in note for note in summary["notes"])
    epochs = {json.loads(line)["epoch"] for line in (folder / "metrics.jsonl").read_text().splitlines()}
    assert epochs == {1}, "only the second epoch ran"
    assert json.loads(state.read_text())["epoch"] == 2


@pytest.mark.parametrize("args, message", [
    (["--workload", "bert"], "workload: 'bert' is not a workload; use one of: resnet50-cifar10, matmul"),
    (["--scale", "huge"], "scale: 'huge' is not a scale; use one of: smoke, quick, full"),
    (["--runs", "zero"], "runs: 'zero' is not a run count"),
    (["--resume"], "resume: no checkpoint for resnet50-cifar10 at scale smoke"),
    (["--workload", "matmul", "--trace"],
     "trace: --trace profiles the training steps of a resnet50-cifar10 fit, and matmul takes no --trace"),
    (["--drive", "FILE"], "is a file, not a folder"),
])
def test_bad_input_is_one_line_and_leaves_no_result(engine, tf_image, drive, tmp_path, args, message):
    afile = tmp_path / "afile"
    afile.write_text("x")
    args = [str(afile) if a == "FILE" else a for a in args]
    before = engine_snapshot(engine, drive)
    full = ["bench", "--profile", "cpu"] + ([] if "--drive" in args else ["--drive", str(drive)]) + args
    result = invoke(*full)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert engine_snapshot(engine, drive) == before


def test_compare_plain_runs_the_same_fit_in_a_plain_container_in_one_run(tf_image, drive):
    """--compare-plain: the same TensorFlow from PyPI in a plain container (built once), the
    same data, none of localab's settings; localab / plain measured in this run."""
    write_cifar_batches(drive / "localab" / "cache" / "keras" / "datasets" / "cifar-10-batches-py", per_batch=16)
    give_to_drive_owner(drive)
    result = bench(drive, "--workload", "resnet50-cifar10", "--pipeline", "seed", "--compare-plain", timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    [folder] = results(drive, "resnet50-cifar10")
    summary = check_result(folder, "resnet50-cifar10")
    plain = json.loads((folder / "plain" / "summary.json").read_text())
    figures = summary["figures"]
    assert figures["localab_over_plain"] == pytest.approx(
        figures["seed"]["images_per_s"]["median"] / plain["figures"]["seed"]["images_per_s"]["median"])
    assert figures["plain_container"]["images_per_s"] == plain["figures"]["seed"]["images_per_s"]
    assert summary["plain_container"]["tensorflow"] == plain_lock_tensorflow() and summary["plain_container"]["cpus"] > 0
    assert plain["synthetic"] is False, "the plain run reads the drive's CIFAR-10 files, as localab's did"
    assert summary["settings"]["TF_NUM_INTRAOP_THREADS"] and plain["settings"] == {}, "nothing of localab's settings"
    assert (folder / "plain-output.log").is_file() and "localab / plain container" in result.stdout


def plain_lock_tensorflow() -> str:
    from localab.host.image import lock

    return lock.read_lock("plain").tensorflow_version


def test_a_trace_on_a_full_disk_is_one_note_and_the_result_is_still_written(engine, tf_image, tmp_path):
    """The fit with --trace in the image, its trace folder on a 64 KiB tmpfs: a real ENOSPC
    while the trace is written. The fit finishes, summary.json is written, one note says why."""
    out = tmp_path / "out"
    out.mkdir(mode=0o777)
    out.chmod(0o777)
    name = f"localab-test-trace-{uuid.uuid4().hex[:8]}"
    engine.run("localab:tf", name=name, user="1000:100", volumes={str(out): {"bind": "/out", "mode": "rw"}},
               tmpfs={"/out/profile": "size=64k,mode=1777"}, network_disabled=True,
               entrypoint=["python", "-m", "localab.guest.env", "python", "-m", "localab.workloads"],
               command=["resnet50-cifar10", "--scale", "smoke", "--trace", "--out", "/out", "--checkpoints", "/tmp/ckpt",
                        "--drive", "/tmp", "--scratch", "/tmp"])
    try:
        code = engine.wait(name, timeout=900)
        output = b"".join(engine.logs(name)).decode(errors="replace")
    finally:
        engine.remove(name)
    assert code == 0, output[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["figures"]["seed"]["images_per_s"]["median"] > 0 and "profile" not in summary
    notes = [note for note in summary["notes"] if note.startswith("profile:")]
    assert len(notes) == 1 and "MB free" in notes[0], summary["notes"]
    assert output.count("NOTE: profile:") == 1, output[-3000:]


TINY = '''"""tiny: a workload added for a test, in one file."""

import time
from pathlib import Path

from .common import Recorder, spread
from .fmt import shown
from .plots import median_bars
from .workload import Workload, median_of


def run(out: Path, scale: str, options: dict) -> dict:
    recorder = Recorder(out)
    laps = []
    for step in range(5):
        started = time.perf_counter()
        sum(range(100_000))
        laps.append(time.perf_counter() - started)
        recorder.metric(step=step, seconds=laps[-1])
    return recorder.summary(workload="tiny", params={"scale": scale}, synthetic=True,
                            figures={"sum_s": spread(laps)})


def main_spread(summary: dict) -> dict | None:
    return summary.get("figures", {}).get("sum_s")


WORKLOAD = Workload(name="tiny", where="container", help="sums a range five times",
                    rows=lambda summary: [("sum of a range", *shown(main_spread(summary), " s"))],
                    headline=median_of(main_spread), run=run, charts=median_bars("seconds (median)"))
'''


def test_a_workload_is_one_file_and_one_registry_line(tf_image, drive, tmp_path):
    """Adding a workload to a copy of this checkout: the new file and its line in the
    registry, nothing else; `localab bench` builds it into the image, runs it in a
    container under the profile's caps, tabulates and plots it."""
    repo = repo_copy(tmp_path)
    (repo / "localab" / "workloads" / "tiny.py").write_text(TINY)
    registry = repo / "localab" / "workloads" / "__init__.py"
    text = registry.read_text()
    text = text.replace("from . import hub_spawn,", "from . import tiny, hub_spawn,")
    text = text.replace("    hub_spawn.WORKLOAD,\n", "    hub_spawn.WORKLOAD,\n    tiny.WORKLOAD,\n")
    registry.write_text(text)
    try:
        result = invoke("bench", "--profile", "cpu", "--drive", str(drive), "--workload", "tiny", cwd=repo, timeout=900)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "sum of a range" in result.stdout
        folder, = results(drive, "tiny")
        summary = check_result(folder, "tiny")
        assert summary["figures"]["sum_s"]["n"] == 5
        assert (folder / "comparison.png").is_file(), sorted(p.name for p in folder.iterdir())
        listed = invoke("bench", "--help", cwd=repo)
        assert "tiny: sums a range five times" in listed.stdout
    finally:
        invoke("build", "--flavour", "tf", timeout=900)  # this checkout's image again, for the tests after
