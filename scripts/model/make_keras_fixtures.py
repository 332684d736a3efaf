#!/usr/bin/env python3
"""Builds the Keras fixtures that libs/model's import test checks against (run by hand, not in CI).

    pip install tensorflow-cpu numpy
    python3 scripts/model/make_keras_fixtures.py

For each model: build with real Keras, train briefly on a noisy-sine next-value task, save it in
the TensorFlow.js layers format (model.json + one float32 weight shard) and save test inputs with
Keras's own model.predict outputs (io.json). If the `tensorflowjs` package is importable its
converter is used; otherwise (it does not install beside current TensorFlow) this script writes
the same format itself: {"format": "layers-model", "modelTopology": {"model_config": ...},
"weightsManifest": [{"paths": [...], "weights": [{name, shape, dtype}]}]}.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

keras = tf.keras
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "libs", "model", "fixtures", "keras")
STEPS = 10
SEED = 7


def sine_task(n: int, rng: np.random.Generator):
    """Windows of a noisy sine with random phase/frequency; target is the next value."""
    t = np.arange(STEPS + 1, dtype=np.float32)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1)).astype(np.float32)
    freq = rng.uniform(0.2, 0.6, size=(n, 1)).astype(np.float32)
    series = np.sin(freq * t + phase) + 0.05 * rng.standard_normal((n, STEPS + 1)).astype(np.float32)
    return series[:, :STEPS, None].astype(np.float32), series[:, STEPS:].astype(np.float32)


def build(name: str):
    L = keras.layers
    if name == "simple_rnn":  # the canonical example from the issue
        layers = [L.SimpleRNN(32, return_sequences=True), L.SimpleRNN(32), L.Dense(1)]
    elif name == "lstm":
        layers = [L.LSTM(16, return_sequences=True), L.Dropout(0.1), L.LSTM(16), L.Dense(1)]
    elif name == "gru":
        layers = [L.GRU(16, reset_after=True, return_sequences=True), L.GRU(16, reset_after=True), L.Dense(1)]
    else:
        raise ValueError(name)
    model = keras.Sequential([keras.Input((STEPS, 1))] + layers, name=name)
    model.compile(optimizer="adam", loss="mse")
    return model


def save_layers_format(model, out_dir: str) -> None:
    try:
        import tensorflowjs  # type: ignore

        tensorflowjs.converters.save_keras_model(model, out_dir)
        return
    except ImportError:
        pass
    weights, blobs = [], []
    for w in model.weights:
        value = np.asarray(w.numpy(), dtype="<f4")
        weights.append({"name": getattr(w, "path", w.name), "shape": list(value.shape), "dtype": "float32"})
        blobs.append(value.tobytes())
    shard = "group1-shard1of1.bin"
    with open(os.path.join(out_dir, shard), "wb") as f:
        f.write(b"".join(blobs))
    topology = {
        "format": "layers-model",
        "generatedBy": f"keras v{keras.__version__}",
        "convertedBy": "streamcell scripts/model/make_keras_fixtures.py",
        "modelTopology": {
            "keras_version": keras.__version__,
            "backend": "tensorflow",
            "model_config": json.loads(model.to_json()),
        },
        "weightsManifest": [{"paths": [shard], "weights": weights}],
    }
    with open(os.path.join(out_dir, "model.json"), "w") as f:
        json.dump(topology, f, indent=1)


def main() -> int:
    keras.utils.set_random_seed(SEED)
    rng = np.random.default_rng(SEED)
    x_train, y_train = sine_task(512, rng)
    x_test, _ = sine_task(4, rng)
    for name in ("simple_rnn", "lstm", "gru"):
        model = build(name)
        model.fit(x_train, y_train, epochs=3, batch_size=32, verbose=0)
        out_dir = os.path.join(ROOT, name)
        os.makedirs(out_dir, exist_ok=True)
        save_layers_format(model, out_dir)
        predictions = model.predict(x_test, verbose=0)
        with open(os.path.join(out_dir, "io.json"), "w") as f:
            json.dump(
                {
                    "keras": keras.__version__,
                    "tensorflow": tf.__version__,
                    "inputShape": list(x_test.shape),
                    "inputs": x_test.astype(float).reshape(-1).tolist(),
                    "outputShape": list(predictions.shape),
                    "outputs": predictions.astype(float).reshape(-1).tolist(),
                },
                f,
            )
        print(f"{name}: loss {model.evaluate(x_train, y_train, verbose=0):.4f} -> {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
