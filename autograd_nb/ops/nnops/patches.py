"""Sliding windows: the one idea behind convolution and pooling.

A convolution (or a pooling) looks at the input through a small window that slides
over the spatial dimensions. ``im2col`` lays every window out as a column:

    input (N, C, H, W)  ->  cols (N, G, C/G * kh * kw, Ho * Wo)

so that a convolution becomes ONE matrix product with the weights, and a pooling
becomes a reduction over the window axis. ``col2im`` is the adjoint move: it adds
each column back to the input positions it was read from (positions covered by
several windows receive the sum). The gradient of ``im2col`` is ``col2im`` and the
gradient of ``col2im`` is ``im2col``: both are linear, so the pair is differentiable
to any order, and convolution backward is written with them.

The windows come from one ``as_strided`` view of the (padded) input (no copy);
the only copy is the final reshape into columns. ``col2im`` loops over the kernel
offsets only (``kh * kw`` steps), never over the batch, the channels or pixels.
"""
from __future__ import annotations

import itertools
from typing import Any, NamedTuple

import numpy as np

from ... import _backend as B
from .._core import OpNode, record


def xp_of(d: Any) -> Any:
    return np if type(d) is np.ndarray else B.xp_of(d)


class Geometry(NamedTuple):
    """How windows sit on the input: per spatial dim kernel, stride, dilation, padding.

    ``pad_after`` may exceed ``pad_before`` (pooling with ``ceil_mode``). ``groups``
    splits the channels into independent groups (``groups == C`` for pooling:
    every channel alone).
    """
    kernel: tuple
    stride: tuple
    dilation: tuple
    pad_before: tuple
    pad_after: tuple
    groups: int

    def out_size(self, spatial: tuple) -> tuple:
        """Number of window positions along each spatial dim."""
        return tuple((s + pb + pa - d * (k - 1) - 1) // st + 1 for s, pb, pa, d, k, st in
                     zip(spatial, self.pad_before, self.pad_after, self.dilation, self.kernel, self.stride))

    def kernel_numel(self) -> int:
        n = 1
        for k in self.kernel:
            n *= k
        return n


def windows(arr: Any, g: Geometry, fill: float = 0.0) -> Any:
    """Strided view ``(N, C, *out, *kernel)`` of the padded input (no copy but the padding)."""
    xp = xp_of(arr)
    nsp = len(g.kernel)
    if any(g.pad_before) or any(g.pad_after):
        # a filled array with the input copied into its middle (cheaper than xp.pad)
        padded = tuple(s + pb + pa for s, pb, pa in zip(arr.shape[2:], g.pad_before, g.pad_after))
        big = xp.full(arr.shape[:2] + padded, fill, dtype=arr.dtype)
        big[(slice(None), slice(None)) + tuple(slice(pb, pb + s) for pb, s in
                                               zip(g.pad_before, arr.shape[2:]))] = arr
        arr = big
    # windows as one strided view: (N, C, *out, *kernel), strides in bytes
    out = g.out_size(tuple(s - pb - pa for s, pb, pa in zip(arr.shape[2:], g.pad_before, g.pad_after)))
    st = arr.strides
    shape = arr.shape[:2] + out + tuple(g.kernel)
    strides = st[:2] + tuple(st[2 + i] * g.stride[i] for i in range(nsp)) + \
        tuple(st[2 + i] * g.dilation[i] for i in range(nsp))
    return xp.lib.stride_tricks.as_strided(arr, shape, strides)


def im2col_array(arr: Any, g: Geometry, fill: float = 0.0) -> Any:
    """Columns ``(N, G, C/G * prod(kernel), prod(out))`` for an input ``(N, C, *spatial)``."""
    win = windows(arr, g, fill)
    n, c = win.shape[:2]
    nsp = len(g.kernel)
    out = win.shape[2:2 + nsp]
    # (N, C, *out, *k) -> (N, C, *k, *out): channel-and-offset rows, position columns
    order = (0, 1) + tuple(range(2 + nsp, 2 + 2 * nsp)) + tuple(range(2, 2 + nsp))
    cols = win.transpose(order)
    length = 1
    for o in out:
        length *= o
    return cols.reshape(n, g.groups, (c // g.groups) * g.kernel_numel(), length)


def padded_grid(g: Geometry, in_shape: tuple) -> tuple[int, int]:
    """For a 2-d stride-1 geometry: ``(out_h, wp)``, the output rows and the padded
    input's width (the grid ``col2im_shifts`` wants its columns on)."""
    hp = in_shape[2] + g.pad_before[0] + g.pad_after[0]
    return hp - g.dilation[0] * (g.kernel[0] - 1), in_shape[3] + g.pad_before[1] + g.pad_after[1]


def col2im_shifts(cols: Any, g: Geometry, in_shape: tuple) -> Any:
    """``col2im`` for a 2-d stride-1 geometry, with the columns laid on the padded input's
    width: ``cols`` is ``(N, G, C/G * kh * kw, out_h * wp)`` (see ``padded_grid``), its
    entries past the last output column 0.

    On that grid every kernel offset is one constant shift of the flattened padded
    input, so the adjoint of im2col is ``kh * kw`` adds of long contiguous runs (rather
    than one short row at a time); the padding is cut off at the end.
    """
    xp = xp_of(cols)
    n, c, h, w = in_shape
    kh, kw = g.kernel
    dh, dw = g.dilation
    out_h, wp = padded_grid(g, in_shape)
    hp = out_h + dh * (kh - 1)
    length = out_h * wp
    cols = cols.reshape(n, c, kh * kw, length)
    acc = xp.zeros((n, c, hp * wp + dw * (kw - 1)), dtype=cols.dtype)
    for a in range(kh):
        for b in range(kw):
            shift = a * dh * wp + b * dw
            acc[:, :, shift:shift + length] += cols[:, :, a * kw + b]
    grid = acc[:, :, :hp * wp].reshape(n, c, hp, wp)
    top, left = g.pad_before
    return xp.ascontiguousarray(grid[:, :, top:top + h, left:left + w])


def conv_input_grad(w: Any, gd: Any, g: Geometry, in_shape: tuple) -> Any:
    """The input gradient of a 2-d, stride-1, one-group convolution, col2im fused with its
    product: per kernel offset one ``(C x O) @ (O x N*L)`` product added at its shift, the
    images side by side (channel-major) so that each product is one large one, and no
    ``(C*K x N*L)`` columns array is ever made. For wide images this beats
    ``col2im(W^T @ g)``; the caller picks (see ``conv.ConvolutionBackward0``)."""
    xp = xp_of(gd)
    n, c, h, wd = in_shape
    o, _, kh, kw = w.shape
    dh, dw = g.dilation
    ho, wo = gd.shape[2:]
    top, left = g.pad_before
    rows = xp.ascontiguousarray(gd.reshape(n, o, -1).transpose(1, 0, 2)).reshape(o, -1)
    out_h, wp = padded_grid(g, in_shape)
    acc = xp.zeros((c, n, out_h + dh * (kh - 1), wp), dtype=gd.dtype)
    for a in range(kh):
        for b in range(kw):
            part = (w[:, :, a, b].T @ rows).reshape(c, n, ho, wo)
            acc[:, :, a * dh:a * dh + ho, b * dw:b * dw + wo] += part
    return xp.ascontiguousarray(acc[:, :, top:top + h, left:left + wd].transpose(1, 0, 2, 3))


def _clipped(offset: int, g: Geometry, dim: int, size: int, out: int) -> tuple[slice, slice, bool] | None:
    """Where kernel offset ``offset`` along ``dim`` reads inside the unpadded input.

    Window ``o`` reads input position ``o * stride + offset * dilation - pad_before``;
    positions in the padding are dropped. Returns the input slice, the matching slice
    of window positions, and whether the input slice covers the whole dimension (None
    when every window reads padding there).
    """
    st, start = g.stride[dim], offset * g.dilation[dim] - g.pad_before[dim]
    lo = (-start + st - 1) // st if start < 0 else 0             # first window inside
    hi = min(out - 1, (size - 1 - start) // st)                  # last window inside
    if hi < lo:
        return None
    first = lo * st + start
    src = slice(first, first + st * (hi - lo) + 1, st)
    return src, slice(lo, hi + 1), st == 1 and first == 0 and hi - lo + 1 == size


def col2im_array(cols: Any, g: Geometry, in_shape: tuple) -> Any:
    """Add each column entry back where ``im2col_array`` read it: the adjoint of im2col.

    One in-place add per kernel offset, straight into an array of the input's shape
    (entries that were read from the padding are dropped). With stride 1 the offset
    that reads the whole input (the centre of a ``padding = k // 2`` kernel) starts
    the sum as a copy, so no zero fill is needed.
    """
    xp = xp_of(cols)
    n, c = in_shape[:2]
    spatial = tuple(in_shape[2:])
    out = g.out_size(spatial)
    cols = cols.reshape((n, c) + tuple(g.kernel) + out)
    lead = (slice(None), slice(None))
    parts = []
    start = None
    for offset in itertools.product(*(range(k) for k in g.kernel)):
        cl = [_clipped(k, g, i, spatial[i], out[i]) for i, k in enumerate(offset)]
        if None in cl:
            continue
        dst = lead + tuple(s for s, _, _ in cl)
        src = cols[lead + offset + tuple(w for _, w, _ in cl)]
        if start is None and all(full for _, _, full in cl):
            start = src
        else:
            parts.append((dst, src))
    if start is not None:
        acc = xp.array(start, dtype=cols.dtype, order="C")
    else:
        acc = xp.zeros((n, c) + spatial, dtype=cols.dtype)
    for dst, src in parts:
        acc[dst] += src
    return acc


def _geometry_attrs(name: str, g: Geometry) -> Any:
    return {"kernel_size": g.kernel, "dilation": g.dilation, "padding": g.pad_before,
            "stride": g.stride}.get(name)


class Im2ColBackward0(OpNode):
    """cols = im2col(x): the gradient is col2im of the columns' gradient."""
    __slots__ = ()

    def backward(self, g):
        geom, in_shape = self.extra
        return col2im(g, geom, in_shape)

    def _extra_saved(self, name):
        return _geometry_attrs(name, self.extra[0])


class Col2ImBackward0(OpNode):
    """x = col2im(cols): the gradient is im2col of x's gradient."""
    __slots__ = ()

    def backward(self, g):
        return im2col(g, self.extra[0])

    def _extra_saved(self, name):
        return _geometry_attrs(name, self.extra[0])


def im2col(x: Any, g: Geometry) -> Any:
    """Differentiable ``im2col`` of a tensor (zero padding)."""
    return record(im2col_array(x._data, g), Im2ColBackward0, (x,), extra=(g, x._data.shape))


def col2im(cols: Any, g: Geometry, in_shape: tuple) -> Any:
    """Differentiable ``col2im`` back to a tensor of ``in_shape``."""
    return record(col2im_array(cols._data, g, in_shape), Col2ImBackward0, (cols,), extra=(g, in_shape))
