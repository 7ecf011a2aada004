"""hstack / vstack / row_stack / dstack / column_stack and atleast_1d/2d/3d (ops/joins.py).

They are built from ``cat`` and ``atleast_Nd`` as in PyTorch, so the recorded graph must
be PyTorch's node for node (``CatBackward0`` over ``ViewBackward0`` / ``UnsqueezeBackward0``
/ ``AccumulateGrad``). Values, gradients and bad inputs are compared with real torch;
float64 finite differences check the gradients on their own.
"""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

FUNCS = ["hstack", "vstack", "row_stack", "dstack", "column_stack"]
SHAPES = [[(3,), (3,)], [(), ()], [(2, 3), (2, 4)], [(3,), (2, 3)], [(2, 3, 2), (2, 3, 1)],
          [(3,), ()], [(2, 1), (2,)], [(4,)]]


def _graph(node):
    """The whole graph below ``node`` as nested (class name, children) pairs."""
    if node is None:
        return None
    return (type(node).__name__, tuple(_graph(n) for n, _ in node.next_functions))


def _outcome(m, fn, arrays):
    try:
        ts = [m.tensor(a, requires_grad=True) for a in arrays]
        out = getattr(m, fn)(ts)
    except Exception as e:                                # noqa: BLE001 - compared with torch
        return (type(e).__name__, str(e).split("\n")[0]), None, None
    up = np.arange(out.numel(), dtype=np.float64).reshape(tuple(out.shape)) + 1
    out.backward(m.tensor(up))
    grads = [t.grad.numpy() for t in ts]
    return (tuple(out.shape), out.detach().numpy().tolist(), _graph(out.grad_fn)), grads, out


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_matches_torch(fn, shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours, g_ours, _ = _outcome(anb, fn, arrays)
    theirs, g_theirs, _ = _outcome(torch, fn, arrays)
    theirs = _strip_torch_prefix(theirs)
    assert ours == theirs
    if g_theirs is not None:
        for a, b in zip(g_ours, g_theirs):
            np.testing.assert_allclose(a, b)


def _strip_torch_prefix(x):
    if isinstance(x, str):
        return x.replace("torch::autograd::", "")
    if isinstance(x, tuple):
        return tuple(_strip_torch_prefix(v) for v in x)
    return x


@pytest.mark.parametrize("fn", FUNCS)
def test_finite_differences(fn):
    rng = np.random.default_rng(1)
    a = anb.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = anb.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    s = anb.tensor(rng.standard_normal(()), requires_grad=True)
    assert gradcheck(lambda x, y: getattr(anb, fn)([x, y]), (a, b))
    assert gradgradcheck(lambda x, y: getattr(anb, fn)([x, y]) ** 2, (a, b))
    assert gradcheck(lambda x: getattr(anb, fn)([x, x * 2]), (s,))


def test_dtype_promotion_and_grad_dtype():
    a = anb.tensor([1.0, 2.0], dtype=anb.float64, requires_grad=True)
    b = anb.tensor([3.0, 4.0], requires_grad=True)
    out = anb.vstack([a, b])
    assert out.dtype == anb.float64
    out.sum().backward()
    assert a.grad.dtype == anb.float64 and b.grad.dtype == anb.float32


def test_tuple_input_and_single_tensor():
    a = anb.tensor([1.0, 2.0])
    assert anb.hstack((a,)).tolist() == [1.0, 2.0]
    assert anb.column_stack((a, a)).tolist() == [[1.0, 1.0], [2.0, 2.0]]
    assert anb.dstack([a, a]).shape == (1, 2, 2)


@pytest.mark.parametrize("fn", FUNCS)
@pytest.mark.parametrize("bad", ["empty", "tensor", "int_element", "mismatch"])
def test_errors_match_torch(fn, bad):
    def make(m):
        a = m.zeros(3)
        return {"empty": [], "tensor": a, "int_element": [a, 1],
                "mismatch": [m.zeros(2, 3), m.zeros(3, 4)]}[bad]
    outcomes = []
    for m in (anb, torch):
        with pytest.raises(Exception) as info:
            getattr(m, fn)(make(m))
        outcomes.append((type(info.value).__name__, str(info.value).split("\n")[0]))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_atleast_nd_matches_torch(shape, n):
    arr = np.random.default_rng(2).standard_normal(shape)
    res = []
    for m in (anb, torch):
        x = m.tensor(arr, requires_grad=True)
        y = getattr(m, f"atleast_{n}d")(x)
        res.append((tuple(y.shape), y is x, _strip_torch_prefix(_graph(y.grad_fn))))
    assert res[0] == res[1]


def test_atleast_several_and_errors():
    a, s = anb.zeros(3), anb.tensor(1.0)
    out = anb.atleast_2d(a, s)
    assert isinstance(out, tuple) and [t.shape for t in out] == [(1, 3), (1, 1)]
    assert [t.shape for t in anb.atleast_3d([a, s])] == [(1, 3, 1), (1, 1, 1)]
    assert anb.atleast_1d() == ()
    with pytest.raises(TypeError, match=r"^atleast_1d\(\) received an invalid combination of arguments"):
        anb.atleast_1d(1.0)
    with pytest.raises(TypeError, match="^expected Tensor as element 1 in argument 0, but got list$"):
        anb.atleast_1d(a, [a])


def test_listed_as_supported():
    names = anb.supported()
    for fn in FUNCS + ["atleast_1d", "atleast_2d", "atleast_3d"]:
        assert fn in names
