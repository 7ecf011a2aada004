"""``F.affine_grid`` and ``F.grid_sample``: the two halves of a spatial transformer.

``affine_grid(theta, size)`` turns a batch of affine matrices ``theta`` ``(N, 2, 3)`` into
a sampling grid ``(N, H, W, 2)``: for every output pixel, the ``(x, y)`` position (in
``[-1, 1]`` coordinates of the input) it should read, ``theta @ [x_out, y_out, 1]``. It
is one batched matrix product with a fixed "base grid" of the output's own coordinates,
so its gradient is the transposed product (``AffineGridGeneratorBackward0``; under
``create_graph`` the rule records ``BmmBackward0`` / ``TransposeBackward0``, as PyTorch's).

``grid_sample(input, grid)`` reads ``input`` ``(N, C, H, W)`` (or ``(N, C, D, H, W)``) at
those positions. A position ``x`` in ``[-1, 1]`` becomes a pixel coordinate ``ix``
(``align_corners``: -1 and 1 are the centres of the corner pixels, or their outer edges);
positions outside the image read zeros, the nearest border pixel, or the image mirrored
(``padding_mode``). ``bilinear`` mode mixes the pixels around ``(ix, iy)``:

    out = nw * x[y0, x0] + ne * x[y0, x0 + 1] + sw * x[y0 + 1, x0] + se * x[y0 + 1, x0 + 1]
    nw = (1 - fx) * (1 - fy), ne = fx * (1 - fy), ...     (fx = ix - x0, fy = iy - y0)

(trilinear, eight voxels, in 3-d); ``bicubic`` mixes the 4 x 4 pixels around with Keys'
cubic weights; ``nearest`` reads the one nearest pixel. Each weight is a product of one
factor per dim, a polynomial in that dim's fraction, so the output is linear in
``input`` (its gradient: each output's gradient, times each weight, added back to the
pixels) and differentiable in the position through the weights (``d out / d ix`` = the
pixel values times the x-factor's slope and the other factors, times ``d ix / d grid``;
zero in ``nearest`` mode).

Backward (``GridSampler2DBackward0`` / ``GridSampler3DBackward0``): that rule, written
with differentiable ops (``gather``, ``scatter_add``, products), so second derivatives
work and agree with PyTorch's; under ``create_graph`` those ops' nodes appear where
PyTorch records one ``GridSampler2DBackwardBackward0``.
"""
from __future__ import annotations

import itertools
import warnings
from typing import Any, Sequence

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from ...autograd.grad_mode import is_grad_enabled
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
# grid_sample
# ---------------------------------------------------------------------------

def _unnormalize(coord: Any, size: int, align: bool) -> tuple[Any, Any]:
    """Pixel coordinates from ``[-1, 1]`` positions, and ``d(pixel)/d(position)``."""
    xp = B.xp_of(coord)
    dt = coord.dtype.type
    if align:
        return (coord + dt(1)) / dt(2) * dt(size - 1), xp.full(coord.shape, dt((size - 1) / 2))
    return ((coord + dt(1)) * dt(size) - dt(1)) / dt(2), xp.full(coord.shape, dt(size / 2))


def _fold(ix: Any, mult: Any, size: int, padding: int, align: bool) -> tuple[Any, Any]:
    """The padding mode's folding of pixel coordinates into the image (reflection mirrors,
    border clips; zeros leaves them), and the slope carried through it (0 where clipped)."""
    xp = B.xp_of(ix)
    dt = ix.dtype.type
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
            even = xp.floor(shifted / span) % 2 == 0
            ix = xp.where(even, extra + lo, span - extra + lo)
            mult = mult * xp.where(even, sign, -sign)
    if padding in (1, 2):                                        # border (and after reflecting): clip
        inside = (ix >= 0) & (ix <= size - 1)
        mult = xp.where(inside, mult, dt(0))
        ix = xp.clip(ix, 0, size - 1)
    return ix.astype(ix.dtype), mult.astype(ix.dtype)


# Bicubic weights: Keys' cubic convolution with a = -0.75, for a tap at distance x
_A = -0.75


def _cubic_near(x: Any) -> Any:                                  # |x| <= 1
    return ((_A + 2) * x - (_A + 3)) * x * x + 1


def _cubic_far(x: Any) -> Any:                                   # 1 < |x| < 2
    return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A


def _weight(mode: int, offset: int, t: Any) -> Any:
    """A tap's weight along one dim, ``t`` the position's fraction past the base pixel
    (an array or a Tensor: the same formula serves the forward and the backward)."""
    if mode == 0:
        return t if offset else 1 - t
    return (_cubic_far(t + 1), _cubic_near(t), _cubic_near(1 - t), _cubic_far(2 - t))[offset]


def _slope(mode: int, offset: int, t: Any) -> Any:
    """``d(weight)/dt`` of ``_weight``."""
    if mode == 0:
        return 1 if offset else -1
    near = lambda x: (3 * (_A + 2) * x - 2 * (_A + 3)) * x          # noqa: E731
    far = lambda x: (3 * _A * x - 10 * _A) * x + 8 * _A              # noqa: E731
    return (far(t + 1), near(t), -near(1 - t), -far(2 - t))[offset]


def _taps(grid_data: Any, spatial: tuple, mode: int, padding: int, align: bool) -> tuple[list, list]:
    """Where each output reads. Per grid component j (x first): ``(coordinate, slope, base
    pixel)``; per tap: ``(flat index, in-image mask, offsets)`` (the offset along each
    component from the base pixel: nearest 0; bilinear 0, 1; bicubic 0..3 for -1..2)."""
    xp = B.xp_of(grid_data)
    k = len(spatial)
    comps = []
    for j in range(k):
        size = spatial[k - 1 - j]
        coord, slope = _unnormalize(grid_data[..., j], size, align)
        if mode != 2:                                   # (bicubic folds each tap instead)
            coord, slope = _fold(coord, slope, size, padding, align)
        comps.append((coord, slope, xp.rint(coord) if mode == 1 else xp.floor(coord)))
    offsets = [(0,) * k] if mode == 1 else list(itertools.product(range(2 if mode == 0 else 4), repeat=k))
    taps = []
    for off in offsets:
        inside, flat = True, 0
        for j in reversed(range(k)):                    # depth, height, width: row-major flat index
            size = spatial[k - 1 - j]
            c = comps[j][2] + (off[j] - 1 if mode == 2 else off[j])
            if mode == 2 and padding:
                c = xp.trunc(_fold(c, c, size, padding, align)[0])
            inside = inside & (c >= 0) & (c <= size - 1)
            flat = flat * size + c
        taps.append((xp.where(inside, flat, 0).astype(np.int64), inside, off))
    return taps, comps


class GridSampler2DBackward0(OpNode):
    """Each output mixes nearby input pixels with weights that depend on where it reads
    (bilinear: the four around it; nearest: one; bicubic: sixteen): input's gradient is each
    output's gradient, times each weight, added back to the pixels; grid's is the weights'
    rate of change along x and y times the pixel values.

    out = sum over the taps of weight(grid) * input[tap]
    grad_input = grid_sampler_2d_backward(grad, input, grid, interpolation_mode, padding_mode, align_corners)[0]
    grad_grid = grid_sampler_2d_backward(grad, input, grid, interpolation_mode, padding_mode, align_corners)[1]
    """
    saved_names = ("input", "grid")
    fields = ("interpolation_mode", "padding_mode", "align_corners")

    def backward(self, g):
        return grid_sampler_backward(g, self._saved[0].unpack(), self._saved[1].unpack(),
                                     self.interpolation_mode, self.padding_mode, self.align_corners)


class GridSampler3DBackward0(GridSampler2DBackward0):
    """The 3-d form (trilinear: the eight voxels around each position; or the nearest one).

    grad_input = grid_sampler_3d_backward(grad, input, grid, interpolation_mode, padding_mode, align_corners)[0]
    grad_grid = grid_sampler_3d_backward(grad, input, grid, interpolation_mode, padding_mode, align_corners)[1]
    """


def grid_sampler_backward(grad: Tensor, input: Tensor, grid: Tensor, mode: int, padding: int,
                          align: bool) -> tuple[Tensor, Tensor]:
    """``(grad_input, grad_grid)``, written with differentiable ops (see the module docstring)."""
    from ..joins import stack
    n, c = input.shape[:2]
    spatial = tuple(input.shape[2:])
    k = len(spatial)
    taps, comps = _taps(grid._data, spatial, mode, padding, align)
    dt = input._data.dtype
    xp = B.xp_of(grid._data)
    outs = int(np.prod(grid.shape[1:-1]))
    g = grad.reshape(n, c, outs)
    flat_in = input.reshape(n, c, -1)
    # each coordinate as a function of the grid: a straight line with the local slope, so
    # the weights carry the grid's gradient into the second derivatives
    fracs = []
    for j, (coord, slope, base) in enumerate(comps):
        line = grid[..., j] * Tensor._wrap(slope) + Tensor._wrap((coord - slope * grid._data[..., j]).astype(dt))
        fracs.append((line - Tensor._wrap(base.astype(dt))).reshape(n, 1, outs))
    grad_input = Tensor._wrap(xp.zeros((n, c, int(np.prod(spatial))), dtype=dt))
    d_coord: list = [None] * k
    for flat, inside, off in taps:
        index = Tensor._wrap(xp.broadcast_to(flat.reshape(n, 1, -1), (n, c, outs)).copy())
        keep = Tensor._wrap(inside.reshape(n, 1, -1).astype(dt))
        weights = [_weight(mode, off[j], fracs[j]) for j in range(k)] if mode != 1 else []
        weight = keep
        for w in weights:
            weight = weight * w
        grad_input = grad_input.scatter_add(2, index, g * weight)
        if mode == 1:
            continue
        value = flat_in.gather(2, index) * keep * g                # (N, C, outs)
        for j in range(k):
            part = value * _slope(mode, off[j], fracs[j])
            for other in range(k):
                if other != j:
                    part = part * weights[other]
            part = part.sum(1)
            d_coord[j] = part if d_coord[j] is None else d_coord[j] + part
    grad_input = grad_input.reshape(input.shape)
    if is_grad_enabled() and input.requires_grad:
        # under create_graph PyTorch's grad_input hangs on input even where it does not depend
        # on it (nearest mode, or a constant grid): a zero term keeps ours on the graph too
        grad_input = grad_input + input * 0
    if mode == 1:                                   # (zeros, on the graph as PyTorch's)
        return grad_input, grid * 0
    out_shape = tuple(grid.shape[:-1])
    grad_grid = stack([d_coord[j].reshape(out_shape) * Tensor._wrap(comps[j][1]) for j in range(k)], -1)
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
        kernel = "grid_sampler_2d_cpu_kernel_impl" if d.ndim == 4 else "grid_sampler3d_cpu"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{DTYPE_WORDS[d.dtype.name]}\'')
    m, p = _MODES[mode], _PADDINGS[padding_mode]
    n, c = d.shape[:2]
    spatial = d.shape[2:]
    taps, comps = _taps(gd, spatial, m, p, align_corners)
    xp = B.xp_of(d)
    flat_in = d.reshape(n, c, -1)
    outs = int(np.prod(gd.shape[1:-1]))
    fracs = [(coord - base).reshape(n, 1, outs) for coord, _, base in comps]
    out = xp.zeros((n, c, outs), dtype=d.dtype)
    for flat, inside, off in taps:
        weight = inside.reshape(n, 1, -1).astype(d.dtype)
        if m != 1:
            for j, frac in enumerate(fracs):
                weight = weight * _weight(m, off[j], frac)
        out += xp.take_along_axis(flat_in, flat.reshape(n, 1, -1), 2) * weight
    node = GridSampler2DBackward0 if d.ndim == 4 else GridSampler3DBackward0
    return record(out.reshape((n, c) + tuple(gd.shape[1:-1])).astype(d.dtype), node, (input, grid),
                  saved=(input, grid), interpolation_mode=m, padding_mode=p, align_corners=align_corners)
