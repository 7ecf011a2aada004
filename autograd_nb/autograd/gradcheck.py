"""``gradcheck`` / ``gradgradcheck``: compare autograd with finite differences.

For each input that requires grad, the *numerical* Jacobian is built column by column
by nudging one element by ``±eps`` (central differences) and the *analytical* Jacobian
row by row by running backward with a one-hot gradient. They must agree within
``atol + rtol * |numerical|``. Use float64 inputs: float32 is too coarse for the
differences to mean anything.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians differ."""


def _tuple(x: Any) -> tuple:
    from .._tensor import Tensor
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _numerical(fn: Callable, inputs: tuple, outputs: tuple, eps: float) -> list:
    """J[input][output] as arrays of shape (out.numel(), in.numel())."""
    jac = []
    for t in inputs:
        per_out = [np.zeros((o.numel(), t.numel())) for o in outputs]
        if t is None or not getattr(t, "_requires_grad", False):
            jac.append(None)
            continue
        flat = t._data.reshape(-1)
        for j in range(flat.size):
            orig = flat[j].item()
            flat[j] = orig + eps                      # raw writes: no version bump, no graph
            plus = [o._data.astype(np.float64).reshape(-1).copy() for o in _tuple(fn(*inputs))]
            flat[j] = orig - eps
            minus = [o._data.astype(np.float64).reshape(-1).copy() for o in _tuple(fn(*inputs))]
            flat[j] = orig
            for k in range(len(outputs)):
                per_out[k][:, j] = (plus[k] - minus[k]) / (2 * eps)
        jac.append(per_out)
    return jac


def _analytical(inputs: tuple, outputs: tuple) -> list:
    from .._creation import zeros_like
    from .functional import grad
    diff = [t for t in inputs if t is not None and getattr(t, "_requires_grad", False)]
    jac = [None if t is None or not getattr(t, "_requires_grad", False) else
           [np.zeros((o.numel(), t.numel())) for o in outputs] for t in inputs]
    for k, o in enumerate(outputs):
        if not o.requires_grad:
            continue
        for r in range(o.numel()):
            seed = zeros_like(o)
            seed._data.reshape(-1)[r] = 1
            gs = grad(o, diff, seed, retain_graph=True, allow_unused=True)
            it = iter(gs)
            for i, t in enumerate(inputs):
                if jac[i] is None:
                    continue
                g = next(it)
                if g is not None:
                    jac[i][k][r, :] = g._data.astype(np.float64).reshape(-1)
    return jac


def gradcheck(func: Callable, inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, fast_mode: bool = False, **_: Any) -> bool:
    """True when ``func``'s gradients match finite differences at ``inputs``.

    On a mismatch raises ``GradcheckError`` naming the input and output and showing
    both Jacobians (or returns False with ``raise_exception=False``).
    """
    from .._tensor import Tensor
    inputs = _tuple(inputs)
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad and t._data.dtype != np.float64:
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                "This check will likely fail if all the inputs are not of double precision floating point "
                "or complex. ", UserWarning, stacklevel=2)
    if not any(isinstance(t, Tensor) and t.requires_grad for t in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.")
    outputs = _tuple(func(*inputs))
    analytical = _analytical(inputs, outputs)
    numerical = _numerical(func, inputs, outputs, eps)
    for i, (a_in, n_in) in enumerate(zip(analytical, numerical)):
        if a_in is None:
            continue
        for k, (a, n) in enumerate(zip(a_in, n_in)):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                msg = (f"Jacobian mismatch for output {k} with respect to input {i},\n"
                       f"numerical:{np.array2string(n, precision=4)}\n"
                       f"analytical:{np.array2string(a, precision=4)}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func: Callable, inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, **_: Any) -> bool:
    """gradcheck of the *gradient*: checks second derivatives (needs create_graph support)."""
    from .._random_tensors import randn_like
    from .functional import grad
    inputs = _tuple(inputs)
    outputs = _tuple(func(*inputs))
    if grad_outputs is None:
        grad_outputs = tuple(randn_like(o).to(o.dtype) for o in outputs)
        grad_outputs = tuple(g.requires_grad_() if g.is_floating_point() else g for g in grad_outputs)
    grad_outputs = _tuple(grad_outputs)
    n_in = len(inputs)

    def first_grads(*args: Any) -> tuple:
        ins, gos = args[:n_in], args[n_in:]
        outs = _tuple(func(*ins))
        d = [t for t in ins if getattr(t, "_requires_grad", False)]
        return grad(outs, d, gos, create_graph=True, allow_unused=True, materialize_grads=True)

    return gradcheck(first_grads, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
