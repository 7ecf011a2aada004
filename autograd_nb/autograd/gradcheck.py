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

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "get_numerical_jacobian",
           "get_analytical_jacobian"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians differ."""


def _tuple(x: Any) -> tuple:
    from .._tensor import Tensor
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _numerical(fn: Callable, inputs: tuple, outputs: tuple, eps: float) -> list:
    """J[input][output] as arrays of shape (out.numel(), in.numel())."""
    jac = []
    for t in inputs:
        if t is None or not getattr(t, "_requires_grad", False):   # (numbers, strings too)
            jac.append(None)
            continue
        per_out = [np.zeros((o.numel(), t.numel())) for o in outputs]
        data = t._data                                # (any layout: element j in row-major order)
        for j in range(data.size):
            at = np.unravel_index(j, data.shape)
            orig = data[at].item()
            data[at] = orig + eps                     # raw writes: no version bump, no graph
            plus = _perturbed(fn(*inputs), outputs)
            data[at] = orig - eps
            minus = _perturbed(fn(*inputs), outputs)
            data[at] = orig
            for k in range(len(outputs)):
                per_out[k][:, j] = (plus[k] - minus[k]) / (2 * eps)
        jac.append(per_out)
    return jac


def _perturbed(result: Any, outputs: tuple) -> list:
    """The outputs at a nudged input, as flat float64 arrays; they must keep their shape
    and dtype (a function whose output depends on the values cannot be checked)."""
    out = []
    for o, p in zip(outputs, _tuple(result)):
        if tuple(p.shape) != tuple(o.shape):
            raise AssertionError(
                "Expected `func` to return outputs with the same shape when inputs are perturbed "
                f"by `eps`, but got: shapes {o.shape} and {p.shape}.")
        if p.dtype != o.dtype:
            raise AssertionError(
                "Expected `func` to return outputs with the same dtype when inputs are perturbed "
                f"by `eps`, but got: dtypes {o.dtype} and {p.dtype}.")
        out.append(p._data.astype(np.float64).reshape(-1).copy())
    return out


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
            seed = zeros_like(o)                      # (laid out as o: set element r in place)
            seed._data[np.unravel_index(r, seed._data.shape)] = 1
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

    def fail(msg: str) -> bool:
        if raise_exception:
            raise GradcheckError(msg)
        return False

    numerical = _numerical(func, inputs, outputs, eps)
    if not any(o.requires_grad for o in outputs):      # nothing differentiable comes out:
        for i, n_in in enumerate(numerical):           # then nothing may change it either
            if n_in is not None and any(np.abs(n).max(initial=0) > atol for n in n_in):
                return fail("Numerical gradient for function expected to be zero")
        return True
    analytical = _analytical(inputs, outputs)
    for i, (a_in, n_in) in enumerate(zip(analytical, numerical)):
        if a_in is None:
            continue
        for k, (a, n) in enumerate(zip(a_in, n_in)):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                return fail(f"Jacobian mismatch for output {k} with respect to input {i},\n"
                            f"numerical:{np.array2string(n, precision=4)}\n"
                            f"analytical:{np.array2string(a, precision=4)}\n")
    again = _analytical(inputs, outputs)               # the same backward, run once more
    for a_in, b_in in zip(analytical, again):
        if a_in is not None and any(np.abs(a - b).max(initial=0) > nondet_tol
                                    for a, b in zip(a_in, b_in)):
            return fail(
                "Backward is not reentrant, i.e., running backward with same input and grad_output "
                "multiple times gives different values, although analytical gradient matches "
                f"numerical gradient.The tolerance for nondeterminism was {nondet_tol}.")
    if check_undefined_grad and not _handles_undefined_grads(inputs, outputs):
        return fail(
            "Expected backward function to handle undefined output grads. Please look at "
            "\"Notes about undefined output gradients\" in \"tools/autograd/derivatives.yaml\"")
    return True


def _handles_undefined_grads(inputs: tuple, outputs: tuple) -> bool:
    """Backward seeded with *no* gradient (None, PyTorch's undefined tensor) for every
    output must run and give no (or zero) input gradients: hooks and custom backwards
    have to cope with None."""
    from .engine import run_backward
    diff = [t for t in inputs if getattr(t, "_requires_grad", False)]
    roots = [o._edge() for o in outputs if o.requires_grad]
    captured: list = [None] * len(diff)
    try:
        for _ in run_backward(roots, [None] * len(roots), True, False, inputs=diff,
                              accumulate=False, captured=captured, events=False):
            pass
    except Exception:                                  # noqa: BLE001 - any failure counts
        warnings.warn(
            "Backwards compatibility: New undefined gradient support checking feature is enabled "
            "by default, but it may break existing callers of this function. If this is true for "
            "you, you can call this function with \"check_undefined_grad=False\" to disable the "
            "feature", UserWarning, stacklevel=3)
        return False
    return all(g is None or not np.any(g._data) for g in captured)


_PRIVATE = ("`{}` was part of PyTorch's private API and not meant to be exposed. We are "
            "deprecating it and it will be removed in a future version of PyTorch. If you have a "
            "specific use for this or feature request for this to be a stable API, please file us "
            "an issue at https://github.com/pytorch/pytorch/issues/new")


def get_numerical_jacobian(fn: Callable, inputs: Any, target: Any = None, eps: float = 1e-3,
                           grad_out: float = 1.0) -> tuple:
    """Deprecated helper: the finite-difference Jacobian of ``fn(inputs)``'s first output
    with respect to each of ``target`` (default: the inputs that require grad), one
    ``(input.numel(), output.numel())`` matrix per target."""
    warnings.warn(_PRIVATE.format("get_numerical_jacobian"), FutureWarning, stacklevel=2)
    if grad_out != 1.0:
        raise ValueError("Expected grad_out to be 1.0. get_numerical_jacobian no longer supports "
                         "values of grad_out != 1.0.")
    from .._creation import tensor
    ins = _tuple(inputs)
    targets = [t for t in ins if getattr(t, "_requires_grad", False)] if target is None else _tuple(target)
    first = _tuple(fn(ins))[0]
    wrapped = lambda *xs: _tuple(fn(xs))[0]          # noqa: E731
    jac = _numerical(wrapped, ins, (first,), eps)
    return tuple(tensor(j[0].T) for j, t in zip(jac, ins)
                 if j is not None and any(t is g for g in targets))


def get_analytical_jacobian(inputs: Any, output: Any, nondet_tol: float = 0.0,
                            grad_out: float = 1.0) -> tuple:
    """Deprecated helper: ``(jacobians, reentrant, correct_grad_sizes, correct_grad_types)``:
    backward's Jacobian of ``output`` with respect to each input that requires grad, and
    whether running backward twice gave the same numbers."""
    warnings.warn(_PRIVATE.format("get_analytical_jacobian"), FutureWarning, stacklevel=2)
    if grad_out != 1.0:
        raise ValueError("Expected grad_out to be 1.0. get_analytical_jacobian no longer "
                         "supports values of grad_out != 1.0.")
    from .._creation import tensor
    ins = _tuple(inputs)
    first = _analytical(ins, (output,))
    second = _analytical(ins, (output,))
    reentrant = all(a is None or np.abs(a[0] - b[0]).max(initial=0) <= nondet_tol
                    for a, b in zip(first, second))
    jacobians = tuple(tensor(a[0].T) for a in first if a is not None)
    return jacobians, reentrant, True, True


def gradgradcheck(func: Callable, inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0, **_: Any) -> bool:
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
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=False)
