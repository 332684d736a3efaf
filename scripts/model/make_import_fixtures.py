#!/usr/bin/env python3
"""Regenerates libs/model/fixtures (run by hand; CI does not run Python, the files are committed).

    pip install tensorflow-cpu tf_keras torch safetensors h5py numpy
    pip install tensorflowjs --no-deps     # its declared deps (TF-DF, jax, flax) do not install beside TF 2.21
    python3 scripts/model/make_import_fixtures.py

Every model file is written by the tool a user has: Keras 3 (`model.save('m.keras')`,
`model.save('m.h5')`), tf_keras = Keras 2 (`model.save('m.h5')`), the real tensorflowjs_converter
(Keras 3 `.keras` and Keras 2 `.h5` → model.json + shards), and PyTorch
(`safetensors.torch.save_file(model.state_dict(), ...)`). Next to each, io.json holds test inputs
and the originating framework's output after every prefix of them (what streaming must reproduce).

  fixtures/keras/{simple_rnn,lstm,gru}  converter output of compiled Keras 3 models (the CLI and e2e tests use these)
  fixtures/zoo/<name>/                  one model per directory, the zoo test imports each
"""
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from fixture_io import STEPS, inputs, load_converter, randomise, write_io  # noqa: E402
from zoo_keras import KERAS2_ZOO, KERAS3_ZOO, build_keras2, build_keras3  # noqa: E402
from zoo_torch import TORCH_ZOO, save_torch  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "libs", "model", "fixtures")
SEED = 14


def keras_prefix_outputs(model, x: np.ndarray) -> np.ndarray:
    """Keras's own output for every prefix x[:, :t] (inference mode: dropout off)."""
    return np.stack([np.asarray(model(x[:, : t + 1], training=False)) for t in range(STEPS)], axis=1)


def fit_briefly(model, x: np.ndarray, rng: np.random.Generator) -> None:
    """Compiled models: one short fit, so the saved files carry optimizer variables (an int
    iteration counter among them) as a user's trained model does."""
    model.compile(optimizer="adam", loss="mse")
    y = rng.standard_normal((x.shape[0], model.output_shape[-1])).astype(np.float32)
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)


def clean(path: str) -> str:
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def keras3(converter, rng: np.random.Generator) -> int:
    import keras

    versions = {"keras": keras.__version__}
    count = 0
    for entry in KERAS3_ZOO:
        keras.utils.set_random_seed(SEED + count)
        model = build_keras3(entry)
        model.set_weights(randomise(model.get_weights(), rng))
        x = inputs(rng, entry["width"])
        if entry.get("compiled"):
            fit_briefly(model, inputs(rng, entry["width"]), rng)
        y = keras_prefix_outputs(model, x)
        for fmt in entry["formats"]:
            name = entry["name"] if len(entry["formats"]) == 1 else f"{entry['name']}_{fmt}"
            out = clean(os.path.join(ROOT, entry.get("dir", "zoo"), name) if fmt != "fixture" else os.path.join(ROOT, "keras", entry["name"]))
            if fmt == "keras":
                model.save(os.path.join(out, "model.keras"))
                write_io(out, "keras3", "model.keras", versions, x, y)
            elif fmt == "h5":
                model.save(os.path.join(out, "model.h5"))
                write_io(out, "keras3-h5", "model.h5", versions, x, y)
            else:  # tfjs / fixture: the real converter on the saved .keras file
                tmp = os.path.join(out, "tmp.keras")
                model.save(tmp)
                converter.dispatch_keras_keras_to_tfjs_layers_model_conversion(tmp, out)
                # The converter unpacks the .keras zip into the output folder and leaves it there.
                for leftover in ("tmp.keras", "config.json", "metadata.json", "model.weights.h5"):
                    if os.path.exists(os.path.join(out, leftover)):
                        os.remove(os.path.join(out, leftover))
                write_io(out, "tfjs-keras3", "model.json", {**versions, "tensorflowjs": tfjs_version()}, x, y)
            print(f"{name}: {fmt} -> {out}")
            count += 1
    return count


def keras2(converter, rng: np.random.Generator) -> int:
    import tf_keras

    versions = {"tf_keras": tf_keras.__version__}
    count = 0
    for entry in KERAS2_ZOO:
        tf_keras.utils.set_random_seed(SEED + 100 + count)
        model = build_keras2(entry)
        model.set_weights(randomise(model.get_weights(), rng))
        x = inputs(rng, entry["width"])
        if entry.get("compiled"):
            fit_briefly(model, inputs(rng, entry["width"]), rng)
        y = keras_prefix_outputs(model, x)
        for fmt in entry["formats"]:
            name = f"{entry['name']}_{fmt}"
            out = clean(os.path.join(ROOT, "zoo", name))
            h5 = os.path.join(out, "model.h5")
            model.save(h5)
            if fmt == "h5":
                write_io(out, "keras2-h5", "model.h5", versions, x, y)
            else:
                converter.dispatch_keras_h5_to_tfjs_layers_model_conversion(h5, out)
                os.remove(h5)
                write_io(out, "tfjs-keras2", "model.json", {**versions, "tensorflowjs": tfjs_version()}, x, y)
            print(f"{name}: {fmt} -> {out}")
            count += 1
    return count


def tfjs_version() -> str:
    import tensorflowjs  # type: ignore

    return tensorflowjs.__version__


def torch_models(rng: np.random.Generator) -> int:
    import torch

    for i, entry in enumerate(TORCH_ZOO):
        torch.manual_seed(SEED + 200 + i)
        x = inputs(rng, entry["width"])
        out = clean(os.path.join(ROOT, "zoo", entry["name"]))
        y, extra = save_torch(entry, x, os.path.join(out, "model.safetensors"))
        write_io(out, "pytorch", "model.safetensors", {"torch": torch.__version__}, x, y, extra)
        print(f"{entry['name']}: safetensors -> {out}")
    return len(TORCH_ZOO)


def main() -> int:
    rng = np.random.default_rng(SEED)
    converter = load_converter()
    shutil.rmtree(os.path.join(ROOT, "zoo"), ignore_errors=True)
    n = keras3(converter, rng) + keras2(converter, rng) + torch_models(rng)
    print(f"{n} fixtures written under {ROOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
