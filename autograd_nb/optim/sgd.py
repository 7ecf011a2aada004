"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay.

The plain rule is one line: ``p = p - lr * grad``. The options change which vector
is subtracted:

* ``weight_decay`` adds ``weight_decay * p`` to the gradient (an L2 penalty);
* ``momentum`` keeps a running ``buf = momentum * buf + (1 - dampening) * grad``
  (the first step stores the gradient itself) and steps along ``buf``;
* ``nesterov`` steps along ``grad + momentum * buf`` instead: a look-ahead;
* ``maximize`` climbs the gradient instead of descending it.
"""
from __future__ import annotations

from typing import Any, Iterable

from .._tensor import Tensor
from .optimizer import Optimizer, bump, check_flags, grad_of, make_step, scalar

__all__ = ["SGD"]


def _sgd_update(opt: Optimizer, group: dict[str, Any], params: list[Tensor]) -> None:
    lr = scalar(group["lr"])
    momentum, dampening = group["momentum"], group["dampening"]
    nesterov = group["nesterov"]
    if momentum == 0 and not group["maximize"] and scalar(group["weight_decay"]) == 0:
        for p in params:                         # plain SGD: p -= lr * grad, nothing else
            p._data -= lr * p._grad._data
            p._vc[0] += 1
        return
    for p in params:
        g = grad_of(p, group["maximize"], scalar(group["weight_decay"]))
        if momentum != 0:
            state = opt.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:                      # first step: the buffer is the gradient
                buf = state["momentum_buffer"] = Tensor._wrap(g.copy())
            else:
                b = buf._data
                b *= momentum
                b += (1 - dampening) * g
                bump(buf, buf)
            g = g + momentum * buf._data if nesterov else buf._data
        p._data -= lr * g
        bump(p)


class SGD(Optimizer):
    """Stochastic gradient descent: ``p -= lr * grad`` for every parameter.

    Example::

        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for x, y in loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float | Tensor = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if scalar(lr) < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if scalar(weight_decay) < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        check_flags(foreach, fused, differentiable)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    step = make_step(_sgd_update)
