"""``index_copy``: write whole slices of ``source`` over slices of ``self``.

``out = self.index_copy(dim, index, source)`` is a copy of ``self`` whose slice
``index[k]`` along ``dim`` is replaced by slice ``k`` of ``source``. It is
``index_add`` that overwrites instead of adding, and so its backward is:

* the overwritten slices of ``self`` no longer reach the output, so their gradient is
  zero: ``grad_self = grad.index_fill(dim, index, 0)``;
* slice ``k`` of ``source`` went to slice ``index[k]``: it gets that slice of the
  gradient back, ``grad_source = grad.index_select(dim, index)``.

Both rules are made of differentiable ops, so second derivatives work. (Where an index
repeats, the last write wins, as PyTorch's CPU kernel does; the gradient then still
reads that slice for every ``k`` naming it, as PyTorch's rule does.)
``nn.AdaptiveLogSoftmaxWithLoss`` uses ``index_copy_`` to put each cluster's
log-probabilities into the rows of its targets.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend as B
from .._tensor import Tensor, canon_dim
from ._core import OpNode, record, register
from .gathers import _as_method, _inplace, _index_array, index_fill, index_select
from .reduce import shown_dim


class IndexCopyBackward0(OpNode):
    """Overwritten slices of self do not reach the output (zero gradient); slice k of
    source gets the gradient of the slice it was written to.

    out = self.index_copy(dim, index, source)
    grad_self = grad.index_fill(dim, index, 0)
    grad_source = grad.index_select(dim, index)   (reshaped to source's shape)
    """
    saved_names = ("index", "source")                 # (source: when it needs a gradient, as PyTorch)
    fields = ("dim", "source_dim",
              "_n",                                   # dim, counted from 0
              "_source_shape")

    def backward(self, g):
        index = self._saved[0].unpack()
        gself = gsrc = None
        if self.next_functions[0][0] is not None:
            gself = index_fill(g, self._n, index, 0) if g.dim() else g * 0
        if self.next_functions[1][0] is not None:
            gsrc = (index_select(g, self._n, index) if g.dim() else g).reshape(self._source_shape)
        return gself, gsrc


def _checks(input: Tensor, dim: int, index: Tensor, source: Tensor) -> tuple[int, Any]:
    """PyTorch's checks in its order and words; returns the dim from 0 and the flat index."""
    idx = _index_array(index, input, "index_copy")
    shp, sshp = input._data.shape, source._data.shape
    d = canon_dim(dim, max(len(shp), 1))
    if idx.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {idx.ndim})")
    flat = idx.reshape(-1)
    if len(shp) and len(sshp) and len(shp) != len(sshp):
        raise IndexError("index_copy_(): When source and destination are not scalars, their dimensionality must "
                         f"match. Source dimensionality ({len(sshp)}), destination dimensionality ({len(shp)})")
    if len(sshp):
        if flat.size != sshp[d]:
            raise IndexError(f"index_copy_(): Number of indices ({flat.size}) should be equal to "
                             f"source.size(dim) ({sshp[d]})")
        sliced = [(a, b) for k, (a, b) in enumerate(zip(shp, sshp)) if k != d]
        for k, (a, b) in enumerate(sliced):         # (counted within the slice, as PyTorch does)
            if a != b:
                raise RuntimeError("index_copy_(): Source/destination tensor must have same slice shapes. "
                                   f"Destination slice shape: {a} at dimension {k} and source slice shape: "
                                   f"{b} at dimension {k}.")
    if idx.dtype != np.int64:
        raise RuntimeError("index_copy_(): Expected a long tensor for index, but got "
                           f"{B.SCALAR_NAMES[idx.dtype.name]}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError("index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{B.SCALAR_NAMES[input._data.dtype.name]} and (source) "
                           f"{B.SCALAR_NAMES[source._data.dtype.name]}")
    size = shp[d] if len(shp) else 1
    bad = (flat < 0) | (flat >= size)
    if bad.any():
        first = int(flat[int(bad.argmax())])
        raise IndexError(f"index_copy_(): index {first} is out of bounds for dimension {d} with size {size}")
    return d, flat


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with slice ``index[k]`` along ``dim`` replaced by ``source``'s slice ``k``."""
    d, flat = _checks(input, dim, index, source)
    shp = input._data.shape
    out = input._data.reshape(shp or (1,)).copy()
    src = source._data.reshape(source._data.shape or (1,) * max(len(shp), 1))
    out[(slice(None),) * d + (flat,)] = src
    return record(out.reshape(shp), IndexCopyBackward0, (input, source),
                  saved=(index, source if source.requires_grad else None),
                  dim=shown_dim(dim), source_dim=source._data.ndim, _n=d, _source_shape=source._data.shape)


register("index_copy")(_as_method(index_copy))
register("index_copy_")(_inplace(index_copy))

EXPORTS = ["index_copy"]
