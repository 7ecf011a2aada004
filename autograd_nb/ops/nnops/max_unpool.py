"""Max unpooling: put each pooled value back where max pooling found it, zeros elsewhere.

``F.max_pool2d(x, 2, return_indices=True)`` keeps the largest value of each window and
its flat position in the image (``h * W + w``). ``F.max_unpool2d(values, indices, 2)``
is a partial inverse: an image of zeros of the pooled input's size (or ``output_size``)
with each value written back at its index. (Segmentation networks such as SegNet
upsample this way, remembering where the strong activations were.)

Backward (``MaxUnpool2DBackward0`` / ``MaxUnpool3DBackward0``): each input value went
to one output position, so its gradient is read back there:
``grad.flatten(spatial).gather(-1, indices)``. The rule is made of differentiable ops
(``ViewBackward0`` over ``GatherBackward0`` under ``create_graph``, as PyTorch's), so
second derivatives follow.

The ``F.max_unpool1d/2d/3d`` functions first work out the output size from the pooling
arguments (``(size - 1) * stride - 2 * padding + kernel_size`` per dim, or a given
``output_size`` checked against it); 1-d unpooling is 2-d unpooling of width 1, as
PyTorch computes it.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import OpNode, record


class MaxUnpool2DBackward0(OpNode):
    """Each value was written at its index, so its gradient is read back from there.

    out = zeros(output_size) with out.flatten(spatial)[indices] = self
    grad_self = grad.flatten(-2).gather(-1, indices.flatten(-2)).view(indices.shape)
    """
    saved_names = ("indices",)
    dims = 2

    def backward(self, g):
        idx = self._saved[0].unpack()
        return g.flatten(-self.dims).gather(-1, idx.flatten(-self.dims)).view(tuple(idx.shape))


class MaxUnpool3DBackward0(MaxUnpool2DBackward0):
    """The 3-d form: each value's gradient is read back from where it was written.

    grad_self = grad.flatten(-3).gather(-1, indices.flatten(-3)).view(indices.shape)
    """
    dims = 3


def _check(input: Tensor, indices: Tensor, dims: int) -> None:
    """PyTorch's checks of the kernel, in its order and words."""
    idx = indices._data
    if idx.dtype != np.int64:
        got = "" if dims == 3 else f" but got: {B.SCALAR_NAMES[idx.dtype.name]}"
        raise RuntimeError(f"elements in indices should be type int64{got}")
    nd = input.dim()
    if nd not in (dims + 1, dims + 2):
        raise RuntimeError(f"Input to max_unpooling{dims}d should be a {dims + 1}d or {dims + 2}d Tensor, but got a "
                           f"tensor with {nd} dimensions.")
    if tuple(idx.shape) != tuple(input.shape):
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor "
                           f"([{', '.join(map(str, input.shape))}]) but got indices tensor with shape: "
                           f"[{', '.join(map(str, idx.shape))}]")


def _unpool(input: Tensor, indices: Tensor, size: Sequence[int], dims: int) -> Tensor:
    """Zeros of spatial ``size`` with ``input`` written at ``indices`` (checked by the caller)."""
    d, idx = input._data, indices._data
    shape = tuple(input.shape)
    for k in range(len(shape) - dims, len(shape)):
        if shape[k] == 0:
            raise RuntimeError(f"max_unpooling{dims}d_forward_out_cpu(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but got [{', '.join(map(str, shape))}] with dimension {k} "
                               "being empty.")
    cells = int(np.prod(size))
    rows = int(np.prod(shape[:-dims]))
    flat_idx = idx.reshape(rows, -1)
    bad = (flat_idx < 0) | (flat_idx >= cells)
    if bad.any():
        first = int(flat_idx.reshape(-1)[int(bad.reshape(-1).argmax())])
        raise RuntimeError(f"Found an invalid max index: {first} (output volumes are of size "
                           f"{'x'.join(map(str, size))})")
    xp = B.xp_of(d)
    out = xp.zeros((rows, cells), dtype=d.dtype)
    at = xp.arange(rows)[:, None]
    # (where two values share an index, the first is kept, as PyTorch's CPU kernel does)
    out[at, flat_idx[:, ::-1]] = d.reshape(rows, -1)[:, ::-1]
    node = MaxUnpool2DBackward0 if dims == 2 else MaxUnpool3DBackward0
    return record(out.reshape(shape[:-dims] + tuple(size)), node, (input,), saved=(indices,))


def _as_tuple(v: Any, n: int) -> tuple:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def unpool_output_size(input: Tensor, kernel_size: tuple, stride: tuple, padding: tuple,
                       output_size: Any) -> list:
    """The spatial size of the unpooled output: the pooled input's size by default, or
    ``output_size`` (optionally with the batch and channel dims) if it is within a
    stride of that."""
    n = len(kernel_size)
    default = [(input.shape[-n + j] - 1) * stride[j] + kernel_size[j] - 2 * padding[j] for j in range(n)]
    if output_size is None:
        return default
    if len(output_size) == n + 2:
        output_size = output_size[2:]
    if len(output_size) != n:
        raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, but it has a "
                         f"length of '{len(output_size)}'")
    for j in range(n):
        low, high = default[j] - stride[j], default[j] + stride[j]
        if not low < output_size[j] < high:
            raise ValueError(f'invalid output_size "{output_size}" (dim {j} must be between {low} and {high})')
    return list(output_size)


def _max_unpool(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any, padding: Any, output_size: Any,
                dims: int) -> Tensor:
    """``max_unpool2d`` / ``3d``: the output size, PyTorch's checks, then the kernel."""
    k = _as_tuple(kernel_size, dims)
    s = _as_tuple(stride, dims) if stride is not None else k
    size = unpool_output_size(input, k, s, _as_tuple(padding, dims), output_size)
    _check(input, indices, dims)
    if len(size) != dims:
        names = "two elements (height, width)" if dims == 2 else "three elements (depth, height, width)"
        raise RuntimeError(f"There should be exactly {names} in output_size, but got {len(size)} elements.")
    if dims == 3 and min(s) <= 0:
        raise RuntimeError(f"strides should be greater than zero, but got stride: [{', '.join(map(str, s))}]")
    return _unpool(input, indices, size, dims)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """Each value of ``(N, C, H, W)`` written back at its ``indices`` (from ``max_pool2d``)
    in zeros of the pooled input's size (or ``output_size``)."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """Each value of ``(N, C, L)`` written back at its ``indices`` (from ``max_pool1d``): as
    PyTorch, a 2-d unpooling of width 1 (``unsqueeze(-1)``, ``max_unpool2d``, ``squeeze(-1)``)."""
    k = _as_tuple(kernel_size, 1)
    s = _as_tuple(stride, 1) if stride is not None else k
    size = unpool_output_size(input, k, s, _as_tuple(padding, 1), output_size)
    _check(input.unsqueeze(-1), indices.unsqueeze(-1), 2)
    return _unpool(input.unsqueeze(-1), indices.unsqueeze(-1), list(size) + [1], 2).squeeze(-1)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Any = None) -> Tensor:
    """Each value of ``(N, C, D, H, W)`` written back at its ``indices`` (from ``max_pool3d``)."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)
