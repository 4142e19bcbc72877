"""Keras 3's batch norm in training as TensorFlow's one fused kernel, on CPUs.

Keras 3 normalises a batch with separate ops (moments, then multiplies and adds), where
Keras 2 called TensorFlow's FusedBatchNormV3. On the development machine's 2 CPUs the fused
kernel made the seed's ResNet50 fit about a quarter faster (docs/performance.md). The
image's localab.pth installs this in every Python process; Keras is patched the moment its
batch-norm module is imported, and processes that never import Keras pay nothing.

The fused kernel is taken only where it computes what Keras does: TensorFlow backend, no
GPU, training, a 4-D float32 channels-last input, no mask, no renorm, not synchronized.
Everything else goes to Keras' own call. The moving averages are updated as Keras 3 does
(the kernel's batch variance is Bessel-corrected; Keras 3's is not).
LOCALAB_FUSED_BATCH_NORM=0 leaves Keras alone.
"""

import os
import sys

from .imports import when_imported

ENV = "LOCALAB_FUSED_BATCH_NORM"
MODULE = "keras.src.layers.normalization.batch_normalization"


def fused_call(unfused):
    """BatchNormalization.call that takes the fused kernel where it may, else `unfused`."""
    state = {}

    def on_cpu(tf) -> bool:
        if "cpu" not in state:
            state["cpu"] = not tf.config.list_physical_devices("GPU")
        return state["cpu"]

    def call(self, inputs, training=None, mask=None):
        from keras.src import backend

        if backend.backend() != "tensorflow":
            return unfused(self, inputs, training=training, mask=mask)
        import tensorflow as tf

        if not (training and self.trainable and mask is None and not self.renorm and not self.synchronized
                and len(inputs.shape) == 4 and self.axis in (3, -1) and inputs.dtype == tf.float32
                and inputs.shape[-1] is not None and on_cpu(tf)):
            return unfused(self, inputs, training=training, mask=mask)
        channels = inputs.shape[-1]
        outputs, mean, variance, _, _, _ = tf.raw_ops.FusedBatchNormV3(
            x=inputs, scale=self.gamma.value if self.scale else tf.ones([channels]),
            offset=self.beta.value if self.center else tf.zeros([channels]),
            mean=tf.constant([], tf.float32), variance=tf.constant([], tf.float32),
            epsilon=self.epsilon, exponential_avg_factor=1.0, data_format="NHWC", is_training=True)
        count = tf.cast(tf.size(inputs) // channels, tf.float32)
        variance = variance * tf.maximum(count - 1.0, 1.0) / count  # Keras 3's (biased) batch variance
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        return outputs

    call.unfused = unfused
    return call


def patch(module) -> None:
    layer = module.BatchNormalization
    if not hasattr(layer.call, "unfused"):
        layer.call = fused_call(layer.call)


def install(environ=os.environ) -> bool:
    if environ.get(ENV, "1") == "0":
        return False

    def safely(module):
        try:
            patch(module)
        except Exception as exc:  # never break `import keras` over a speed-up
            print(f"localab: Keras' batch norm stays unfused: {exc}", file=sys.stderr)

    when_imported(MODULE, safely)
    return True


install()
