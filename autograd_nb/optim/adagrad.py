"""Adagrad: each coordinate's learning rate shrinks with the gradients it has seen.

It adds up ``sum += grad**2`` for every parameter over all steps and steps
``p -= clr * grad / (sqrt(sum) + eps)``, where ``clr = lr / (1 + (t - 1) * lr_decay)``.
Rarely-updated coordinates keep large steps; busy ones slow down. Its state (a step
count and ``sum``, starting at ``initial_accumulator_value``) exists from the start.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, buffer_like, bump, check_flags, check_hyper, grad_of, make_step,
                        new_step, next_step, scalar)

__all__ = ["Adagrad"]


def _adagrad_update(opt: Optimizer, group: dict[str, Any], params: list[Tensor]) -> None:
    lr = scalar(group["lr"])
    for p in params:
        state = opt.state[p]
        if len(state) == 0:                       # a group added after construction
            state["step"] = new_step()
            state["sum"] = buffer_like(p, opt.defaults["initial_accumulator_value"])
        t = next_step(state)
        g = grad_of(p, group["maximize"], group["weight_decay"])
        clr = lr / (1 + (t - 1) * group["lr_decay"])
        total = state["sum"]._data
        total += g * g
        bump(state["sum"])
        std = np.sqrt(total)
        std += group["eps"]
        p._data += (-clr * g) / std               # p -= clr * g / (sqrt(sum) + eps)
        bump(p)


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): per-coordinate steps that shrink as gradients add up."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        check_hyper(lr, ("lr_decay value", lr_decay), ("weight_decay value", weight_decay),
                    ("initial_accumulator_value value", initial_accumulator_value),
                    ("epsilon value", eps))
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        check_flags(foreach, fused, differentiable)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = new_step()
                state["sum"] = buffer_like(p, group["initial_accumulator_value"])

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in (("foreach", None), ("maximize", False), ("differentiable", False),
                               ("fused", None)):
                group.setdefault(key, value)

    step = make_step(_adagrad_update)
