"""``nn.Linear`` (an affine map ``x @ W.T + b``) and ``nn.Identity``."""
from __future__ import annotations

import math
from typing import Any

from .._tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import add_weight_and_bias

__all__ = ["Identity", "Linear", "Bilinear"]

_UNSET = object()


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to remove a layer); ignores its arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """``y = x @ weight.T + bias``, mapping the last dim from ``in_features`` to ``out_features``.

    ``weight`` is ``(out_features, in_features)``. Both start uniform in
    ``[-1/sqrt(in_features), 1/sqrt(in_features)]`` (PyTorch's default), so the output
    of a fresh layer has about the size of its input.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        add_weight_and_bias(self, (out_features, in_features), out_features, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights: kaiming_uniform_(a=sqrt(5)), bias uniform in +-1/sqrt(fan_in)."""
        default_reset(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        # the registered parameters, read straight from the registry (``self.weight`` is
        # found by Module.__getattr__ only after a failed lookup: slow on this hot path);
        # anything else (a parameter replaced by a plain tensor or a property) as usual
        p = self._parameters
        weight, bias = p.get("weight", _UNSET), p.get("bias", _UNSET)
        if weight is _UNSET or bias is _UNSET:
            weight, bias = self.weight, self.bias
        return F.linear(input, weight, bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """``y[k] = x1 @ weight[k] @ x2 + bias[k]``: every output mixes each pair of input features.

    ``weight`` is ``(out_features, in1_features, in2_features)``; weights and bias start
    uniform in ``[-1/sqrt(in1_features), 1/sqrt(in1_features)]``.
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        add_weight_and_bias(self, (out_features, in1_features, in2_features), out_features, bias,
                            device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


def default_reset(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's default for Linear and Conv layers.

    ``kaiming_uniform_(weight, a=sqrt(5))`` makes the weights uniform in
    ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``; the bias is drawn from the same range.
    """
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)
