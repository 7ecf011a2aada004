"""Every catalog op against real PyTorch 2.13: same call, same observable result.

For random shapes, arguments and values (Hypothesis), and a random choice of which
inputs require grad, both libraries run ``op.fn`` and must agree on

* the result: number of outputs, shape, dtype, values;
* autograd metadata: ``requires_grad``, ``is_leaf``, the ``grad_fn`` class name and its
  ``next_functions`` (class names and input numbers);
* the gradient of every input after backward with the same upstream gradient (or, for
  ops PyTorch cannot differentiate, the same error from backward);
* errors: when PyTorch refuses a call, autograd_nb raises the same exception type with
  the same first line of message.

Separately: the result dtype of binary ops for mixed dtypes (PyTorch's promotion
rules), and each op's known bad inputs (``Op.bad``).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_nb as anb

from catalog import CATALOG, Op, error_line, make_inputs, outcome, outputs, require

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch

SEEDS = st.integers(0, 2 ** 32 - 1)


# ---------------------------------------------------------------------------
# helpers: run the same thing under both, describe what came out
# ---------------------------------------------------------------------------


def call(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, str | None]:
    """``(result, None)`` or ``(None, error_line)``."""
    try:
        return fn(*args, **kwargs), None
    except Exception as exc:                       # noqa: BLE001 - compared below
        return None, error_line(exc)


def node_name(node: Any) -> str | None:
    return None if node is None else type(node).__name__


def graph_info(t: Any) -> tuple:
    """What a learner sees of a tensor's place in the graph."""
    fn = t.grad_fn
    nexts = None if fn is None else tuple((node_name(n), nr) for n, nr in fn.next_functions)
    return (t.requires_grad, t.is_leaf, node_name(fn), nexts)


def to_numpy(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return t.detach().numpy()


def assert_same_tensor(mine: Any, ref: Any, what: str, rtol: float = 1e-5,
                       atol: float = 1e-6, graph: bool = True) -> None:
    assert isinstance(mine, anb.Tensor), f"{what}: got {type(mine).__name__}, not a Tensor"
    assert tuple(mine.shape) == tuple(ref.shape), f"{what}: shape {tuple(mine.shape)} != {tuple(ref.shape)}"
    assert str(mine.dtype) == str(ref.dtype), f"{what}: dtype {mine.dtype} != {ref.dtype}"
    a, b = to_numpy(mine), to_numpy(ref)
    if a.dtype.kind == "f":
        assert np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True), f"{what}: values\n{a}\n!=\n{b}"
    else:
        assert np.array_equal(a, b), f"{what}: values\n{a}\n!=\n{b}"
    if graph:
        assert graph_info(mine) == graph_info(ref), \
            f"{what}: (requires_grad, is_leaf, grad_fn, next_functions)\n{graph_info(mine)}\n!=\n{graph_info(ref)}"


def assert_same_outcome(mine: Any, my_err: str | None, ref: Any, ref_err: str | None,
                        what: str, **kw: Any) -> None:
    assert my_err == ref_err, f"{what}: autograd_nb -> {my_err!r}, torch -> {ref_err!r}"
    if ref_err is not None:
        return
    if isinstance(ref, tuple):
        assert isinstance(mine, tuple), f"{what}: torch returns a tuple, autograd_nb a {type(mine).__name__}"
        assert len(mine) == len(ref), f"{what}: {len(mine)} outputs, torch has {len(ref)}"
        for i, (a, b) in enumerate(zip(mine, ref)):
            assert_same_tensor(a, b, f"{what}: output {i}", **kw)
    else:
        assert_same_tensor(mine, ref, what, **kw)


# ---------------------------------------------------------------------------
# the catalog, op by op
# ---------------------------------------------------------------------------


def _ids(op: Op) -> str:
    return op.name


def _leaves(m: Any, arrays: list, dtype: str, rg: list) -> list:
    return [m.tensor(a, dtype=getattr(m, dtype), requires_grad=r) for a, r in zip(arrays, rg)]


def check_parity(op: Op, case: Any, seed: int, dtype: str, rg: list) -> None:
    arrays = make_inputs(op, case, seed)
    mine_in = _leaves(anb, arrays, dtype, rg)
    ref_in = _leaves(torch, arrays, dtype, rg)
    mine, my_err = call(op.fn, anb, *mine_in, **case.params)
    ref, ref_err = call(op.fn, torch, *ref_in, **case.params)
    assert_same_outcome(mine, my_err, ref, ref_err, "forward", rtol=op.rtol, atol=op.atol, graph=op.graph)
    if ref_err is not None:
        return
    mine_out, ref_out = outputs(mine), outputs(ref)
    live = [i for i, o in enumerate(ref_out) if o.requires_grad]
    if not live:
        return
    rng = np.random.default_rng(seed + 1)
    ups = {i: rng.standard_normal(ref_out[i].shape) for i in live}
    _, my_err = call(anb.autograd.backward, [mine_out[i] for i in live],
                     [anb.tensor(ups[i], dtype=mine_out[i].dtype) for i in live])
    _, ref_err = call(torch.autograd.backward, [ref_out[i] for i in live],
                      [torch.tensor(ups[i], dtype=ref_out[i].dtype) for i in live])
    assert my_err == ref_err, f"backward: autograd_nb -> {my_err!r}, torch -> {ref_err!r}"
    for i, (a, b) in enumerate(zip(mine_in, ref_in)):
        if b.grad is None:
            assert a.grad is None, f"input {i}: .grad should stay None"
        else:
            assert a.grad is not None, f"input {i}: .grad is None, torch has {b.grad}"
            assert_same_tensor(a.grad, b.grad, f"input {i} .grad", rtol=max(op.rtol, 1e-5),
                               atol=1e-5, graph=False)


# Known divergences (bugs in autograd_nb, reported to the owners). The random test of
# such an entry is a non-strict expected failure, since a random draw may miss the
# bug; pin each one down with a deterministic program, as a strict expected failure.
KNOWN: dict[str, str] = {}


def _with_known(ops: list) -> list:
    return [pytest.param(op, id=op.name, marks=pytest.mark.xfail(strict=False, reason=KNOWN[op.name]))
            if op.name in KNOWN else pytest.param(op, id=op.name) for op in ops]


@pytest.mark.parametrize("op", _with_known(CATALOG))
def test_op_matches_torch(op):
    require(op)

    @settings(max_examples=8, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(case=op.cases, seed=SEEDS, dtype=st.sampled_from(["float32", "float64"]),
           rg=st.lists(st.booleans(), min_size=op.nargs, max_size=op.nargs))
    def check(case, seed, dtype, rg):
        check_parity(op, case, seed, dtype, rg)

    check()


# ---------------------------------------------------------------------------
# bad inputs: same exception type, same first line
# ---------------------------------------------------------------------------

KNOWN_BAD = {
}
BAD = [pytest.param(op, i, id=f"{op.name}-{i}",
                    marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BAD[op.name, i])]
                    if (op.name, i) in KNOWN_BAD else [])
       for op in CATALOG for i in range(len(op.bad))]


@pytest.mark.parametrize("op, i", BAD)
def test_bad_input_fails_like_torch(op, i):
    require(op)
    _, ref_err = call(op.bad[i], torch)
    assert ref_err is not None, "the catalog's bad input is accepted by torch"
    _, my_err = call(op.bad[i], anb)
    assert my_err == ref_err


# ---------------------------------------------------------------------------
# dtypes: promotion with mixed inputs
# ---------------------------------------------------------------------------

# (label, maker): maker(m) builds one operand; Python numbers stay Python numbers.
OPERANDS = [
    ("int64", lambda m: m.tensor([1, 2, 3])),
    ("int32", lambda m: m.tensor([1, 2, 3], dtype=m.int32)),
    ("int16", lambda m: m.tensor([3, 1, 2], dtype=m.int16)),
    ("int8", lambda m: m.tensor([1, 2, 3], dtype=m.int8)),
    ("uint8", lambda m: m.tensor([2, 2, 1], dtype=m.uint8)),
    ("bool", lambda m: m.tensor([True, True, True])),   # no zeros: integer division stays defined
    ("float16", lambda m: m.tensor([1.5, 2.0, 3.0], dtype=m.float16)),
    ("float32", lambda m: m.tensor([1.5, 2.0, 3.25])),
    ("float64", lambda m: m.tensor([0.5, 2.0, 1.0], dtype=m.float64)),
    ("float64-0d", lambda m: m.tensor(2.0, dtype=m.float64)),
    ("float32-0d", lambda m: m.tensor(1.5)),
    ("int64-0d", lambda m: m.tensor(2)),
    ("bool-0d", lambda m: m.tensor(True)),
    ("py-int", lambda m: 2),
    ("py-float", lambda m: 1.5),
    ("py-bool", lambda m: True),
]
MIXED_OPS = [op for op in CATALOG if op.mixed]
PAIRS = [(a, b) for a in OPERANDS for b in OPERANDS if not a[0].startswith("py-")]


def _mixed_failures(op: Op, torch_accepts: bool) -> list[str]:
    failures = []
    for (la, fa), (lb, fb) in PAIRS:
        ref, ref_err = call(op.fn, torch, fa(torch), fb(torch))
        if (ref_err is None) != torch_accepts:
            continue
        mine, my_err = call(op.fn, anb, fa(anb), fb(anb))
        try:
            assert_same_outcome(mine, my_err, ref, ref_err, f"{op.name}({la}, {lb})",
                                rtol=1e-3, atol=1e-3)
        except AssertionError as e:
            failures.append(str(e).splitlines()[0])
    return failures


@pytest.mark.parametrize("op", MIXED_OPS, ids=_ids)
def test_mixed_dtypes_promote_like_torch(op):
    """Every dtype pair PyTorch accepts gives the same result dtype and values."""
    require(op)
    failures = _mixed_failures(op, torch_accepts=True)
    assert not failures, f"{len(failures)} dtype pairs differ:\n" + "\n".join(failures[:15])


@pytest.mark.parametrize("op", MIXED_OPS, ids=_ids)
def test_mixed_dtypes_torch_refuses_are_refused(op):
    """Every dtype pair PyTorch refuses is refused with the same error."""
    require(op)
    failures = _mixed_failures(op, torch_accepts=False)
    assert not failures, f"{len(failures)} dtype pairs differ:\n" + "\n".join(failures[:15])


# ---------------------------------------------------------------------------
# divergences found earlier (once known bugs), one deterministic program each
# ---------------------------------------------------------------------------


def _graph(t: Any) -> tuple:
    return (t, t.grad_fn, t.grad_fn.next_functions)


def _set(c: Any, key: Any, value: Any) -> Any:
    c[key] = value
    return _graph(c)


FIXED = [
    ("transpose_0d", lambda m: _graph(m.tensor(1.0, requires_grad=True).transpose(0, -1))),
    ("squeeze_tuple", lambda m: _graph(m.ones(2, 1, 3, requires_grad=True).squeeze((1,)))),
    ("getitem_full_slices", lambda m: _graph(m.ones(2, 3, requires_grad=True)[0:2, :])),
    ("getitem_full_slice_then_int", lambda m: _graph(m.ones(2, 3, requires_grad=True)[0:2, 0])),
    ("getitem_lone_full_slice", lambda m: _graph(m.ones(2, 3, requires_grad=True)[0:2])),
    ("getitem_mask_after_int", lambda m: m.ones(2, 3, 4)[m.ones(2, 2, dtype=m.bool), 0]),
    ("setitem_whole_tensor", lambda m: _set(m.ones(3) * 1, (), m.tensor(5.0, requires_grad=True))),
    ("setitem_one_index_list", lambda m: _set(m.ones(3) * 1, [0], m.tensor([5.0], requires_grad=True))),
    ("setitem_int_views_base", lambda m: _set(m.ones(3, requires_grad=True) * 1, 0, m.tensor([5.0]))),
    ("setitem_mask_double_value", lambda m: _set(m.ones(3) * 1, m.tensor([True, False, True]),
                                                 m.tensor(5.0, dtype=m.float64, requires_grad=True))),
    ("setitem_dtype_mismatch", lambda m: _set(m.ones(3) * 1, [0], m.tensor([5.0], dtype=m.float64))),
    ("setitem_out_of_bounds_list", lambda m: _set(m.ones(3) * 1, [5], m.ones(3))),
]


@pytest.mark.parametrize("name, fn", [pytest.param(*r, id=r[0]) for r in FIXED])
def test_fixed_divergence(name, fn):
    assert outcome(fn, anb) == outcome(fn, torch)
