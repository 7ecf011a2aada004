"""Pooling: max and average over sliding windows, and adaptive average and max pooling.

Pooling is convolution's sliding window without weights, channel by channel. The
windows are one strided view of the (padded) input, ``(N, C, Ho, Wo, kh, kw)``, and a
pooling runs over the kernel offsets, not over the windows: offset (a, b) of EVERY
window at once is the view ``[..., a, b]``, so a ``kh x kw`` pooling is ``kh * kw``
whole-array steps (a running max, a running sum), and its gradient ``kh * kw`` adds
into the matching strided view of the input gradient (``_spread``).

* max pooling keeps the largest value of each window; its gradient goes to that one
  position (the ``indices`` PyTorch returns with ``return_indices=True``);
* average pooling divides each window's sum by its size; its gradient spreads
  evenly over the window;
* adaptive average pooling picks window edges so that the output has a given size;
  it is separable, ``out = A_h @ x @ A_w^T`` with averaging matrices;
* adaptive max pooling (``adaptive_max_pool.py``) takes the same windows and keeps
  each window's largest value; its gradient is scattered back to the winners.

The backward rules run on arrays (``_spread``). Max and average pooling's rules are ops
of their own, as in PyTorch (``max_pool2d_with_indices_backward``, ``avg_pool2d_backward``):
under ``create_graph`` they record PyTorch's second-order nodes, linear in the gradient
(``MaxPool2DWithIndicesBackwardBackward0`` reads gg back at the winners,
``AvgPool2DBackwardBackward0`` average-pools it); the adaptive ones' too.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import OpNode, record
from .patches import Geometry, windows


def _pair(v: Any, name: str, op: str) -> tuple:
    """An int or a 1-/2-sequence as a pair of ints (``op`` names the function in the error)."""
    if isinstance(v, (int, np.integer)):
        return (int(v), int(v))
    v = tuple(int(a) for a in v)
    if len(v) == 1:
        return v * 2
    if len(v) != 2:
        omitted = "omitted, " if name == "stride" else ""
        raise RuntimeError(f"{op}: {name} must either be {omitted}a single int, or a tuple of two ints")
    return v


def pool_geometry(shape: tuple, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                  ceil_mode: bool, op: str, given: tuple | None = None) -> tuple[Geometry, tuple]:
    """Window geometry of a 2-d pooling of ``(N, C, H, W)`` (``given``: the input's own
    shape, 3-d or 4-d) and its output size, with PyTorch's checks in PyTorch's order: the
    output size per dim (stride, padding), then the shape check (kernel, stride, dilation,
    empty dims but the batch, padding, output size)."""
    k = _pair(kernel_size, "kernel_size", op)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _pair(stride, "stride", op)
    p = _pair(padding, "padding", op)
    d = _pair(dilation, "dilation", op)
    spatial = shape[2:]
    out = []
    after = []
    for size, ki, si, pi, di in zip(spatial, k, s, p, d):
        if si == 0:
            raise RuntimeError("stride should not be zero")
        if pi < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {pi}")
        if pi > (di * (ki - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pi}, "
                               f"kernel_size={ki} and dilation={di}")
        span = di * (ki - 1) + 1
        num = size + 2 * pi - span
        o = (-(-num // si) if ceil_mode else num // si) + 1
        if ceil_mode and (o - 1) * si >= size + pi:  # the last window must start inside
            o -= 1
        out.append(o)
        after.append(max(pi, (o - 1) * si + span - size - pi))
    if k[0] <= 0 or k[1] <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {k[0]} kW: {k[1]}")
    if s[0] <= 0 or s[1] <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {s[0]} dW: {s[1]}")
    if d[0] <= 0 or d[1] <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {d[0]} dilationW: {d[1]}")
    given = tuple(shape) if given is None else tuple(given)
    if 0 in given[-3:] or (len(given) == 3 and given[0] == 0):     # (only a 4-d batch may be empty)
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, "
                           f"but got:{list(given)}")
    if k[1] // 2 < p[1] or k[0] // 2 < p[0]:
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got padW = {p[1]}, "
                           f"padH = {p[0]}, kW = {k[1]}, kH = {k[0]}")
    if any(o <= 0 for o in out):
        raise RuntimeError(
            f"Given input size: ({shape[1]}x{spatial[0]}x{spatial[1]}). Calculated output size: "
            f"({shape[1]}x{out[0]}x{out[1]}). Output size is too small")
    return Geometry(k, s, d, p, tuple(after), shape[1]), tuple(out)


def _as_batch(input: Tensor) -> tuple[Any, bool]:
    d = input._data
    if d.ndim not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    return (d[None], True) if d.ndim == 3 else (d, False)


def _spread(parts: Any, geom: Geometry, in_shape: tuple) -> Any:
    """The adjoint of reading the windows offset by offset: ``parts(t)`` is what offset
    ``t`` (row-major) of every window sends back, ``(N, C, Ho, Wo)``; each is added into
    the strided view of the (padded) input gradient that offset read. Padding is cut off."""
    first = parts(0)
    xp = B.xp_of(first)
    n, c, ho, wo = first.shape
    (sh, sw), (dh, dw), (ph, pw) = geom.stride, geom.dilation, geom.pad_before
    h, w = in_shape[-2:]
    grad = xp.zeros((n, c, h + ph + geom.pad_after[0], w + pw + geom.pad_after[1]), dtype=first.dtype)
    kw = geom.kernel[1]
    for t in range(geom.kernel_numel()):
        a, b = divmod(t, kw)
        part = first if t == 0 else parts(t)
        grad[:, :, a * dh:a * dh + sh * (ho - 1) + 1:sh, b * dw:b * dw + sw * (wo - 1) + 1:sw] += part
    return xp.ascontiguousarray(grad[:, :, ph:ph + h, pw:pw + w]).reshape(in_shape)


def _shown(geom: Geometry, stride: Any, ceil_mode: bool) -> dict:
    """The arguments as PyTorch's node shows them, as the node's fields (``_saved_stride`` is
    ``()`` when none was given); the geometry itself rides along as ``_geom``."""
    given = stride is not None and (isinstance(stride, int) or len(stride) > 0)
    return {"kernel_size": geom.kernel, "stride": geom.stride if given else (), "padding": geom.pad_before,
            "ceil_mode": ceil_mode, "_geom": geom}


# ---------------------------------------------------------------------------
# max pooling
# ---------------------------------------------------------------------------


class MaxPool2DWithIndicesBackward0(OpNode):
    """Max pooling keeps the largest value of each window, so each output's gradient goes
    to the input position that won its window (result1, the indices); windows that
    overlap add up.

    out = the max of each window of self
    grad_self = max_pool2d_with_indices_backward(grad, self, kernel_size, stride, padding, dilation, ceil_mode, result1)
    """
    saved_names = ("self", "result1")
    fields = ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "_geom", "_argmax")
    # (_geom: the windows' geometry; _argmax: the winning offset within each window)

    def backward(self, g):
        return max_pool2d_with_indices_backward(g, self._saved[0].unpack(), self._saved[1].unpack(), self._geom,
                                                self._argmax)


class MaxPool2DWithIndicesBackwardBackward0(OpNode):
    """max_pool2d_with_indices_backward is linear in the gradient (each element goes to
    its window's winner): its gradient reads gg back at the winners; self gets zeros (the
    winners do not move when the input moves a little).

    grad_grad_output = grad.flatten(spatial dims).gather(-1, indices)
    grad_self = zeros_like(grad)
    """
    saved_names = ("indices",)
    dims = 2                                          # spatial dims (adaptive_max_pool3d's: 3)

    def backward(self, gg):
        idx = self._saved[0].unpack()
        ggo = None
        if self.next_functions[0][0] is not None:
            ggo = gg.flatten(-self.dims).gather(-1, idx.flatten(-self.dims)).view(tuple(idx.shape))
        return ggo, _zeros_for_self(self, gg)


def _zeros_for_self(node: OpNode, gg: Tensor) -> Tensor | None:
    """What a pooling's backward op sends its saved input (PyTorch's ``zeros_like``): the
    windows (and winners) do not move when the input moves a little."""
    return Tensor._wrap(B.xp_of(gg._data).zeros_like(gg._data)) if node.next_functions[1][0] is not None else None


def max_pool2d_with_indices_backward(grad: Tensor, self: Tensor, indices: Tensor, geom: Geometry,
                                     argmax: Any) -> Tensor:
    """Each element of ``grad`` added at its window's winner (offset ``argmax`` of its
    window of ``geom``)."""
    gd = grad._data.reshape(argmax.shape)
    zero = gd.dtype.type(0)
    data = _spread(lambda t: B.xp_of(gd).where(argmax == t, gd, zero), geom, self._data.shape)
    return record(data, MaxPool2DWithIndicesBackwardBackward0, (grad, self), saved=(indices,))


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False) -> tuple[Tensor, Tensor]:
    """Max over each window, and where it was (flat ``h * W + w`` index in the input)."""
    arr, unbatched = _as_batch(input)
    geom, out = pool_geometry(arr.shape, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d",
                              input.shape)
    xp = B.xp_of(arr)
    win = windows(arr, geom, fill=-np.inf)                          # (N, C, Ho, Wo, kh, kw)
    kh, kw = geom.kernel
    # a running max over the kernel offsets; as in PyTorch, a later offset wins only if it
    # is larger (the first of equal values stays) or NaN
    values = win[..., 0, 0].copy()
    am = xp.zeros(values.shape, dtype=np.int16 if kh * kw < 2 ** 15 else np.int64)
    better = xp.empty(values.shape, dtype=bool)
    for t in range(1, kh * kw):
        v = win[..., t // kw, t % kw]
        xp.greater(v, values, out=better)
        better |= xp.isnan(v)
        xp.putmask(am, better, t)
        xp.maximum(values, v, out=values)            # (NaN in either stays NaN, as in torch)
    # the winner's position in the input: window origin + offset * dilation
    oh = xp.arange(out[0]).reshape(-1, 1) * geom.stride[0] - geom.pad_before[0]
    ow = xp.arange(out[1]).reshape(1, -1) * geom.stride[1] - geom.pad_before[1]
    row = oh + (am // kw) * geom.dilation[0]
    col = ow + (am % kw) * geom.dilation[1]
    indices = (row * arr.shape[3] + col).astype(np.int64)
    if unbatched:
        values, indices = values[0], indices[0]
    idx_t = Tensor._wrap(indices)
    res = record(values, MaxPool2DWithIndicesBackward0, (input,), saved=(input, idx_t),
                 dilation=geom.dilation, _argmax=am, **_shown(geom, stride, ceil_mode))
    return res, idx_t


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Largest value of each ``kernel_size`` window (stride defaults to the kernel size)."""
    out, idx = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, idx) if return_indices else out


# ---------------------------------------------------------------------------
# average pooling
# ---------------------------------------------------------------------------


class AvgPool2DBackward0(OpNode):
    """Average pooling takes the mean of each window, so each output's gradient, divided
    by its window's divisor, goes to every position of the window; windows that overlap
    add up.

    out = the mean of each window of self
    grad_self = avg_pool2d_backward(grad, self, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    """
    saved_names = ("self",)
    fields = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override",
              "_geom", "_divisor")
    # (_geom: the windows' geometry; _divisor: each window's divisor)

    def backward(self, g):
        return avg_pool2d_backward(g, self._saved[0].unpack(), self)


class AvgPool2DBackwardBackward0(AvgPool2DBackward0):
    """avg_pool2d_backward is linear in the gradient and the adjoint of avg_pool2d: its
    gradient in grad_output is avg_pool2d itself (the same windows); self gets zeros.

    grad_grad_output = avg_pool2d(grad, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    grad_self = zeros_like(grad)
    """
    saved_names = ()

    def backward(self, gg):
        ggo = None
        if self.next_functions[0][0] is not None:
            ggo = avg_pool2d(gg, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad, self.divisor_override)
        return ggo, _zeros_for_self(self, gg)


def avg_pool2d_backward(grad: Tensor, self: Tensor, node: AvgPool2DBackward0) -> Tensor:
    """Each element of ``grad`` divided by its window's divisor and added over the window
    (the windows and the arguments: ``node``'s, the forward's node)."""
    geom, divisor, in_shape = node._geom, node._divisor, self._data.shape
    out = divisor.shape
    n = 1 if len(in_shape) == 3 else in_shape[0]
    share = (grad._data.reshape(n, in_shape[-3], out[0], out[1]) / divisor).astype(grad._data.dtype)
    return record(_spread(lambda t: share, geom, in_shape), AvgPool2DBackwardBackward0, (grad, self),
                  **{f: getattr(node, f) for f in AvgPool2DBackward0.fields})


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean of each window. Windows hanging over the padding count the padded zeros
    (``count_include_pad=True``) or only the real input elements."""
    arr, unbatched = _as_batch(input)
    if divisor_override is not None and divisor_override == 0:
        _pair(kernel_size, "kernel_size", "avg_pool2d")
        raise RuntimeError("divisor must be not zero")
    geom, out = pool_geometry(arr.shape, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d", input.shape)
    xp = B.xp_of(arr)
    n, c = arr.shape[:2]
    win = windows(arr, geom)
    kw = geom.kernel[1]
    sums = win[..., 0, 0].copy()
    for t in range(1, geom.kernel_numel()):                        # a running sum over the offsets
        sums += win[..., t // kw, t % kw]
    if divisor_override:
        divisor = xp.full(out, float(divisor_override))
    else:
        # count, for each window, the cells that belong to the (padded) input
        h, w = arr.shape[2:]
        ph, pw = geom.pad_before
        region = xp.zeros((1, 1, h + ph + geom.pad_after[0], w + pw + geom.pad_after[1]))
        if count_include_pad:
            region[:, :, :h + 2 * ph, :w + 2 * pw] = 1
        else:
            region[:, :, ph:ph + h, pw:pw + w] = 1
        nopad = Geometry(geom.kernel, geom.stride, geom.dilation, (0, 0), (0, 0), 1)
        divisor = windows(region, nopad).sum(axis=(4, 5))[0, 0]
    values = (sums / divisor).astype(arr.dtype)
    if unbatched:
        values = values[0]
    return record(values, AvgPool2DBackward0, (input,), saved=(input,), count_include_pad=count_include_pad,
                  divisor_override=divisor_override, _divisor=divisor, **_shown(geom, stride, ceil_mode))


# ---------------------------------------------------------------------------
# adaptive pooling: the windows, and average pooling over them
# ---------------------------------------------------------------------------


def _edges(size: int, out: int) -> list[tuple[int, int]]:
    """Window i covers floor(i*size/out) .. ceil((i+1)*size/out) - 1: neighbouring
    windows may share a cell, and every cell is in some window."""
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def _averaging_matrix(size: int, out: int, dtype: Any, xp: Any) -> Any:
    """``(out, size)``: row i averages the cells of window i (``_edges``)."""
    edges = xp.asarray(np.array(_edges(size, out), dtype=np.int64).reshape(out, 2))
    start, end = edges[:, 0], edges[:, 1]
    cells = xp.arange(size)
    inside = (cells >= start[:, None]) & (cells < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


class AdaptiveAvgPool2DBackward0(OpNode):
    """Adaptive average pooling is separable, out = A_h @ x @ A_w^T with averaging
    matrices (row i averages window i), so the gradient goes back through the transposed
    matrices.

    out = A_h @ self @ A_w^T
    grad_self = adaptive_avg_pool2d_backward(grad, self)   (A_h^T @ grad @ A_w)
    """
    saved_names = ("self",)

    def backward(self, g):
        return adaptive_avg_pool2d_backward(g, self._saved[0].unpack())


class AdaptiveAvgPool2DBackwardBackward0(OpNode):
    """adaptive_avg_pool2d_backward is linear in the gradient and the adjoint of the
    pooling: its gradient in grad_output is adaptive_avg_pool2d itself; self gets zeros.

    grad_grad_output = adaptive_avg_pool2d(grad, (grad_output_sym_argsize_minus_2, grad_output_sym_argsize_minus_1))
    grad_self = zeros_like(grad)
    """
    fields = ("grad_output_sym_argsize_minus_2", "grad_output_sym_argsize_minus_1")

    def backward(self, gg):
        ggo = None
        if self.next_functions[0][0] is not None:
            ggo = adaptive_avg_pool2d(gg, (self.grad_output_sym_argsize_minus_2,
                                           self.grad_output_sym_argsize_minus_1))
        return ggo, _zeros_for_self(self, gg)


def adaptive_avg_pool2d_backward(grad: Tensor, self: Tensor) -> Tensor:
    """``A_h^T @ grad @ A_w`` (the averaging matrices of ``self``'s size to ``grad``'s)."""
    gd, d = grad._data, self._data
    xp = B.xp_of(gd)
    ah = _averaging_matrix(d.shape[-2], gd.shape[-2], d.dtype, xp)
    aw = _averaging_matrix(d.shape[-1], gd.shape[-1], d.dtype, xp)
    data = xp.matmul(xp.matmul(ah.T, gd), aw)
    return record(data, AdaptiveAvgPool2DBackwardBackward0, (grad, self),
                  grad_output_sym_argsize_minus_2=gd.shape[-2], grad_output_sym_argsize_minus_1=gd.shape[-1])


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling whose windows are chosen to give exactly ``output_size`` (None keeps a dim)."""
    d = input._data
    if isinstance(output_size, (int, np.integer)):
        output_size = (int(output_size), int(output_size))
    if len(output_size) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    oh, ow = (d.shape[-2] if output_size[0] is None else output_size[0],
              d.shape[-1] if output_size[1] is None else output_size[1])
    if oh < 0 or ow < 0:
        raise RuntimeError("adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 "
                           f"but received {{{oh}, {ow}}}")
    if (oh, ow) == (1, 1):                        # a plain mean, as PyTorch does it
        return input.mean((-1, -2), keepdim=True)
    if d.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(d.shape)}")
    xp = B.xp_of(d)
    ah = _averaging_matrix(d.shape[-2], oh, d.dtype, xp)
    aw = _averaging_matrix(d.shape[-1], ow, d.dtype, xp)
    out = xp.matmul(xp.matmul(ah, d), aw.T)
    return record(out, AdaptiveAvgPool2DBackward0, (input,), saved=(input,))
