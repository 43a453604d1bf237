#!/usr/bin/env python3
"""Reads a model file the way Keras's own loaders do, with h5py (the library Keras reads HDF5 with),
and prints what Keras would see as JSON, so a test can compare it with the model that wrote it.

Keras is not installable on the machines Strata is built on, but h5py is (Debian's python3-h5py).
This follows the h5py calls of Keras 3's loaders step by step, so a file that passes here gives
Keras's own code the types, names and shapes it expects:
  - legacy .h5: keras/src/legacy/saving/legacy_h5_format.py (load_model_from_hdf5,
    load_weights_from_hdf5_group, load_attributes_from_hdf5_group,
    load_optimizer_weights_from_hdf5_group);
  - .keras and .weights.h5: keras/src/saving/saving_lib.py (the zip members, H5IOStore/H5Entry
    reads of layers/<snake_case class name>[_N]/vars/<i>, and _load_container_state's naming).
Anything Keras's code would fail on raises, and the exit code is 1 with the reason on stderr.

usage: read_like_keras.py FILE [--config CONFIG.json]
"""
import io
import json
import re
import sys
import zipfile

import h5py
import numpy as np


def to_snake_case(name):
    """keras/src/utils/naming.py"""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def decoded(value):
    return value.decode("utf8") if hasattr(value, "decode") else value


def load_attributes_from_hdf5_group(group, name):
    """As Keras: the attribute, or its chunks name0, name1, ..."""
    if name in group.attrs:
        return [decoded(n) for n in group.attrs[name]]
    data, chunk = [], 0
    while f"{name}{chunk}" in group.attrs:
        data.extend(decoded(n) for n in group.attrs[f"{name}{chunk}"])
        chunk += 1
    return data


def array(dataset, where):
    value = np.asarray(dataset)
    if value.dtype.kind not in "fiu":
        raise ValueError(f"{where}: dataset of dtype {value.dtype}, not numeric")
    return value


def read_legacy_h5(f):
    model_config = f.attrs.get("model_config")
    out = {"format": "h5"}
    if model_config is not None:
        out["model_config"] = json.loads(decoded(model_config))
    training_config = f.attrs.get("training_config")
    if training_config is not None:
        out["training_config"] = json.loads(decoded(training_config))
    weights = f["model_weights"] if "model_weights" in f else f
    out["keras_version"] = decoded(weights.attrs["keras_version"]) if "keras_version" in weights.attrs else "1"
    out["backend"] = decoded(weights.attrs["backend"]) if "backend" in weights.attrs else None
    layers = []
    for name in load_attributes_from_hdf5_group(weights, "layer_names"):
        g = weights[name]
        weight_names = load_attributes_from_hdf5_group(g, "weight_names")
        if not weight_names:
            continue  # Keras filters these out before matching layers
        values = [array(g[w], f"{name}/{w}") for w in weight_names]
        layers.append({"name": name, "weight_names": weight_names,
                       "shapes": [list(v.shape) for v in values]})
    out["layers"] = layers
    if "optimizer_weights" in f:
        og = f["optimizer_weights"]
        names = load_attributes_from_hdf5_group(og, "weight_names")
        out["optimizer"] = {"names": names, "shapes": [list(array(og[n], n).shape) for n in names]}
    return out


def entry_datasets(h5, path):
    """Every dataset under `path` (an H5Entry's vars and its nested entries), in h5py's order."""
    found = []
    if path not in h5:
        return found
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            found.append({"path": f"{path}/{name}", "shape": list(array(obj, name).shape)})
    h5[path].visititems(visit)
    return found


def model_layers(config):
    """The layers Keras's model.layers holds, from a saved config: a Functional's include its
    InputLayers; a Sequential's do not."""
    cls = config.get("class_name")
    layers = config.get("config", {}).get("layers", [])
    if cls == "Sequential":
        layers = [l for l in layers if l.get("class_name") != "InputLayer"]
    return layers


def read_keras3_weights(h5, config):
    out = {"vars": [d["path"] for d in entry_datasets(h5, "vars")]}
    layers, used = [], {}
    for layer in model_layers(config) if config else []:
        # saving_lib._load_container_state: snake_case class name, _1, _2 ... for repeats
        key = to_snake_case(layer["class_name"])
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        path = f"layers/{key}"
        if path not in h5:
            raise ValueError(f"no entry {path} for layer {layer['config'].get('name')!r}")
        layers.append({"name": layer["config"].get("name"), "path": path,
                       "shapes": [d["shape"] for d in entry_datasets(h5, path)]})
    out["layers"] = layers
    if "optimizer" in h5:
        out["optimizer"] = {"shapes": [d["shape"] for d in entry_datasets(h5, "optimizer")]}
    return out


def read_keras_archive(path):
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        for needed in ("config.json", "metadata.json", "model.weights.h5"):
            if needed not in names:
                raise ValueError(f"the archive has no {needed}")
        config = json.loads(z.read("config.json"))
        metadata = json.loads(z.read("metadata.json"))
        with h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as h5:
            out = read_keras3_weights(h5, config)
    out.update({"format": "keras", "metadata": metadata, "model_config": config})
    return out


def main(argv):
    path = argv[1]
    config = None
    if "--config" in argv:
        with open(argv[argv.index("--config") + 1]) as c:
            config = json.load(c)
    with open(path, "rb") as probe:
        magic = probe.read(8)
    if magic.startswith(b"PK"):
        out = read_keras_archive(path)
    else:
        with h5py.File(path, "r") as f:
            if "layers" in f or "vars" in f:
                out = read_keras3_weights(f, config)
                out["format"] = "weights.h5"
            else:
                out = read_legacy_h5(f)
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as e:  # what Keras's loader would have raised, in one line
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
