"""``F.local_response_norm`` / ``nn.LocalResponseNorm``: AlexNet's normalisation across channels.

Each value is divided by a power of the mean of the squares of its ``size`` neighbouring
channels (at the same position):

    out = input / (k + alpha * mean(input^2 over the neighbouring channels)) ^ beta

PyTorch writes it in Python as a composite of ordinary ops (square, zero padding along
the channels, an average pooling over ``size`` channels, scale, shift, power, divide),
so its graph is those ops' nodes (``AvgPool2DBackward0`` for 3-d inputs,
``AvgPool3DBackward0`` for wider ones): it is built here the same way.
"""
from __future__ import annotations

from .._tensor import Tensor
from .module import Module

__all__ = ["local_response_norm", "LocalResponseNorm"]


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """Divide each value by ``(k + alpha * mean of the squares of size neighbouring channels) ** beta``."""
    from . import functional as F
    from ..ops.nnops.pool3d import avg_pool3d
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = div.unsqueeze(1)
        div = F.pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = F.avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.size()
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = F.pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.view(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


class LocalResponseNorm(Module):
    """Normalise each value by its ``size`` neighbouring channels (``F.local_response_norm``)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
