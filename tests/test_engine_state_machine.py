"""A stateful Hypothesis test of the engine, with real PyTorch as the reference model.

Hypothesis plays random programs: make leaves, apply ops, run ``backward`` with and
without ``retain_graph``, zero or drop ``.grad``, change tensors in place, detach,
switch ``requires_grad``, enter and leave ``no_grad`` / ``enable_grad`` /
``set_grad_enabled`` / ``inference_mode``. Every step runs on a pair of tensors, one
in autograd_nb and one in torch, and after every step the pair must agree on: the
outcome (result or exact error line, e.g. "Trying to backward through the graph a
second time", the version-counter error, in-place on a leaf), every leaf's ``.grad``
(accumulation!), ``requires_grad`` / ``is_leaf`` / ``grad_fn`` / ``_version`` /
``is_inference()``, the non-leaf ``.grad`` warning, and the grad mode itself.

Independently of torch, the machine checks the saved-buffer promises: after a
backward without ``retain_graph`` every buffer of the graph is freed; a fresh graph
run through backward gives ``saved_bytes()`` back; and when every tensor is gone,
``saved_bytes()`` is back where it started.
"""
from __future__ import annotations

import gc
import sys
import warnings
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, initialize, invariant,
                                 multiple, precondition, rule)

import autograd_nb as anb
from autograd_nb.autograd.graph import saved_bytes

from catalog import error_line

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch


def attempt(fn: Callable[[], Any]) -> tuple[Any, str | None, int]:
    """``(result, error line or None, number of warnings)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            return fn(), None, len(caught)
        except Exception as exc:                    # noqa: BLE001 - compared with torch
            return None, error_line(exc), len(caught)


class Pair:
    """The same tensor in both libraries."""

    __slots__ = ("mine", "ref", "label", "is_view")

    def __init__(self, mine: Any, ref: Any, label: str) -> None:
        self.mine, self.ref, self.label = mine, ref, label
        self.is_view = False

    def __repr__(self) -> str:
        return f"<{self.label}>"


UNARY: dict[str, Callable[[Any], Any]] = {
    "exp": lambda t: t.exp(),
    "sin": lambda t: t.sin(),
    "tanh": lambda t: t.tanh(),
    "sigmoid": lambda t: t.sigmoid(),
    "neg": lambda t: -t,
    "square": lambda t: t * t,
    "pow3": lambda t: t ** 3,
    "scale": lambda t: t * 3.0,
    "shift": lambda t: 1.0 - t,
    "sum": lambda t: t.sum(),
    "mean": lambda t: t.mean(),
    "slice_view": lambda t: t[:],
    "view": lambda t: t.view(-1) if t.ndim else t.view(()),
    "detach": lambda t: t.detach(),
    "clone": lambda t: t.clone(),
}
BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "sub": lambda a, b: a - b,
    "where": lambda a, b: a.where(b > 0, b),
}
INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "add_": lambda a, b: a.add_(1.0),
    "mul_": lambda a, b: a.mul_(2.0),
    "exp_": lambda a, b: a.exp_(),
    "iadd_tensor": lambda a, b: a.__iadd__(b),
    "mul_tensor_": lambda a, b: a.mul_(b),
    "setitem": lambda a, b: a.__setitem__(0, 0.5) if a.ndim else a.fill_(0.5),
    "zero_": lambda a, b: a.zero_(),
}
MODES: dict[str, Callable[[Any], Any]] = {
    "no_grad": lambda m: m.no_grad(),
    "enable_grad": lambda m: m.enable_grad(),
    "set_grad_enabled(False)": lambda m: m.set_grad_enabled(False),
    "inference_mode": lambda m: m.inference_mode(),
    "inference_mode(False)": lambda m: m.inference_mode(False),
}




def same_error(mine: str | None, ref: str | None) -> bool:
    return mine == ref
VIEW_OPS = ("slice_view", "view")


class AutogradMachine(RuleBasedStateMachine):
    tensors = Bundle("tensors")

    def __init__(self) -> None:
        super().__init__()
        gc.collect()                            # leaves and their AccumulateGrad form cycles
        self.start_bytes = saved_bytes()
        self.pairs: list[Pair] = []
        self.modes: list[tuple[Any, Any, str]] = []
        self.rng = np.random.default_rng(0)
        self.count = 0

    # -- helpers ---------------------------------------------------------------------
    def both(self, what: str, fn: Callable[..., Any], *pairs: Pair) -> tuple:
        """Run ``fn`` on the autograd_nb side and on the torch side; outcomes must agree."""
        mine, my_err, my_w = attempt(lambda: fn(*(p.mine for p in pairs)))
        ref, ref_err, ref_w = attempt(lambda: fn(*(p.ref for p in pairs)))
        assert same_error(my_err, ref_err), f"{what}: autograd_nb -> {my_err!r}, torch -> {ref_err!r}"
        assert my_w == ref_w, f"{what}: {my_w} warnings, torch gives {ref_w}"
        return mine, ref, ref_err

    def new_pair(self, mine: Any, ref: Any, label: str) -> Pair:
        self.count += 1
        p = Pair(mine, ref, f"t{self.count}={label}")
        self.pairs.append(p)
        return p

    def inference_outside(self, *pairs: Pair) -> bool:
        """Inference tensors are used only inside inference_mode here.

        Outside it, PyTorch refuses most uses (checked in test_errors.py) and what it
        allows runs into internals (clone() gives CopyBackwards, reductions leave
        _version at 1 or 2, in-place ops write before refusing) not worth modelling.
        """
        return not anb.is_inference_mode_enabled() and any(p.ref.is_inference() for p in pairs)

    def compare_grads(self, what: str) -> None:
        for p in self.pairs:
            if not attempt(lambda: p.ref.is_leaf)[0]:
                continue
            m, r = p.mine.grad, p.ref.grad
            assert (m is None) == (r is None), f"{what}: {p}.grad is {m}, torch has {r}"
            if r is not None:
                assert np.allclose(m.detach().numpy(), r.detach().numpy(), rtol=1e-10, atol=1e-12), \
                    f"{what}: {p}.grad = {m}, torch has {r}"

    # -- rules -----------------------------------------------------------------------
    @initialize(target=tensors)
    def first_leaf(self):
        vals = self.rng.uniform(-1, 1, 3)
        return self.new_pair(anb.tensor(vals, dtype=anb.float64, requires_grad=True),
                             torch.tensor(vals, dtype=torch.float64, requires_grad=True), "leaf")

    @rule(target=tensors, requires_grad=st.booleans(), scalar=st.booleans())
    def leaf(self, requires_grad, scalar):
        vals = self.rng.uniform(-1, 1, () if scalar else 3)
        mine = anb.tensor(vals, dtype=anb.float64, requires_grad=requires_grad)
        ref = torch.tensor(vals, dtype=torch.float64, requires_grad=requires_grad)
        return self.new_pair(mine, ref, "leaf")

    @rule(target=tensors, t=tensors, op=st.sampled_from(sorted(UNARY)))
    def unary(self, t, op):
        if self.inference_outside(t):
            return multiple()
        mine, ref, err = self.both(op, UNARY[op], t)
        if err:
            return multiple()
        p = self.new_pair(mine, ref, f"{op}({t.label.split('=')[0]})")
        p.is_view = op in VIEW_OPS
        return p

    @rule(target=tensors, a=tensors, b=tensors, op=st.sampled_from(sorted(BINARY)))
    def binary(self, a, b, op):
        if self.inference_outside(a, b):
            return multiple()
        mine, ref, err = self.both(op, BINARY[op], a, b)
        return multiple() if err else self.new_pair(mine, ref, f"{op}({a.label.split('=')[0]}, {b.label.split('=')[0]})")

    @rule(t=tensors, other=tensors, op=st.sampled_from(sorted(INPLACE)))
    def inplace(self, t, other, op):
        if self.inference_outside(t, other):
            return
        self.both(f"{t}.{op}", INPLACE[op], t, other)

    @rule(t=tensors, retain=st.booleans(), explicit_grad=st.booleans())
    def backward(self, t, retain, explicit_grad):
        def run(x):
            g = None
            if explicit_grad:
                mod = anb if isinstance(x, anb.Tensor) else torch
                g = mod.ones(tuple(x.shape), dtype=mod.float64) * 0.5
            x.backward(g, retain_graph=retain)
        _, _, err = self.both(f"{t}.backward(retain_graph={retain})", run, t)
        self.compare_grads(f"after {t}.backward(retain_graph={retain})")
        if err is None and not retain and t.mine.grad_fn is not None:
            self.assert_graph_freed(t.mine.grad_fn)

    @rule(t=tensors)
    def zero_grad(self, t):
        self.both(f"{t}.grad.zero_()", lambda x: x.grad.zero_() if x.is_leaf and x.grad is not None
                  else None, t)

    @rule(t=tensors)
    def grad_to_none(self, t):
        self.both(f"{t}.grad = None", lambda x: setattr(x, "grad", None), t)

    @rule(t=tensors, flag=st.booleans())
    def requires_grad_(self, t, flag):
        if t.is_view or self.inference_outside(t):   # torch internals, see inference_outside
            return
        self.both(f"{t}.requires_grad_({flag})", lambda x: x.requires_grad_(flag), t)

    @rule(t=tensors)
    def read_grad(self, t):
        """Reading ``.grad`` of a non-leaf warns, in both."""
        self.both(f"{t}.grad", lambda x: x.grad, t)

    @precondition(lambda self: len(self.modes) < 3)
    @rule(mode=st.sampled_from(sorted(MODES)))
    def enter_mode(self, mode):
        cm_m, cm_r = MODES[mode](anb), MODES[mode](torch)
        cm_m.__enter__()
        cm_r.__enter__()
        self.modes.append((cm_m, cm_r, mode))

    @precondition(lambda self: bool(self.modes))
    @rule()
    def exit_mode(self):
        cm_m, cm_r, _ = self.modes.pop()
        cm_m.__exit__(None, None, None)
        cm_r.__exit__(None, None, None)

    @rule()
    def fresh_graph_gives_its_bytes_back(self):
        """Build a graph, run backward without retain_graph: saved_bytes() is back."""
        was_enabled = gc.isenabled()
        gc.disable()                            # no unrelated garbage freed meanwhile
        try:
            self._fresh_graph()
        finally:
            if was_enabled:
                gc.enable()

    def _fresh_graph(self) -> None:
        before = saved_bytes()
        x = anb.tensor(self.rng.uniform(-1, 1, 5), dtype=anb.float64, requires_grad=True)
        y = ((x.exp() * x).sin() * x).sum()
        if y.requires_grad:
            assert saved_bytes() > before
            y.backward()
            self.assert_graph_freed(y.grad_fn)
        assert saved_bytes() == before

    # -- checks ----------------------------------------------------------------------
    def assert_graph_freed(self, root: Any) -> None:
        """After backward without retain_graph, no node of the graph holds a buffer."""
        stack, seen = [root], set()
        while stack:
            node = stack.pop()
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            for name, s in node.saved_tensors_info:
                assert s.freed, f"{node.name()}: saved buffer {name!r} still held after backward"
            stack.extend(n for n, _ in node.next_functions)

    @invariant()
    def grad_modes_agree(self):
        assert anb.is_grad_enabled() == torch.is_grad_enabled()
        assert anb.is_inference_mode_enabled() == torch.is_inference_mode_enabled()

    @invariant()
    def tensors_agree(self):
        for p in self.pairs[-12:]:
            m, r = p.mine, p.ref
            assert m.requires_grad == r.requires_grad, f"{p}.requires_grad"
            assert attempt(lambda: m.is_leaf) == attempt(lambda: r.is_leaf), f"{p}.is_leaf"
            # (reading grad_fn raises for a no_grad view whose storage changed since)
            mf = attempt(lambda: None if m.grad_fn is None else type(m.grad_fn).__name__)
            rf = attempt(lambda: None if r.grad_fn is None else type(r.grad_fn).__name__)
            assert mf == rf, f"{p}.grad_fn: {mf} != {rf}"
            mv, rv = attempt(lambda: m._version), attempt(lambda: r._version)
            assert mv == rv, f"{p}._version: {mv} != {rv}"
            assert m.is_inference() == r.is_inference(), f"{p}.is_inference()"
            assert np.allclose(m.detach().numpy(), r.detach().numpy(), rtol=1e-10, atol=1e-12), \
                f"{p} values: {m} != {r}"

    @invariant()
    def saved_bytes_never_negative(self):
        assert saved_bytes() >= 0

    def teardown(self):
        while self.modes:
            self.exit_mode()
        for p in self.pairs:
            p.mine = p.ref = None
        self.pairs.clear()
        if sys.exc_info()[0] is not None:     # a failing step: its traceback keeps tensors alive
            return
        gc.collect()
        assert saved_bytes() == self.start_bytes, \
            f"saved_bytes() is {saved_bytes()} after every tensor is gone, was {self.start_bytes}"


@pytest.fixture(autouse=True, scope="module")
def _frozen_gc():
    """Move everything alive now out of the collector's sight: gc.collect() gets cheap."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


AutogradMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestAutogradEngine = AutogradMachine.TestCase


# ---------------------------------------------------------------------------
# regression tests for the divergences the machine once found
# ---------------------------------------------------------------------------


def _both(program: Callable[[Any], Any]) -> None:
    from catalog import outcome
    assert outcome(program, anb) == outcome(program, torch)


def _modes_program(m: Any) -> Any:
    with m.no_grad():
        with m.inference_mode(False):
            x = m.tensor([1.0], requires_grad=True)
            return (m.is_grad_enabled(), (x * 2).requires_grad)


def _inplace_in_inference_program(m: Any) -> Any:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    with m.inference_mode():
        with m.enable_grad():
            y = x * 2
            x.add_(1)
    return (x, y.requires_grad, y.is_inference())


def _zero_fill_program(m: Any) -> Any:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y, z = x * 1, x * 1
    y.zero_()
    z.fill_(2.0)
    return (y, z)


def _inference_version_program(m: Any) -> Any:
    with m.inference_mode():
        a = m.ones(1)
    return a._version


def _requires_grad_switched_off_program(m: Any) -> Any:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    z = (x * 3).sum()
    x.requires_grad_(False)
    z.backward()
    return x.grad


def test_inference_mode_false_enables_grad():
    _both(_modes_program)


def test_inplace_on_leaf_inside_inference_mode():
    _both(_inplace_in_inference_program)


def test_zero_and_fill_record_their_own_nodes():
    _both(_zero_fill_program)


def test_inference_tensor_has_no_version():
    _both(_inference_version_program)


def test_leaf_whose_requires_grad_was_switched_off_gets_no_grad():
    _both(_requires_grad_switched_off_program)


def _view_inplace_program(m: Any) -> Any:
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.clone()
    v = y[1:]
    v.mul_(2)
    return (v, type(y.grad_fn).__name__)


def test_view_after_inplace_shows_as_strided():
    _both(_view_inplace_program)


def _inference_view_program(m: Any) -> Any:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    with m.inference_mode():
        v = x[:]
    return (v, v.requires_grad, v.is_leaf, v.is_inference())


def _no_grad_view_program(m: Any) -> Any:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    with m.no_grad():
        v, w, s = x[:], x.view(2, 1), x[0]
    return [(t, t.requires_grad, t.is_leaf) for t in (v, w, s)]


def _inference_grad_program(m: Any) -> Any:
    y = m.tensor([1.0, 2.0], requires_grad=True)
    with m.inference_mode():
        y.backward(m.ones(2))
    y.backward(m.ones(2))
    return y.grad


def _view_of_former_leaf_program(m: Any) -> Any:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    v = x[:]
    x.requires_grad_(False)
    return v.add_(1)


def test_view_taken_in_inference_mode_requires_grad():
    _both(_inference_view_program)


def test_view_taken_under_no_grad_requires_grad():
    _both(_no_grad_view_program)


def test_grad_made_in_inference_mode_is_not_updated_outside():
    _both(_inference_grad_program)


def test_view_of_leaf_refused_after_requires_grad_off():
    _both(_view_of_former_leaf_program)


def _view_follows_base_program(m: Any) -> Any:
    x = m.tensor([1.0, 2.0])
    v = x[:]
    x.requires_grad_()
    return (v.requires_grad, v.is_leaf)


def test_view_follows_base_requires_grad():
    _both(_view_follows_base_program)


def _view_then_base_inplace_program(m: Any) -> Any:
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.clone()
    v = y[:]
    y.mul_(2)
    v.sum().backward()
    return x.grad


def test_view_sees_later_inplace_on_its_base():
    _both(_view_then_base_inplace_program)


def _leaf_moved_program(m: Any) -> Any:
    x = m.tensor([1.0, 2.0], requires_grad=True)
    z = (x * 2).sum()
    x.requires_grad_(False)
    x.add_(m.tensor([1.0, 1.0], requires_grad=True))
    z.backward()
    return x.grad


def test_leaf_moved_into_graph_interior():
    _both(_leaf_moved_program)
