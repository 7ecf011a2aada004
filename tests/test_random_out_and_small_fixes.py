"""``out=`` on the random creation functions, and a bool target in soft_margin_loss,
checked against PyTorch 2.13."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd_nb as anb


def _draw(lib, name, out, **kw):
    return {
        "rand": lambda: lib.rand(3, out=out, **kw),
        "randn": lambda: lib.randn(3, out=out, **kw),
        "randint": lambda: lib.randint(0, 9, (3,), out=out, **kw),
        "randperm": lambda: lib.randperm(3, out=out, **kw),
        "normal": lambda: lib.normal(0.0, 1.0, (3,), out=out, **kw),
    }[name]()


def _outcome(lib, name, out, **kw):
    try:
        return _draw(lib, name, out, **kw)
    except Exception as e:                         # noqa: BLE001 - compared below
        return (type(e).__name__, str(e))


OUT_DTYPES = {"rand": "float64", "randn": "float64", "normal": "float64", "randint": "int32",
              "randperm": "float64"}


@pytest.mark.parametrize("name", sorted(OUT_DTYPES))
def test_out_decides_the_dtype_and_the_numbers(name):
    """``f(..., out=t)`` draws in ``t``'s dtype: the numbers ``f(..., dtype=t.dtype)`` draws."""
    dt = OUT_DTYPES[name]
    results = []
    for lib in (torch, anb):
        lib.manual_seed(3)
        out = lib.empty(3, dtype=getattr(lib, dt))
        got = _draw(lib, name, out)
        assert got is out and got.dtype == getattr(lib, dt)
        lib.manual_seed(3)
        same = _draw(lib, name, None, dtype=getattr(lib, dt))
        assert lib.equal(got, same)
        results.append(got.numpy())
    np.testing.assert_array_equal(results[0], results[1])


@pytest.mark.parametrize("name", sorted(OUT_DTYPES))
@pytest.mark.parametrize("case", ["requires_grad", "dtype_mismatch"])
def test_out_refusals_match_torch(name, case):
    got = []
    for lib in (torch, anb):
        if case == "requires_grad":
            out = lib.empty(3, requires_grad=True)
            got.append(_outcome(lib, name, out))
        else:
            out = lib.empty(3)
            other = lib.int64 if name in ("randint", "randperm") else lib.float64
            got.append(_outcome(lib, name, out, dtype=other))
    assert isinstance(got[0], tuple), "torch accepted it"
    assert got[1] == got[0]


def test_out_is_resized_to_the_asked_size():
    out = anb.empty(2, dtype=anb.float64)
    assert anb.rand(4, out=out).shape == (4,) and out.shape == (4,)


def test_out_under_no_grad_may_require_grad():
    with anb.no_grad():
        out = anb.empty(3, requires_grad=True)
        assert anb.rand(3, out=out) is out


@pytest.mark.parametrize("target", [[True, False, True], [1, 0, 1]])
def test_soft_margin_loss_takes_a_bool_or_integer_target(target):
    vals = []
    for lib in (torch, anb):
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        t = lib.tensor(target)
        loss = lib.nn.functional.soft_margin_loss(x, t)
        vals.append(loss.item())
        if t.dtype != lib.bool:
            loss.backward()
            vals.append(x.grad.tolist())
    assert vals[0] == pytest.approx(vals[len(vals) // 2], rel=1e-6)
    if len(vals) == 4:
        assert vals[1] == pytest.approx(vals[3], rel=1e-6)


def test_soft_margin_loss_bool_target_backward_refuses_as_torch():
    msgs = []
    for lib in (torch, anb):
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        loss = lib.nn.functional.soft_margin_loss(x, lib.tensor([True, False, True]))
        with pytest.raises(RuntimeError) as e:
            loss.backward()
        msgs.append(str(e.value).splitlines()[0])
    assert msgs[0] == msgs[1]


@pytest.mark.parametrize("expr", ["x / 2.0", "x * 2", "x * 2.5", "x.div(2, rounding_mode='floor')",
                                  "x * True"])
def test_a_number_saved_in_a_tensors_place_reads_as_a_0d_tensor(expr):
    """``(x * 2.5).grad_fn._saved_other`` is PyTorch's wrapped number: a 0-d float64
    tensor (int64 for an int, bool for a bool), not the Python number."""
    shown = []
    for lib in (torch, anb):
        x = lib.ones(3, requires_grad=True)
        other = eval(expr, {"x": x}).grad_fn._saved_other
        shown.append((repr(other), other.dtype.__repr__().replace("torch.", ""), tuple(other.shape)))
    assert shown[0] == shown[1]


@pytest.mark.parametrize("name", ["_grad_fn", "_backward_hooks", "data", "requires_grad", "grad_fn",
                                  "is_leaf", "_version", "_base", "shape"])
def test_deleting_what_autograd_relies_on_is_refused_as_torch(name):
    """``del y.<name>`` is refused with torch's exception type (and its words where it is a
    RuntimeError); the tensor keeps working. ``del x.grad`` still clears the gradient."""
    seen = []
    for lib in (torch, anb):
        y = lib.ones(2, requires_grad=True) * 2
        with pytest.raises((RuntimeError, AttributeError)) as e:
            delattr(y, name)
        seen.append((type(e.value), str(e.value) if e.type is RuntimeError else ""))
        y.sum().backward()                                    # nothing was lost
    assert seen[0] == seen[1]


def test_del_grad_clears_it():
    x = anb.ones(2, requires_grad=True)
    (x * 2).sum().backward()
    del x.grad
    assert x.grad is None


PADS = ["nn.ReflectionPad2d((1, 2, 3))", "nn.ZeroPad2d((1, 2, 3))", "nn.ConstantPad1d((1, 2, 3), 0.)",
        "nn.ReplicationPad1d((1,))", "nn.CircularPad2d((1, 2, 3, 4, 5, 6))", "nn.ReflectionPad1d(-1)",
        "nn.ConstantPad2d((1, 2), 1.)", "nn.ReflectionPad2d((1, 1))"]


@pytest.mark.parametrize("ctor", PADS)
def test_padding_layers_keep_the_padding_as_given_and_check_it_when_run(ctor):
    """As PyTorch: the constructor takes any padding tuple; F.pad refuses a wrong one when
    the layer runs (and a constant pad of fewer dims just pads fewer dims)."""
    seen = []
    for lib in (torch, anb):
        layer = eval(ctor, {"nn": lib.nn})
        try:
            out = layer(lib.ones(1, 2, 3, 3))
            seen.append((repr(layer), tuple(out.shape)))
        except Exception as e:                        # noqa: BLE001 - compared with torch
            seen.append((repr(layer), type(e).__name__, str(e)))
    assert seen[0] == seen[1]


def _outcome_of(lib, program):
    try:
        return ("ok", repr(program(lib)))
    except Exception as e:                            # noqa: BLE001 - compared with torch
        return (type(e).__name__, str(e).splitlines()[0])


def _bool_with_history(lib):
    v0 = lib.tensor([[-1.5, 0.5], [-0.5, 0.5]], requires_grad=True)
    v4 = lib.logical_xor(v0, v0)
    v4.gt_(v0 * 2)                                    # a bool tensor with a history
    return v4


def _stale_split_view(lib):
    v0 = lib.tensor([-0.5, -0.5, -2.0, 0.5], dtype=lib.float64, requires_grad=True)
    v1 = v0.var(-1, keepdim=True)
    v4 = v1.split(1, 0)[0]
    with lib.no_grad():
        v1.mul_(2)                                    # the split's output is stale now
    return v4


@pytest.mark.parametrize("name, program", [
    # an integer quotient has no history (torch's NotImplemented node is for float results)
    ("bool // int", lambda L: (_bool_with_history(L) // -2).grad_fn),
    ("int // int", lambda L: (_bool_with_history(L).long() // 2).grad_fn),
    ("float // int", lambda L: type((L.ones(2, requires_grad=True) // 2).grad_fn).__name__),
    # pow_'s negative integer power is refused before the expanded-self check
    ("pow_ expanded int", lambda L: (L.ones(3) <= 1).expand(2, 3).pow_(-2)),
    ("ipow expanded int", lambda L: L.ones(3, dtype=L.int64).expand(2, 3).__ipow__(-1)),
    # isclose's dtype check comes before reading a stale view's history
    ("isclose dtypes first", lambda L: L.isclose(_stale_split_view(L), L.ones(1, dtype=L.bool))),
    ("isclose stale view", lambda L: L.isclose(_stale_split_view(L), L.ones(1, dtype=L.float64))),
])
def test_fuzzer_round10_causes_match_torch(name, program):
    """Found by the fuzzer (seeds 9402, 9425, 9428)."""
    assert _outcome_of(anb, program) == _outcome_of(torch, program)


def test_masked_setitem_through_a_view_of_an_expand_writes_the_base():
    """``v = b.expand(2, 1, 3)[-2]`` has no shared elements: writing into it writes ``b``
    (numpy marks the view read-only; found by the fuzzer, seed 9440)."""
    seen = []
    for lib in (torch, anb):
        b = lib.tensor([[False, True, False]])
        v = b.expand((2, 1, 3))[-2]
        v[v > 0] = 1
        v[lib.tensor([[True, False, False]])] = True
        seen.append((v.tolist(), b.tolist()))
    assert seen[0] == seen[1]


def _int_with_history(lib):
    v0 = lib.tensor([1.5, 0.5], requires_grad=True)
    i = lib.zeros(2, dtype=lib.int64)
    i.fill_(v0.sum())                                 # an integer tensor with a history
    return i


@pytest.mark.parametrize("name, program", [
    ("heaviside of ints", lambda L: L.heaviside(_int_with_history(L), _int_with_history(L)).grad_fn),
    ("number % ints", lambda L: (2 % _int_with_history(L)).grad_fn),
    ("ints // number", lambda L: (_int_with_history(L) // 2).grad_fn),
    ("float heaviside", lambda L: type(L.heaviside(L.ones(2, requires_grad=True), L.ones(2)).grad_fn).__name__),
    ("number % floats", lambda L: type((2 % L.ones(2, requires_grad=True)).grad_fn).__name__),
])
def test_ops_without_a_derivative_give_integer_results_no_history(name, program):
    """PyTorch's NotImplemented node is for floating results only."""
    assert _outcome_of(anb, program) == _outcome_of(torch, program)
