"""Keras 3's batch norm as TensorFlow's fused kernel in the image (localab.guest.fusedbn):
the same outputs, gradients and moving averages as Keras' own call, the fused op really in
the graph, and Keras left alone with LOCALAB_FUSED_BATCH_NORM=0."""

import json

import pytest

SCRIPT = r'''
import json
import numpy as np, tensorflow as tf, keras
from keras.src.layers.normalization.batch_normalization import BatchNormalization

rng = np.random.default_rng(0)
x = tf.constant(rng.normal(2.0, 3.0, (8, 5, 5, 6)).astype("float32"))
upstream = tf.constant(rng.normal(size=(8, 5, 5, 6)).astype("float32"))


def one_step(call, **options):
    layer = keras.layers.BatchNormalization(**options)
    layer.build(x.shape)
    layer.gamma.assign(np.linspace(0.5, 1.5, 6).astype("float32"))
    layer.beta.assign(np.linspace(-1.0, 1.0, 6).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = call(layer, x, training=True)
        loss = tf.reduce_sum(y * upstream)
    grads = tape.gradient(loss, [x, *layer.trainable_weights])
    return [y, *grads, layer.moving_mean.value, layer.moving_variance.value]


def differences(**options):
    fused = one_step(BatchNormalization.call, **options)
    unfused = one_step(BatchNormalization.call.unfused, **options)
    return [float(tf.reduce_max(tf.abs(a - b))) for a, b in zip(fused, unfused)]


def op_types(training):
    layer = keras.layers.BatchNormalization()
    graph = tf.function(lambda t: layer(t, training=training)).get_concrete_function(x).graph
    return sorted({op.type for op in graph.get_operations()})


patched = hasattr(BatchNormalization.call, "unfused")
result = {"patched": patched, "training_ops": op_types(True), "inference_ops": op_types(False)}
if patched:
    result["differences"] = differences()
    result["differences_resnet"] = differences(momentum=0.99, epsilon=1.001e-5)
model = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization(),
                          keras.layers.ReLU(), keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2)])
model.compile("adam", "mse")
history = model.fit(np.ones((16, 16, 16, 3)), np.zeros((16, 2)), epochs=2, verbose=0)
result["loss"] = history.history["loss"]
print("RESULT " + json.dumps(result))
'''


def fused_bn_report(engine, environment=None) -> dict:
    container = engine._client.containers.run("localab:tf", ["python", "-c", SCRIPT], entrypoint=[], detach=True,
                                              environment=environment or {}, network_disabled=True)
    try:
        status = container.wait(timeout=300)
        output = container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)
    assert status["StatusCode"] == 0, output[-3000:]
    return json.loads(output.split("RESULT ", 1)[1])


def test_the_fused_batch_norm_computes_what_keras_does(engine, tf_image):
    report = fused_bn_report(engine)
    assert report["patched"] and "FusedBatchNormV3" in report["training_ops"], report
    assert "FusedBatchNormV3" not in report["inference_ops"], "inference keeps Keras' own call"
    for differences in (report["differences"], report["differences_resnet"]):
        # output, d/dx, d/dgamma, d/dbeta, moving mean, moving variance
        assert differences == pytest.approx([0.0] * 6, abs=2e-4), differences
    assert len(report["loss"]) == 2 and all(loss == loss for loss in report["loss"])


def test_localab_fused_batch_norm_0_leaves_keras_alone(engine, tf_image):
    report = fused_bn_report(engine, {"LOCALAB_FUSED_BATCH_NORM": "0"})
    assert not report["patched"] and "FusedBatchNormV3" not in report["training_ops"], report
