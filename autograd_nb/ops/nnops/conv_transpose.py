"""``conv_transpose2d``: the convolution's input gradient, used as a layer of its own.

A 2-d convolution maps an ``(N, C_in, H, W)`` image to a smaller or equal one; its
transpose maps back: every input pixel *spreads* ``kernel``-sized copies of the weights
into the output (``stride`` apart), and overlapping copies add up. That is exactly
what a convolution's backward does to its output gradient, so the forward here is
``patches.correlate_transposed`` -- the same kernel conv2d's backward uses -- and the
rules are the convolution's read the other way round:

    grad_input  = conv2d(grad, weight)                 (the transposed map's transpose)
    grad_weight = conv2d's weight gradient with the roles of input and gradient swapped
    grad_bias   = grad summed over the batch and the positions

PyTorch records this as ``ConvolutionBackward0`` with ``transposed=True``; so do we.
"""
from __future__ import annotations

from typing import Any

from ..._tensor import Tensor
from ...autograd.grad_mode import STATE
from .._core import record
from . import conv
from .conv import conv2d, ntuple
from .patches import Geometry, correlate_transposed, correlate_weight, im2col

__all__ = ["conv_transpose2d"]


class ConvolutionBackward0(conv.ConvolutionBackward0):
    """A transposed convolution's node (PyTorch's name for both kinds of convolution):
    the saved fields are the convolution's, the rules read the other way round."""
    __slots__ = ()
    transposed = True

    def backward(self, g):
        geom, info = self.extra
        x_saved, w_saved = self._saved
        need = [e[0] is not None for e in self.next_functions]
        gi = gw = gb = None
        if need[0] or need[1]:
            x = x_saved.unpack()
            h, w = x.shape[2:]
        if need[0]:                                   # the convolution of the gradient; with an
            gi = conv2d(g, w_saved.unpack(), None, geom.stride, info["padding"], geom.dilation,
                        geom.groups)                  # output_padding past the stride it has
            if tuple(gi.shape[2:]) != (h, w):         # rows for inputs that do not exist
                gi = gi[:, :, :h, :w]
        if need[1]:
            g_w, geom_w = _weight_view(g, geom, info["output_padding"])
            if STATE.grad_enabled:                    # create_graph: with differentiable ops
                n, cin = x.shape[:2]
                groups = geom.groups
                xm = x.reshape(n, groups, cin // groups, -1)
                cols = im2col(g_w, geom_w)
                gw = xm.matmul(cols.transpose(2, 3)).sum(0).reshape(info["weight_shape"])
            else:
                gw = Tensor._wrap(correlate_weight(g_w._data, x._data, geom_w, info["weight_shape"]))
        if need[2]:
            gb = g.sum((0, 2, 3))
        return gi, gw, gb


def _weight_view(g: Tensor, geom: Geometry, output_padding: tuple) -> tuple[Tensor, Geometry]:
    """The gradient and window geometry that put exactly one window per input pixel on
    ``g``. The windows reach ``padding`` past the start of ``g``; at the end,
    ``output_padding`` rows are already part of ``g``, so the end padding shrinks by that
    much, and where it would go negative the rows no window reaches are cut off."""
    after, crop = [], []
    for p, op, size in zip(geom.pad_before, output_padding, g.shape[2:]):
        after.append(max(p - op, 0))
        crop.append(size + min(p - op, 0))
    if tuple(crop) != tuple(g.shape[2:]):
        g = g[:, :, :crop[0], :crop[1]]
    return g, geom._replace(pad_after=tuple(after))


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 2-d convolution of ``(N, C_in, H, W)`` (or ``(C_in, H, W)``) with weights
    ``(C_in, C_out / groups, kh, kw)``: the output is ``(H - 1) * stride - 2 * padding +
    dilation * (kh - 1) + output_padding + 1`` high (and likewise wide)."""
    if input.dim() == 3:
        return conv_transpose2d(input.unsqueeze(0), weight, bias, stride, padding, output_padding, groups,
                                dilation).squeeze(0)
    if input.dim() != 4:
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input "
                           f"of size: [{', '.join(map(str, input.shape))}]")
    stride, padding = ntuple(stride, 2, "stride"), ntuple(padding, 2, "padding")
    output_padding, dilation = ntuple(output_padding, 2, "output_padding"), ntuple(dilation, 2, "dilation")
    xd, wd = input._data, weight._data
    n, cin, h, w = xd.shape
    if wd.shape[0] != cin:
        raise RuntimeError(f"Given transposed=1, weight of size [{', '.join(map(str, wd.shape))}], expected "
                           f"input[{', '.join(map(str, xd.shape))}] to have {wd.shape[0]} channels, but got "
                           f"{cin} channels instead")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           f"output_padding_height: {output_padding[0]} output_padding_width: "
                           f"{output_padding[1]} stride_height: {stride[0]} stride_width: {stride[1]} "
                           f"dilation_height: {dilation[0]} dilation_width: {dilation[1]}")
    kernel = tuple(wd.shape[2:])
    cout = wd.shape[1] * groups
    out_hw = tuple((s - 1) * st - 2 * p + d * (k - 1) + op + 1
                   for s, st, p, d, k, op in zip((h, w), stride, padding, dilation, kernel, output_padding))
    geom = Geometry(kernel, stride, dilation, padding, padding, groups)
    out = correlate_transposed(xd, wd, geom, (n, cout) + out_hw)
    if bias is not None:
        out = out + bias._data.reshape(1, cout, 1, 1)
    info = {"weight_shape": wd.shape, "padding": padding, "output_padding": output_padding,
            "bias_sizes": None if bias is None else tuple(bias.shape)}
    return record(out.astype(xd.dtype, copy=False), ConvolutionBackward0, (input, weight, bias),
                  saved=(input, weight), extra=(geom, info))
