"""``nn.AlphaDropout``, ``nn.FeatureAlphaDropout``, ``nn.Dropout3d``: more dropouts as layers.

Like ``nn.Dropout`` they act only in training mode (``model.train()``) and pass the
input through after ``model.eval()``. ``F.alpha_dropout`` explains alpha dropout.
"""
from __future__ import annotations

from .._tensor import Tensor
from . import functional as F
from .dropout import Dropout

__all__ = ["AlphaDropout", "FeatureAlphaDropout", "Dropout3d"]


class AlphaDropout(Dropout):
    """Alpha dropout (for SELU networks): keeps the mean and variance of its input."""

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(Dropout):
    """Alpha dropout of whole channels."""

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training)


class Dropout3d(Dropout):
    """Zero whole 3-d feature maps of (N, C, D, H, W) inputs with probability ``p`` while training."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)
