"""Convolution (1-d, 2-d and 3-d, any stride/padding/dilation/groups) and constant padding.

Forward: ``im2col`` turns the input into columns, then ONE batched matrix product
with the weights computes every output pixel of every image at once:

    out[n, g] = W[g] (O/G x C/G*K)  @  cols[n, g] (C/G*K x L)

Backward (``ConvolutionBackward0``), with ``g`` the output gradient in the same layout:

    grad_input  = col2im(W[g]^T @ g[n, g])            (each input pixel collects from
                                                     every window that read it)
    grad_weight = sum over n of g[n, g] @ cols[n, g]^T
    grad_bias   = g summed over the batch and the positions

These are written with differentiable tensor ops (``matmul``, ``im2col``/``col2im``),
so double backward through a convolution works.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import OpNode, record
from ...autograd.grad_mode import STATE
from .patches import (Geometry, col2im, col2im_array, correlate, correlate_transposed, correlate_weight,
                      im2col, im2col_array, xp_of)

_C_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half"}
_WORD = B.SCALAR_NAMES


def ntuple(value: Any, n: int, what: str) -> tuple:
    """An int or a sequence as a tuple of ``n`` ints, with PyTorch's error otherwise."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise RuntimeError(
            f"expected {what} to be a single integer value or a list of {n} values to match the "
            f"convolution dimensions, but got {what}={list(value)}")
    return value


def _shape_str(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


class ConvolutionBackward0(OpNode):
    """Gradients of a convolution for input, weight and bias (see the module docstring)."""
    __slots__ = ()
    saved_names = ("input", "weight")
    transposed = False                                # ops/nnops/conv_transpose.py's subclass: True

    def backward(self, g):
        if not STATE.grad_enabled:                    # first order: plain arrays, no graph
            return self._backward_arrays(g)
        geom, info = self.extra
        x_saved, w_saved = self._saved
        n = g.shape[0]
        out_ch = g.shape[1]
        groups = geom.groups
        length = g.numel() // (n * out_ch)
        gm = g.reshape(n, groups, out_ch // groups, length)
        need = [e[0] is not None for e in self.next_functions]
        gi = gw = gb = None
        if need[0]:
            w = w_saved.unpack()
            wm = w.reshape(groups, out_ch // groups, -1).transpose(1, 2)
            gi = col2im(wm.matmul(gm), geom, info["input_shape"])
        if need[1]:
            x = x_saved.unpack()
            w_shape = info["weight_shape"]
            cols = im2col(x, geom)
            gw = gm.matmul(cols.transpose(2, 3)).sum(0).reshape(w_shape)
        if need[2]:
            gb = g.sum((0,) + tuple(range(2, g.ndim)))
        return gi, gw, gb

    def _backward_arrays(self, g):
        """The same three gradients on raw arrays (backward without create_graph), all
        through the shifted-columns kernel of ``patches``:

            grad_input  = g correlated with the flipped, channel-swapped kernel
            grad_weight = sum over images of g @ cols(input)^T
            grad_bias   = g summed over the batch and the positions
        """
        geom, info = self.extra
        gd = g._data
        nf = self.next_functions
        gi = gw = gb = None
        if nf[0][0] is not None:
            w = self._saved[1].unpack_data()
            gi = Tensor._wrap(run_kernel(correlate_transposed, gd, w, geom, info["input_shape"]))
        if nf[1][0] is not None:
            x = self._saved[0].unpack()._data
            gw = Tensor._wrap(run_kernel(correlate_weight, x, gd, geom, info["weight_shape"]))
        if nf[2][0] is not None:
            gb = Tensor._wrap(gd.sum(axis=(0,) + tuple(range(2, gd.ndim))))
        return gi, gw, gb

    def _extra_saved(self, name):
        geom, info = self.extra
        return {"stride": geom.stride, "padding": info["padding"], "dilation": geom.dilation,
                "groups": geom.groups, "transposed": self.transposed,
                "output_padding": info.get("output_padding", (0,) * len(geom.kernel))}.get(name)

    @property
    def _saved_bias_sym_sizes_opt(self) -> tuple | None:  # None without a bias, so not via _extra_saved
        return self.extra[1]["bias_sizes"]


def run_kernel(kernel: Any, a: Any, b: Any, geom: Geometry, *shape: tuple) -> Any:
    """Run one of the 2-d kernels of ``patches`` on arrays of 1, 2 or 3 spatial dims.

    A 1-d convolution is a 2-d one of height 1 (views in, a view of the result out); a
    3-d one takes the plain columns route of ``_COLUMNS`` (the same three formulas)."""
    nsp = len(geom.kernel)
    if nsp == 2:
        return kernel(a, b, geom, *shape)
    if nsp != 1:
        return _COLUMNS[kernel](a, b, geom, *shape)
    k, st, d, pb, pa, groups = geom
    flat = Geometry((1,) + k, (1,) + st, (1,) + d, (0,) + pb, (0,) + pa, groups)
    res = kernel(a[:, :, None], b[:, :, None], flat, *(s[:2] + (1,) + s[2:] for s in shape))
    return res.reshape(res.shape[:2] + res.shape[3:])


def _columns_forward(x: Any, w: Any, geom: Geometry) -> Any:
    """out[n, g] = W[g] @ cols(x)[n, g], any number of spatial dims."""
    n, o, groups = x.shape[0], w.shape[0], geom.groups
    out = w.reshape(groups, o // groups, -1) @ im2col_array(x, geom)
    return out.reshape((n, o) + geom.out_size(x.shape[2:]))


def _columns_input_grad(g: Any, w: Any, geom: Geometry, in_shape: tuple) -> Any:
    """grad_input = col2im(W[g]^T @ g[n, g]); windows past the end of ``g`` (a transposed
    convolution's ``output_padding``) get no gradient."""
    xp = xp_of(g)
    out = geom.out_size(tuple(in_shape[2:]))
    if tuple(g.shape[2:]) != out:
        fit = xp.zeros(g.shape[:2] + out, dtype=g.dtype)
        fit[(slice(None),) * 2 + tuple(slice(0, min(a, b)) for a, b in zip(out, g.shape[2:]))] = \
            g[(slice(None),) * 2 + tuple(slice(0, min(a, b)) for a, b in zip(out, g.shape[2:]))]
        g = fit
    n, o, groups = g.shape[0], g.shape[1], geom.groups
    wm = w.reshape(groups, o // groups, -1).swapaxes(1, 2)
    return col2im_array(wm @ g.reshape(n, groups, o // groups, -1), geom, in_shape)


def _columns_weight_grad(x: Any, g: Any, geom: Geometry, w_shape: tuple) -> Any:
    """grad_weight = sum over images of g[n, g] @ cols(x)[n, g]^T."""
    n, o, groups = g.shape[0], g.shape[1], geom.groups
    gm = g.reshape(n, groups, o // groups, -1)
    return (gm @ im2col_array(x, geom).swapaxes(2, 3)).sum(0).reshape(w_shape)


_COLUMNS = {correlate: _columns_forward, correlate_transposed: _columns_input_grad,
            correlate_weight: _columns_weight_grad}


def convolution(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
                dilation: Any, groups: int, name: str) -> Tensor:
    """``conv1d``/``conv2d``/``conv3d`` (``name``): checks, then shifted columns + one matmul."""
    nsp = weight.ndim - 2
    want = {"conv1d": 1, "conv2d": 2, "conv3d": 3}[name]
    if input.ndim not in (want + 1, want + 2):
        raise RuntimeError(
            f"Expected {want + 1}D (unbatched) or {want + 2}D (batched) input to {name}, but got input "
            f"of size: {_shape_str(input.shape)}")
    if input.ndim == want + 1:                        # one sample: add the batch dim around the call
        return convolution(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups,
                           name).squeeze(0)
    stride = ntuple(stride, nsp, "stride")
    dilation = ntuple(dilation, nsp, "dilation")
    if isinstance(padding, str):
        if padding == "valid":
            pad_before = pad_after = (0,) * nsp
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            total = tuple(d * (k - 1) for d, k in zip(dilation, weight.shape[2:]))
            pad_before = tuple(t // 2 for t in total)
            pad_after = tuple(t - t // 2 for t in total)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pad_before = pad_after = ntuple(padding, nsp, "padding")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p in pad_before):
        raise RuntimeError("negative padding is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    xd, wd = input._data, weight._data
    n, c = xd.shape[:2]
    out_ch = wd.shape[0]
    if out_ch % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
            f"weight of size [{_shape_str(wd.shape)}] instead")
    if c != wd.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {_shape_str(wd.shape)}, expected input"
            f"{_shape_str(xd.shape)} to have {wd.shape[1] * groups} channels, but got {c} channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_ch):
        raise RuntimeError(
            f"Given weight of size {_shape_str(wd.shape)}, expected bias to be 1-dimensional with {out_ch} "
            f"elements, but got bias of size {_shape_str(bias.shape)} instead")
    if xd.dtype != wd.dtype:
        raise RuntimeError(f"expected scalar type {_WORD[xd.dtype.name]} but found {_WORD[wd.dtype.name]}")
    if bias is not None and bias._data.dtype != xd.dtype:
        raise RuntimeError(f"Input type ({_C_TYPE.get(xd.dtype.name, xd.dtype.name)}) and bias type "
                           f"({_C_TYPE.get(bias._data.dtype.name, bias._data.dtype.name)}) should be the same")
    kernel = tuple(wd.shape[2:])
    span = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    padded = tuple(s + pb + pa for s, pb, pa in zip(xd.shape[2:], pad_before, pad_after))
    if any(p < k for p, k in zip(padded, span)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
            f"({' x '.join(map(str, span))}). Kernel size can't be greater than actual input size")
    geom = Geometry(kernel, stride, dilation, pad_before, pad_after, groups)
    out = run_kernel(correlate, xd, wd, geom)                            # columns @ weights
    if bias is not None:
        out += bias._data.reshape((1, out_ch) + (1,) * nsp)
    info = {"input_shape": xd.shape, "weight_shape": wd.shape, "padding": pad_before,
            "bias_sizes": None if bias is None else tuple(bias.shape)}
    return record(out, ConvolutionBackward0, (input, weight, bias), saved=(input, weight),
                  extra=(geom, info))


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-d convolution of ``(N, C, L)`` (or ``(C, L)``) with weights ``(O, C/groups, k)``."""
    return convolution(input, weight, bias, stride, padding, dilation, groups, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-d convolution of ``(N, C, H, W)`` (or ``(C, H, W)``) with weights ``(O, C/groups, kh, kw)``."""
    return convolution(input, weight, bias, stride, padding, dilation, groups, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-d convolution of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``) with weights ``(O, C/groups, kd, kh, kw)``."""
    return convolution(input, weight, bias, stride, padding, dilation, groups, "conv3d")


# ---------------------------------------------------------------------------
# constant padding
# ---------------------------------------------------------------------------


class ConstantPadNdBackward0(OpNode):
    """Padding adds a frame; its gradient removes it (padding by the negated amounts)."""
    __slots__ = ()

    def backward(self, g):
        return constant_pad_nd(g, [-p for p in self.extra], 0)

    def _extra_saved(self, name):
        return tuple(self.extra) if name == "pad" else None


def constant_pad_nd(input: Tensor, pad: Sequence[int], value: float = 0) -> Tensor:
    """Pad (or, with negative amounts, crop) the last dims: ``pad = (left, right, top, bottom, ...)``.

    Pairs apply from the last dimension backwards, as in ``F.pad``.
    """
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input.ndim
    if len(pad) // 2 > nd:
        raise RuntimeError(
            f"Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(pad)} and input of dimension {nd}")
    d = input._data
    xp = xp_of(d)
    widths = [(0, 0)] * nd
    crop = [slice(None)] * nd
    for i in range(len(pad) // 2):
        dim = nd - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        widths[dim] = (max(lo, 0), max(hi, 0))
        size = d.shape[dim]
        crop[dim] = slice(max(-lo, 0), size - max(-hi, 0))
        if size + lo + hi < 0:
            raise RuntimeError(
                f"The input size {size}, plus negative padding {lo} and {hi} resulted in a negative output "
                f"size, which is invalid. Check dimension {dim} of your input.")
    out = d[tuple(crop)]
    if any(w != (0, 0) for w in widths):
        out = xp.pad(out, widths, mode="constant", constant_values=value)
    else:
        out = out.copy()
    return record(out, ConstantPadNdBackward0, (input,), extra=tuple(pad))
