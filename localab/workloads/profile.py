"""`localab bench --trace`: a trace of a few steps of the fit, after its warm-up, taken
with TensorFlow's profiler into the run's folder (TensorBoard's Profile tab opens it), and
where the time went, read from that trace with TensorBoard's profile plugin (xprof):
each op's self time, summed into the categories of a training step."""

import glob
import json
import os
import re
import shutil
import time
from pathlib import Path

FOLDER = "profile"
STEPS = 3

# (category, whether an op of this type and name belongs to it), first match wins
CATEGORIES = (
    ("convolution backward-filter", lambda t, n: "Conv2DBackpropFilter" in t),
    ("convolution backward-input", lambda t, n: "Conv2DBackpropInput" in t),
    ("convolution forward", lambda t, n: "Conv2D" in t),
    ("matmul", lambda t, n: "MatMul" in t),
    # Keras 3 batch norm is not one fused op: moments, Mul, BroadcastTo ... under a `*_bn` layer
    ("batch norm", lambda t, n: "BatchNorm" in t or "batchnorm" in n.lower() or "/moments/" in n
     or re.search(r"_bn(_\d+)?/", n) is not None),
    ("optimizer", lambda t, n: t.startswith(("ResourceApply", "AssignVariable", "AssignAdd", "AssignSub"))
     or "/adam/" in n.lower() or "optimizer" in n.lower()),
    ("data", lambda t, n: "Iterator" in t or "Dataset" in t or t in ("ResizeBilinear", "DecodeRaw")),
    ("elementwise", lambda t, n: t in ("Relu", "ReluGrad", "AddV2", "Add", "AddN", "Mul", "Sub", "RealDiv",
                                        "BiasAdd", "BiasAddGrad", "Softmax", "Maximum", "Square", "Sqrt",
                                        "Rsqrt", "Cast", "Neg", "Exp", "Log", "Tile", "Select", "SelectV2")),
)


LOW_SPACE = 256 << 20  # a trace of three ResNet50 steps takes tens of MB


def low_space(folder: Path) -> str:
    """Why a capture failed, when the disk it goes to is (nearly) full; "" otherwise."""
    for path in (folder, *folder.parents):
        try:
            free = shutil.disk_usage(path).free
        except OSError:
            continue
        return f" (the disk holding {folder} has {free / 2**20:.1f} MB free)" if free < LOW_SPACE else ""
    return ""


def category(op_type: str, name: str) -> str:
    return next((label for label, test in CATEGORIES if test(op_type, name)), "other")


def callback(keras, tf, out: Path, *, first_step: int, recorder, steps: int = STEPS):
    """Profiles steps first_step .. first_step+steps-1 of the first epoch it sees; a capture
    that fails is a note, never the end of the fit."""

    class Profile(keras.callbacks.Callback):
        active = done = failed = False

        def on_train_batch_begin(self, step, logs=None):
            if self.done or self.active or step < first_step:
                return
            try:
                tf.profiler.experimental.start(str(out / FOLDER))
            except Exception as exc:  # another profiler running, an unwritable folder
                recorder.note(f"profile: the capture could not start: {exc}{low_space(out / FOLDER)}")
                self.done = self.failed = True
                return
            self.active, self.first, self.started = True, step, time.perf_counter()

        def on_train_batch_end(self, step, logs=None):
            if self.active and step >= self.first + steps - 1:
                self.finish(step - self.first + 1)

        def on_train_end(self, logs=None):
            if self.active:
                self.finish(None)

        def finish(self, profiled_steps):
            self.active, self.done = False, True
            self.wall_s = time.perf_counter() - self.started
            self.steps = profiled_steps
            try:
                tf.profiler.experimental.stop()
            except Exception as exc:  # a full disk while the trace is written
                recorder.note(f"profile: the capture failed: {exc}{low_space(out / FOLDER)}")
                self.failed = True

    return Profile()


def read_ops(folder: Path) -> list[dict]:
    """The host's ops from the trace: type, name, self time (us), occurrences."""
    from xprof.convert import raw_to_tool_data

    paths = sorted(glob.glob(str(folder / "plugins" / "profile" / "*" / "*.xplane.pb")))
    if not paths:
        raise FileNotFoundError(f"no trace (*.xplane.pb) under {folder}")
    data, _ = raw_to_tool_data.xspace_to_tool_data(paths, "framework_op_stats", {})
    table = json.loads(data)[0]
    columns = [column["id"] for column in table["cols"]]
    ops = []
    for row in table["rows"]:
        cells = dict(zip(columns, [cell.get("v") if cell else None for cell in row["c"]]))
        if cells.get("host_or_device") != "Host" or not cells.get("total_self_time"):
            continue
        ops.append({"type": cells["type"], "name": cells["operation"], "self_us": float(cells["total_self_time"]),
                    "count": int(cells.get("occurrences") or 0)})
    return ops


CONVOLUTIONS = ("convolution forward", "convolution backward-input", "convolution backward-filter")


def table(ops: list[dict], *, wall_s: float, cpus: int, train_flop: float | None = None, top: int = 12) -> dict:
    """Time shares by category and the top ops; the profiler's own IDLE pseudo-op (threads
    waiting) apart. The CPU profiler counts no FLOPs, so each convolution category's rate is
    estimated from the model's training FLOPs of the profiled steps (a third each: forward,
    backward-input, backward-filter)."""
    idle_us = sum(op["self_us"] for op in ops if op["type"] == "IDLE")
    ops = [op for op in ops if op["type"] != "IDLE"]
    total = sum(op["self_us"] for op in ops) or 1.0
    by_category: dict[str, float] = {}
    for op in ops:
        name = category(op["type"], op["name"])
        by_category[name] = by_category.get(name, 0.0) + op["self_us"]
    categories = []
    for name, self_us in sorted(by_category.items(), key=lambda item: -item[1]):
        rate = train_flop / 3 / (self_us / 1e6) / 1e9 if train_flop and name in CONVOLUTIONS else None
        categories.append({"category": name, "share": self_us / total, "self_s": self_us / 1e6, "gflop_s": rate})
    top_ops = [{"type": op["type"], "name": op["name"], "share": op["self_us"] / total, "count": op["count"]}
               for op in sorted(ops, key=lambda op: -op["self_us"])[:top]]
    cpu_s = wall_s * cpus
    return {"categories": categories, "top_ops": top_ops, "ops_s": total / 1e6, "idle_s": idle_us / 1e6,
            "wall_s": wall_s, "cpus": cpus, "in_ops_share": min(1.0, total / 1e6 / cpu_s) if cpu_s else None}


def summarise(out: Path, profiler, recorder, *, flop_per_step: float | None = None) -> dict | None:
    """The op table of a finished capture, or None with a note saying why (one: a capture
    that failed has said so already)."""
    if profiler.failed:
        return None
    if not getattr(profiler, "wall_s", None):
        recorder.note("profile: no step was profiled (the fit had too few steps after its warm-up)")
        return None
    try:
        ops = read_ops(out / FOLDER)
    except Exception as exc:
        recorder.note(f"profile: the trace could not be read: {exc}{low_space(out / FOLDER)}")
        return None
    # the CPUs TensorFlow's pools were sized by (the runtime's environment: the CPU quota)
    cpus = int(os.environ.get("TF_NUM_INTRAOP_THREADS") or len(os.sched_getaffinity(0)))
    steps = profiler.steps or 0
    result = table(ops, wall_s=profiler.wall_s, cpus=cpus, train_flop=flop_per_step * steps if flop_per_step else None)
    result["steps"] = profiler.steps
    result["folder"] = FOLDER
    return result
