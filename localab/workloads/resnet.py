"""The seed tutorial's job: Keras ResNet50 (ImageNet weights, top replaced) fit on
CIFAR-10 resized to 224, batch 32, Adam, categorical cross-entropy, 10 epochs.

`seed` is the tutorial's pipeline exactly; `tuned` keeps the model and the maths and
changes only how the work is fed: the 32-px source is cached (never the 224-px
tensors: 30 GB for 50k images), resizing runs on whole batches in parallel, batches
are prefetched, and mixed precision is used on GPUs with tensor cores. XLA is Keras'
own choice for both (on where a GPU is present, off on CPUs, where it measured no
faster here); the summary records what it was.
"""

import json
import signal
import time
import tomllib
from pathlib import Path

from localab.guest import contract

from . import profile
from .common import RESNET50_TRAIN_FLOP_PER_IMAGE, SYNTHETIC_NOTE, Recorder, spread
from .data import cifar10, keras_home
from .fmt import phase_rows, ratio_rows
from .plots import pipeline_bars
from .workload import Row, Workload, host_sgemm_peak, median_of

SCALES = {
    # images per epoch, test images, image size, batch, epochs, warm-up steps excluded from figures
    "smoke": dict(images=48, test_images=16, size=32, batch=8, epochs=2, warmup=2),
    "quick": dict(images=384, test_images=0, size=224, batch=32, epochs=1, warmup=2),
    "full": dict(images=50000, test_images=10000, size=224, batch=32, epochs=10, warmup=10),
}
WEIGHTS_FILE = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
# what build_model compiles, written once: the fit reads these and the summary records them
MODEL = "ResNet50"
HEAD = "global max pooling, Dense(10, softmax, float32)"
OPTIMIZER = {"name": "Adam", "learning_rate": 0.001}  # Keras' Adam with its default learning rate
LOSS = "categorical_crossentropy"
METRICS = ("accuracy",)


def pipelines_of(choice: str) -> list[str]:
    return ["seed", "tuned"] if choice == "both" else [choice]


def scale_params(scale: str, batch: int | None = None) -> dict:
    """The scale's sizes; another batch size keeps the smoke and quick scales' number of
    steps (so as many are measured after warm-up), and the full scale's 50,000 images."""
    params = dict(SCALES[scale])
    if batch and batch != params["batch"]:
        if scale != "full":
            params["images"] = params["images"] // params["batch"] * batch
        params["batch"] = batch
    return params


def config(scale: str, pipeline: str = "seed", weights: str | None = None, batch: int | None = None) -> dict:
    """The fit's whole configuration, kept as the summary's params (and so in run.json's config).

    `weights` is the ImageNet weights file found, or None for random initialisation."""
    return {**scale_params(scale, batch), "model": MODEL, "head": HEAD,
            "weights": f"imagenet ({weights})" if weights else "none (random init)",
            "optimizer": dict(OPTIMIZER), "loss": LOSS, "metrics": list(METRICS), "pipelines": pipelines_of(pipeline)}


def seed_pipeline(tf, x, y, size: int, batch: int):
    """The tutorial's input pipeline, line for line (labels flattened: Keras 3 wants (N,))."""

    def preprocess(x, y):
        x = tf.image.resize(x, [size, size])
        x = tf.cast(x, dtype=tf.float32) / 255.
        y = tf.convert_to_tensor(y)
        y = tf.one_hot(y, depth=10)
        return x, y

    return tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1000).map(preprocess).batch(batch)


def tuned_pipeline(tf, x, y, size: int, batch: int):
    def preprocess(x, y):
        x = tf.cast(tf.image.resize(x, [size, size]), tf.float32) / 255.
        return x, tf.one_hot(tf.cast(y, tf.int32), depth=10)

    options = tf.data.Options()
    options.deterministic = False
    return (tf.data.Dataset.from_tensor_slices((x, y)).cache().shuffle(1000).batch(batch)
            .map(preprocess, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE).with_options(options))


PIPELINES = {"seed": seed_pipeline, "tuned": tuned_pipeline}


def fused_batch_norm() -> bool:
    """Whether Keras' batch norm takes TensorFlow's fused kernel here (localab.guest.fusedbn, on CPUs)."""
    from keras.src.layers.normalization.batch_normalization import BatchNormalization

    return hasattr(BatchNormalization.call, "unfused")


def has_tensor_cores(tf) -> bool:
    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability") or (0, 0)
        if capability >= (7, 0):
            return True
    return False


def build_model(keras, size: int, weights):
    base = getattr(keras.applications, MODEL)(weights=weights, include_top=False, pooling="max", input_shape=(size, size, 3))
    model = keras.Sequential([base, keras.layers.Dense(10, activation="softmax", dtype="float32")])
    optimizer = getattr(keras.optimizers, OPTIMIZER["name"])(learning_rate=OPTIMIZER["learning_rate"])
    model.compile(loss=LOSS, optimizer=optimizer, metrics=list(METRICS))
    return model


class Checkpoints:
    """Model and progress on the drive, each epoch and on SIGTERM, for --resume."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.model_path = folder / "model.keras"
        self.state_path = folder / contract.CHECKPOINT_STATE

    def save(self, model, *, phase: str, epoch: int) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / "model.tmp.keras"
        model.save(tmp)
        tmp.replace(self.model_path)
        state = self.state_path.with_name(self.state_path.name + ".tmp")  # a kill mid-write leaves the old state
        state.write_text(json.dumps({"phase": phase, "epoch": epoch, "time": time.time()}))
        state.replace(self.state_path)

    def load(self) -> dict | None:
        if not (self.state_path.is_file() and self.model_path.is_file()):
            return None
        return json.loads(self.state_path.read_text())


def make_callback(keras, recorder: Recorder, *, phase: str, batch: int, steps: int, epochs: int, checkpoints, stop):
    class Progress(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_begin(self, step, logs=None):
            self.started = time.perf_counter()

        def on_train_batch_end(self, step, logs=None):
            seconds = time.perf_counter() - self.started
            logs = logs or {}
            recorder.metric(phase=phase, epoch=self.epoch, step=step, images=batch, seconds=seconds,
                            images_per_s=batch / seconds, loss=float(logs.get("loss", float("nan"))))
            recorder.progress(f"{phase} epoch {self.epoch + 1}/{epochs} step {step + 1}/{steps} "
                              f"{batch / seconds:.2f} images/s")
            if stop["requested"]:
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            recorder.metric(phase=phase, epoch=epoch, kind="epoch", **{k: float(v) for k, v in logs.items()})
            if not stop["requested"]:
                checkpoints.save(self.model, phase=phase, epoch=epoch + 1)

    return Progress()


def fit(tf, keras, recorder, *, phase, data, params, weights, checkpoints, resume, stop, profiler=None):
    (x_train, y_train), (x_test, y_test) = data
    size, batch, epochs = params["size"], params["batch"], params["epochs"]
    train = PIPELINES[phase](tf, x_train, y_train, size, batch)
    validation = PIPELINES["seed"](tf, x_test, y_test, size, batch) if len(x_test) else None
    initial_epoch, model = 0, None
    if resume:
        state = checkpoints.load()
        if state and state["phase"] == phase:
            model = keras.models.load_model(checkpoints.model_path)
            initial_epoch = state["epoch"]
            recorder.note(f"resumed {phase} from the checkpoint after epoch {initial_epoch} ({checkpoints.folder})")
    if model is None:
        model = build_model(keras, size, weights)
    steps = -(-len(x_train) // batch)
    if initial_epoch >= epochs:
        recorder.note(f"{phase}: the checkpoint already holds all {epochs} epochs; nothing left to fit")
        return {"epochs_done": initial_epoch}
    callback = make_callback(keras, recorder, phase=phase, batch=batch, steps=steps, epochs=epochs,
                             checkpoints=checkpoints, stop=stop)
    started = time.perf_counter()
    history = model.fit(train, validation_data=validation, epochs=epochs, initial_epoch=initial_epoch,
                        callbacks=[callback, *([profiler] if profiler else [])], verbose=0,
                        shuffle=False)  # the pipeline shuffles
    wall = time.perf_counter() - started
    if stop["requested"]:
        checkpoints.save(model, phase=phase, epoch=callback.epoch)
        recorder.note(f"stopped by SIGTERM in epoch {callback.epoch + 1}; checkpoint saved, --resume continues")
    return {"wall_s": wall, "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
            "epochs_done": callback.epoch + 1, "xla": bool(model.jit_compile)}


def run(out: Path, scale: str, options: dict) -> dict:
    import keras
    import tensorflow as tf  # the framework loads here, after the environment is set

    pipelines = pipelines_of(options.get("pipeline", "seed"))
    recorder = Recorder(out)
    stop = {"requested": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(requested=True))

    sizes = scale_params(scale, options.get("batch"))
    data, synthetic, source = cifar10(sizes["images"], sizes["test_images"])
    if synthetic:
        recorder.note(f"{source}: {SYNTHETIC_NOTE}")
    weights_file = keras_home() / "models" / WEIGHTS_FILE
    weights = str(weights_file) if weights_file.is_file() else None
    if weights is None:
        recorder.note(f"no ImageNet weights in {weights_file.parent}: ResNet50 starts from random weights (weights=None)")
    params = config(scale, options.get("pipeline", "seed"), weights, options.get("batch"))
    mixed = params["mixed_precision"] = has_tensor_cores(tf)
    params["fused_batch_norm"] = fused_batch_norm()
    if mixed:
        keras.mixed_precision.set_global_policy("mixed_float16")
        recorder.note("mixed precision (float16) on a GPU with tensor cores")
    checkpoint_root = Path(options["checkpoints"])
    # --trace: a few steps of the first pipeline's fit, after its warm-up
    profiler = profile.callback(keras, tf, out, first_step=params["warmup"], recorder=recorder) \
        if options.get("trace") else None
    results = {}
    for phase in pipelines:
        checkpoints = Checkpoints(checkpoint_root / contract.checkpoint_name(scale, phase))
        outcome = fit(tf, keras, recorder, phase=phase, data=data, params=params, weights=weights,
                      checkpoints=checkpoints, resume=options.get("resume", False), stop=stop,
                      profiler=profiler if phase == pipelines[0] else None)
        results[phase] = outcome
        if stop["requested"]:
            break
    return summarise(recorder, out, params, results, synthetic=synthetic, source=source,
                     weights=weights, mixed=mixed, pipelines=pipelines, interrupted=stop["requested"],
                     profiled=profile.summarise(out, profiler, recorder, flop_per_step=flop_per_step(params))
                     if profiler else None)


def flop_per_step(params: dict) -> float:
    """Training FLOPs of one step: forward and backward of the batch at this image size."""
    return RESNET50_TRAIN_FLOP_PER_IMAGE * (params["size"] / 224) ** 2 * params["batch"]


def summarise(recorder, out, params, results, *, synthetic, source, weights, mixed, pipelines, interrupted,
              profiled=None):
    from .common import read_metrics

    steps = [m for m in read_metrics(out) if "images_per_s" in m]
    flop_per_image = flop_per_step(params) / params["batch"]
    figures = {}
    for phase in pipelines:
        measured = [m["images_per_s"] for m in steps if m["phase"] == phase][params["warmup"]:]
        throughput = spread(measured)
        figure = {"images_per_s": throughput,
                  "achieved_gflop_s": throughput["median"] * flop_per_image / 1e9 if throughput["median"] else None,
                  "wall_s": results.get(phase, {}).get("wall_s"), "xla": results.get(phase, {}).get("xla")}
        history = results.get(phase, {}).get("history", {})
        if not synthetic and history.get("val_accuracy"):
            figure["val_accuracy"] = history["val_accuracy"][-1]
        if not synthetic and history.get("accuracy"):
            figure["train_accuracy"] = history["accuracy"][-1]
        figures[phase] = figure
    if len(pipelines) == 2 and all(figures[p]["images_per_s"]["median"] for p in pipelines):
        figures["tuned_over_seed"] = figures["tuned"]["images_per_s"]["median"] / figures["seed"]["images_per_s"]["median"]
    return recorder.summary(workload="resnet50-cifar10", params=params, pipelines=pipelines, synthetic=synthetic,
                            data=source, weights=weights or "none (random init)", mixed_precision=mixed,
                            flop_per_image=flop_per_image, interrupted=interrupted, figures=figures,
                            **({"profile": profiled} if profiled else {}))


# -- how the host reads and shows its result
def args(request) -> list[str]:
    return ["--pipeline", request.pipeline] + (["--resume"] if request.resume else []) + \
        (["--trace"] if request.trace else []) + (["--batch", str(request.batch)] if request.batch else [])


def rows(summary: dict) -> list[Row]:
    figures = summary.get("figures", {})
    xla = any(figures[p].get("xla") for p in ("seed", "tuned") if p in figures)
    precision = "mixed float16" if summary.get("mixed_precision") else "float32"
    fused = ", batch norm fused" if summary.get("params", {}).get("fused_batch_norm") else ""
    compute = ("compute", f"{precision}, XLA {'on' if xla else 'off'}{fused}", "XLA: Keras' own choice (GPU on, CPU off)")
    return phase_rows(figures) + [compute] + ratio_rows(summary) + profile_rows(summary.get("profile"))


def profile_rows(profile: dict | None) -> list[Row]:
    """--trace: where the profiled steps' time went, by category, with each one's FLOP rate."""
    if not profile:
        return []
    out = [("CPU time in TensorFlow ops", f"{profile['in_ops_share']:.0%}" if profile.get("in_ops_share") else "-",
            f"of {profile['cpus']} CPUs x {profile['wall_s']:.1f} s, {profile.get('steps') or '?'} profiled steps; "
            f"the rest: framework overhead, idle threads")]
    for entry in profile["categories"][:8]:
        rate = entry.get("gflop_s")
        note = f"~{rate:.1f} GFLOP/s (from the model's FLOPs)" if rate else ""
        if rate and entry.get("of_sgemm_peak"):
            note += f", {entry['of_sgemm_peak']:.0%} of the host's sgemm peak"
        out.append((f"  {entry['category']}", f"{entry['share']:.0%} of op time", note))
    return out


def main_spread(summary: dict) -> dict | None:
    return summary.get("figures", {}).get(summary["pipelines"][0], {}).get("images_per_s")


def references() -> dict:
    return tomllib.loads((Path(__file__).parent / "references.toml").read_text())["gpus"]


def finish(summary: dict, run: dict) -> None:
    """Utilisation against the host's sgemm peak; published figures for the GPU it ran on."""
    figures, peak = summary["figures"], host_sgemm_peak(run)
    if peak:
        for phase in summary.get("pipelines", []):
            achieved = figures.get(phase, {}).get("achieved_gflop_s")
            if achieved:
                figures[phase]["mfu_vs_host_sgemm"] = achieved / peak
        for entry in (summary.get("profile") or {}).get("categories", []):
            if entry.get("gflop_s"):
                entry["of_sgemm_peak"] = entry["gflop_s"] / peak
    gpus = run.get("host", {}).get("gpus") or []
    if gpus and run.get("caps", {}).get("gpus"):
        summary["references"] = [ref for ref in references().values() if ref["match"] in gpus[0]]


WORKLOAD = Workload(
    name="resnet50-cifar10", where="container",
    help="the seed tutorial's Keras ResNet50 fit on CIFAR-10 (images/s, utilisation, accuracy)",
    rows=rows, headline=median_of(main_spread), needs_sgemm=True, compare_host=True, args=args,
    main_spread=main_spread, finish=finish, run=run, charts=pipeline_bars,
    takes=frozenset({"pipeline", "resume", "trace", "batch"}),
)
