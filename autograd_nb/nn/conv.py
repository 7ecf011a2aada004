"""``nn.Conv1d`` and ``nn.Conv2d``: learned filters slid over the input.

Weights are ``(out_channels, in_channels / groups, *kernel_size)``; each output
channel is a filter that looks at a ``kernel_size`` window of its group's input
channels at every position. The computation (im2col + one matrix product) is in
``ops/nnops/conv.py``.
"""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from . import functional as F
from .linear import default_reset
from .module import Module
from .parameter import add_weight_and_bias

__all__ = ["Conv1d", "Conv2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(v: Any, n: int) -> tuple:
    if isinstance(v, int):
        return (v,) * n
    v = tuple(v)
    return v * n if len(v) == 1 else v


class _ConvNd(Module):
    _dims = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        n = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        stride = _tuple(stride, n)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {set(('same', 'valid'))}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _tuple(padding, n)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {set(_PADDING_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _tuple(kernel_size, n)
        self.stride = stride
        self.padding = padding
        self.dilation = _tuple(dilation, n)
        self.transposed = False
        self.output_padding = (0,) * n
        self.groups = groups
        self.padding_mode = padding_mode
        add_weight_and_bias(self, (out_channels, in_channels // groups) + self.kernel_size,
                            out_channels, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)) weights, bias uniform in +-1/sqrt(fan_in)."""
        default_reset(self.weight, self.bias)

    def extra_repr(self) -> str:
        n = self._dims
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _conv(self, input: Tensor, fn: Any) -> Tensor:
        if self.padding_mode != "zeros":
            raise NotImplementedError(
                f"autograd_nb: Conv padding_mode='{self.padding_mode}' is not implemented (only 'zeros')")
        return fn(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-d convolution over ``(N, C_in, L)`` (or ``(C_in, L)``) inputs."""
    _dims = 1

    def forward(self, input: Tensor) -> Tensor:
        return self._conv(input, F.conv1d)


class Conv2d(_ConvNd):
    """2-d convolution over ``(N, C_in, H, W)`` (or ``(C_in, H, W)``) images."""
    _dims = 2

    def forward(self, input: Tensor) -> Tensor:
        return self._conv(input, F.conv2d)
