"""``F.channel_shuffle``: interleave the channels of ``groups`` groups (ShuffleNet).

``(N, C, *)`` with ``C = g * k``: the channels, seen as a ``g x k`` grid (group by group),
are read column by column, so the result's channels are ``0, k, 2k, ..., 1, k + 1, ...``.
Pure data movement: the gradient is the inverse shuffle, a shuffle with ``k`` groups
(``ChannelShuffleBackward0`` records ``ChannelShuffleBackward0`` again).
"""
from __future__ import annotations

from ... import _backend as B
from ..._tensor import Tensor
from .._core import OpNode, record

__all__ = ["channel_shuffle"]


class ChannelShuffleBackward0(OpNode):
    """A channel shuffle only moves channels: the gradient is moved back, which is a
    shuffle with channels / groups groups.

    grad_self = channel_shuffle(grad, self.size(1) / groups)
    """
    saved_names = ()
    fields = ("groups",)

    def backward(self, g):
        return channel_shuffle(g, g.shape[1] // self.groups)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """``(N, g * k, *) -> (N, k * g, *)``: channel ``i * k + j`` moves to ``j * g + i``."""
    shape = tuple(input.shape)
    if len(shape) <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"[{', '.join(str(s) for s in shape)}]")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    c = shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    d = input._data
    xp = B.xp_of(d)
    moved = d.reshape((shape[0], groups, c // groups) + shape[2:]).swapaxes(1, 2)
    out = xp.array(moved, copy=True, order="C").reshape(shape)      # (always a copy)
    return record(out, ChannelShuffleBackward0, (input,), groups=groups)
