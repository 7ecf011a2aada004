"""Padding that repeats the input: ``F.pad`` with ``mode='reflect'``, ``'replicate'``, ``'circular'``.

Each mode says which input element every position of the padded output copies. Along
one dimension of size ``n`` padded by ``(left, right)``, output position ``j`` looks at
input position ``p = j - left`` and, when ``p`` falls outside ``[0, n)``:

* ``reflect`` mirrors it around the edge element (``-1 -> 1``, ``n -> n - 2``): the edge
  itself is not repeated, so each padding must be smaller than ``n``;
* ``replicate`` clamps it to the nearest edge (``-3 -> 0``, ``n + 5 -> n - 1``);
* ``circular`` wraps it around (``-1 -> n - 1``), as if the input were a ring.

So the forward is a *gather* along each padded dimension, and the backward is the
matching *scatter-add*: an input element copied into several output positions receives
the sum of their gradients. Reflect and replicate are one kernel each, as in PyTorch
(``ReflectionPad2DBackward0``, ``ReplicationPad1DBackward0``, ...). PyTorch builds
circular padding out of slice copies instead (``out[..., a:b].copy_(...)``, one after
another), so its graph is a chain of ``CopySlices`` nodes; ``circular_pad`` does the same
with our own slicing and ``copy_`` and therefore records the same chain.

Negative paddings crop, as in ``constant`` mode.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import OpNode, record
from ..views import shown_unsigned

# ---------------------------------------------------------------------------
# which input position each output position copies
# ---------------------------------------------------------------------------


def source_positions(n: int, left: int, right: int, mode: str) -> np.ndarray:
    """For each of the ``n + left + right`` output positions, the input position it copies."""
    p = np.arange(n + left + right) - left
    if mode == "reflect":
        p = np.abs(p)                                  # mirror at the start ...
        p = np.where(p > n - 1, 2 * (n - 1) - p, p)    # ... and at the end
    else:                                              # replicate
        p = np.clip(p, 0, n - 1)
    return p


def _gather(data: Any, pad: Sequence[int], mode: str) -> Any:
    """Pad ``data`` by reading, along each padded dim, the input positions the mode picks."""
    xp = B.xp_of(data)
    for i in range(len(pad) // 2):
        dim = data.ndim - 1 - i
        pos = source_positions(data.shape[dim], pad[2 * i], pad[2 * i + 1], mode)
        data = xp.take(data, xp.asarray(pos), axis=dim)
    return data


def _scatter_add(grad: Any, in_shape: tuple, pad: Sequence[int], mode: str) -> Any:
    """The backward of ``_gather``: send every output gradient back to the position it copied."""
    xp = B.xp_of(grad)
    for i in range(len(pad) // 2):
        dim = grad.ndim - 1 - i
        n = in_shape[dim]
        pos = source_positions(n, pad[2 * i], pad[2 * i + 1], mode)
        moved = xp.moveaxis(grad, dim, 0)
        acc = xp.zeros((n,) + moved.shape[1:], dtype=grad.dtype)
        if type(acc) is np.ndarray:
            np.add.at(acc, pos, moved)
        else:
            import cupyx  # noqa: PLC0415
            cupyx.scatter_add(acc, xp.asarray(pos), moved)
        grad = xp.moveaxis(acc, 0, dim)
    return grad


# ---------------------------------------------------------------------------
# the nodes: ReflectionPad{1,2,3}DBackward0, ReplicationPad{1,2,3}DBackward0 and their backwards
# ---------------------------------------------------------------------------


_PAD_RULE = """{word} padding of the {dims} ({how}): an input element
copied into several output positions gets the sum of their gradients (a scatter-add
of the gradient back to the positions copied).

grad_self = grad scatter-added back to the positions each output copied ({mode})
"""

_PAD_BACKWARD_RULE = """The backward of {mode} padding of the {dims} (a
scatter-add of the gradient) is the padding again: the gradient's gradient is
padded the same way; self only gave the shape, so it gets zeros.

grad_grad_output = pad(grad, padding, mode="{mode}")
grad_self = zeros(self.shape)
"""

_HOW = {"reflect": "each border mirrors the input around its edge element",
        "replicate": "each border repeats the input's edge element"}


class _PadBackward(OpNode):
    """Reflect or replicate padding: an input element copied into several output
    positions gets the sum of their gradients.

    grad_self = grad scatter-added back to the positions each output copied
    """
    saved_names = ("self",)
    fields = ("padding",)                             # (as given: negatives crop)
    _saved_padding = shown_unsigned("padding")
    mode = ""
    twin: type = OpNode                                # the node recorded by this node's backward

    def backward(self, g):
        x = self._saved[0].unpack()
        pad = self.padding
        data = _scatter_add(g._data, x._data.shape, pad, self.mode)
        # a differentiable op in its own right (for create_graph=True): its inputs are the
        # gradient and ``self``, as in PyTorch (whose ``self`` edge only ever gets zeros)
        return record(data, self.twin, (g, x), padding=pad)


class _PadBackwardBackward(OpNode):
    """The backward of the padding's backward is the padding again (and zeros for self).

    grad_grad_output = pad(grad, padding, mode)
    grad_self = zeros(self.shape)
    """
    fields = ("padding",)
    _saved_padding = shown_unsigned("padding")
    mode = ""

    def backward(self, gg):
        # gg has the unpadded input's shape, like ``self``: its gradient is zeros of that shape
        zeros = Tensor._wrap(B.xp_of(gg._data).zeros(gg._data.shape, dtype=gg._data.dtype))
        return pad_repeat(gg, self.padding, self.mode), zeros


_NODES: dict[tuple[str, int], type] = {}
for _mode, _word in (("reflect", "Reflection"), ("replicate", "Replication")):
    for _k in (1, 2, 3):
        _says = {"word": _word, "dims": "last dim" if _k == 1 else f"last {_k} dims", "mode": _mode,
                 "how": _HOW[_mode]}
        _twin = type(f"{_word}Pad{_k}DBackwardBackward0", (_PadBackwardBackward,),
                     {"__doc__": _PAD_BACKWARD_RULE.format(**_says), "mode": _mode, "saved_names": ()})
        _NODES[_mode, _k] = type(f"{_word}Pad{_k}DBackward0", (_PadBackward,),
                                 {"__doc__": _PAD_RULE.format(**_says), "mode": _mode, "twin": _twin})


def pad_repeat(input: Tensor, pad: Sequence[int], mode: str) -> Tensor:
    """Reflect or replicate padding of the last ``len(pad) // 2`` dims (checks done by ``F.pad``)."""
    node = _NODES[mode, len(pad) // 2]
    return record(_gather(input._data, pad, mode), node, (input,), saved=(input,), padding=tuple(pad))


# ---------------------------------------------------------------------------
# circular: slice copies, as PyTorch does it
# ---------------------------------------------------------------------------


def _span(t: Tensor, dim: int, start: int, stop: int) -> Tensor:
    """``t[..., start:stop]`` along ``dim`` (a view, ``SliceBackward0``), clamped like a slice."""
    size = t.shape[dim]
    start = min(max(start, 0), size)
    return t.narrow(dim, start, min(max(stop, start), size) - start)


def circular_pad(input: Tensor, pad: Sequence[int]) -> Tensor:
    """Circular padding of the last ``len(pad) // 2`` dims: the input wraps around like a ring.

    Built like PyTorch's: copy the (cropped) input into the middle of an empty result,
    then fill each padded border by copying the strip at the opposite side of the result,
    last dimension first (so corners come out right). Each copy into a slice is an
    in-place change of a view, which is why ``grad_fn`` is ``CopySlices``.
    """
    k, nd = len(pad) // 2, input.ndim
    in_shape = tuple(input.shape)
    out_shape = list(in_shape)
    for i in range(k - 1, -1, -1):                    # outermost padded dimension first
        dim, lo, hi = nd - 1 - i, pad[2 * i], pad[2 * i + 1]
        out_shape[dim] = in_shape[dim] + lo + hi
        if lo > in_shape[dim] or hi > in_shape[dim]:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if out_shape[dim] < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    d = input._data
    out = Tensor._wrap(B.xp_of(d).zeros(tuple(out_shape), dtype=d.dtype))
    middle, source = out, input
    for i in range(k):
        dim, lo, hi = nd - 1 - i, pad[2 * i], pad[2 * i + 1]
        middle = _span(middle, dim, max(lo, 0), out_shape[dim] - max(hi, 0))
        source = _span(source, dim, max(-lo, 0), in_shape[dim] - max(-hi, 0))
    middle.copy_(source)
    for i in range(k):
        dim, lo, hi = nd - 1 - i, pad[2 * i], pad[2 * i + 1]
        size, right_edge = out_shape[dim], out_shape[dim] - max(hi, 0)
        if lo > 0:                                    # the left border repeats the right end
            _span(out, dim, 0, lo).copy_(_span(out, dim, right_edge - lo, right_edge))
        if hi > 0:                                    # the right border repeats the left end
            start = max(lo, 0)
            _span(out, dim, size - hi, size).copy_(_span(out, dim, start, start + hi))
    return out
