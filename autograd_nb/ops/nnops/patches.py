"""Sliding windows: the one idea behind convolution and pooling.

A convolution (or a pooling) looks at the input through a small window that slides
over the spatial dimensions. ``im2col`` lays every window out as a column:

    input (N, C, H, W)  ->  cols (N, G, C/G * kh * kw, Ho * Wo)

so that a convolution becomes ONE matrix product with the weights, and a pooling
becomes a reduction over the window axis. ``col2im`` is the adjoint move: it adds
each column back to the input positions it was read from (positions covered by
several windows receive the sum). The gradient of ``im2col`` is ``col2im`` and the
gradient of ``col2im`` is ``im2col``: both are linear. (They serve the 3-d convolution
and the tiny shapes; 2-d convolutions take the shifted columns below.)

The windows come from one ``as_strided`` view of the (padded) input (no copy);
the only copy is the final reshape into columns. ``col2im`` loops over the kernel
offsets only (``kh * kw`` steps), never over the batch, the channels or pixels.
"""
from __future__ import annotations

import itertools
from typing import Any, NamedTuple

from ... import _backend as B


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


# ---------------------------------------------------------------------------
# The fast kernel: a 2-d correlation as ONE matrix product over shifted columns
# ---------------------------------------------------------------------------
#
# Flatten the padded input image into one long row per channel. On that row, moving a
# window one kernel offset (a, b) to the side is one constant shift (a * width + b),
# so every kernel offset's view of ALL windows at once is one contiguous slice: the
# columns are ``kh * kw`` plain copies of long runs (not ``Ho * Wo`` short windows),
# and a matrix product with the weights does the rest. Each output row then carries
# ``width - Wo`` extra entries (windows that wrap around the row's end); they are cut
# off afterwards (or, for the weight gradient, met by zeros).
#
# A stride ``s`` would break the constant shift; splitting the padded input into its
# ``s * s`` phases (every s-th row and column, starting at row p and column q) brings
# it back: a window's offset (a, b) then reads phase ``(a*d % s, b*d % s)`` shifted by
# ``(a*d // s, b*d // s)``, again one contiguous slice.
#
# Forward, weight gradient and input gradient all use these columns:
#
#     out     = W (O x C*K)  @  cols(x)                  (per group; correlate)
#     grad_W  = sum over images of  g @ cols(x)^T       (correlate_weight)
#     grad_x  = the flipped, transposed kernel correlated with g, spread back over
#               the stride's phases                     (correlate_transposed)

CHUNK_BYTES = 1 << 21     # columns are built for about this many bytes of images at a time (cache-sized)


class Grid(NamedTuple):
    """Where the shifted columns of a 2-d correlation come from.

    ``rows x width`` is each phase's grid (``width >= out[1]``: the extra columns are
    the wrapped windows), ``length = out[0] * width`` the columns' length, ``taps`` one
    ``(phase, shift)`` per kernel offset (row-major), ``tail`` the zeros a phase needs
    past its grid so the last shifted slice stays inside.
    """
    out: tuple
    rows: int
    width: int
    length: int
    taps: tuple
    tail: int


def grid_of(g: Geometry, spatial: tuple) -> Grid:
    """The phase grid of a 2-d geometry on an input of size ``spatial``."""
    (sh, sw), (dh, dw), (kh, kw) = g.stride, g.dilation, g.kernel
    out = g.out_size(spatial)
    rows, width = out[0] + dh * (kh - 1) // sh, out[1] + dw * (kw - 1) // sw
    taps = tuple(((a * dh % sh) * sw + b * dw % sw, (a * dh // sh) * width + b * dw // sw)
                 for a in range(kh) for b in range(kw))
    return Grid(out, rows, width, out[0] * width, taps, dw * (kw - 1) // sw)


def _fit(size: int, before: int, step: int, phase: int, slots: int) -> tuple[slice, slice] | None:
    """Which input positions land in one phase's ``slots`` (and where), along one dim.

    Input position ``i`` sits at padded position ``before + i`` (``before`` may be
    negative: a crop); phase ``phase`` of stride ``step`` holds padded positions
    ``phase + r * step``. Returns (slot slice, input slice), or None if none lands.
    """
    first = max((phase - before) % step, phase - before)   # on the phase, and not before it
    last = min(size - 1, (slots - 1) * step + phase - before)
    if last < first:
        return None
    count = (last - first) // step + 1
    slot = (first + before - phase) // step
    return slice(slot, slot + count), slice(first, first + (count - 1) * step + 1, step)


def phases(x: Any, g: Geometry, grid: Grid) -> Any:
    """The padded input split into its stride phases, each flattened with its tail:
    ``(N, C, sh * sw, rows * width + tail)`` (a copy of the input and zeros)."""
    xp = B.xp_of(x)
    n, c, h, w = x.shape
    (sh, sw), (pb_h, pb_w) = g.stride, g.pad_before
    if (sh, sw) == (1, 1) and not pb_h and not pb_w and grid.tail == 0 and (h, w) == (grid.rows, grid.width):
        return x.reshape(n, c, 1, h * w)                    # nothing to pad or split: x itself
    buf = xp.zeros((n, c, sh * sw, grid.rows * grid.width + grid.tail), dtype=x.dtype)
    used = {phase for phase, _ in grid.taps}           # (a 1x1 kernel at stride 2 reads one)
    for p in range(sh):
        fr = _fit(h, pb_h, sh, p, grid.rows)
        for q in range(sw):
            fc = _fit(w, pb_w, sw, q, grid.width)
            if fr is not None and fc is not None and p * sw + q in used:
                plane = buf[:, :, p * sw + q, :grid.rows * grid.width].reshape(n, c, grid.rows, grid.width)
                plane[:, :, fr[0], fc[0]] = x[:, :, fr[1], fc[1]]
    return buf


def _slice(buf: Any, tap: tuple, length: int, groups: int) -> Any:
    """One kernel offset's view of every window: ``(n, G, C/G, length)``, no copy."""
    phase, shift = tap
    part = buf[:, :, phase, shift:shift + length]
    return part.reshape(part.shape[0], groups, -1, length)


def shifted_product(buf: Any, taps: tuple, wk: Any, out: Any, length: int, route: str) -> None:
    """``out = sum over taps t of wk[..., t] @ (tap t's slice of buf)``, per group: the
    product every convolution here comes down to. ``buf``: a chunk of images split into
    phases (``phases``); ``wk``: ``(G, R, C/G, T)``; ``out``: ``(n, G, R, length)``.

    Two exact routes, the faster one for the shape picked by ``pick_route``:

    * ``"columns"``: copy the ``T`` slices into one ``(C/G*T, length)`` matrix per image
      (contiguous copies), then ONE product;
    * ``"taps"``: ``T`` products straight from the strided slices (BLAS reads them in
      place), added up: no columns at all, less memory traffic with many channels.

    (Measured and dropped: the products first, ``(T*R x C/G) @ buf``, then each offset's
    rows added at its shift; it tied with per-tap products where it could apply.)
    """
    xp = B.xp_of(buf)
    n, groups, r = buf.shape[0], wk.shape[0], wk.shape[1]
    if route == "columns":
        cols = xp.empty((n, buf.shape[1], len(taps), length), dtype=buf.dtype)
        for t, (phase, shift) in enumerate(taps):
            cols[:, :, t] = buf[:, :, phase, shift:shift + length]
        xp.matmul(wk.reshape(groups, r, -1), cols.reshape(n, groups, -1, length), out=out)
        return
    tmp = None
    for t, tap in enumerate(taps):
        if t == 0:
            xp.matmul(wk[..., 0], _slice(buf, tap, length, groups), out=out)
        else:
            tmp = xp.matmul(wk[..., t], _slice(buf, tap, length, groups), out=tmp)
            out += tmp


TAP_CHANNELS = 16         # per-tap products from this many channels per group (measured)
TINY = 2048               # grid positions in all below which numpy's per-call cost dominates


def pick_route(channels: int, out_channels: int, positions: int, phases_: int) -> str:
    """The route of ``shifted_product`` for a product from ``channels`` to ``out_channels``
    (per group) over ``positions`` grid positions in all (measured on 2 cores): per tap
    with many channels over many positions, else columns."""
    if channels >= TAP_CHANNELS and positions >= TINY:
        return "taps"
    return "columns"


def _chunk(grid: Grid, channels: int, out_channels: int, phases_: int, route: str, itemsize: int) -> int:
    """How many images to take at a time: what one image makes the route touch (its
    columns, or its phase buffer and output) times the chunk stays within
    ``CHUNK_BYTES``."""
    size = grid.rows * grid.width + grid.tail
    if route == "taps":
        per_image = channels * phases_ * size + out_channels * grid.length
    else:
        per_image = channels * len(grid.taps) * grid.length
    return max(1, CHUNK_BYTES // max(per_image * itemsize, 1))


def correlate(x: Any, w: Any, g: Geometry) -> Any:
    """The convolution forward ``(N, C, H, W) * (O, C/G, kh, kw) -> (N, O, Ho, Wo)``:
    chunk by chunk of images, the shifted product into the preallocated output."""
    xp = B.xp_of(x)
    n, c = x.shape[:2]
    o, groups = w.shape[0], g.groups
    grid = grid_of(g, x.shape[2:])
    wk = w.reshape(groups, o // groups, c // groups, -1)                  # (G, O/G, C/G, K)
    out = xp.empty((n, groups, o // groups, grid.length), dtype=x.dtype)
    nph = g.stride[0] * g.stride[1]
    route = pick_route(c // groups, o // groups, n * grid.length, nph)
    step = _chunk(grid, c, o, nph, route, x.itemsize)
    for s in range(0, n, step):
        shifted_product(phases(x[s:s + step], g, grid), grid.taps, wk, out[s:s + step], grid.length, route)
    out = out.reshape(n, o, grid.out[0], grid.width)
    return out if grid.width == grid.out[1] else xp.ascontiguousarray(out[..., :grid.out[1]])


def correlate_weight(x: Any, gout: Any, g: Geometry, w_shape: tuple) -> Any:
    """The weight gradient, ``sum over images of g @ cols(x)^T`` (g laid on the grid,
    zeros under the wrapped windows). With many channels, per kernel offset: small
    ``(O/G x C/G)`` products that read the slices in place (no columns); with few, the
    columns and one product."""
    xp = B.xp_of(x)
    n, c = x.shape[:2]
    o, groups = gout.shape[1], g.groups
    grid = grid_of(g, x.shape[2:])
    if n * grid.length < TINY:                  # tiny: the windows copied out in one call
        cols = im2col_array(x, g)                                          # (N, G, C/G*K, Ho*Wo)
        gm = gout.reshape(n, groups, o // groups, -1)
        gwt = xp.matmul(cols, gm.swapaxes(2, 3)).sum(0)                 # (G, C/G*K, O/G): BLAS's
        return xp.ascontiguousarray(gwt.swapaxes(1, 2)).reshape(w_shape)   # faster way round here
    if grid.width == grid.out[1]:
        gg = gout.reshape(n, groups, o // groups, grid.length)
    else:
        gg = xp.zeros((n, o, grid.out[0], grid.width), dtype=gout.dtype)
        gg[..., :grid.out[1]] = gout
        gg = gg.reshape(n, groups, o // groups, grid.length)
    per_tap = pick_route(c // groups, o // groups, n * grid.length, 0) == "taps"
    k = len(grid.taps)
    acc = xp.zeros((groups, o // groups, c // groups, k), dtype=x.dtype)
    step = _chunk(grid, c, o, g.stride[0] * g.stride[1], "taps" if per_tap else "columns", x.itemsize)
    for s in range(0, n, step):
        buf = phases(x[s:s + step], g, grid)
        if per_tap:
            for t, tap in enumerate(grid.taps):
                acc[..., t] += xp.matmul(gg[s:s + step], _slice(buf, tap, grid.length, groups).swapaxes(2, 3)).sum(0)
            continue
        cols = xp.empty((buf.shape[0], c, k, grid.length), dtype=x.dtype)
        for t, (phase, shift) in enumerate(grid.taps):
            cols[:, :, t] = buf[:, :, phase, shift:shift + grid.length]
        cols = cols.reshape(buf.shape[0], groups, -1, grid.length)
        acc += xp.matmul(gg[s:s + step], cols.swapaxes(2, 3)).sum(0).reshape(acc.shape)
    return acc.reshape(w_shape)


def correlate_transposed(gout: Any, w: Any, g: Geometry, in_shape: tuple) -> Any:
    """The input gradient (and ``conv_transpose2d``): ``gout`` correlated with the kernel
    flipped and its channel axes swapped, phase by phase of the stride.

    Input position ``P`` of the padded input (phase ``p = P % s``, slot ``r = P // s``)
    received ``g[r - a*d // s] * W[a]`` from every offset ``a`` with ``a*d % s == p``,
    so each phase is a stride-1 correlation of ``g`` (padded by the largest such shift)
    with the flipped taps of that phase: the same ``shifted_product`` as the forward.
    With stride 1 there is one phase holding every tap.
    """
    xp = B.xp_of(gout)
    n, o, ho, wo = gout.shape
    _, c, h, wd = in_shape
    (sh, sw), (dh, dw), (kh, kw) = g.stride, g.dilation, g.kernel
    groups = g.groups
    hp, wp = h + g.pad_before[0] + g.pad_after[0], wd + g.pad_before[1] + g.pad_after[1]
    mh, mw = dh * (kh - 1) // sh, dw * (kw - 1) // sw                    # the largest shifts
    flip = Geometry((mh + 1, mw + 1), (1, 1), (1, 1), (mh, mw), (0, 0), groups)
    rows, width = -(-hp // sh), -(-wp // sw)                              # phase grid (largest phase)
    grid = Grid((rows, width), rows + mh, width + mw, rows * (width + mw), (), mw)
    w5 = w.reshape(groups, o // groups, c // groups, kh, kw)
    acc = None if sh == sw == 1 else xp.zeros((n, c, hp, wp), dtype=gout.dtype)
    for p in range(sh):
        for q in range(sw):
            taps = [(a, b) for a in range(kh) if a * dh % sh == p for b in range(kw) if b * dw % sw == q]
            if not taps:
                continue
            # tap (a, b) reads g shifted by (mh - a*d // s, mw - b*d // s): the flipped kernel
            tg = grid._replace(taps=tuple((0, (mh - a * dh // sh) * grid.width + mw - b * dw // sw)
                                          for a, b in taps))
            if len(taps) == kh * kw:                                       # (G, O/G, C/G, T)
                wt = w5.reshape(groups, o // groups, c // groups, -1)
            else:
                wt = xp.stack([w5[..., a, b] for a, b in taps], axis=-1)
            wt = xp.ascontiguousarray(wt.transpose(0, 2, 1, 3))             # (G, C/G, O/G, T)
            res = xp.empty((n, groups, c // groups, grid.length), dtype=gout.dtype)
            route = pick_route(o // groups, c // groups, n * grid.length, 1)
            step = _chunk(tg, o, c, 1, route, gout.itemsize)
            for s in range(0, n, step):
                shifted_product(phases(gout[s:s + step], flip, tg), tg.taps, wt, res[s:s + step],
                                grid.length, route)
            res = res.reshape(n, c, rows, grid.width)
            if acc is None:                                               # stride 1: crop the padding
                top, left = g.pad_before
                return xp.ascontiguousarray(res[:, :, top:top + h, left:left + wd])
            acc[:, :, p::sh, q::sw] = res[:, :, :-(-(hp - p) // sh), :-(-(wp - q) // sw)]
    top, left = g.pad_before
    return xp.ascontiguousarray(acc[:, :, top:top + h, left:left + wd])


def windows(arr: Any, g: Geometry, fill: float = 0.0) -> Any:
    """Strided view ``(N, C, *out, *kernel)`` of the padded input (no copy but the padding)."""
    xp = B.xp_of(arr)
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
    xp = B.xp_of(cols)
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
