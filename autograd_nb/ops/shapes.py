"""Ops that rearrange, combine or count whole tensors: ``ravel``, ``meshgrid``,
``broadcast_tensors``, ``repeat_interleave``, ``einsum``, ``unique``, ``dist``, ``vdot``,
``histogram`` and ``histc``.

Most are *composites*: written with the views and ops we already have, so their
graph is made of familiar nodes (``meshgrid`` records a ``ViewBackward0`` and an
``ExpandBackward0`` per output, as PyTorch does) and their backward needs no rule of
its own. ``dist`` has its own node (``DistBackward0``, as in PyTorch), and ``unique``
records a node whose backward refuses, as PyTorch's does.
"""
from __future__ import annotations

import math
import string
from typing import Any, Sequence

import numpy as np

from .. import _backend as B
from .._tensor import Size, Tensor, canon_dim
from ._core import OpNode, as_method, note_broadcast, record, record_multi, register
from .convert import contiguous_clone

EXPORTS = ["ravel", "meshgrid", "broadcast_tensors", "broadcast_shapes", "repeat_interleave", "einsum",
           "unique", "dist", "vdot", "histogram", "histc"]


def ravel(input: Tensor) -> Tensor:
    """All elements in one dimension: a view of a contiguous tensor, else of a contiguous
    copy (``CloneBackward0`` then ``ViewBackward0``, as PyTorch records it)."""
    return input.contiguous().view(-1)


def broadcast_shapes(*shapes: Any) -> Size:
    """The shape tensors of ``shapes`` broadcast to (PyTorch's rules, no tensors made)."""
    from ._core import broadcast_error
    out: tuple[int, ...] = ()
    for s in shapes:
        s = (s,) if isinstance(s, int) else tuple(s)
        try:
            out = tuple(np.broadcast_shapes(out, s))
        except ValueError:
            raise broadcast_error(out, s) from None
    return Size(out)


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The tensors expanded (as views, ``ExpandBackward0``) to their common shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t if tuple(t.shape) == tuple(shape) else t.expand(shape) for t in tensors)


def meshgrid(*tensors: Tensor, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids: output ``k`` holds ``tensors[k]``'s values along dimension ``k``.

    ``indexing='ij'`` (matrix indexing) gives shape ``(len(t0), len(t1), ...)``; ``'xy'``
    (Cartesian, NumPy's default) swaps the first two dimensions. Each output is a view
    of its input reshaped and expanded: no copies.
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        import warnings
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    swap = indexing == "xy" and len(tensors) >= 2
    ts = list(tensors)
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.numel() for t in ts)
    grids = []
    for k, t in enumerate(ts):
        view = [1] * len(ts)
        view[k] = -1
        grids.append(t.view(view).expand(shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def repeat_interleave(input: Tensor, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times in place: ``[1, 2] -> [1, 1, 2, 2]``.

    With a number, a broadcast view is copied (``ExpandBackward0`` then
    ``CloneBackward0``, as PyTorch records it); with a tensor of counts, one
    ``index_select``. ``repeat_interleave(counts)`` alone gives the indices.
    """
    from .._creation import arange, tensor as make
    if repeats is None:                                 # torch.repeat_interleave(counts)
        counts = B.to_device(input._data, B.CPU)
        if counts.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if (counts < 0).any():
            raise RuntimeError("repeats can not be negative")
        return make(np.repeat(np.arange(counts.size), counts), device=input.device)
    if dim is None:
        input, dim = input.reshape(-1), 0
    dim = canon_dim(dim, input.dim())
    if isinstance(repeats, Tensor) and repeats.numel() != 1:
        if repeats.dim() != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if repeats.shape[0] != input.shape[dim]:
            raise RuntimeError("repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {repeats.shape[0]} and input.size({dim}) = {input.shape[dim]}")
        return input.index_select(dim, repeat_interleave(repeats))
    r = int(repeats.item() if isinstance(repeats, Tensor) else repeats)
    if r < 0:
        raise RuntimeError("Repeats must be non-negative")
    shape = list(input.shape)
    expanded = list(shape[:dim + 1]) + [r] + list(shape[dim + 1:])
    out = contiguous_clone(input.unsqueeze(dim + 1).expand(expanded))
    shape[dim] *= r
    return out.view(shape)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation: ``einsum('ij,jk->ik', a, b)`` is ``a @ b``.

    Each letter names a dimension; a letter in several operands is multiplied along,
    a letter missing from the output (after ``->``) is summed over; ``...`` stands for
    broadcast dimensions; a letter twice in one operand takes the diagonal.
    Here every operand is permuted and unsqueezed onto one shared order of letters,
    all are multiplied (broadcasting), and the summed letters are reduced: the same
    values and gradients as PyTorch, whose graph shows batched matrix products
    (``BmmBackward0``) instead.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise RuntimeError(f"einsum(): more operands were provided than specified in the equation"
                           if len(operands) > len(terms) else
                           "einsum(): fewer operands were provided than specified in the equation")
    spare = iter(c for c in string.ascii_letters if c not in eq)
    ell_len = max((t.dim() - len(term.replace("...", "")) for term, t in zip(terms, operands) if "..." in term),
                  default=0)
    ell = "".join(next(spare) for _ in range(ell_len))
    letter_counts: dict[str, int] = {}
    for term in terms:
        for c in term.replace("...", ""):
            letter_counts[c] = letter_counts.get(c, 0) + 1
    prepared = []
    for term, t in zip(terms, operands):
        if "..." in term:
            k = t.dim() - len(term.replace("...", ""))
            term = term.replace("...", ell[ell_len - k:])
        if len(term) != t.dim():
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(term)}) does not "
                               f"match the number of dimensions ({t.dim()}) for operand "
                               f"{terms.index(term) if term in terms else 0}"
                               + (" and no ellipsis was given" if "..." not in eq else ""))
        while len(set(term)) < len(term):             # a repeated letter: take the diagonal
            c = next(c for c in term if term.count(c) > 1)
            i, j = term.index(c), term.index(c, term.index(c) + 1)
            t = t.diagonal(0, i, j)
            term = term[:i] + term[i + 1:j] + term[j + 1:] + c
        prepared.append((term, t))
    if arrow:
        out = rhs.replace("...", ell)
    else:                                             # implicit: letters used once, sorted
        out = ell + "".join(sorted(c for c, n in letter_counts.items() if n == 1))
    summed = [c for term, _ in prepared for c in term if c not in out]
    order = list(out) + list(dict.fromkeys(summed))
    product = None
    for term, t in prepared:
        perm = sorted(range(len(term)), key=lambda i: order.index(term[i]))
        t = t.permute(*perm) if perm != list(range(len(term))) else t
        letters = [term[i] for i in perm]
        shape = [t.shape[letters.index(c)] if c in letters else 1 for c in order]
        t = t.reshape(shape) if tuple(shape) != tuple(t.shape) else t
        product = t if product is None else product * t
    n_out = len(out)
    if len(order) > n_out:
        product = product.sum(tuple(range(n_out, len(order))))
    return product


class Unique2Backward0(OpNode):
    """unique picks values; it has no derivative (PyTorch refuses too).

    grad_self = not implemented (the backward refuses)
    """
    saved_names = ()

    def backward(self, *g):
        raise NotImplementedError("the derivative for '_unique2' is not implemented.")


class UniqueDimBackward0(OpNode):
    """unique(dim=...) picks slices; it has no derivative (PyTorch refuses too).

    grad_self = not implemented (the backward refuses)
    """
    saved_names = ()

    def backward(self, *g):
        raise NotImplementedError("the derivative for 'unique_dim' is not implemented.")


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None) -> Any:
    """The distinct values (or slices along ``dim``), sorted; with ``return_inverse``
    where each element went, with ``return_counts`` how often each occurs."""
    xp = B.xp_of(input._data)
    axis = None if dim is None else dim % max(input.dim(), 1)
    vals, inverse, counts = xp.unique(input._data, return_inverse=True, return_counts=True, axis=axis)
    inverse = inverse.reshape(input.shape if axis is None else (input.shape[axis],)).astype(np.int64)
    node = Unique2Backward0 if dim is None else UniqueDimBackward0
    outs = record_multi([vals, inverse, counts.astype(np.int64)], node, [input],
                        differentiable=[True, False, False])
    if not return_inverse and not return_counts:
        return outs[0]
    return tuple([outs[0]] + ([outs[1]] if return_inverse else []) + ([outs[2]] if return_counts else []))


class DistBackward0(OpNode):
    """The p-norm of the difference d = self - other: each difference gets the gradient
    times d|d|^(p-2) / out^(p-1) (p = 2: d / out; p = 1: sign(d); p = inf: sign(d) on the
    largest |d|, shared among ties); other gets the negative.

    out = ||self - other||_p
    grad_self = grad * d * |d|^(p-2) / result^(p-1)   (d = self - other)
    grad_other = -grad_self
    """
    saved_names = ("self", "other", "result")
    fields = ("p",)

    def backward(self, g):
        from .._functions import where
        a, b, r = (s.unpack() for s in self._saved)
        p = self.p
        d = a - b
        if p == 0:
            gd = d * 0
        elif p == 1:
            gd = d.sign()
        elif p == math.inf:
            hit = (d.abs() == r)
            gd = d.sign() * hit / hit.sum()
        elif p == 2:
            gd = where(r == 0, d * 0, d / r)
        else:
            gd = where(r == 0, d * 0, d * d.abs() ** (p - 2) / r ** (p - 1))
        return g * gd, -(g * gd)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The p-norm of ``input - other`` (broadcast), one number: ``torch.dist(a, b)``."""
    from ._core import prep2
    a, b, ta, tb = prep2(input, other)
    xp = B.xp_of(a)
    d = xp.abs(a - b)
    p = float(p)
    if p == math.inf:
        val = d.max() if d.size else xp.asarray(0, d.dtype)
    elif p == -math.inf:
        val = d.min() if d.size else xp.asarray(0, d.dtype)
    elif p == 0:
        val = (d != 0).sum().astype(d.dtype)
    else:
        val = (d ** p).sum() ** (1 / p)
    out = record(xp.asarray(val, dtype=d.dtype), DistBackward0, (ta, tb), saved=(ta, tb), save_output=True,
                 p=int(p) if math.isfinite(p) and p == int(p) else p)
    note_broadcast(out, ta, tb)
    return out


class VdotBackward0(OpNode):
    """Dot product (the first vector conjugated, which changes nothing for real numbers):
    each vector gets the gradient times the other.

    out = sum(conj(self) * other)
    grad_self = grad * other
    grad_other = grad * self
    """
    saved_names = ("self", "other")

    def backward(self, g):
        a, b = (s.unpack() for s in self._saved)
        return g * b, g * a


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """The dot product of two 1-D tensors (conjugating the first: the same as ``dot`` for
    real numbers)."""
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {other.dim()}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements, but got "
                           f"{input.shape[0]} and {other.shape[0]} elements respectively")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {input.dtype.scalar_name} and "
                           f"{other.dtype.scalar_name}")
    xp = B.xp_of(input._data)
    return record(xp.asarray(input._data.dot(other._data)), VdotBackward0, (input, other), saved=(input, other))


class _Histogram(tuple):
    """``(hist, bin_edges)``, printed as ``torch.return_types.histogram(...)``."""

    @property
    def hist(self) -> Tensor:
        return self[0]

    @property
    def bin_edges(self) -> Tensor:
        return self[1]

    def __repr__(self) -> str:
        return f"torch.return_types.histogram(\nhist={self[0]!r},\nbin_edges={self[1]!r})"


def histogram(input: Tensor, bins: Any = 100, *, range: tuple[float, float] | None = None,
              weight: Tensor | None = None, density: bool = False) -> _Histogram:
    """Counts of ``input``'s values in ``bins`` equal-width bins over ``range`` (default: from
    the smallest to the largest value), or between the given bin edges; with ``weight``,
    sums of weights; with ``density``, normalised so the histogram integrates to one."""
    from .._creation import tensor
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"histogramdd" not implemented for \'{input.dtype.scalar_name}\'')
    data = B.to_device(input.detach()._data, B.CPU).reshape(-1)
    edges = B.to_device(bins.detach()._data, B.CPU) if isinstance(bins, Tensor) else int(bins)
    w = None if weight is None else B.to_device(weight.detach()._data, B.CPU).reshape(-1)
    if not isinstance(bins, Tensor) and range is None:
        range = (float(data.min()), float(data.max())) if data.size else (0.0, 1.0)
    hist, bin_edges = np.histogram(data.astype(np.float64), bins=edges, range=range, weights=w, density=density)
    dt = input.dtype
    return _Histogram((tensor(hist.astype(dt.np), device=input.device),
                       tensor(bin_edges.astype(dt.np), device=input.device)))


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """``bins`` equal-width counts between ``min`` and ``max`` (both 0: the data's own
    smallest and largest value); values outside are ignored."""
    data = B.to_device(input.detach()._data, B.CPU).reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi == 0 and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    inside = data[(data >= lo) & (data <= hi)]
    hist, _ = np.histogram(inside.astype(np.float64), bins=int(bins), range=(lo, hi))
    from .._creation import tensor
    return tensor(hist.astype(input.dtype.np), device=input.device)


for _name in ("ravel", "repeat_interleave", "unique", "dist", "vdot", "histogram", "histc"):
    register(_name)(as_method(globals()[_name]))
