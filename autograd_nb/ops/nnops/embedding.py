"""Embedding: a lookup table. ``out[..., :] = weight[indices[...], :]``.

Backward scatters each output row's gradient back into the row of ``weight`` it was
read from; rows looked up several times add up their gradients, and the
``padding_idx`` row gets none. That scatter (``embedding_dense_backward``) is itself
recorded, and its own gradient is a lookup again, so higher order works.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..._tensor import Tensor
from .._core import OpNode, record
from .patches import xp_of

_WORDS = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "bool": "BoolTensor",
          "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor"}


def _as_unsigned(v: int) -> int:
    """PyTorch shows a saved negative index as the unsigned 64-bit number (-1 -> 2**64 - 1)."""
    return v & (2 ** 64 - 1)


class EmbeddingBackward0(OpNode):
    __slots__ = ()
    saved_names = ("indices",)

    def backward(self, g):
        num, padding_idx, scale = self.extra
        idx = self._saved[0].unpack()
        return embedding_dense_backward(g, idx, num, padding_idx, scale)

    def _extra_saved(self, name):
        num, padding_idx, scale = self.extra
        return {"weight_sym_argsize_0": num, "padding_idx": _as_unsigned(padding_idx),
                "scale_grad_by_freq": scale, "sparse": False}.get(name)


class EmbeddingDenseBackward0(OpNode):
    """The scatter's gradient: look the rows up again (scaled as in the forward scatter)."""
    __slots__ = ()
    saved_names = ("indices",)

    def backward(self, gg):
        num, padding_idx, scale = self.extra
        idx = self._saved[0].unpack()
        out = embedding(gg, idx)
        keep = _row_factor(idx._data, num, padding_idx, scale, gg._data.dtype)
        return out * Tensor._wrap(keep[..., None])


def _row_factor(idx: Any, num: int, padding_idx: int, scale: bool, dtype: Any) -> Any:
    """Per looked-up position: 0 for the padding row, else 1 (or 1/count with scale_grad_by_freq)."""
    xp = xp_of(idx)
    factor = xp.ones(idx.shape, dtype=dtype)
    if scale:
        counts = xp.bincount(idx.ravel(), minlength=num)
        factor = factor / counts[idx]
    if padding_idx >= 0:
        factor = factor * (idx != padding_idx)
    return factor.astype(dtype, copy=False)


def embedding_dense_backward(g: Tensor, indices: Tensor, num_weights: int, padding_idx: int = -1,
                             scale_grad_by_freq: bool = False) -> Tensor:
    """Sum the rows of ``g`` into a ``(num_weights, D)`` gradient at ``indices``."""
    gd = g._data
    idx = indices._data
    xp = xp_of(gd)
    dim = gd.shape[-1]
    rows = gd.reshape(-1, dim) * _row_factor(idx, num_weights, padding_idx, scale_grad_by_freq,
                                             gd.dtype).reshape(-1, 1)
    out = xp.zeros((num_weights, dim), dtype=gd.dtype)
    if xp is np:
        np.add.at(out, idx.ravel(), rows)
    else:
        import cupyx  # noqa: PLC0415
        cupyx.scatter_add(out, idx.ravel(), rows)
    return record(out, EmbeddingDenseBackward0, (g,), saved=(indices,),
                  extra=(num_weights, padding_idx, scale_grad_by_freq))


def embedding(weight: Tensor, indices: Tensor, padding_idx: int | None = None,
              scale_grad_by_freq: bool = False) -> Tensor:
    """Rows of ``weight`` picked by the integer tensor ``indices``: shape ``indices.shape + (D,)``."""
    idx = indices._data
    if idx.dtype.kind not in "iu" or idx.dtype.itemsize < 4 or idx.dtype.kind == "u":
        word = _WORDS.get(idx.dtype.name, idx.dtype.name)
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, "
            f"Int; but got torch.{word} instead (while checking arguments for embedding)")
    wd = weight._data
    num = wd.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")
    pad = -1 if padding_idx is None else int(padding_idx)
    return record(wd[idx], EmbeddingBackward0, (weight,), saved=(indices,),
                  extra=(num, pad, scale_grad_by_freq))
