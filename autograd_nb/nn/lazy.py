"""Lazy layers: ``nn.LazyLinear(10)`` learns its input size from the first batch.

A lazy layer starts with *uninitialised* parameters (``<UninitializedParameter>``, no
shape yet). The first call looks at the input (the last dimension for ``Linear``,
the channel dimension for convolutions and batch norm), gives the parameters their
shapes, initialises them exactly as the ordinary layer would (so after
``torch.manual_seed`` the same random draws as PyTorch), and then the layer *becomes*
the ordinary one: ``type(layer)`` is ``Linear`` from then on.
"""
from __future__ import annotations

from typing import Any

from .. import _backend as B
from .._tensor import Tensor
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .parameter import Parameter

__all__ = ["UninitializedParameter", "UninitializedBuffer", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d",
           "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
           "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
           "LazyInstanceNorm3d"]


class UninitializedParameter(Parameter):
    """A parameter without a shape yet; a lazy layer gives it one with ``materialize``."""

    __slots__ = ()
    cls_to_become = Parameter

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give the parameter ``shape`` (uninitialised numbers) and make it a ``Parameter``."""
        xp = B.xp_of(self._data)
        self._data = xp.empty(tuple(shape), dtype=self._data.dtype if dtype is None else dtype.np)
        self.__class__ = self.cls_to_become

    def __repr__(self, prefix: str = "") -> str:
        return f"<{type(self).__name__}>"

    __str__ = __repr__


class UninitializedBuffer(Tensor):
    """A buffer without a shape yet (running statistics of a lazy batch norm)."""

    __slots__ = ()

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        xp = B.xp_of(self._data)
        self._data = xp.empty(tuple(shape), dtype=self._data.dtype if dtype is None else dtype.np)
        self.__class__ = Tensor

    def __repr__(self, prefix: str = "") -> str:
        return f"<{type(self).__name__}>"

    __str__ = __repr__


def _uninitialised(t: Any, kind: type) -> Any:
    if t is None:
        return None
    u = object.__new__(kind)
    if kind is UninitializedParameter:
        Parameter.__init__(u, t, t.requires_grad)
    else:
        u._init(t._data, False)
    return u


def _infer_parameters(module: "_LazyMixin", args: tuple) -> None:
    """The forward pre-hook: shapes from the first input, then become the ordinary layer."""
    module.initialize_parameters(*args)
    module._initialize_hook.remove()
    module.__class__ = module.cls_to_become


class _LazyMixin:
    """What every lazy layer shares; ``_size_attr`` names the size learnt from the input."""

    cls_to_become: type = Module
    _size_attr = ""

    def _make_lazy(self) -> None:
        for name, p in list(self._parameters.items()):
            self._parameters[name] = _uninitialised(p, UninitializedParameter)
        for name in ("running_mean", "running_var"):
            if self._buffers.get(name) is not None:
                self._buffers[name] = _uninitialised(self._buffers[name], UninitializedBuffer)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)

    def has_uninitialized_params(self) -> bool:
        """True until the first call has given every parameter its shape."""
        return any(isinstance(t, (UninitializedParameter, UninitializedBuffer))
                   for t in list(self._parameters.values()) + list(self._buffers.values()))

    def reset_parameters(self) -> None:
        """Nothing to draw while the sizes are unknown (the first call draws)."""
        if not self.has_uninitialized_params() and getattr(self, self._size_attr) != 0:
            super().reset_parameters()  # type: ignore[misc]

    def _materialize(self, shapes: dict[str, tuple[int, ...]]) -> None:
        for name, shape in shapes.items():
            t = self._parameters.get(name, self._buffers.get(name))
            if isinstance(t, (UninitializedParameter, UninitializedBuffer)):
                t.materialize(shape)
        self.reset_parameters()


class LazyLinear(_LazyMixin, Linear):
    """``Linear`` whose ``in_features`` is the last dimension of its first input."""

    cls_to_become = Linear
    _size_attr = "in_features"

    def __init__(self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, out_features, bias, device, dtype)
        self._make_lazy()

    def initialize_parameters(self, input: Tensor, *args: Any) -> None:
        self.in_features = input.shape[-1]
        self._materialize({"weight": (self.out_features, self.in_features), "bias": (self.out_features,)})


class _LazyConv(_LazyMixin):
    _size_attr = "in_channels"

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, bias,  # type: ignore[call-arg]
                         padding_mode, device, dtype)
        self._make_lazy()

    def initialize_parameters(self, input: Tensor, *args: Any) -> None:
        batched = input.dim() == self._dims + 2
        self.in_channels = input.shape[1] if batched else input.shape[0]
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        channels = ((self.in_channels, self.out_channels // self.groups) if self.transposed
                    else (self.out_channels, self.in_channels // self.groups))
        self._materialize({"weight": channels + tuple(self.kernel_size), "bias": (self.out_channels,)})


class LazyConv1d(_LazyConv, Conv1d):
    """``Conv1d`` whose ``in_channels`` comes from its first input."""

    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    """``Conv2d`` whose ``in_channels`` comes from its first input."""

    cls_to_become = Conv2d


class LazyConv3d(_LazyConv, Conv3d):
    """``Conv3d`` whose ``in_channels`` comes from its first input."""

    cls_to_become = Conv3d


class _LazyConvTranspose(_LazyConv):
    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super(_LazyConv, self).__init__(0, out_channels, kernel_size, stride, padding,  # type: ignore[call-arg]
                                        output_padding, groups, bias, dilation, padding_mode, device, dtype)
        self._make_lazy()


class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    """``ConvTranspose1d`` whose ``in_channels`` comes from its first input."""

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    """``ConvTranspose2d`` whose ``in_channels`` comes from its first input."""

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    """``ConvTranspose3d`` whose ``in_channels`` comes from its first input."""

    cls_to_become = ConvTranspose3d


class _LazyBatchNorm(_LazyMixin):
    _size_attr = "num_features"

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__(0, eps, momentum, affine, track_running_stats, device, dtype,  # type: ignore[call-arg]
                         bias=bias)
        self._make_lazy()

    def initialize_parameters(self, input: Tensor, *args: Any) -> None:
        self.num_features = input.shape[1]
        n = (self.num_features,)
        self._materialize({"weight": n, "bias": n, "running_mean": n, "running_var": n})


class LazyBatchNorm1d(_LazyBatchNorm, BatchNorm1d):
    """``BatchNorm1d`` whose ``num_features`` comes from its first input."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyBatchNorm, BatchNorm2d):
    """``BatchNorm2d`` whose ``num_features`` comes from its first input."""

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyBatchNorm, BatchNorm3d):
    """``BatchNorm3d`` whose ``num_features`` comes from its first input."""

    cls_to_become = BatchNorm3d


# The lazy instance norms take their defaults from the lazy batch norms (affine and
# running statistics on, unlike InstanceNorm's), and, as PyTorch's, read num_features
# from dim 1 of the first input whether or not it is batched.

class LazyInstanceNorm1d(_LazyBatchNorm, InstanceNorm1d):
    """``InstanceNorm1d`` whose ``num_features`` comes from its first input."""

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyBatchNorm, InstanceNorm2d):
    """``InstanceNorm2d`` whose ``num_features`` comes from its first input."""

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyBatchNorm, InstanceNorm3d):
    """``InstanceNorm3d`` whose ``num_features`` comes from its first input."""

    cls_to_become = InstanceNorm3d
