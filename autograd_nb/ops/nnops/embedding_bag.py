"""Embedding bag: look rows up and reduce each *bag* of them to one row, in one op.

``indices`` is one long list of row ids cut into bags by ``offsets`` (bag ``b`` is
``indices[offsets[b]:offsets[b + 1]]``). Each bag becomes the sum, the mean or the
(column-wise) max of its rows: ``embedding(indices)`` followed by a segment reduction,
without ever building the ``(len(indices), D)`` table of rows in the graph. Ids equal to
``padding_idx`` are left out of their bag (they do not count for the mean); an empty
bag is a row of zeros. With ``per_sample_weights`` (mode ``'sum'`` only) each row is
scaled before the sum.

Backward (``EmbeddingBagBackward0``), with ``bag[i]`` the bag of position ``i``:

    sum / mean:  grad_weight[indices[i]] += grad[bag[i]] * psw[i]  (/ bag_size for the mean)
    max:         grad_weight[argmax row, c] += grad[b, c]      (the first of equal maxima)
    grad_psw[i]  = grad[bag[i]] . weight[indices[i]]

both written with differentiable tensor ops, so double backward works.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import OpNode, record, shown_dim

MODES = {"sum": 0, "mean": 1, "max": 2}


class EmbeddingBagBackward0(OpNode):
    """A bag's row is the sum, mean or max of the rows it looked up: each looked-up row
    gets its bag's gradient (times its per-sample weight, / the bag size for the mean; for
    max only the winning row of each column), and each per-sample weight gets its bag's
    gradient dotted with its row.

    grad_weight = grad[bag[i]] * per_sample_weights[i] (/ bag_size for mean) added into row indices[i]   (max: grad at the winning rows)
    grad_per_sample_weights = grad[bag[i]] . weight[indices[i]]   (0 for padding_idx)
    """
    saved_names = ("indices", "offsets", "per_sample_weights", "weight")
    fields = ("mode", "padding_idx", "scale_grad_by_freq", "sparse", "weight_sym_argsize_0",
              "_bag", "_size", "_max_rows")
    # (_bag: the bag of each position, PyTorch's offset2bag; _size: the bag sizes;
    # _max_rows: for 'max', the row that won each (bag, column))

    def backward(self, g):
        mode, bag, size, max_rows = self.mode, self._bag, self._size, self._max_rows
        num, padding_idx = self.weight_sym_argsize_0, self.padding_idx
        idx = self._saved[0].unpack()
        psw = None if self._saved[2] is None else self._saved[2].unpack()
        need = [e[0] is not None for e in self.next_functions]
        gw = gp = None
        xp = B.xp_of(g._data)
        if need[0] and mode == 2:                   # each (bag, column) max came from one row
            rows = Tensor._wrap(xp.where(size[:, None] > 0, max_rows, 0))
            g_kept = g * Tensor._wrap((size[:, None] > 0).astype(g._data.dtype))
            gw = Tensor._wrap(xp.zeros((num, g.shape[1]), dtype=g._data.dtype)).scatter_add(0, rows, g_kept)
        elif need[0]:
            factor = _position_factor(idx._data, bag, size, mode, padding_idx, g._data.dtype)
            spread = g.index_select(0, Tensor._wrap(bag)) * Tensor._wrap(factor[:, None])
            if psw is not None:
                spread = spread * psw.unsqueeze(1)
            gw = Tensor._wrap(xp.zeros((num, g.shape[1]), dtype=g._data.dtype)).index_add(0, idx, spread)
        if need[1]:
            w = self._saved[3].unpack()
            keep = Tensor._wrap((idx._data != padding_idx).astype(g._data.dtype))
            gp = (g.index_select(0, Tensor._wrap(bag)) * w.index_select(0, idx)).sum(1) * keep
        return gw, gp

    @property
    def _saved_padding_idx(self) -> int:
        return shown_dim(self.padding_idx)

    @property
    def _saved_result1(self) -> Tensor:
        """offset2bag (PyTorch's float32 sum keeps no bag list)."""
        bag = self._bag
        plain = self.mode == 0 and self.padding_idx < 0 and self._saved[3].unpack_data().dtype == np.float32
        return Tensor._wrap(B.xp_of(bag).zeros(0, dtype=np.int64) if plain else bag)

    @property
    def _saved_result2(self) -> Tensor:
        """The bag sizes (zeros for a sum)."""
        size = self._size
        return Tensor._wrap(B.xp_of(size).zeros_like(size) if self.mode == 0 else size)

    @property
    def _saved_result3(self) -> Tensor:
        """max_indices: the winning rows for 'max', the bag sizes for 'mean', zeros for a sum."""
        size = self._size
        if self.mode == 0:
            return Tensor._wrap(B.xp_of(size).zeros_like(size))
        return Tensor._wrap(self._max_rows if self.mode == 2 else size)


def _position_factor(idx: Any, bag: Any, size: Any, mode: int, padding_idx: int, dtype: Any) -> Any:
    """How much of its bag's gradient each position gets: 0 for padding, 1/bag_size for the mean."""
    factor = (idx != padding_idx).astype(dtype)
    if mode == 1:
        factor = factor / np.maximum(size[bag], 1)
    return factor.astype(dtype, copy=False)


def embedding_bag(weight: Tensor, indices: Tensor, offsets: Tensor, mode: str = "mean",
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """One row per bag: the ``mode`` reduction of ``weight[indices[offsets[b]:offsets[b+1]]]``
    (1-d ``indices`` and ``offsets``; ``nn.functional.embedding_bag`` does the checks)."""
    wd, idx, off = weight._data, indices._data, offsets._data.astype(np.int64)
    xp = B.xp_of(wd)
    n, num, dim = idx.shape[0], wd.shape[0], wd.shape[1]
    if off.shape[0] and off[0] != 0:                # (PyTorch's check prints the 0-d tensor after it)
        kind = "Int" if offsets._data.dtype == np.int32 else "Long"
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
                           f"from position 0. However, got {int(off[0])}\n[ torch.{kind}Tensor{{}} ]")
    bad = (idx < 0) | (idx >= num)
    if bad.any():
        i = int(xp.argmax(bad))
        raise RuntimeError(f"Index {i} of input takes value {int(idx[i])} which is not in the valid range [0, {num})")
    bags = off.shape[0] - 1 if include_last_offset else off.shape[0]
    pad = -1 if padding_idx is None else int(padding_idx)
    bag = (xp.searchsorted(off[:bags], xp.arange(n), side="right") - 1).astype(np.int64)
    keep = idx != pad         # (with include_last_offset the last bag still runs to the end, as PyTorch's)
    size = xp.bincount(bag[keep], minlength=bags).astype(np.int64)[:bags]
    rows = wd[idx]
    if per_sample_weights is not None:
        rows = rows * per_sample_weights._data[:, None]
    code = MODES[mode]
    max_rows = None
    if code == 2:
        out = xp.full((bags, dim), -np.inf, dtype=wd.dtype)
        xp.maximum.at(out, bag[keep], rows[keep])
        pos = xp.nonzero(keep)[0]                                    # kept positions, in order
        hit_p, hit_c = xp.nonzero(rows[pos] == out[bag[pos]])         # (position, column) at its bag's max
        first = xp.full((bags, dim), n, dtype=np.int64)
        xp.minimum.at(first, (bag[pos[hit_p]], hit_c), pos[hit_p])    # the first of equal maxima wins
        max_rows = xp.append(idx, 0)[first]                           # (an empty bag: row 0, as PyTorch)
        out[size == 0] = 0
    else:
        out = xp.zeros((bags, dim), dtype=wd.dtype)
        xp.add.at(out, bag[keep], rows[keep])
        if code == 1:
            out /= xp.maximum(size, 1)[:, None]
    saved = (indices, offsets, per_sample_weights, weight)
    return record(out.astype(wd.dtype, copy=False), EmbeddingBagBackward0, (weight, per_sample_weights),
                  saved=saved, mode=code, padding_idx=pad, scale_grad_by_freq=False, sparse=False,
                  weight_sym_argsize_0=num, _bag=bag, _size=size, _max_rows=max_rows)
