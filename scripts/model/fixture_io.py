"""Shared helpers for scripts/model/make_import_fixtures.py: data, weights, io.json, the converter."""
import json
import os
import sys
import types

import numpy as np

STEPS = 8
SAMPLES = 3


def inputs(rng: np.random.Generator, width: int) -> np.ndarray:
    """Test sequences [SAMPLES, STEPS, width]: a sine per feature plus noise, so every gate moves."""
    t = np.arange(STEPS, dtype=np.float32)[None, :, None]
    phase = rng.uniform(0, 2 * np.pi, size=(SAMPLES, 1, width))
    freq = rng.uniform(0.3, 0.9, size=(SAMPLES, 1, width))
    x = np.sin(freq * t + phase) + 0.3 * rng.standard_normal((SAMPLES, STEPS, width))
    return x.astype(np.float32)


def randomise(weights, rng: np.random.Generator, scale: float = 0.5):
    """Random normal values for every weight (biases too, which Keras initialises to zero), so a
    wrong bias or gate order cannot hide behind zeros."""
    return [(rng.standard_normal(np.shape(w)) * scale).astype(np.float32) for w in weights]


def write_io(out_dir: str, source: str, entry: str, versions: dict, x: np.ndarray, per_prefix: np.ndarray, extra: dict | None = None) -> None:
    """io.json: inputs [n, steps, f] and the framework's output after each prefix [n, steps, out]
    (flat, row-major), plus `outputs`, the last step's, as older tests read it."""
    assert per_prefix.shape[:2] == x.shape[:2], (per_prefix.shape, x.shape)
    doc = {
        "source": source,
        "file": entry,
        **versions,
        "inputShape": list(x.shape),
        "inputs": x.astype(float).reshape(-1).tolist(),
        "prefixOutputShape": list(per_prefix.shape),
        "prefixOutputs": per_prefix.astype(float).reshape(-1).tolist(),
        "outputShape": [per_prefix.shape[0], per_prefix.shape[2]],
        "outputs": per_prefix[:, -1, :].astype(float).reshape(-1).tolist(),
        **(extra or {}),
    }
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "io.json"), "w") as f:
        json.dump(doc, f)


def load_converter():
    """The real tensorflowjs_converter (pip package `tensorflowjs`), imported without its optional
    extras. tensorflowjs 4.22 imports tensorflow_decision_forests, tensorflow_hub and jax at module
    level for graph-model and JAX conversions; none of them pins a version that installs beside
    current TensorFlow (TF-DF pins its own TF; tensorflow_hub needs pkg_resources, gone from
    setuptools 81+). The Keras → layers-model paths used here never touch them, so empty modules
    stand in for them. Keras and TensorFlow are imported first so they see the real environment."""
    import keras  # noqa: F401
    import tensorflow  # noqa: F401

    for name in ("tensorflow_decision_forests", "tensorflow_hub", "jax", "jax.experimental", "jax.experimental.jax2tf"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["jax.experimental"].jax2tf = sys.modules["jax.experimental.jax2tf"]  # type: ignore[attr-defined]
    from tensorflowjs.converters import converter  # type: ignore

    return converter
