"""Short text for tensors and values, as the pictures print them.

A graph node has room for one line of numbers, so a tensor is summarised: a few
elements are printed in full (``[2., 3.]``), a big tensor by its statistics
(``mean 0.013 std 0.98 [-2.6, 3.1]``). The functions here only read; they never
touch autograd state.
"""
from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np

__all__ = ["host_array", "value_summary", "shape_text", "dtype_text", "bytes_text",
           "text_width", "clip"]

SMALL = 6            # tensors with at most this many elements print every element


def node_label(node: Any) -> str:
    """What graphs call a backward node: its class name (``AccumulateGrad``, ``CopySlices``),
    as torchviz and tensor reprs do. ``node.name()`` is the same except for the few nodes
    PyTorch names with their C++ namespace (``torch::autograd::AccumulateGrad``)."""
    return node.name().rpartition("::")[2]


def host_array(data: Any) -> np.ndarray:
    """A numpy copy of an array that may live on a GPU (cupy has ``.get()``)."""
    if isinstance(data, np.ndarray):
        return data
    get = getattr(data, "get", None)
    if callable(get):
        return np.asarray(get())
    return np.asarray(data)


def _num(v: Any) -> str:
    """One element, formatted like PyTorch's short floats (``2.``, ``0.5``, ``1e-08``)."""
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    if f != f:
        return "nan"
    if f in (float("inf"), float("-inf")):
        return "inf" if f > 0 else "-inf"
    if f == int(f) and abs(f) < 1e8:
        return f"{int(f)}."
    text = f"{f:.4g}"
    return text


def value_summary(data: Any) -> str:
    """Numbers of an array (or a Python number) in at most one short line."""
    if not hasattr(data, "shape"):
        return _num(data) if isinstance(data, (int, float, bool, np.generic)) else repr(data)
    arr = host_array(data)
    if arr.ndim == 0:
        return _num(arr.item())
    if arr.size == 0:
        return "[]"
    if arr.size <= SMALL:
        return _nested(arr)
    if arr.dtype.kind == "b":
        return f"{int(arr.sum())} of {arr.size} True"
    flat = arr.astype(np.float64, copy=False).ravel()
    finite = flat[np.isfinite(flat)]
    if finite.size == 0:
        return "all nan/inf"
    text = (f"mean {_num(float(finite.mean()))} std {_num(float(finite.std()))} "
            f"[{_num(float(finite.min()))}, {_num(float(finite.max()))}]")
    if finite.size < flat.size:
        text += f" ({flat.size - finite.size} nan/inf)"
    return text


def _nested(arr: np.ndarray) -> str:
    if arr.ndim == 1:
        return "[" + ", ".join(_num(v) for v in arr.tolist()) + "]"
    return "[" + ", ".join(_nested(sub) for sub in arr) + "]"


def shape_text(shape: Any) -> str:
    """``[2, 3]``; a 0-d tensor is ``[]`` (a scalar), as ``torch.Size([])`` prints it."""
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


def dtype_text(dtype: Any) -> str:
    """``float32`` from ``torch.float32``."""
    text = str(dtype)
    return text[6:] if text.startswith("torch.") else text


def bytes_text(n: int) -> str:
    """Byte counts a learner can read: ``8 B``, ``3.1 KiB``, ``2.0 MiB``."""
    if n < 1024:
        return f"{n} B"
    for unit in ("KiB", "MiB", "GiB"):
        n /= 1024.0
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}"
    return f"{n} B"                                   # pragma: no cover


def text_width(text: str, size: float) -> float:
    """Width in pixels of ``text`` in a monospace font of ``size`` px.

    Monospace glyphs are 0.6 em wide; East Asian wide characters take two cells.
    Both renderers use a monospace font so this estimate is what gets drawn.
    """
    if text.isascii():
        return len(text) * 0.6 * size
    cells = 0
    for ch in text:
        cells += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return cells * 0.6 * size


def clip(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
