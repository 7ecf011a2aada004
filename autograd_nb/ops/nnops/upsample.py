"""Upsampling: ``F.interpolate`` and the kernels behind it, each forward beside its node.

Resizing an image is separable: along each spatial dimension (size ``n`` -> ``m``),
output position ``i`` reads a few input positions and weighs them:

* ``nearest``: one position, ``floor(i * n / m)`` (PyTorch's historical rule; ``m == n``
  copies and ``m == 2n`` reads ``i // 2``);
* ``nearest-exact``: one position, ``floor((i + 0.5) * n / m)`` (the pixel whose centre
  is nearest: Pillow's and scikit-image's rule);
* ``linear`` (``bilinear`` in 2-d, ``trilinear`` in 3-d): the two neighbours of the
  source point ``(i + 0.5) * n / m - 0.5`` (or ``i * (n - 1) / (m - 1)`` with
  ``align_corners=True``, which pins the corner pixels), weighted by closeness;
* ``bicubic``: four neighbours with Keys' cubic weights (``A = -0.75``).

So each dimension is a small linear map ``out = M @ in`` (``M``: ``m x n``, a few
non-zeros a row), and the gradient goes back through ``M^T``: an input element read by
several outputs gets the weighted sum of their gradients. The backward is an op of its
own, as in PyTorch (``upsample_bilinear2d_backward``): linear in the gradient, so its
own gradient is the upsampling again (``UpsampleBilinear2DBackwardBackward0``).

When a ``scale_factor`` is given (and not recomputed), PyTorch uses ``1 / scale_factor``
as the step instead of ``n / m``: the node keeps it (``_saved_scales_h``...).
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import DTYPE_WORDS, OpNode, record

__all__ = ["upsample_kernel", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]


# ---------------------------------------------------------------------------
# which input positions each output position reads, and their weights
# ---------------------------------------------------------------------------


def _opmath(dtype: Any) -> Any:
    """The type PyTorch computes positions and weights in (``opmath_t``)."""
    return np.float64 if np.dtype(dtype) == np.float64 else np.float32


def _step(n: int, m: int, scale: float | None, ot: Any) -> Any:
    """``compute_scales_value``: ``1 / scale`` when one was given, else ``n / m``."""
    if scale is not None and scale > 0:
        return ot(1.0 / scale)
    return ot(n) / ot(m)


def _axis(n: int, m: int, scale: float | None, mode: str, align: bool, ot: Any) -> tuple[Any, Any]:
    """``(idx, w)``, each ``(m, taps)``: output ``i`` is ``sum_t in[idx[i, t]] * w[i, t]``
    (``w`` is None for the nearest modes: one tap, a copy)."""
    i = np.arange(m)
    if mode == "nearest":
        if m == n:
            idx = i
        elif m == 2 * n:
            idx = i >> 1
        else:
            s = _step(n, m, scale, np.float32)
            idx = np.minimum(np.floor(i.astype(np.float32) * s).astype(np.int64), n - 1)
        return idx[:, None], None
    if mode == "nearest_exact":
        s = np.float64(_step(n, m, scale, np.float32))
        idx = np.minimum(np.floor(((i + 0.5) * s).astype(np.float32)).astype(np.int64), n - 1)
        return idx[:, None], None
    if align:
        ratio = ot(n - 1) / ot(m - 1) if m > 1 else ot(0)
    else:
        ratio = _step(n, m, scale, ot)
    fi = i.astype(ot)
    if mode == "linear":
        if m == n:
            return np.stack([i, i], 1), np.stack([np.ones(m, ot), np.zeros(m, ot)], 1)
        real = ratio * fi if align else np.maximum(ratio * (fi + ot(0.5)) - ot(0.5), ot(0))
        i0 = np.minimum(np.floor(real.astype(np.float32)).astype(np.int64), n - 1)
        l1 = np.clip(real - i0.astype(ot), ot(0), ot(1)).astype(ot)
        i1 = i0 + (i0 < n - 1)
        return np.stack([i0, i1], 1), np.stack([ot(1) - l1, l1], 1)
    # cubic
    real = ratio * fi if align else ratio * (fi + ot(0.5)) - ot(0.5)
    i0 = np.minimum(np.floor(real.astype(np.float32)).astype(np.int64), n - 1)
    t = np.clip(real - i0.astype(ot), ot(0), ot(1)).astype(ot)
    a = ot(-0.75)

    def near(x):                                      # |x| <= 1
        return ((a + ot(2)) * x - (a + ot(3))) * x * x + ot(1)

    def far(x):                                       # 1 < |x| < 2
        return ((a * x - ot(5) * a) * x + ot(8) * a) * x - ot(4) * a
    x2 = ot(1) - t
    w = np.stack([far(t + ot(1)), near(t), near(x2), far(x2 + ot(1))], 1).astype(ot)
    idx = np.clip(i0[:, None] - 1 + np.arange(4), 0, n - 1)
    return idx, w


def _apply_axis(d: Any, axis: int, idx: Any, w: Any, ot: Any) -> Any:
    """Along ``axis`` of array ``d``: output i = sum_t d[idx[i, t]] * w[i, t]."""
    xp = B.xp_of(d)
    if w is None:
        return xp.take(d, xp.asarray(idx[:, 0]), axis=axis)
    shape = [1] * d.ndim
    shape[axis] = idx.shape[0]
    out = None
    for t in range(idx.shape[1]):
        part = xp.take(d, xp.asarray(idx[:, t]), axis=axis).astype(ot, copy=False) * \
            xp.asarray(w[:, t]).reshape(shape)
        out = part if out is None else out + part
    return out


def _adjoint_axis(g: Any, axis: int, idx: Any, w: Any, n: int, ot: Any) -> Any:
    """The transpose of ``_apply_axis``: each output's gradient, weighted, added back at
    the input positions it read (one matrix product with ``M``, ``m x n``)."""
    xp = B.xp_of(g)
    m, taps = idx.shape
    mat = np.zeros((m, n), dtype=ot)
    np.add.at(mat, (np.repeat(np.arange(m), taps), idx.reshape(-1)),
              np.ones(m * taps, ot) if w is None else w.reshape(-1))
    moved = xp.moveaxis(g.astype(ot, copy=False), axis, -1)
    return xp.moveaxis(xp.matmul(moved, xp.asarray(mat)), -1, axis)


def _resize(d: Any, out_size: Sequence[int], scales: Sequence[Any], mode: str, align: bool) -> Any:
    k = len(out_size)
    if d.dtype == np.uint8 and mode in ("linear", "cubic") and k == 2:
        return _resize_uint8(d, out_size, scales, align, mode)
    ot = _opmath(d.dtype)
    out = d
    for j in range(k):
        axis = d.ndim - k + j
        n, m = d.shape[axis], out_size[j]
        if mode != "nearest" and mode != "nearest_exact" and m == n and mode == "linear":
            continue                                  # (a copy: weights 1 and 0)
        idx, w = _axis(n, m, scales[j], mode, align, ot)
        out = _apply_axis(out, axis, idx, w, ot)
    if out.dtype != d.dtype:
        if d.dtype.kind == "u":
            out = B.xp_of(out).clip(B.xp_of(out).rint(out), 0, 255)
        out = out.astype(d.dtype)
    return out if out is not d else d.copy()


# ---------------------------------------------------------------------------
# uint8 bilinear and bicubic: PyTorch's fixed-point kernels (Pillow's), one pass per dim
# ---------------------------------------------------------------------------


def _uint8_matrix(n: int, m: int, scale: float | None, align: bool) -> tuple[Any, int]:
    """The ``(m, n)`` integer weights of one bilinear pass and their precision (bits):
    each row's triangle-filter weights around its source centre, normalised, then
    scaled to integers that fit int16."""
    if align:
        step = (n - 1) / (m - 1) if m > 1 else 0.0
    else:
        step = 1.0 / scale if scale is not None and scale > 0 else n / m
    delta = 0.5 if align else 0.0
    rows, top = [], 0.0
    for i in range(m):
        centre = step * (i + 0.5 - delta)
        lo = max(int(centre - 1.0 + 0.5 + delta), 0)
        count = min(max(min(int(centre + 1.0 + 0.5 + delta), n) - lo, 0), 2)
        ws = [max(0.0, 1.0 - abs(j + lo - centre + 0.5 - delta)) for j in range(count)]
        total = sum(ws)
        if total:
            ws = [w / total for w in ws]
        top = max([top] + ws)
        rows.append((lo, ws))
    bits = 0
    while bits < 22 and int(0.5 + top * (1 << (bits + 1))) < (1 << 15):
        bits += 1
    mat = np.zeros((m, n), dtype=np.int64)
    for i, (lo, ws) in enumerate(rows):
        for j, w in enumerate(ws):
            v = w * (1 << bits)
            mat[i, lo + j] += int(-0.5 + v) if v < 0 else int(0.5 + v)
    return mat, bits


def _uint8_cubic_matrix(n: int, m: int, scale: float | None, align: bool) -> tuple[Any, int]:
    """The ``(m, n)`` integer weights of one bicubic pass (the float kernel's taps, each
    scaled to int16 on its own, clamped taps added up) and their precision (bits)."""
    idx, w = _axis(n, m, scale, "cubic", align, np.float64)
    top = float(w.max())
    bits = 0
    while bits < 22 and int(0.5 + top * (1 << (bits + 1))) < (1 << 15):
        bits += 1
    v = w * (1 << bits)
    taps = np.where(v < 0, (v - 0.5).astype(np.int64), (v + 0.5).astype(np.int64))
    mat = np.zeros((m, n), dtype=np.int64)
    np.add.at(mat, (np.repeat(np.arange(m), idx.shape[1]), idx.reshape(-1)), taps.reshape(-1))
    return mat, bits


def _resize_uint8(d: Any, out_size: Sequence[int], scales: Sequence[Any], align: bool, mode: str) -> Any:
    """Width first, then height, each pass rounded back to uint8 (as PyTorch's uint8 kernel)."""
    xp = B.xp_of(d)
    out = d
    for j in (1, 0):
        axis = d.ndim - 2 + j
        n, m = d.shape[axis], out_size[j]
        if n == m:
            continue
        if mode == "linear":
            mat, bits = _uint8_matrix(n, m, scales[j], align)
        else:
            mat, bits = _uint8_cubic_matrix(n, m, scales[j], align)
        moved = xp.moveaxis(out.astype(np.int64), axis, -1)
        res = (xp.matmul(moved, xp.asarray(mat.T)) + (1 << (bits - 1))) >> bits
        out = xp.moveaxis(xp.clip(res, 0, 255).astype(np.uint8), -1, axis)
    return xp.ascontiguousarray(out) if out is not d else d.copy()


def _resize_back(g: Any, in_size: Sequence[int], out_size: Sequence[int], scales: Sequence[Any], mode: str,
                 align: bool) -> Any:
    k = len(out_size)
    ot = _opmath(g.dtype)
    res = g
    for j in range(k):
        axis = g.ndim - k + j
        n, m = in_size[-k + j], out_size[j]
        if mode == "linear" and m == n:
            continue
        idx, w = _axis(n, m, scales[j], mode, align, ot)
        res = _adjoint_axis(res, axis, idx, w, n, ot)
    res = res.astype(g.dtype, copy=False)
    return res if res is not g else g.copy()


# ---------------------------------------------------------------------------
# the nodes: Upsample{Nearest,NearestExact}{1,2,3}DBackward0, UpsampleLinear1DBackward0,
# UpsampleBilinear2DBackward0, UpsampleTrilinear3DBackward0, UpsampleBicubic2DBackward0,
# and the nodes of their backwards
# ---------------------------------------------------------------------------

_SCALE_NAMES = {1: ("scales",), 2: ("scales_h", "scales_w"), 3: ("scales_d", "scales_h", "scales_w")}


class _UpsampleBackward(OpNode):
    """Upsampling reads, along each spatial dim, a few input positions per output and
    weighs them (out = M @ self per dim): the gradient goes back through the transposed
    weights, so an input read by several outputs gets the weighted sum of their gradients.

    grad_self = upsample_backward(grad, output_size, self_sym_sizes, scales)   (M^T @ grad per dim)
    """
    saved_names = ()
    mode = ""
    twin: type = OpNode

    def _scales(self) -> tuple:
        return tuple(getattr(self, f) for f in _SCALE_NAMES[self.k])

    def backward(self, g):
        return upsample_backward(g, self.self_sym_sizes, self.output_size, self._scales(), self.mode,
                                 self._align(), self.k)

    def _align(self) -> bool:
        return bool(getattr(self, "align_corners", False)) if "align_corners" in self.fields else False


class _UpsampleBackwardBackward(OpNode):
    """The upsampling's backward is linear in the gradient (M^T @ grad per dim): its own
    gradient is the upsampling again.

    grad_grad_output = upsample(grad, output_size, scales)
    """
    saved_names = ()
    mode = ""

    def backward(self, gg):
        scales = tuple(getattr(self, f) for f in _SCALE_NAMES[self.k])
        align = bool(getattr(self, "align_corners")) if "align_corners" in self.fields else False
        return upsample_kernel(gg, self.output_size, scales, self.mode, align)


_RULE = """{words}: along each of the {dims} every output reads {reads}; the
gradient goes back through the same weights, transposed (an input read by several
outputs gets the weighted sum of their gradients).

out = {name}(self, output_size{align}, {scales})
grad_self = {name}_backward(grad, output_size, self_sym_sizes{align}, {scales})
"""

_BACK_RULE = """The backward of {words} is linear in the gradient (the weights transposed):
its gradient is the upsampling again.

grad_grad_output = {name}(grad, output_size{align}, {scales})
"""

_KINDS = [  # (mode, k, class stem, torch's function name, words, reads)
    ("nearest", 1, "UpsampleNearest1D", "upsample_nearest1d", "Nearest upsampling", "one input position"),
    ("nearest", 2, "UpsampleNearest2D", "upsample_nearest2d", "Nearest upsampling", "one input position"),
    ("nearest", 3, "UpsampleNearest3D", "upsample_nearest3d", "Nearest upsampling", "one input position"),
    ("nearest_exact", 1, "UpsampleNearestExact1D", "_upsample_nearest_exact1d", "Nearest-exact upsampling",
     "one input position (the nearest centre)"),
    ("nearest_exact", 2, "UpsampleNearestExact2D", "_upsample_nearest_exact2d", "Nearest-exact upsampling",
     "one input position (the nearest centre)"),
    ("nearest_exact", 3, "UpsampleNearestExact3D", "_upsample_nearest_exact3d", "Nearest-exact upsampling",
     "one input position (the nearest centre)"),
    ("linear", 1, "UpsampleLinear1D", "upsample_linear1d", "Linear upsampling",
     "its two neighbours, weighted by closeness"),
    ("linear", 2, "UpsampleBilinear2D", "upsample_bilinear2d", "Bilinear upsampling",
     "its two neighbours, weighted by closeness"),
    ("linear", 3, "UpsampleTrilinear3D", "upsample_trilinear3d", "Trilinear upsampling",
     "its two neighbours, weighted by closeness"),
    ("cubic", 2, "UpsampleBicubic2D", "upsample_bicubic2d", "Bicubic upsampling",
     "four neighbours with cubic weights"),
]

_NODES: dict[tuple[str, int], type] = {}
for _mode, _k, _stem, _fn, _words, _reads in _KINDS:
    _align = ("align_corners",) if _mode in ("linear", "cubic") else ()
    _sc = _SCALE_NAMES[_k]
    _says = {"words": _words, "dims": "last dim" if _k == 1 else f"last {_k} dims", "reads": _reads,
             "name": _fn, "align": ", align_corners" if _align else "", "scales": ", ".join(_sc)}
    _twin = type(f"{_stem}BackwardBackward0", (_UpsampleBackwardBackward,),
                 {"__doc__": _BACK_RULE.format(**_says), "mode": _mode, "k": _k,
                  "fields": ("output_size",) + _align + _sc})
    _NODES[_mode, _k] = type(f"{_stem}Backward0", (_UpsampleBackward,),
                             {"__doc__": _RULE.format(**_says), "mode": _mode, "k": _k, "twin": _twin,
                              "fields": ("output_size",) + _align + _sc + ("self_sym_sizes",)})
    globals()[_twin.__name__] = _twin
    globals()[_NODES[_mode, _k].__name__] = _NODES[_mode, _k]


def _fields(mode: str, k: int, output_size: tuple, scales: tuple, align: bool) -> dict:
    f = {"output_size": output_size}
    if mode in ("linear", "cubic"):
        f["align_corners"] = align
    f.update(zip(_SCALE_NAMES[k], scales))
    return f


_LETTERS = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}
_KERNEL_WORD = {"nearest": "nearest", "nearest_exact": "nearest", "linear": "linear", "cubic": "cubic"}


def _check(input: Tensor, out_size: tuple, mode: str, k: int) -> None:
    """PyTorch's checks of the upsampling kernels, in its order."""
    shape = tuple(input.shape)
    ins = shape[-k:]
    if not all(s > 0 for s in ins) or not all(s > 0 for s in out_size):
        letters = _LETTERS[k]
        a = ", ".join(f"{c}: {s}" for c, s in zip(letters, ins))
        b = ", ".join(f"{c}: {s}" for c, s in zip(letters, out_size))
        joint = " and output" if k == 1 else " output"
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({a}){joint} ({b})")
    if input.numel() == 0 and not (shape[0] == 0 and all(s > 0 for s in shape[1:])):
        raise RuntimeError(f"Non-empty {k + 2}D data tensor expected but got a tensor with sizes "
                           f"[{', '.join(str(s) for s in shape)}]")
    dt = input._data.dtype
    if dt.kind != "f" and not (dt == np.uint8 and (mode in ("nearest", "nearest_exact") or k == 2)):
        if k == 2 and mode in ("nearest", "nearest_exact", "linear"):
            kernel = f"upsample_{'bilinear' if mode == 'linear' else 'nearest'}2d_channels_last"
        else:
            kernel = f"compute_indices_weights_{_KERNEL_WORD[mode]}"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{DTYPE_WORDS[dt.name]}\'')


def upsample_kernel(input: Tensor, output_size: Sequence[int], scales: Sequence[Any], mode: str,
                    align_corners: bool = False) -> Tensor:
    """``torch._C._nn.upsample_<mode><k>d(input, output_size, [align_corners,] *scales)``:
    ``mode`` is ``nearest``, ``nearest_exact``, ``linear`` (bi-, tri-) or ``cubic``; the
    last ``len(output_size)`` dims are resized."""
    k = len(output_size)
    output_size = tuple(int(s) for s in output_size)
    scales = tuple(None if s is None else float(s) for s in scales)
    _check(input, output_size, mode, k)
    data = _resize(input._data, output_size, scales, mode, align_corners)
    return record(data, _NODES[mode, k], (input,), self_sym_sizes=tuple(input.shape),
                  **_fields(mode, k, output_size, scales, align_corners))


def upsample_backward(grad: Tensor, input_size: Sequence[int], output_size: Sequence[int], scales: Sequence[Any],
                      mode: str, align_corners: bool, k: int) -> Tensor:
    """``upsample_<mode><k>d_backward``: the gradient through the transposed weights."""
    data = _resize_back(grad._data, tuple(input_size), tuple(output_size), scales, mode, align_corners)
    return record(data, _NODES[mode, k].twin, (grad,), **_fields(mode, k, tuple(output_size), tuple(scales),
                                                                   align_corners))


# ---------------------------------------------------------------------------
# F.interpolate and the deprecated F.upsample*, as PyTorch writes them in Python
# ---------------------------------------------------------------------------


def _is_integer(x: Any) -> bool:
    if isinstance(x, Tensor):
        return not x.is_floating_point() and x.dim() == 0
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool) or isinstance(x, bool)


_ALL_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of ``(N, C, d1, ..., dK)`` to ``size`` or by ``scale_factor``.

    ``mode``: ``nearest``, ``nearest-exact``, ``linear`` (3-d), ``bilinear`` / ``bicubic``
    (4-d), ``trilinear`` (5-d), ``area`` (adaptive average pooling). ``align_corners=True``
    pins the corner pixels of input and output together (interpolating modes only).
    With ``recompute_scale_factor=True`` the kernel gets only the output size.
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    elif size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got input with spatial "
                    f"dimensions of {list(input.shape[2:])} and output size of {size}. Please provide input tensor "
                    "in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(x) for x in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                                f"Tuple[int, int, int], but got size with types {[type(x) for x in size]}")
            output_size = [int(s) for s in size]
        else:
            if not _is_integer(size):
                raise TypeError(f"upsample_nearest{max(dim, 1)}d() received an invalid combination of arguments - "
                                f"got (Tensor, list, NoneType), but expected one of:")
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but got input with "
                    f"spatial dimensions of {list(input.shape[2:])} and scale_factor of shape {scale_factor}. "
                    "Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                    "(s1, s2, ...,sK) format.")
            scale_factors = list(scale_factor)
        else:
            scale_factors = [scale_factor] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [int(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
        scale_factors = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a "
                         "4-D tensor as input")
    kernels = {("nearest", 3): "nearest", ("nearest", 4): "nearest", ("nearest", 5): "nearest",
               ("nearest-exact", 3): "nearest_exact", ("nearest-exact", 4): "nearest_exact",
               ("nearest-exact", 5): "nearest_exact", ("linear", 3): "linear", ("bilinear", 4): "linear",
               ("trilinear", 5): "linear", ("bicubic", 4): "cubic"}
    kind = kernels.get((mode, input.dim()))
    if kind is not None:
        if antialias:
            raise NotImplementedError("interpolate(antialias=True) is not implemented in autograd_nb")
        if output_size is None:                       # (PyTorch's compute_output_size)
            sizes = []
            for i in range(dim):
                odim = float(input.shape[i + 2]) * float(scale_factors[i])
                if not math.isfinite(odim) or abs(odim) >= 2.0 ** 63:
                    raise RuntimeError("value cannot be converted to type int64_t without overflow")
                sizes.append(int(odim))
            scales = tuple(float(s) for s in scale_factors)
        else:
            sizes, scales = output_size, (None,) * dim
        return upsample_kernel(input, sizes, scales, kind, bool(align_corners) if kind in ("linear", "cubic")
                               else False)
    if mode == "area" and input.dim() in (3, 4, 5):
        from ...nn import functional as F
        if input.dim() == 3:
            return F.adaptive_avg_pool1d(input, output_size)
        if input.dim() == 4:
            return F.adaptive_avg_pool2d(input, output_size)
        return F.adaptive_avg_pool3d(input, output_size)
    if mode == "lanczos" and input.dim() == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
        raise NotImplementedError("interpolate(mode='lanczos') is not implemented in autograd_nb")
    needs = {"linear": 3, "bilinear": 4, "trilinear": 5}
    if mode in needs and input.dim() in (3, 4, 5):
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {needs[mode]}D input")
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
                              f"the modes: {_ALL_MODES} (got {mode})")


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated name of :func:`interpolate`."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode="nearest")``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
