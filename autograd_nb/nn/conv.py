"""``nn.Conv1d/2d/3d`` and ``nn.ConvTranspose1d/2d/3d``: learned filters slid over the input.

Weights are ``(out_channels, in_channels / groups, *kernel_size)``; each output
channel is a filter that looks at a ``kernel_size`` window of its group's input
channels at every position. The computation (each kernel offset one shifted slice of
the padded input, matrix products over those slices) is in ``ops/nnops/conv.py`` and
``ops/nnops/patches.py``. A ``padding_mode`` other than ``'zeros'`` pads with ``F.pad``
first (reflect / replicate / circular) and convolves with no padding, as PyTorch does.
"""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from . import functional as F
from .linear import default_reset
from .module import Module
from .parameter import add_weight_and_bias

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(v: Any, n: int) -> tuple:
    if isinstance(v, int):
        return (v,) * n
    v = tuple(v)
    return v * n if len(v) == 1 else v


def _check_groups(in_channels: int, out_channels: int, groups: int) -> None:
    """PyTorch's checks: both channel counts split evenly into ``groups`` groups."""
    if groups <= 0:
        raise ValueError("groups must be a positive integer")
    if in_channels % groups != 0:
        raise ValueError("in_channels must be divisible by groups")
    if out_channels % groups != 0:
        raise ValueError("out_channels must be divisible by groups")


class _ConvNd(Module):
    _dims = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        n = self._dims
        _check_groups(in_channels, out_channels, groups)
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
        self._set_up(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, padding_mode,
                     False, 0, bias, device, dtype)

    def _set_up(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any, padding: Any,
                 dilation: Any, groups: int, padding_mode: str, transposed: bool, output_padding: Any,
                 bias: bool, device: Any, dtype: Any) -> None:
        """Keep the (checked) settings as PyTorch's attributes and make the parameters:
        ``(out, in / groups, *kernel)`` weights, or ``(in, out / groups, *kernel)`` when
        transposed."""
        n = self._dims
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _tuple(kernel_size, n)
        self.stride = _tuple(stride, n)
        self.padding = padding
        self.dilation = _tuple(dilation, n)
        self.transposed = transposed
        self.output_padding = _tuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        channels = (in_channels, out_channels // groups) if transposed else (out_channels, in_channels // groups)
        add_weight_and_bias(self, channels + self.kernel_size, out_channels, bias, device, dtype)
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
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _reversed_padding(self) -> list[int]:
        """``F.pad``'s amounts for this conv's padding: (left, right) per spatial dim, last
        dim first; ``'same'`` splits ``dilation * (kernel - 1)`` with the extra one after."""
        pads: list[int] = []
        for i in reversed(range(len(self.kernel_size))):
            if self.padding == "valid":
                pads += [0, 0]
            elif self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                pads += [total // 2, total - total // 2]
            else:
                pads += [self.padding[i], self.padding[i]]
        return pads

    def _conv(self, input: Tensor, fn: Any) -> Tensor:
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding(), mode=self.padding_mode)
            return fn(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
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


class Conv3d(_ConvNd):
    """3-d convolution over ``(N, C_in, D, H, W)`` (or ``(C_in, D, H, W)``) volumes."""
    _dims = 3

    def forward(self, input: Tensor) -> Tensor:
        return self._conv(input, F.conv3d)


class _ConvTransposeNd(_ConvNd):
    """Transposed 2-d convolution ("deconvolution"): each input pixel scatters a
    ``kernel_size`` patch of its weights into the output, so a stride of 2 roughly
    doubles height and width. It is the gradient of ``Conv2d`` with respect to its
    input, which is why autograd records it as the same ``ConvolutionBackward0`` node
    (with ``_saved_transposed == True``).

    Weights are ``(in_channels, out_channels / groups, *kernel_size)``: the first two
    dimensions are swapped compared with ``Conv2d``. ``output_padding`` adds rows and
    columns on one side of the output to pick between the sizes a strided conv maps
    onto the same input size; ``forward(input, output_size=...)`` chooses it for you.
    """
    _dims = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if isinstance(padding, str):
            raise ValueError(f"padding must be an int or a tuple of ints for {type(self).__name__}, "
                             f"got {padding!r}")
        Module.__init__(self)
        n = self._dims
        _check_groups(in_channels, out_channels, groups)
        self._set_up(in_channels, out_channels, kernel_size, stride, _tuple(padding, n), dilation, groups,
                     padding_mode, True, output_padding, bias, device, dtype)

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple:
        """The ``output_padding`` that makes the output ``output_size`` (the last
        ``_dims`` entries count), checked to lie between the smallest and largest reachable size."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        output_size = list(output_size)[-n:]
        if len(output_size) != n:
            raise ValueError(f"ConvTranspose{n}D: for {input.dim()}D input, output_size must have {n} or "
                             f"{n + 2} elements (got {len(list(output_size))})")
        spatial = input.shape[-n:]
        smallest = [(spatial[d] - 1) * self.stride[d] - 2 * self.padding[d]
                    + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(n)]
        largest = [smallest[d] + self.stride[d] - 1 for d in range(n)]
        if any(not smallest[d] <= output_size[d] <= largest[d] for d in range(n)):
            raise ValueError(f"requested an output size of {output_size}, but valid sizes range from "
                             f"{smallest} to {largest} (for an input of {spatial})")
        extra = [output_size[d] - smallest[d] for d in range(n)]
        return tuple(extra)

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        output_padding = self._output_padding(input, output_size)
        fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[self._dims - 1]
        return fn(input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups,
                  self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-d convolution over ``(N, C_in, L)`` (or ``(C_in, L)``) inputs."""
    _dims = 1


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-d convolution over ``(N, C_in, H, W)`` (or ``(C_in, H, W)``) images."""
    _dims = 2


class ConvTranspose3d(_ConvTransposeNd):
    """Transposed 3-d convolution over ``(N, C_in, D, H, W)`` (or ``(C_in, D, H, W)``) volumes."""
    _dims = 3
