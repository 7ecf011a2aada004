"""Convolution (1-d, 2-d and 3-d, any stride/padding/dilation/groups) and constant padding.

Forward: a correlation of the input with the weights, computed as ONE batched matrix
product over shifted columns of the input (``patches.correlate``):

    out[n, g] = W[g] (O/G x C/G*K)  @  cols[n, g] (C/G*K x L)

Backward (``ConvolutionBackward0``) is one op, ``convolution_backward`` (PyTorch's), on
arrays, with the output gradient ``g`` in the same layout:

    grad_input  = g correlated with the flipped, channel-swapped kernel: the transposed
                  convolution (each input pixel collects from every window that read it)
    grad_weight = sum over n of g[n, g] @ cols[n, g]^T
    grad_bias   = g summed over the batch and the positions

Without create_graph that is three array kernels and nothing more. With create_graph
``convolution_backward`` records its own node (``ConvolutionBackwardBackward0``), whose
rule is convolutions and ``convolution_backward`` again (it is linear in each argument),
so derivatives of any order work.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from ...autograd.grad_mode import STATE
from .._core import OpNode, record, record_multi
from .patches import (Geometry, col2im_array, correlate, correlate_transposed, correlate_weight,
                      im2col_array)

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
    """A convolution slides the weight over the input. The input's gradient is the
    transposed convolution of the gradient with the weight (each input pixel collects
    from every window that read it); the weight's correlates the input with the gradient,
    summed over the batch; the bias's is the gradient summed over the batch and the
    positions.

    out = convolution(input, weight, bias, stride, padding, dilation, groups)
    grad_input = convolution_backward(grad, input, weight)[0]   (grad convolved with the flipped, channel-swapped weight)
    grad_weight = convolution_backward(grad, input, weight)[1]   (sum over the batch of grad @ cols(input)^T)
    grad_bias = convolution_backward(grad, input, weight)[2]   (grad summed over the batch and the positions)
    """
    saved_names = ("input", "weight")
    fields = ("stride", "padding", "dilation", "transposed", "output_padding", "groups", "bias_sym_sizes_opt",
              "_geom")                                 # (_geom: the windows' geometry, what the kernels take)

    def backward(self, g):
        x, w = self._saved[0].unpack(), self._saved[1].unpack()
        nf = self.next_functions
        return convolution_backward(g, x, w, self._geom,
                                    (nf[0][0] is not None, nf[1][0] is not None, nf[2][0] is not None))


class ConvolutionBackwardBackward0(OpNode):
    """convolution_backward is linear in each argument: the gradient of its outputs
    (grad_input, grad_weight, grad_bias) with respect to grad_output is convolutions of
    their gradients, and with respect to input and weight it is convolution_backward
    itself with a gradient in the weight's (or the input's) place.

    out = convolution_backward(grad_output, input, weight)
    grad_grad_output = conv(grads[0], weight) + conv(input, grads[1]) + grads[2] (broadcast over the positions)
    grad_input = convolution_backward(grad_output, input, grads[1])[0]
    grad_weight = convolution_backward(grad_output, grads[0], weight)[1]
    """
    saved_names = ("grad_output", "input", "weight")
    fields = ConvolutionBackward0.fields + ("_mask",)   # (_mask: which of the three it computed)

    def backward(self, *grads):
        it = iter(grads)
        ggi, ggw, ggb = (next(it) if m else None for m in self._mask)
        g, x, w = (s.unpack() for s in self._saved)
        nf = self.next_functions
        geom = self._geom
        gg = gx = gw = None
        if nf[0][0] is not None:
            parts = []
            if ggi is not None:
                parts.append(_convolve(ggi, w, None, geom))
            if ggw is not None:
                parts.append(_convolve(x, ggw, None, geom))
            if ggb is not None:
                parts.append(ggb.reshape((1, -1) + (1,) * (g.ndim - 2)).expand(tuple(g.shape)))
            for p in parts:
                gg = p if gg is None else gg + p
        if nf[1][0] is not None and ggw is not None:
            gx = convolution_backward(g, x, ggw, geom, (True, False, False))[0]
        if nf[2][0] is not None and ggi is not None:
            gw = convolution_backward(g, ggi, w, geom, (False, True, False))[1]
        return gg, gx, gw


def _shown(geom: Geometry, transposed: bool = False, output_padding: tuple | None = None,
           bias: Tensor | None = None) -> dict:
    """A convolution node's fields, as PyTorch shows them (the geometry rides along)."""
    return {"stride": geom.stride, "padding": geom.pad_before, "dilation": geom.dilation,
            "transposed": transposed,
            "output_padding": (0,) * len(geom.kernel) if output_padding is None else output_padding,
            "groups": geom.groups, "bias_sym_sizes_opt": None if bias is None else tuple(bias.shape),
            "_geom": geom}


def convolution_backward(grad: Tensor, input: Tensor, weight: Tensor, geom: Geometry,
                         output_mask: Sequence[bool]) -> tuple:
    """PyTorch's ``convolution_backward``: ``(grad_input, grad_weight, grad_bias)`` of a
    convolution of ``input`` with ``weight`` (windows ``geom``) whose output gradient is
    ``grad``; None where ``output_mask`` says no. Array kernels (``patches``); under
    create_graph the result records ``ConvolutionBackwardBackward0``."""
    gd = grad._data
    gi = gw = gb = None
    if output_mask[0]:                                # grad correlated with the flipped kernel
        gi = run_kernel(correlate_transposed, gd, weight._data, geom, input._data.shape)
    if output_mask[1]:                                # sum over images of grad @ cols(input)^T
        gw = run_kernel(correlate_weight, input._data, gd, geom, weight._data.shape)
    if output_mask[2]:
        gb = gd.sum(axis=(0,) + tuple(range(2, gd.ndim)))
    return backward_results((gi, gw, gb), grad, input, weight, output_mask, _shown(geom))


def backward_results(grads: tuple, grad: Tensor, input: Tensor, weight: Tensor, output_mask: Sequence[bool],
                     shown: dict, node: type | None = None) -> tuple:
    """The three gradients as tensors (None where ``output_mask`` asked for none); under
    create_graph one ``node`` (``ConvolutionBackwardBackward0``, or the transposed
    convolutions' own) makes them, with the geometry fields ``shown``."""
    if STATE.mode:                                    # (backward without create_graph: nothing records)
        return tuple(None if d is None else Tensor._wrap(d) for d in grads)
    outs = [d for d in grads if d is not None]
    if not outs:
        return None, None, None
    res = iter(record_multi(outs, node or ConvolutionBackwardBackward0, (grad, input, weight),
                            saved=(grad, input, weight), _mask=tuple(output_mask), **shown))
    return tuple(next(res) if m else None for m in output_mask)


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
    xp = B.xp_of(g)
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
    if weight.ndim < 3:
        raise RuntimeError("weight should have at least three dimensions")
    # (as PyTorch's argument parser: one int stands for the function's number of dims, which
    # must then be the weight's)
    stride, dilation = ((v,) * want if isinstance(v, (int, np.integer)) else v for v in (stride, dilation))
    if isinstance(padding, str) and padding == "same" and weight.ndim != input.ndim:
        raise RuntimeError(f"Expected {weight.ndim}-dimensional input for {weight.ndim}-dimensional weight"
                           f"{_shape_str(weight.shape)}, but got {input.ndim}-dimensional input of size "
                           f"{_shape_str(input.shape)} instead")
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
        pad_before = pad_after = ntuple((padding,) * want if isinstance(padding, (int, np.integer)) else padding,
                                        nsp, "padding")
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
    if wd.ndim != xd.ndim:
        raise RuntimeError(f"Expected {wd.ndim}-dimensional input for {wd.ndim}-dimensional weight "
                           f"{_shape_str(wd.shape)}, but got {xd.ndim}-dimensional input of size "
                           f"{_shape_str(xd.shape)} instead")
    if out_ch < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {_shape_str(wd.shape)} instead")
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
        raise RuntimeError(f"expected scalar type {B.SCALAR_NAMES[xd.dtype.name]} but found "
                           f"{B.SCALAR_NAMES[wd.dtype.name]}")
    if bias is not None and bias._data.dtype != xd.dtype:
        raise RuntimeError(f"Input type ({B.CPP_NAMES.get(xd.dtype.name, xd.dtype.name)}) and bias type "
                           f"({B.CPP_NAMES.get(bias._data.dtype.name, bias._data.dtype.name)}) should be the same")
    kernel = tuple(wd.shape[2:])
    span = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    padded = tuple(s + pb + pa for s, pb, pa in zip(xd.shape[2:], pad_before, pad_after))
    if any(p < k for p, k in zip(padded, span)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
            f"({' x '.join(map(str, span))}). Kernel size can't be greater than actual input size")
    return _convolve(input, weight, bias, Geometry(kernel, stride, dilation, pad_before, pad_after, groups))


def _convolve(input: Tensor, weight: Tensor, bias: Tensor | None, geom: Geometry) -> Tensor:
    """The convolution op itself (arguments checked): shifted columns @ weights, + bias."""
    out = run_kernel(correlate, input._data, weight._data, geom)
    if bias is not None:
        out += bias._data.reshape((1, out.shape[1]) + (1,) * (out.ndim - 2))
    return record(out, ConvolutionBackward0, (input, weight, bias), saved=(input, weight), stride=geom.stride,
                  padding=geom.pad_before, dilation=geom.dilation, transposed=False,
                  output_padding=(0,) * len(geom.kernel), groups=geom.groups,
                  bias_sym_sizes_opt=None if bias is None else tuple(bias.shape), _geom=geom)


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
    """Padding adds a frame; its gradient removes it (padding by the negated amounts).

    grad_self = constant_pad_nd(grad, -pad)
    """
    fields = ("pad",)

    def backward(self, g):
        return constant_pad_nd(g, [-p for p in self.pad], 0)


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
    xp = B.xp_of(d)
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
    return record(out, ConstantPadNdBackward0, (input,), pad=tuple(pad))
