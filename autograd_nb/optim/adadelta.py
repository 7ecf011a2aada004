"""Adadelta: steps scaled by how large recent steps were, with no learning rate to tune
(``lr`` only multiplies the result, 1.0 by default).

It keeps two running averages per coordinate (decay ``rho``): of squared gradients,
``square_avg``, and of squared steps, ``acc_delta``; the step is
``delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * grad`` and ``p -= lr * delta``.
The ratio gives each step the units of the parameter itself.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, buffer_like, bump, check_flags, check_hyper, grad_of, make_step,
                        new_step, next_step, scalar)

__all__ = ["Adadelta"]


def _adadelta_update(opt: Optimizer, group: dict[str, Any], params: list[Tensor]) -> None:
    lr, rho, eps = scalar(group["lr"]), group["rho"], group["eps"]
    for p in params:
        state = opt.state[p]
        if len(state) == 0:
            state["step"] = new_step()
            state["square_avg"] = buffer_like(p)
            state["acc_delta"] = buffer_like(p)
        next_step(state)
        g = grad_of(p, group["maximize"], group["weight_decay"])
        t = g.dtype.type
        sq, acc = state["square_avg"]._data, state["acc_delta"]._data
        sq *= t(rho)
        sq += t(1 - rho) * g * g                   # square_avg = rho * square_avg + (1-rho) g^2
        std = np.sqrt(sq + t(eps))
        delta = np.sqrt(acc + t(eps))
        delta /= std
        delta *= g                                 # delta = sqrt(acc + eps) / sqrt(sq + eps) * g
        acc *= t(rho)
        acc += t(1 - rho) * delta * delta
        p._data += t(-lr) * delta
        bump(state["square_avg"], state["acc_delta"], p)


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): per-coordinate steps from running averages of squared
    gradients and squared steps."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        check_hyper(lr, ("epsilon value", eps), ("weight_decay value", weight_decay))
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        capturable=capturable, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)
        check_flags(foreach, None, differentiable)

    step = make_step(_adadelta_update)
