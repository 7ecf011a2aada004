"""``F.gumbel_softmax``: a differentiable stand-in for sampling from a categorical distribution.

Sampling a class from ``softmax(logits)`` has no gradient. The Gumbel-max trick samples
it as ``argmax(logits + g)`` with ``g = -log(E)``, ``E ~ Exponential(1)`` (standard
Gumbel noise); replacing the argmax by a softmax with temperature ``tau`` gives a
smooth sample ``softmax((logits + g) / tau)`` (Jang et al. 2016, Maddison et al. 2016):
near one-hot for small ``tau``, and differentiable in ``logits`` (the reparameterization
trick).

``hard=True`` returns the one-hot ``y_hard`` of that sample but lets the gradient flow
as if it were the soft one: ``y_hard - y_soft.detach() + y_soft`` (the straight-through
estimator). The noise comes from the global generator in PyTorch's order (one
``exponential_`` of the logits' shape), so after the same ``manual_seed`` the samples
are PyTorch's.
"""
from __future__ import annotations

import warnings

from .._creation import empty_like, zeros_like
from .._tensor import Tensor

__all__ = ["gumbel_softmax"]


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """A soft (or, with ``hard``, straight-through one-hot) sample from the categorical
    distribution of ``logits`` along ``dim``, at temperature ``tau``."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -empty_like(logits).exponential_().log()            # standard Gumbel noise
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft                       # forward: y_hard; backward: y_soft's
