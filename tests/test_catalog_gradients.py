"""Every backward rule of the catalog against central finite differences (float64).

For an op ``f`` with tensor inputs ``x`` and a random upstream gradient ``u``:

* first order: backward gives ``d<f(x), u>/dx``; numerically, nudge each input element
  by ``+-eps`` and difference ``<f(x), u>``;
* second order (``create_graph=True``), two checks that need only two extra forwards:

  - the Hessian-vector product: ``grad(<g(x), w>, x)`` with ``g = d<f, u>/dx`` against
    ``(g(x + eps*w) - g(x - eps*w)) / (2 eps)``;
  - the double-backward trick: ``g`` is linear in ``u``, so ``grad(<g, w>, u)`` is the
    Jacobian-vector product ``J w``, against ``(f(x + eps*w) - f(x - eps*w)) / (2 eps)``.
    This checks that every backward rule is itself differentiable in its incoming
    gradient.

Shapes (including broadcasting pairs), extra arguments and the random seed for values
come from Hypothesis; values lie in each op's domain (see ``catalog.DOMAINS``).
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_nb as anb
from autograd_nb.ops._core import OpNode, record

from catalog import CATALOG, Op, make_inputs, outputs, require

SEEDS = st.integers(0, 2 ** 32 - 1)
EPS = 1e-6
RTOL, ATOL = 1e-5, 1e-6


class GradientMismatch(AssertionError):
    """An analytic gradient disagrees with finite differences."""


# ---------------------------------------------------------------------------
# the checker
# ---------------------------------------------------------------------------


def _leaves(arrays: Sequence[np.ndarray]) -> list:
    return [anb.tensor(a, dtype=anb.float64, requires_grad=True) for a in arrays]


def _float_outputs(result: Any) -> list:
    return [o for o in outputs(result) if o.is_floating_point()]


def _contract(f: Callable, arrays: Sequence[np.ndarray], us: Sequence[np.ndarray]) -> float:
    """``sum_i <f(x)_i, u_i>``, evaluated without recording, in numpy."""
    with anb.no_grad():
        outs = _float_outputs(f(*[anb.tensor(a, dtype=anb.float64) for a in arrays]))
    return float(sum(np.sum(o.numpy() * u) for o, u in zip(outs, us)))


def _as_arrays(grads: Sequence[Any], arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    return [np.zeros_like(a) if g is None else g.detach().numpy().astype(np.float64)
            for g, a in zip(grads, arrays)]


def _compare(what: str, got: Sequence[np.ndarray], want: Sequence[np.ndarray], rtol: float,
             atol: float) -> None:
    for i, (g, w) in enumerate(zip(got, want)):
        if g.shape != w.shape:
            raise GradientMismatch(f"{what}: input {i}: shape {g.shape}, expected {w.shape}")
        if not np.allclose(g, w, rtol=rtol, atol=atol):
            err = np.max(np.abs(g - w))
            raise GradientMismatch(
                f"{what}: input {i}: max abs error {err:.3g}\nanalytic:\n{g}\nnumerical:\n{w}")


def _upstream(rng: np.random.Generator, f: Callable, arrays: Sequence[np.ndarray]) -> list:
    with anb.no_grad():
        outs = _float_outputs(f(*[anb.tensor(a, dtype=anb.float64) for a in arrays]))
    return [rng.standard_normal(o.shape) for o in outs]


def numerical_gradient(f: Callable, arrays: Sequence[np.ndarray], us: Sequence[np.ndarray],
                       eps: float = EPS) -> list[np.ndarray]:
    """Central differences of ``<f(x), u>`` for every element of every input."""
    out = []
    for i, a in enumerate(arrays):
        grad = np.zeros_like(a)
        for j in np.ndindex(a.shape):
            plus = [x.copy() for x in arrays]
            minus = [x.copy() for x in arrays]
            plus[i][j] += eps
            minus[i][j] -= eps
            grad[j] = (_contract(f, plus, us) - _contract(f, minus, us)) / (2 * eps)
        out.append(grad)
    return out


def analytic_gradient(f: Callable, arrays: Sequence[np.ndarray],
                      us: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``d<f(x), u>/dx`` by ``autograd_nb``'s backward (accumulated into ``.grad``)."""
    xs = _leaves(arrays)
    outs = [o for o in _float_outputs(f(*xs))]
    pairs = [(o, anb.tensor(u, dtype=anb.float64)) for o, u in zip(outs, us) if o.requires_grad]
    if pairs:
        anb.autograd.backward([o for o, _ in pairs], [u for _, u in pairs])
    return _as_arrays([x.grad for x in xs], arrays)


def check_gradients(f: Callable, arrays: Sequence[np.ndarray], seed: int, rtol: float = RTOL,
                    atol: float = ATOL) -> None:
    """Raise ``GradientMismatch`` unless backward agrees with finite differences."""
    rng = np.random.default_rng(seed)
    us = _upstream(rng, f, arrays)
    _compare("first derivative", analytic_gradient(f, arrays, us),
             numerical_gradient(f, arrays, us), rtol, atol)


def _first_grads(f: Callable, arrays: Sequence[np.ndarray], us: Sequence[np.ndarray],
                 create_graph: bool, u_requires_grad: bool = False):
    xs = _leaves(arrays)
    ut = [anb.tensor(u, dtype=anb.float64, requires_grad=u_requires_grad) for u in us]
    outs = _float_outputs(f(*xs))
    pairs = [(o, u) for o, u in zip(outs, ut) if o.requires_grad]
    if not pairs:
        return xs, ut, [None] * len(xs)
    grads = anb.autograd.grad([o for o, _ in pairs], xs, [u for _, u in pairs],
                              create_graph=create_graph, allow_unused=True)
    return xs, ut, list(grads)


def _grad_of_dot(gs: Sequence[Any], ws: Sequence[np.ndarray], wrt: Sequence[Any],
                 like: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``d<gs, ws>/d wrt`` (zeros where ``gs`` does not depend on ``wrt``)."""
    live = [(g, anb.tensor(w, dtype=anb.float64)) for g, w in zip(gs, ws)
            if g is not None and g.requires_grad]
    if not live:
        return [np.zeros_like(a) for a in like]
    grads = anb.autograd.grad([g for g, _ in live], list(wrt), [w for _, w in live],
                              allow_unused=True)
    return _as_arrays(grads, like)


def check_second_order(f: Callable, arrays: Sequence[np.ndarray], seed: int,
                       rtol: float = 1e-4, atol: float = 1e-6) -> None:
    """Hessian-vector product and double-backward JVP against finite differences."""
    rng = np.random.default_rng(seed)
    us = _upstream(rng, f, arrays)
    ws = [rng.standard_normal(a.shape) for a in arrays]
    eps = 1e-6

    # Hessian-vector product: d<g(x), w>/dx
    xs, _, gs = _first_grads(f, arrays, us, create_graph=True)
    hvp = _grad_of_dot(gs, ws, xs, arrays)
    plus = [a + eps * w for a, w in zip(arrays, ws)]
    minus = [a - eps * w for a, w in zip(arrays, ws)]
    gp = _as_arrays(_first_grads(f, plus, us, create_graph=False)[2], arrays)
    gm = _as_arrays(_first_grads(f, minus, us, create_graph=False)[2], arrays)
    _compare("Hessian-vector product", hvp, [(p - m) / (2 * eps) for p, m in zip(gp, gm)],
             rtol, atol)

    # double backward in u: d<g(x, u), w>/du = J w
    if not us:
        return
    xs, ut, gs = _first_grads(f, arrays, us, create_graph=True, u_requires_grad=True)
    jvp = _grad_of_dot(gs, ws, ut, us)
    with anb.no_grad():
        fp = _float_outputs(f(*[anb.tensor(a, dtype=anb.float64) for a in plus]))
        fm = _float_outputs(f(*[anb.tensor(a, dtype=anb.float64) for a in minus]))
    fd = [(p.numpy() - m.numpy()) / (2 * eps) for p, m in zip(fp, fm)]
    _compare("double-backward Jacobian-vector product", jvp, fd, rtol, atol)


# ---------------------------------------------------------------------------
# the catalog, first and second order
# ---------------------------------------------------------------------------

DIFFERENTIABLE = [op for op in CATALOG if op.differentiable]
TWICE = [op for op in DIFFERENTIABLE if op.twice]


def _ids(op: Op) -> str:
    return op.name


def _run(op: Op, checker: Callable, max_examples: int) -> None:
    require(op)

    @settings(max_examples=max_examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(case=op.cases, seed=SEEDS)
    def check(case, seed):
        f = functools.partial(op.fn, anb, **case.params)
        checker(f, make_inputs(op, case, seed), seed)

    check()


@pytest.mark.parametrize("op", DIFFERENTIABLE, ids=_ids)
def test_first_derivative_matches_finite_differences(op):
    _run(op, check_gradients, max_examples=12)


@pytest.mark.parametrize("op", TWICE, ids=_ids)
def test_second_derivatives_match_finite_differences(op):
    _run(op, check_second_order, max_examples=6)


# ---------------------------------------------------------------------------
# the checker itself must catch a wrong rule
# ---------------------------------------------------------------------------


class WrongSquareBackward(OpNode):
    """Forward x**2, backward deliberately x (missing the factor 2)."""
    __slots__ = ()
    saved_names = ("self",)

    def backward(self, g):
        return g * self._saved[0].unpack()


class RightSquareBackward(WrongSquareBackward):
    __slots__ = ()

    def backward(self, g):
        return g * 2 * self._saved[0].unpack()


def _square(node: type):
    def f(x):
        return record(x._data * x._data, node, (x,), saved=(x,))
    return f


def test_checker_reports_a_wrong_first_derivative():
    x = [np.array([0.5, -1.25, 2.0])]
    check_gradients(_square(RightSquareBackward), x, seed=0)
    with pytest.raises(GradientMismatch, match="first derivative"):
        check_gradients(_square(WrongSquareBackward), x, seed=0)


def test_checker_reports_a_wrong_second_derivative():
    x = [np.array([0.5, -1.25, 2.0])]
    check_second_order(_square(RightSquareBackward), x, seed=0)
    # first order is fine (x*x*... is not involved): a rule correct in value but whose
    # result does not depend on x the right way is caught by the Hessian check
    class DetachedBackward(RightSquareBackward):
        __slots__ = ()

        def backward(self, g):
            return g * (2 * self._saved[0].unpack().detach())
    check_gradients(_square(DetachedBackward), x, seed=0)
    with pytest.raises(GradientMismatch, match="Hessian-vector product"):
        check_second_order(_square(DetachedBackward), x, seed=0)


def test_checker_reports_a_rule_not_differentiable_in_its_incoming_gradient():
    class GradDetachedBackward(RightSquareBackward):
        __slots__ = ()

        def backward(self, g):
            return g.detach() * 2 * self._saved[0].unpack()
    x = [np.array([0.5, -1.25, 2.0])]
    check_gradients(_square(GradDetachedBackward), x, seed=0)
    with pytest.raises(GradientMismatch, match="Jacobian-vector product"):
        check_second_order(_square(GradDetachedBackward), x, seed=0)


def test_checker_reports_a_wrong_broadcast_reduction():
    """A rule that picks one element instead of summing over the broadcast dimension."""
    class PickNotSumMul(OpNode):
        __slots__ = ()
        saved_names = ("self", "other")

        def backward(self, g):
            a, b = (s.unpack() for s in self._saved)
            return g * b, (g * a)[:1]

    def f(a, b):
        return record(a._data * b._data, PickNotSumMul, (a, b), saved=(a, b))
    with pytest.raises(GradientMismatch, match="input 1"):
        check_gradients(f, [np.array([1.0, 2.0, 3.0]), np.array([0.5])], seed=1)
