"""RMSprop: divide each step by a running root-mean-square of recent gradients.

It keeps ``square_avg = alpha * square_avg + (1 - alpha) * grad**2`` per parameter
and steps ``p -= lr * grad / (sqrt(square_avg) + eps)``: coordinates whose gradients
are usually large take smaller steps. ``centered`` also tracks the mean gradient and
divides by an estimate of the *variance* instead; ``momentum`` accumulates the
scaled steps in a buffer, as SGD's momentum does.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, buffer_like, bump, check_flags, check_hyper, grad_of, lerp_,
                        make_step, new_step, next_step, scalar)

__all__ = ["RMSprop"]


def _rmsprop_update(opt: Optimizer, group: dict[str, Any], params: list[Tensor]) -> None:
    lr = scalar(group["lr"])
    alpha, eps, momentum = group["alpha"], group["eps"], group["momentum"]
    for p in params:
        state = opt.state[p]
        if len(state) == 0:
            state["step"] = new_step()
            state["square_avg"] = buffer_like(p)
            if momentum > 0:
                state["momentum_buffer"] = buffer_like(p)
            if group["centered"]:
                state["grad_avg"] = buffer_like(p)
        next_step(state)
        g = grad_of(p, group["maximize"], group["weight_decay"])

        sq = state["square_avg"]._data
        sq *= alpha
        sq += ((1 - alpha) * g) * g               # square_avg = alpha*square_avg + (1-alpha)*g*g
        bump(state["square_avg"], state["square_avg"])
        if group["centered"]:
            ga = state["grad_avg"]._data
            lerp_(ga, g, 1 - alpha)               # grad_avg = alpha*grad_avg + (1-alpha)*g
            bump(state["grad_avg"])
            avg = np.sqrt(sq + (-1 * ga) * ga)    # sqrt(E[g^2] - E[g]^2)
        else:
            avg = np.sqrt(sq)
        avg += eps

        if momentum > 0:
            buf = state["momentum_buffer"]._data
            buf *= momentum
            buf += g / avg
            bump(state["momentum_buffer"], state["momentum_buffer"])
            p._data -= lr * buf
        else:
            p._data += (-lr * g) / avg
        bump(p)


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture notes): steps scaled by a running RMS of the gradient."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        check_hyper(lr, ("epsilon value", eps), ("momentum value", momentum),
                    ("weight_decay value", weight_decay), ("alpha value", alpha))
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)
        check_flags(foreach, None, differentiable)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in (("momentum", 0), ("centered", False), ("foreach", None),
                               ("maximize", False), ("differentiable", False), ("capturable", False)):
                group.setdefault(key, value)

    step = make_step(_rmsprop_update)
