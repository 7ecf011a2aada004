"""Adam and AdamW: steps scaled by running averages of the gradient and its square.

For each parameter Adam keeps two averages, updated every step ``t``::

    m = beta1 * m + (1 - beta1) * grad          # where the gradient points, on average
    v = beta2 * v + (1 - beta2) * grad**2       # how large it usually is

Both start at zero, so early on they are too small; dividing by ``1 - beta**t``
("bias correction") fixes that. The step is then::

    p -= lr * m_hat / (sqrt(v_hat) + eps)

so every coordinate moves by roughly ``lr``, whatever the scale of its gradient.

``weight_decay`` in Adam is added to the gradient (L2 penalty, which then gets
rescaled like the gradient). AdamW instead shrinks the parameter directly,
``p *= 1 - lr * weight_decay``, before the step: "decoupled" weight decay.
``amsgrad`` divides by the largest ``v`` seen so far instead of the current one.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, buffer_like, bump, check_flags, check_hyper, grad_of, lerp_,
                        make_step, new_step, next_step, scalar)

__all__ = ["Adam", "AdamW"]


def _adam_update(opt: Optimizer, group: dict[str, Any], params: list[Tensor]) -> None:
    lr = scalar(group["lr"])
    beta1, beta2 = (scalar(b) for b in group["betas"])
    eps, amsgrad = group["eps"], group["amsgrad"]
    wd = scalar(group["weight_decay"])
    decoupled = group["decoupled_weight_decay"]
    for p in params:
        state = opt.state[p]
        if len(state) == 0:
            state["step"] = new_step()
            state["exp_avg"] = buffer_like(p)
            state["exp_avg_sq"] = buffer_like(p)
            if amsgrad:
                state["max_exp_avg_sq"] = buffer_like(p)
        t = next_step(state)
        if wd != 0 and decoupled:                # AdamW: shrink the weights themselves
            p._data *= 1 - lr * wd
            bump(p)
        g = grad_of(p, group["maximize"], 0 if decoupled else wd)

        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        lerp_(m, g, 1 - beta1)                   # m = beta1 * m + (1 - beta1) * g
        v *= beta2
        v += ((1 - beta2) * g) * g               # v = beta2 * v + (1 - beta2) * g * g
        bump(state["exp_avg"], state["exp_avg_sq"], state["exp_avg_sq"])

        step_size = lr / (1 - beta1 ** t)
        correction2_sqrt = (1 - beta2 ** t) ** 0.5
        if amsgrad:
            vmax = state["max_exp_avg_sq"]._data
            np.maximum(vmax, v, out=vmax)
            v = vmax
        denom = np.sqrt(v) / correction2_sqrt
        denom += eps
        p._data += (-step_size * m) / denom      # p -= step_size * m / denom
        bump(p)


def _check_adam_args(lr: Any, betas: Any, eps: float, weight_decay: Any) -> None:
    check_hyper(lr, ("epsilon value", eps))
    if not 0.0 <= scalar(betas[0]) < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= scalar(betas[1]) < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= scalar(weight_decay):
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    if not (all(isinstance(b, float) for b in betas[:2]) or all(isinstance(b, Tensor) for b in betas[:2])):
        raise ValueError("betas must be either both floats or both Tensors")


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): per-coordinate steps from running gradient statistics.

    ``lr`` 1e-3 is the usual start. ``decoupled_weight_decay=True`` makes it AdamW.
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        check_flags(foreach, fused, differentiable)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in (("amsgrad", False), ("maximize", False), ("foreach", None),
                               ("capturable", False), ("differentiable", False),
                               ("decoupled_weight_decay", False), ("fused", None)):
                group.setdefault(key, value)

    step = make_step(_adam_update)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``p *= 1 - lr * weight_decay``
    each step, separately from the adaptive gradient step. Default ``weight_decay`` 1e-2.
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
