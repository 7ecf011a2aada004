"""``nn.utils``: gradient clipping and flattening parameters to a vector."""
from __future__ import annotations

import math
from typing import Iterable

from .._tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _with_grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    The norm is taken over every gradient element of every parameter, as if they were
    one long vector; the returned tensor is that norm *before* clipping.
    """
    import numpy as np

    from .._backend import xp_of
    params = _with_grads(parameters)
    if not params:
        return Tensor._wrap(np.asarray(0.0, dtype=np.float32))
    norm_type = float(norm_type)
    arrays = [p.grad._data for p in params]
    if math.isinf(norm_type):
        total = max(float(abs(a).max()) if a.size else 0.0 for a in arrays)
    else:
        total = sum(float((abs(a.astype(np.float64)) ** norm_type).sum()) for a in arrays) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot "
            "be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`")
    coef = min(max_norm / (total + 1e-6), 1.0)
    for p in params:
        g = p.grad
        g._data *= g._data.dtype.type(coef)
        g._vc[0] += 1
    first = params[0].grad._data                   # the norm lives where the gradients do
    return Tensor._wrap(xp_of(first).asarray(total, dtype=first.dtype))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]`` in place."""
    for p in _with_grads(parameters):
        g = p.grad
        g._data[...] = g._data.clip(-clip_value, clip_value)
        g._vc[0] += 1


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-d tensor (a copy)."""
    from .. import cat
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (in place, no graph)."""
    offset = 0
    for p in parameters:
        n = p.numel()
        p._data[...] = vec._data[offset:offset + n].reshape(p._data.shape)
        p._vc[0] += 1
        offset += n
