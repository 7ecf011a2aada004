"""3-d average pooling, the kernel behind ``F.local_response_norm`` of 4-d and wider inputs.

Average pooling over ``(N, C, D, H, W)``: the mean of each ``kd x kh x kw`` window
(``AvgPool3DBackward0``). As in 2-d (``pool.py``) the windows are one strided view of the
(padded) input, and the gradient spreads each output's gradient, divided by its window's
divisor, evenly over the window (``col2im``, the adjoint of reading the windows). The
backward is an op of its own (``avg_pool3d_backward``): linear in the gradient, so its
gradient is the pooling again (``AvgPool3DBackwardBackward0``).

``F.avg_pool3d`` is ``avg_pool3d_checked`` (PyTorch's argument checks first);
``local_response_norm`` calls the kernel itself.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import OpNode, record
from .patches import Geometry, col2im_array, windows


def _triple(v: Any) -> tuple:
    if isinstance(v, (int, np.integer)):
        return (int(v),) * 3
    v = tuple(int(a) for a in v)
    return v * 3 if len(v) == 1 else v


def _geometry(shape: tuple, k: tuple, s: tuple, p: tuple, ceil_mode: bool,
              d: tuple = (1, 1, 1)) -> tuple[Geometry, tuple]:
    """The windows of a 3-d pooling (dilation ``d``) and the output size (max_pool3d's too)."""
    out, after = [], []
    for size, ki, si, pi, di in zip(shape[-3:], k, s, p, d):
        span = di * (ki - 1) + 1
        num = size + 2 * pi - span
        o = (-(-num // si) if ceil_mode else num // si) + 1
        if ceil_mode and (o - 1) * si >= size + pi:   # the last window must start inside
            o -= 1
        out.append(o)
        after.append(max(pi, (o - 1) * si + span - size - pi))
    return Geometry(k, s, d, p, tuple(after), 1), tuple(out)


class _AvgPool3D(OpNode):
    """Average pooling over 3-d windows: each output's gradient, divided by its window's
    divisor, goes to every position of the window.

    grad_self = avg_pool3d_backward(grad, self, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    """
    saved_names = ()
    fields = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override",
              "_geom", "_divisor")


class AvgPool3DBackward0(_AvgPool3D):
    """Average pooling takes the mean of each 3-d window, so each output's gradient,
    divided by its window's divisor, goes to every position of the window; windows that
    overlap add up.

    out = the mean of each window of self
    grad_self = avg_pool3d_backward(grad, self, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    """
    saved_names = ("self",)

    def backward(self, g):
        return avg_pool3d_backward(g, self._saved[0].unpack(), self)


class AvgPool3DBackwardBackward0(_AvgPool3D):
    """avg_pool3d_backward is linear in the gradient and the adjoint of avg_pool3d: its
    gradient in grad_output is avg_pool3d itself (the same windows); self gets zeros.

    grad_grad_output = avg_pool3d(grad, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    grad_self = zeros_like(grad)
    """
    def backward(self, gg):
        ggo = None
        if self.next_functions[0][0] is not None:
            ggo = avg_pool3d(gg, self.kernel_size, self.stride or None, self.padding, self.ceil_mode,
                             self.count_include_pad, self.divisor_override)
        zeros = None
        if self.next_functions[1][0] is not None:
            zeros = Tensor._wrap(B.xp_of(gg._data).zeros_like(gg._data))
        return ggo, zeros


def avg_pool3d_backward(grad: Tensor, self: Tensor, node: AvgPool3DBackward0) -> Tensor:
    """Each element of ``grad`` divided by its window's divisor and added over its window."""
    geom, divisor, in_shape = node._geom, node._divisor, self._data.shape
    d = self._data
    batched = d if d.ndim == 5 else d[None]
    share = (grad._data.reshape(batched.shape[:2] + divisor.shape) / divisor).astype(grad._data.dtype)
    xp = B.xp_of(share)
    cols = xp.broadcast_to(share[:, :, None, None, None], share.shape[:2] + tuple(geom.kernel) + share.shape[2:])
    data = col2im_array(xp.ascontiguousarray(cols), geom, batched.shape).reshape(in_shape)
    return record(data, AvgPool3DBackwardBackward0, (grad, self),
                  **{f: getattr(node, f) for f in _AvgPool3D.fields})


def avg_pool3d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean of each 3-d window of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` (arguments checked by the caller)."""
    d = input._data
    arr = d if d.ndim == 5 else d[None]
    k = _triple(kernel_size)
    given = stride is not None and (isinstance(stride, int) or len(stride) > 0)
    s = _triple(stride) if given else k
    p = _triple(padding)
    geom, out = _geometry(arr.shape, k, s, p, ceil_mode)
    xp = B.xp_of(arr)
    win = windows(arr, geom)                                       # (N, C, *out, *k)
    sums = win.sum(axis=(5, 6, 7))
    if divisor_override:
        divisor = xp.full(out, float(divisor_override))
    else:
        spatial = arr.shape[2:]
        region = xp.zeros((1, 1) + tuple(sz + pb + pa for sz, pb, pa in zip(spatial, geom.pad_before,
                                                                            geom.pad_after)))
        if count_include_pad:
            region[(0, 0) + tuple(slice(0, sz + 2 * pi) for sz, pi in zip(spatial, p))] = 1
        else:
            region[(0, 0) + tuple(slice(pi, pi + sz) for sz, pi in zip(spatial, p))] = 1
        nopad = Geometry(k, s, (1, 1, 1), (0, 0, 0), (0, 0, 0), 1)
        divisor = windows(region, nopad).sum(axis=(5, 6, 7))[0, 0]
    values = (sums / divisor).astype(arr.dtype)
    if d.ndim == 4:
        values = values[0]
    return record(values, AvgPool3DBackward0, (input,), saved=(input,), kernel_size=k, stride=s if given else (),
                  padding=p, ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                  divisor_override=divisor_override, _geom=geom, _divisor=divisor)


def _three(v: Any, name: str, pos: int, message: str, op: str = "avg_pool3d") -> tuple:
    """An int or a 1-/3-sequence of ints as a triple, refused as PyTorch refuses it (``op``
    names the function in the error)."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer, tuple, list)):
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be tuple of ints, not "
                        f"{type(v).__name__}")
    if isinstance(v, (int, np.integer)):
        return (int(v),) * 3
    for i, a in enumerate(v):
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be tuple of ints, but found "
                            f"element of type {type(a).__name__} at pos {i}")
    v = tuple(int(a) for a in v)
    if len(v) == 1:
        return v * 3
    if len(v) != 3:
        raise RuntimeError(message)
    return v


def check_kernel_stride(k: tuple, s: tuple) -> None:
    """PyTorch's first checks of a 3-d pooling's window sizes and steps (avg and max)."""
    if 0 in s:
        raise RuntimeError("stride should not be zero")
    if min(k) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kT: {k[0]} kH: {k[1]} kW: {k[2]}")
    if min(s) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dT: {s[0]} dH: {s[1]} dW: {s[2]}")


def check_padding(p: tuple, k: tuple, d: tuple) -> None:
    """Padding at least 0 and at most half the (dilated) window, as PyTorch checks it."""
    for pi, ki, di in zip(p, k, d):
        if pi < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {pi}")
        if pi > (di * (ki - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pi}, "
                               f"kernel_size={ki} and dilation={di}")


def avg_pool3d_checked(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                       ceil_mode: bool = False, count_include_pad: bool = True,
                       divisor_override: int | None = None) -> Tensor:
    """``F.avg_pool3d``: the mean of each ``kernel_size`` window of ``(N, C, D, H, W)`` or
    ``(C, D, H, W)`` (stride defaults to the kernel size), with PyTorch's checks."""
    k = _three(kernel_size, "kernel_size", 2, "avg_pool3d: kernel_size must be a single int, or a tuple of three ints")
    given = stride is not None and (not isinstance(stride, (tuple, list)) or len(stride) > 0)
    s = _three(stride, "stride", 3, "avg_pool3d: stride must be omitted, a single int, or a tuple of three ints") \
        if given else k
    p = _three(padding, "padding", 4, "avg_pool3d: padding must be a single int, or a tuple of three ints")
    shape = tuple(input.shape)
    if len(shape) not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    check_kernel_stride(k, s)
    check_padding(p, k, (1, 1, 1))
    for n in shape[-4:]:
        if n <= 0:                                    # (PyTorch's message always says dimension 0)
            raise RuntimeError("avg_pool3d(): Expected input's non-batch dimensions to have positive length, but "
                               f"input has a shape of [{', '.join(str(x) for x in shape)}] and non-batch dimension "
                               "0 has length zero!")
    t, h, w = shape[-3:]
    if t + 2 * p[0] < k[0] or h + 2 * p[1] < k[1] or w + 2 * p[2] < k[2]:
        raise RuntimeError(f"input image (T: {t} H: {h} W: {w}) smaller than kernel size "
                           f"(kT: {k[0]} kH: {k[1]} kW: {k[2]})")
    return avg_pool3d(input, k, s if given else None, p, ceil_mode, count_include_pad, divisor_override)


# ---------------------------------------------------------------------------
# adaptive average pooling in 3-d: separable, one averaging matrix per spatial dim
# ---------------------------------------------------------------------------


def _adaptive_apply(d: Any, mats: Sequence[Any]) -> Any:
    """``d`` with its last three dims multiplied by ``mats`` (one ``(out, in)`` matrix each)."""
    xp = B.xp_of(d)
    out = d
    for j, mat in enumerate(mats):
        axis = d.ndim - 3 + j
        out = xp.moveaxis(xp.matmul(mat, xp.moveaxis(out, axis, -2)), -2, axis)
    return xp.ascontiguousarray(out)


class AdaptiveAvgPool3DBackward0(OpNode):
    """Adaptive average pooling in 3-d is separable, out = A_d A_h A_w applied to self
    (row i of each averages window i), so the gradient goes back through the transposed
    matrices.

    out = A_d A_h A_w (self)
    grad_self = adaptive_avg_pool3d_backward(grad, self)   (A_d^T A_h^T A_w^T applied to grad)
    """
    saved_names = ("self",)

    def backward(self, g):
        return adaptive_avg_pool3d_backward(g, self._saved[0].unpack())


class AdaptiveAvgPool3DBackwardBackward0(OpNode):
    """adaptive_avg_pool3d_backward is linear in the gradient and the adjoint of the
    pooling: its gradient in grad_output is adaptive_avg_pool3d itself; self gets zeros.

    grad_grad_output = adaptive_avg_pool3d(grad, (grad_output_sym_argsize_minus_3, grad_output_sym_argsize_minus_2, grad_output_sym_argsize_minus_1))
    grad_self = zeros_like(grad)
    """
    fields = ("grad_output_sym_argsize_minus_3", "grad_output_sym_argsize_minus_2",
              "grad_output_sym_argsize_minus_1")

    def backward(self, gg):
        ggo = None
        if self.next_functions[0][0] is not None:
            ggo = adaptive_avg_pool3d(gg, (self.grad_output_sym_argsize_minus_3, self.grad_output_sym_argsize_minus_2,
                                           self.grad_output_sym_argsize_minus_1))
        zeros = None
        if self.next_functions[1][0] is not None:
            zeros = Tensor._wrap(B.xp_of(gg._data).zeros_like(gg._data))
        return ggo, zeros


def adaptive_avg_pool3d_backward(grad: Tensor, self: Tensor) -> Tensor:
    """The transposed averaging matrices applied to ``grad``."""
    from .pool import _averaging_matrix
    gd, d = grad._data, self._data
    xp = B.xp_of(gd)
    mats = [_averaging_matrix(d.shape[-3 + j], gd.shape[-3 + j], d.dtype, xp).T for j in range(3)]
    return record(_adaptive_apply(gd, mats), AdaptiveAvgPool3DBackwardBackward0, (grad, self),
                  grad_output_sym_argsize_minus_3=gd.shape[-3], grad_output_sym_argsize_minus_2=gd.shape[-2],
                  grad_output_sym_argsize_minus_1=gd.shape[-1])


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling whose windows give exactly ``output_size`` (None keeps a dim), with PyTorch's checks."""
    from .pool import _averaging_matrix
    shape = tuple(input.shape)
    if isinstance(output_size, (int, np.integer)):
        output_size = (int(output_size),) * 3
    elif len(shape) <= len(output_size):               # (F.adaptive_avg_pool3d's _list_with_default)
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    output_size = tuple(output_size)
    if len(output_size) != 3:
        raise RuntimeError("adaptive_avg_pool3d: output_size must be 3")
    if len(shape) not in (4, 5):
        raise RuntimeError(f"adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got [{', '.join(map(str, shape))}]")
    sizes = tuple(shape[-3 + j] if o is None else int(o) for j, o in enumerate(output_size))
    if any(o < 0 for o in sizes):
        raise RuntimeError("adaptive_avg_pool3d: elements of output_size must be greater than or equal to 0 but "
                           f"received {{{sizes[0]}, {sizes[1]},{sizes[2]}}}")
    for i in range(1, len(shape)):
        if shape[i] == 0:
            raise RuntimeError("adaptive_avg_pool3d(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes [{', '.join(map(str, shape))}] with dimension {i} "
                               "being empty")
    dt = input._data.dtype
    if dt.kind != "f":
        from .._core import DTYPE_WORDS
        raise NotImplementedError(f'"adaptive_avg_pool3d_cpu" not implemented for \'{DTYPE_WORDS[dt.name]}\'')
    if sizes == (1, 1, 1):                            # a plain mean, as PyTorch does it
        return input.mean((-1, -2, -3), keepdim=True)
    d = input._data
    xp = B.xp_of(d)
    mats = [_averaging_matrix(shape[-3 + j], sizes[j], d.dtype, xp) for j in range(3)]
    return record(_adaptive_apply(d, mats), AdaptiveAvgPool3DBackward0, (input,), saved=(input,))
