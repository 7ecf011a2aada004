"""``F.affine_grid`` and ``F.grid_sample``: the two halves of a spatial transformer.

``affine_grid(theta, size)`` turns a batch of affine matrices ``theta`` ``(N, 2, 3)`` into
a sampling grid ``(N, H, W, 2)``: for every output pixel, the ``(x, y)`` position (in
``[-1, 1]`` coordinates of the input) it should read, ``theta @ [x_out, y_out, 1]``. It
is one batched matrix product with a fixed "base grid" of the output's own coordinates,
so its gradient is the transposed product (``AffineGridGeneratorBackward0``; under
``create_graph`` the rule records ``BmmBackward0`` / ``TransposeBackward0``, as PyTorch's).

``grid_sample(input, grid)`` reads ``input`` ``(N, C, H, W)`` at those positions. A
position ``x`` in ``[-1, 1]`` becomes a pixel coordinate ``ix`` (``align_corners``: -1
and 1 are the centres of the corner pixels, or their outer edges); positions outside the
image read zeros, the nearest border pixel, or the image mirrored (``padding_mode``).
``bilinear`` mode mixes the four pixels around ``(ix, iy)``:

    out = nw * x[y0, x0] + ne * x[y0, x0 + 1] + sw * x[y0 + 1, x0] + se * x[y0 + 1, x0 + 1]
    nw = (x0 + 1 - ix) * (y0 + 1 - iy), ne = (ix - x0) * (y0 + 1 - iy), ...

so the output is linear in ``input`` (its gradient: each output's gradient, times each
weight, added back to the four pixels) and, through the weights, differentiable in the
position (``d out / d ix = (x[.., x0 + 1] - x[.., x0]) mixed over the rows``, times
``d ix / d grid``). ``nearest`` mode reads the one nearest pixel: its gradient in the
grid is zero.

Backward (``GridSampler2DBackward0``): the rule above, written with differentiable ops
(``gather``, ``scatter_add``, products), so second derivatives work; under
``create_graph`` those ops' nodes appear where PyTorch records one
``GridSampler2DBackwardBackward0``. (``bicubic`` mode and 5-d inputs are not here yet.)
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import DTYPE_WORDS, OpNode, record

GRID_SAMPLE_INTERPOLATION_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}   # (the numbers of torch.grid_sampler)
GRID_SAMPLE_PADDING_MODES = {"zeros": 0, "border": 1, "reflection": 2}
_MODES, _PADDINGS = GRID_SAMPLE_INTERPOLATION_MODES, GRID_SAMPLE_PADDING_MODES
_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


# ---------------------------------------------------------------------------
# affine_grid
# ---------------------------------------------------------------------------

def _steps(n: int, align_corners: bool, xp: Any, dtype: Any) -> Any:
    """The ``n`` pixel positions along a side in ``[-1, 1]`` coordinates (0 for one pixel)."""
    if n <= 1:
        return xp.zeros(max(n, 0), dtype=dtype)
    pos = xp.linspace(-1.0, 1.0, n).astype(dtype)
    return pos if align_corners else (pos * ((n - 1) / n)).astype(dtype)


def _base_grid(size: Sequence[int], align_corners: bool, xp: Any, dtype: Any) -> Any:
    """``(N, *spatial, k + 1)``: each output pixel's own coordinates (x first) and a 1."""
    spatial = tuple(size[2:])
    k = len(spatial)
    base = xp.ones((size[0],) + spatial + (k + 1,), dtype=dtype)
    for j, n in enumerate(reversed(spatial)):                  # x runs along the last dim
        shape = [1] * k
        shape[k - 1 - j] = n
        base[..., j] = _steps(n, align_corners, xp, dtype).reshape(shape)
    return base


class AffineGridGeneratorBackward0(OpNode):
    """The grid is the base grid times theta^T, one matrix product per image: theta's
    gradient is the base grid^T times the grid's gradient, transposed.

    out = base_grid(size) @ theta^T
    grad_theta = (base_grid^T @ grad).transpose(1, 2)
    """
    fields = ("size", "align_corners")

    def backward(self, g):
        size = self.size
        base = Tensor._wrap(_base_grid(size, self.align_corners, B.xp_of(g._data), g._data.dtype))
        n, k = size[0], len(size) - 2
        flat = base.view(n, -1, k + 1)
        return flat.transpose(1, 2).bmm(g.reshape(n, -1, k)).transpose(1, 2)


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """The sampling grid ``(N, H, W, 2)`` (``(N, D, H, W, 3)``) of the affine maps ``theta``
    ``(N, 2, 3)`` (``(N, 3, 4)``) for an output of ``size`` ``(N, C, H, W)`` (``(N, C, D, H, W)``)."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(size)
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                             f"{theta.shape}.")
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got "
                             f"{theta.shape}.")
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    d = theta._data
    if d.shape[0] != size[0]:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{size[0]}, {len(size) - 1}] but got: [{d.shape[0]}, {d.shape[2]}].")
    xp = B.xp_of(d)
    k = len(size) - 2
    base = _base_grid(size, align_corners, xp, d.dtype)
    out = xp.matmul(base.reshape(size[0], -1, k + 1), xp.swapaxes(d, 1, 2)).reshape(base.shape[:-1] + (k,))
    return record(out, AffineGridGeneratorBackward0, (theta,), size=size, align_corners=align_corners)


# ---------------------------------------------------------------------------
# grid_sample (2-d)
# ---------------------------------------------------------------------------

def _source(coord: Any, size: int, padding: int, align: bool) -> tuple[Any, Any]:
    """Pixel coordinates from ``[-1, 1]`` positions, after the padding mode's folding, and
    ``d(pixel)/d(position)`` at each (0 where a coordinate was clipped)."""
    xp = B.xp_of(coord)
    dt = coord.dtype.type
    if align:
        ix, mult = (coord + dt(1)) / dt(2) * dt(size - 1), xp.full(coord.shape, dt((size - 1) / 2))
    else:
        ix, mult = ((coord + dt(1)) * dt(size) - dt(1)) / dt(2), xp.full(coord.shape, dt(size / 2))
    if padding == 2:                                             # reflection: fold into the image
        low, high = (0, 2 * (size - 1)) if align else (-1, 2 * size - 1)
        if low == high:
            ix, mult = xp.zeros_like(ix), xp.zeros_like(mult)
        else:
            lo, span = dt(low / 2), dt((high - low) / 2)
            shifted = ix - lo
            sign = xp.where(shifted < 0, dt(-1), dt(1))
            shifted = xp.abs(shifted)
            extra = xp.fmod(shifted, span)
            flips = xp.floor(shifted / span)
            even = flips % 2 == 0
            ix = xp.where(even, extra + lo, span - extra + lo)
            mult = mult * xp.where(even, sign, -sign)
    if padding in (1, 2):                                        # border (and after reflecting): clip
        inside = (ix >= 0) & (ix <= size - 1)
        mult = xp.where(inside, mult, dt(0))
        ix = xp.clip(ix, 0, size - 1)
    return ix.astype(coord.dtype), mult.astype(coord.dtype)


class GridSampler2DBackward0(OpNode):
    """Each output mixes up to four input pixels with bilinear weights (or reads the nearest
    one): input's gradient is each output's gradient, times each weight, added back to the
    pixels; grid's is the weights' rate of change along x and y times the pixel values.

    out = sum over the four corners of weight(grid) * input[corner]
    grad_input = grid_sampler_2d_backward(grad, input, grid, interpolation_mode, padding_mode, align_corners)[0]
    grad_grid = grid_sampler_2d_backward(grad, input, grid, interpolation_mode, padding_mode, align_corners)[1]
    """
    saved_names = ("input", "grid")
    fields = ("interpolation_mode", "padding_mode", "align_corners")

    def backward(self, g):
        return grid_sampler_2d_backward(g, self._saved[0].unpack(), self._saved[1].unpack(),
                                        self.interpolation_mode, self.padding_mode, self.align_corners)


def _corners(grid_data: Any, shape: tuple, mode: int, padding: int, align: bool) -> tuple[list, Any, Any]:
    """Where each output reads: ``[(flat index, in-image mask, dx, dy)]`` per corner (dx, dy:
    the corner's offset from the top-left one), and the pixel coordinates with their slopes."""
    h, w = shape[-2:]
    ix, mx = _source(grid_data[..., 0], w, padding, align)
    iy, my = _source(grid_data[..., 1], h, padding, align)
    xp = B.xp_of(ix)
    if mode == 1:                                                 # nearest (half to even, as nearbyint)
        x0, y0, offsets = xp.rint(ix), xp.rint(iy), [(0, 0)]
    else:
        x0, y0, offsets = xp.floor(ix), xp.floor(iy), [(0, 0), (1, 0), (0, 1), (1, 1)]
    out = []
    for dx, dy in offsets:
        cx, cy = x0 + dx, y0 + dy
        inside = (cx >= 0) & (cx <= w - 1) & (cy >= 0) & (cy <= h - 1)
        flat = xp.where(inside, cy * w + cx, 0).astype(np.int64)
        out.append((flat, inside, dx, dy))
    return out, (ix, x0, mx), (iy, y0, my)


def grid_sampler_2d_backward(grad: Tensor, input: Tensor, grid: Tensor, mode: int, padding: int,
                             align: bool) -> tuple[Tensor, Tensor]:
    """``(grad_input, grad_grid)``, written with differentiable ops (see the module docstring)."""
    n, c, h, w = input.shape
    corners, (ix, x0, mx), (iy, y0, my) = _corners(grid._data, tuple(input.shape), mode, padding, align)
    ho, wo = grid.shape[1:3]
    g = grad.reshape(n, c, ho * wo)
    flat_in = input.reshape(n, c, h * w)
    dt = input._data.dtype
    # the coordinates as functions of the grid (a straight line with the local slope): the
    # bilinear weights then carry the grid's gradient into the second derivatives
    gx, gy = grid[..., 0], grid[..., 1]
    px = gx * Tensor._wrap(mx) + Tensor._wrap((ix - mx * grid._data[..., 0]).astype(dt))
    py = gy * Tensor._wrap(my) + Tensor._wrap((iy - my * grid._data[..., 1]).astype(dt))
    fx, fy = px - Tensor._wrap(x0.astype(dt)), py - Tensor._wrap(y0.astype(dt))   # in [0, 1)
    grad_input = Tensor._wrap(B.xp_of(grad._data).zeros((n, c, h * w), dtype=dt))
    d_ix = d_iy = None
    for flat, inside, dx, dy in corners:
        index = Tensor._wrap(B.xp_of(flat).broadcast_to(flat.reshape(n, 1, -1), (n, c, ho * wo)).copy())
        keep = Tensor._wrap(inside.reshape(n, 1, -1).astype(dt))
        if mode == 1:
            weight = keep
        else:
            wx = fx if dx else 1 - fx
            wy = fy if dy else 1 - fy
            weight = (wx * wy).reshape(n, 1, -1) * keep
        grad_input = grad_input.scatter_add(2, index, g * weight)
        if mode == 1:
            continue
        value = flat_in.gather(2, index) * keep * g                # (N, C, Ho*Wo)
        sx, sy = (1 if dx else -1), (1 if dy else -1)
        vx = (value * (fy if dy else 1 - fy).reshape(n, 1, -1) * sx).sum(1)
        vy = (value * (fx if dx else 1 - fx).reshape(n, 1, -1) * sy).sum(1)
        d_ix = vx if d_ix is None else d_ix + vx
        d_iy = vy if d_iy is None else d_iy + vy
    grad_input = grad_input.reshape(n, c, h, w)
    if mode == 1:
        return grad_input, Tensor._wrap(B.xp_of(grad._data).zeros(grid.shape, dtype=dt))
    from ..joins import stack
    grad_grid = stack([d_ix.reshape(n, ho, wo) * Tensor._wrap(mx), d_iy.reshape(n, ho, wo) * Tensor._wrap(my)], -1)
    return grad_input, grad_grid


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """``input`` ``(N, C, H, W)`` read at the positions ``grid`` ``(N, Ho, Wo, 2)`` (x, y in
    ``[-1, 1]``), mixing neighbouring pixels (``mode``), outside the image as ``padding_mode``
    says. See the module docstring."""
    if mode not in _MODES:
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in _PADDINGS:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    d, gd = input._data, grid._data
    ishape, gshape = list(d.shape), list(gd.shape)
    if d.shape[0] != gd.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {ishape} and grid with sizes {gshape}")
    if gd.shape[-1] != d.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {d.ndim - 2} in last dimension, but got "
                           f"grid with sizes {gshape}")
    for i in range(2, d.ndim):
        if d.shape[i] == 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {ishape} with dimension {i} being empty")
    want = 4 if d.ndim == 4 else 5                                # (PyTorch's 2-d and 3-d checks)
    if d.ndim != want or gd.ndim != want:
        raise RuntimeError(f"grid_sampler(): expected {want}D input and grid with same number of dimensions, but "
                           f"got input with sizes {ishape} and grid with sizes {gshape}")
    if mode == "bicubic" and d.ndim != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if d.dtype != gd.dtype:
        raise RuntimeError(f"expected scalar type {DTYPE_WORDS[d.dtype.name]} but found "
                           f"{DTYPE_WORDS[gd.dtype.name]}")
    if d.dtype.kind != "f":
        raise NotImplementedError(f'"grid_sampler_2d_cpu_kernel_impl" not implemented for '
                                  f"'{DTYPE_WORDS[d.dtype.name]}'")
    if d.ndim == 5 or mode == "bicubic":
        raise NotImplementedError("autograd_nb does not implement grid_sample of 5-d inputs or bicubic mode yet")
    m, p = _MODES[mode], _PADDINGS[padding_mode]
    corners, (ix, x0, _), (iy, y0, _) = _corners(gd, tuple(d.shape), m, p, align_corners)
    xp = B.xp_of(d)
    n, c, h, w = d.shape
    flat_in = d.reshape(n, c, h * w)
    out = xp.zeros((n, c, gd.shape[1] * gd.shape[2]), dtype=d.dtype)
    fx, fy = (ix - x0).reshape(n, 1, -1), (iy - y0).reshape(n, 1, -1)
    for flat, inside, dx, dy in corners:
        vals = xp.take_along_axis(flat_in, flat.reshape(n, 1, -1), 2)
        weight = inside.reshape(n, 1, -1).astype(d.dtype)
        if m == 0:
            weight = weight * (fx if dx else 1 - fx) * (fy if dy else 1 - fy)
        out += vals * weight
    out = out.reshape(n, c, gd.shape[1], gd.shape[2])
    return record(out.astype(d.dtype), GridSampler2DBackward0, (input, grid), saved=(input, grid),
                  interpolation_mode=m, padding_mode=p, align_corners=align_corners)
