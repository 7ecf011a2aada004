"""Embedding: a lookup table. ``out[..., :] = weight[indices[...], :]``.

Backward scatters each output row's gradient back into the row of ``weight`` it was
read from; rows looked up several times add up their gradients, and the
``padding_idx`` row gets none. That scatter (``embedding_dense_backward``) is itself
recorded, and its own gradient is a lookup again, so higher order works.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import OpNode, record, shown_dim



def legacy_type_name(dtype: Any) -> str:
    """The legacy type name PyTorch's index checks print for a numpy dtype: ``torch.FloatTensor``."""
    return f"torch.{B.SCALAR_NAMES[dtype.name]}Tensor"


class EmbeddingBackward0(OpNode):
    """A lookup copies rows of the table: each output row's gradient is added back into
    the row it was read from (rows read several times add up; the padding_idx row gets
    none; scale_grad_by_freq divides by how often a row was read).

    out = weight[indices]
    grad_weight = embedding_dense_backward(grad, indices, weight.size(0), padding_idx, scale_grad_by_freq)
    """
    saved_names = ("indices",)
    fields = ("weight_sym_argsize_0", "padding_idx", "scale_grad_by_freq", "sparse")

    def backward(self, g):
        idx = self._saved[0].unpack()
        return embedding_dense_backward(g, idx, self.weight_sym_argsize_0, self.padding_idx,
                                        self.scale_grad_by_freq)

    @property
    def _saved_padding_idx(self) -> int:
        return shown_dim(self.padding_idx)


class EmbeddingDenseBackward0(OpNode):
    """The scatter embedding_dense_backward is linear in the gradient; its own gradient
    looks the rows up again (scaled as in the scatter).

    grad_grad_output = embedding(grad, indices) * factor   (0 for the padding row, 1 / count with scale_grad_by_freq)
    """
    saved_names = ("indices",)
    fields = ("num_weights", "padding_idx", "scale_grad_by_freq")

    def backward(self, gg):
        idx = self._saved[0].unpack()
        out = embedding(gg, idx)
        keep = _row_factor(idx._data, self.num_weights, self.padding_idx, self.scale_grad_by_freq,
                           gg._data.dtype)
        return out * Tensor._wrap(keep[..., None])


def _row_factor(idx: Any, num: int, padding_idx: int, scale: bool, dtype: Any) -> Any:
    """Per looked-up position: 0 for the padding row, else 1 (or 1/count with scale_grad_by_freq)."""
    xp = B.xp_of(idx)
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
    xp = B.xp_of(gd)
    dim = gd.shape[-1]
    rows = gd.reshape(-1, dim) * _row_factor(idx, num_weights, padding_idx, scale_grad_by_freq,
                                             gd.dtype).reshape(-1, 1)
    out = xp.zeros((num_weights, dim), dtype=gd.dtype)
    if xp is np:
        np.add.at(out, idx.ravel(), rows)
    else:
        import cupyx  # noqa: PLC0415
        cupyx.scatter_add(out, idx.ravel(), rows)
    return record(out, EmbeddingDenseBackward0, (g,), saved=(indices,), num_weights=num_weights,
                  padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq)


def embedding(weight: Tensor, indices: Tensor, padding_idx: int | None = None,
              scale_grad_by_freq: bool = False) -> Tensor:
    """Rows of ``weight`` picked by the integer tensor ``indices``: shape ``indices.shape + (D,)``."""
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    idx = indices._data
    if idx.dtype.kind not in "iu" or idx.dtype.itemsize < 4 or idx.dtype.kind == "u":
        word = "CPUBoolType" if idx.dtype.kind == "b" else legacy_type_name(idx.dtype)
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, "
            f"Int; but got {word} instead (while checking arguments for embedding)")
    wd = weight._data
    num = wd.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")
    pad = -1 if padding_idx is None else int(padding_idx)
    return record(wd[idx], EmbeddingBackward0, (weight,), saved=(indices,), weight_sym_argsize_0=num,
                  padding_idx=pad, scale_grad_by_freq=scale_grad_by_freq, sparse=False)
