"""Time the seed's train step (ResNet50, random weights, 224 px, batch BATCH or 32, Adam,
categorical cross-entropy) under one variant, in a localab:cpu container.

    python step.py VARIANT STEPS   (VARIANT: base, fusedbn, xla, channels_first)

Fits STEPS + 2 batches of synthetic data and prints one line, `RESULT {json}`, with the
median images/s of the steps after the first two (graph tracing and oneDNN's first calls).
Environment variants (threads, oneDNN, allocator) are `base` with variables set by run.sh.
The 2026-11-26 results were measured with this file's first version, whose fused call
(git history) is the one localab.guest.fusedbn ships, less its backend and GPU checks.
"""

import json
import os
import statistics
import sys
import time

import keras
import numpy as np
import tensorflow as tf  # noqa: F401  (loaded before Keras, as a notebook does)

variant, steps = sys.argv[1], int(sys.argv[2])
batch = int(os.environ.get("BATCH", "32"))


if variant == "fusedbn":  # what the image does unless LOCALAB_FUSED_BATCH_NORM=0 (run.sh sets it for all)
    from keras.src.layers.normalization import batch_normalization

    from localab.guest import fusedbn

    fusedbn.patch(batch_normalization)
if variant == "channels_first":
    keras.config.set_image_data_format("channels_first")
shape = (3, 224, 224) if variant == "channels_first" else (224, 224, 3)
base = keras.applications.ResNet50(weights=None, include_top=False, pooling="max", input_shape=shape)
model = keras.Sequential([base, keras.layers.Dense(10, activation="softmax", dtype="float32")])
model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(0.001), metrics=["accuracy"],
              jit_compile=variant == "xla")
x = np.random.rand(batch * (steps + 2), *shape).astype("float32")
y = keras.utils.to_categorical(np.random.randint(0, 10, len(x)), 10)
seconds = []


class Timer(keras.callbacks.Callback):
    def on_train_batch_begin(self, step, logs=None):
        self.started = time.perf_counter()

    def on_train_batch_end(self, step, logs=None):
        seconds.append(time.perf_counter() - self.started)


model.fit(x, y, batch_size=batch, epochs=1, verbose=0, callbacks=[Timer()], shuffle=False)
rates = [batch / s for s in seconds[2:]]
print("RESULT " + json.dumps({"variant": variant, "batch": batch, "images_per_s": statistics.median(rates),
                              "all": rates}))
