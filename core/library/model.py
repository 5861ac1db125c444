"""One pretrained net on disk: safetensors weights plus a JSON model card.

The weights file holds the input column subset, the input scalers, the hidden layers
(float16 weights, float32 biases) and the output layer; its metadata holds the
activation and the target scalers.  Nothing is pickled.  The file's SHA-256 is kept in
the catalog and checked on every load.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load as st_load
from safetensors.numpy import save as st_save

from core.errors import LibraryError
from core.net_arrays import NetArrays

WEIGHT_DTYPE = np.float16


def round_weights(net: NetArrays) -> NetArrays:
    """The net as it will be stored: weights rounded to float16 (cards use this net)."""
    return NetArrays(
        input_index=np.asarray(net.input_index, dtype=np.int32),
        x_mean=np.asarray(net.x_mean, dtype=np.float32),
        x_scale=np.asarray(net.x_scale, dtype=np.float32),
        weights=[np.asarray(w, dtype=WEIGHT_DTYPE).astype(np.float32) for w in net.weights],
        biases=[np.asarray(b, dtype=np.float32) for b in net.biases],
        out_weight=np.asarray(net.out_weight, dtype=WEIGHT_DTYPE).astype(np.float32),
        out_bias=float(net.out_bias),
        y_mean=float(net.y_mean),
        y_scale=float(net.y_scale),
        activation=net.activation,
    )


def to_bytes(net: NetArrays, model_id: str) -> bytes:
    """Serialise a net to safetensors bytes."""
    tensors = {"input_index": np.asarray(net.input_index, dtype=np.int32),
               "x_mean": np.asarray(net.x_mean, dtype=np.float32),
               "x_scale": np.asarray(net.x_scale, dtype=np.float32),
               "out_weight": np.asarray(net.out_weight, dtype=WEIGHT_DTYPE)}
    for i, (w, b) in enumerate(zip(net.weights, net.biases)):
        tensors[f"hidden.{i}.weight"] = np.ascontiguousarray(np.asarray(w, dtype=WEIGHT_DTYPE))
        tensors[f"hidden.{i}.bias"] = np.asarray(b, dtype=np.float32)
    meta = {"format": "mdl-net", "id": model_id, "activation": net.activation, "depth": str(len(net.weights)),
            "out_bias": repr(float(net.out_bias)), "y_mean": repr(float(net.y_mean)),
            "y_scale": repr(float(net.y_scale))}
    return st_save(tensors, metadata=meta)


def write_model(path: Path, net: NetArrays, model_id: str, card: dict) -> str:
    """Write weights and card atomically; return the weights' ``sha256:`` checksum."""
    data = to_bytes(net, model_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    checksum = "sha256:" + hashlib.sha256(data).hexdigest()
    card_path = path.with_suffix(".json")
    tmp_card = card_path.with_name(f".{card_path.name}.{os.getpid()}.tmp")
    tmp_card.write_text(json.dumps({**card, "checksum": checksum}, indent=1, sort_keys=True))
    os.replace(tmp_card, card_path)
    return checksum


def read_model(path: Path, checksum: str | None, model_id: str) -> NetArrays:
    """Load a net, verifying its checksum.

    Raises
    ------
    LibraryError
        Naming the model and the file when it is missing, truncated or altered.
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise LibraryError(f"model {model_id}: weights file {path} is missing") from None
    if checksum and "sha256:" + hashlib.sha256(data).hexdigest() != checksum:
        raise LibraryError(f"model {model_id}: weights file {path} is corrupt (checksum mismatch)")
    try:
        tensors = st_load(data)
        meta = _metadata(data)
    except (SafetensorError, ValueError, KeyError) as exc:
        raise LibraryError(f"model {model_id}: weights file {path} is unreadable ({exc})") from None
    depth = int(meta["depth"])
    return NetArrays(
        input_index=tensors["input_index"].astype(np.int64),
        x_mean=tensors["x_mean"], x_scale=tensors["x_scale"],
        weights=[tensors[f"hidden.{i}.weight"].astype(np.float32) for i in range(depth)],
        biases=[tensors[f"hidden.{i}.bias"].astype(np.float32) for i in range(depth)],
        out_weight=tensors["out_weight"].astype(np.float32), out_bias=float(meta["out_bias"]),
        y_mean=float(meta["y_mean"]), y_scale=float(meta["y_scale"]), activation=meta["activation"],
    )


def _metadata(data: bytes) -> dict:
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + n])
    return header["__metadata__"]


def n_parameters(net: NetArrays) -> int:
    """Trainable parameters of a net."""
    return int(sum(w.size + b.size for w, b in zip(net.weights, net.biases)) + net.out_weight.size + 1)
