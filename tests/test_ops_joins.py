"""Joins and gathers (ops/joins.py) against real PyTorch and against finite differences.

Every case runs the same function under ``autograd_nb`` and ``torch`` on the same
numbers and compares: values, dtypes, ``grad_fn`` names, ``next_functions``, the saved
attributes PyTorch shows (``grad_fn._saved_dim`` ...), and the gradients for a random
upstream gradient. Then float64 central differences check the backward rules on their
own, a few second derivatives are compared, and bad inputs must fail exactly as in
PyTorch (exception type and first line of the message).
"""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb

torch = pytest.importorskip("torch")

RNG_SEED = 1234


# ---------------------------------------------------------------------------
# harness
# ---------------------------------------------------------------------------


def _leaf(m, arr, requires_grad):
    t = m.tensor(arr)
    if requires_grad and arr.dtype.kind == "f":
        t.requires_grad_(True)
    return t


def _outs(r):
    return list(r) if isinstance(r, (tuple, list)) else [r]


def _names(fn):
    return [(None if n is None else type(n).__name__, nr) for n, nr in fn.next_functions]


def _plain(v):
    if hasattr(v, "detach"):
        return ("tensor", repr(v.dtype), v.detach().numpy().tolist())
    return v


def _run(m, fn, arrays, grads_mask, upstream, saved):
    leaves = [_leaf(m, a, g) for a, g in zip(arrays, grads_mask)]
    outs = _outs(fn(m, *leaves))
    shown = {attr: _plain(getattr(outs[0].grad_fn, attr)) for attr in saved}   # before backward frees them
    info = []
    for o in outs:
        gf = o.grad_fn
        info.append((tuple(o.shape), repr(o.dtype), o.requires_grad, o.detach().numpy().copy(),
                     None if gf is None else type(gf).__name__,
                     None if gf is None else _names(gf), o.output_nr))
    roots = [(o, m.tensor(u).to(o.dtype)) for o, u in zip(outs, upstream)
             if o.requires_grad and u is not None]
    if roots:
        m.autograd.backward([o for o, _ in roots], [u for _, u in roots])
    grads = [None if leaf.grad is None else (repr(leaf.grad.dtype), leaf.grad.numpy().copy())
             for leaf in leaves]
    return shown, info, grads


def check_parity(fn, arrays, grads_mask=None, saved=(), skip_outputs=(), rtol=1e-5, atol=1e-6):
    """Run ``fn(m, *leaves)`` under both libraries and compare everything visible."""
    arrays = [np.asarray(a) for a in arrays]
    if grads_mask is None:
        grads_mask = [True] * len(arrays)
    rng = np.random.default_rng(RNG_SEED)
    with torch.no_grad():
        probe = _outs(fn(torch, *[torch.tensor(a) for a in arrays]))
    upstream = [None if i in skip_outputs or not o.is_floating_point() else
                rng.standard_normal(tuple(o.shape)) for i, o in enumerate(probe)]
    ours, got, ggot = _run(anb, fn, arrays, grads_mask, upstream, saved)
    theirs, want, gwant = _run(torch, fn, arrays, grads_mask, upstream, saved)
    assert ours == theirs
    assert len(got) == len(want)
    for (s1, d1, r1, v1, n1, nf1, o1), (s2, d2, r2, v2, n2, nf2, o2) in zip(got, want):
        assert (s1, d1, r1, n1, nf1, o1) == (s2, d2, r2, n2, nf2, o2)
        np.testing.assert_allclose(v1, v2, rtol=rtol, atol=atol)
    for a, b in zip(ggot, gwant):
        assert (a is None) == (b is None)
        if a is not None:
            assert a[0] == b[0]
            np.testing.assert_allclose(a[1], b[1], rtol=rtol, atol=atol)


def _f32(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _idx(*rows):
    return np.array(rows, dtype=np.int64)


def T(m, a):
    """A constant (index / mask) tensor in module ``m``."""
    return m.tensor(a)


# ---------------------------------------------------------------------------
# parity cases
# ---------------------------------------------------------------------------

A, B, C = _f32(2, 3), _f32(2, 3, seed=1), _f32(2, 3, seed=2)
G = _idx([0, 1, 2], [1, 0, 1])
MASK = np.array([[True, False, True], [False, False, True]])

CASES = {
    "stack": (lambda m, a, b, c: m.stack([a, b, c], 1), [A, B, C], None, ("_saved_dim",)),
    "stack_neg_dim": (lambda m, a, b: m.stack((a, b), -1), [A, B], None, ("_saved_dim",)),
    "stack_axis_kw": (lambda m, a, b: m.stack([a, b], axis=2), [A, B], None, ()),
    "stack_0d": (lambda m, a, b: m.stack([a, b]), [np.float32(1.5), np.float32(-2.0)], None, ()),
    "stack_some_const": (lambda m, a, b: m.stack([a * 2, b]), [A, B], [True, False], ()),
    "stack_promote": (lambda m, a, b: m.stack([a, b]), [A, B.astype(np.float64)], None, ()),
    "stack_int_float": (lambda m, a, b: m.stack([a, b]), [A, G], None, ()),
    "cat": (lambda m, a, b, c: m.cat([a, b, c]), [A, _f32(1, 3), C], None, ("_saved_dim",)),
    "cat_dim1": (lambda m, a, b: m.cat([a, b], dim=1), [A, _f32(2, 5)], None, ("_saved_dim",)),
    "cat_neg": (lambda m, a, b: m.cat([a, b], -1), [A, _f32(2, 1)], None, ("_saved_dim",)),
    "concat": (lambda m, a, b: m.concat([a, b], 1), [A, B], None, ()),
    "concatenate_axis": (lambda m, a, b: m.concatenate([a, b], axis=0), [A, B], None, ()),
    "cat_legacy_empty": (lambda m, a, e: m.cat([a, e, a]), [A, np.zeros(0, np.float32)], None, ()),
    "cat_legacy_empty_f64": (lambda m, a, e: m.cat([e, a], 1), [A, np.zeros(0)], None, ()),
    "cat_all_empty": (lambda m, e, f: m.cat([e, f]), [np.zeros(0, np.float32), np.zeros(0)], None, ()),
    "cat_promote": (lambda m, a, b: m.cat([a, b]), [A, B.astype(np.float64)], None, ()),
    "cat_int_promote": (lambda m, a, b: m.cat([a, b]), [G.astype(np.int32), G], None, ()),
    "cat_bool_uint8": (lambda m, a, b: m.cat([a, b]), [MASK, G.astype(np.uint8)], None, ()),
    "cat_zero_width": (lambda m, a, b: m.cat([a, b], 1), [np.zeros((2, 0), np.float32), A], None, ()),
    "split_int": (lambda m, a: m.split(a, 2, 1), [A], None, ("_saved_dim", "_saved_split_size",
                                                          "_saved_self_sym_sizes")),
    "split_method": (lambda m, a: (a * 2).split(1), [A], None, ("_saved_split_size",)),
    "split_sizes": (lambda m, a: a.split([1, 2], -1), [A], None, ("_saved_split_sizes", "_saved_dim")),
    "split_big": (lambda m, a: m.split(a, 10), [A], None, ()),
    "split_zero_sizes": (lambda m, a: a.split([0, 2, 0], 0), [A], None, ()),
    "chunk": (lambda m, a: m.chunk(a, 2, 1), [A], None, ("_saved_split_size",)),
    "chunk_13_6": (lambda m, a: m.chunk(a, 6), [_f32(13)], None, ("_saved_split_size",)),
    "chunk_empty": (lambda m, a: a.chunk(3), [np.zeros(0, np.float32)], None, ("_saved_split_sizes",)),
    "unbind": (lambda m, a: m.unbind(a, 1), [A], None, ("_saved_dim",)),
    "unbind_neg": (lambda m, a: a.unbind(-1), [A], None, ("_saved_dim",)),
    "iter": (lambda m, a: tuple(a), [A], None, ()),
    "flip": (lambda m, a: m.flip(a, [0, -1]), [A], None, ("_saved_dims",)),
    "flip_method": (lambda m, a: a.flip(1), [A], None, ("_saved_dims",)),
    "flip_none": (lambda m, a: a.flip([]), [A], None, ()),
    "flip_0d": (lambda m, a: a.flip(0), [np.float32(3.0)], None, ()),
    "roll": (lambda m, a: m.roll(a, 1, 1), [A], None, ("_saved_dims", "_saved_shifts")),
    "roll_flat": (lambda m, a: m.roll(a, -2), [A], None, ("_saved_dims", "_saved_shifts")),
    "roll_multi": (lambda m, a: a.roll((1, -1), (0, 1)), [_f32(3, 4)], None, ("_saved_shifts",)),
    "roll_same_dim_twice": (lambda m, a: a.roll((1, 1), (1, 1)), [_f32(3, 4)], None, ()),
    "repeat": (lambda m, a: a.repeat(2, 1, 3), [A], None, ("_saved_repeats", "_saved_self_sym_sizes")),
    "repeat_list": (lambda m, a: a.repeat([2, 2]), [A], None, ()),
    "repeat_zero": (lambda m, a: a.repeat(0, 2), [A], None, ()),
    "repeat_0d": (lambda m, a: a.repeat(3, 2), [np.float32(2.0)], None, ()),
    "tril": (lambda m, a: m.tril(a), [_f32(3, 4)], None, ("_saved_diagonal",)),
    "tril_k": (lambda m, a: a.tril(1), [_f32(2, 3, 4)], None, ("_saved_diagonal",)),
    "triu_neg": (lambda m, a: m.triu(a, -1), [_f32(4, 3)], None, ("_saved_diagonal",)),
    "tril_int": (lambda m, a: a.tril(), [G], None, ()),
    "diagonal": (lambda m, a: a.diagonal(), [_f32(3, 4)], None, ("_saved_offset", "_saved_dim1",
                                                                 "_saved_dim2", "_saved_self_sym_sizes")),
    "diagonal_offset": (lambda m, a: m.diagonal(a, -1, 2, 0), [_f32(3, 4, 2)], None, ("_saved_offset",)),
    "diagonal_far": (lambda m, a: a.diagonal(5), [A], None, ()),
    "gather": (lambda m, a: m.gather(a, 1, T(m, G)), [A], None, ("_saved_dim", "_saved_index",
                                                               "_saved_self", "_saved_sparse_grad")),
    "gather_dim1_repeats": (lambda m, a: a.gather(1, T(m, _idx([2, 2, 2, 0], [0, 0, 1, 1]))), [A], None, ()),
    "gather_small_index": (lambda m, a: a.gather(-1, T(m, _idx([1]))), [A], None, ()),
    "gather_int32": (lambda m, a: a.gather(1, T(m, G.astype(np.int32))), [A], None, ()),
    "gather_0d": (lambda m, a: m.gather(a, 0, T(m, _idx(0, 0, 0))), [np.float32(2.0)], None, ()),
    "gather_empty": (lambda m, a: a.gather(0, T(m, np.zeros((0, 3), np.int64))), [A], None, ()),
    "index_select": (lambda m, a: m.index_select(a, 0, T(m, _idx(1, 1, 0))), [A], None,
                     ("_saved_dim", "_saved_index", "_saved_self_sym_sizes")),
    "index_select_dim1": (lambda m, a: a.index_select(-1, T(m, _idx(2, 0, 2, 2))), [A], None, ()),
    "index_select_0d_index": (lambda m, a: a.index_select(1, T(m, np.int64(2))), [A], None, ()),
    "index_select_0d": (lambda m, a: a.index_select(0, T(m, np.int64(0))), [np.float32(4.0)], None, ()),
    "index_add": (lambda m, a, s: a.index_add(0, T(m, _idx(1, 1)), s, alpha=2), [A, _f32(2, 3, seed=5)],
                  None, ("_saved_alpha", "_saved_dim", "_saved_index", "_saved_source_dim")),
    "masked_fill": (lambda m, a: m.masked_fill(a, T(m, MASK), -1.5), [A], None, ("_saved_mask",)),
    "masked_fill_int_value": (lambda m, a: a.masked_fill(T(m, MASK), 3), [A], None, ()),
    "masked_fill_bcast_mask": (lambda m, a: a.masked_fill(T(m, MASK[0]), 0.0), [A], None, ()),
    "masked_fill_bigger_mask": (lambda m, a: a.masked_fill(T(m, np.stack([MASK, ~MASK])), 2.0), [A],
                                None, ()),
    "masked_fill_tensor_value": (lambda m, a, v: a.masked_fill(T(m, MASK), v), [A, np.float32(0.5)], None,
                                 ("_saved_mask",)),
    "masked_fill_f64_value": (lambda m, a, v: a.masked_fill(T(m, MASK), v), [A, np.float64(0.5)], None, ()),
    "masked_fill_const_value": (lambda m, a, v: a.masked_fill(T(m, MASK), v), [A, np.float32(7.0)],
                                [True, False], ()),
    "masked_fill_int_self": (lambda m, a: a.masked_fill(T(m, MASK), 1.5), [G], None, ()),
    "masked_fill_bool_self": (lambda m, a: a.masked_fill(T(m, MASK), 0.5), [~MASK], None, ()),
    "masked_fill_inplace": (lambda m, a: (a * 1).masked_fill_(T(m, MASK), 2.0), [A], None, ("_saved_mask",)),
    "scatter": (lambda m, a, s: m.scatter(a, 0, T(m, _idx([0, 1, 0], [1, 0, 1])), s), [A, B], None,
                ("_saved_dim", "_saved_index")),
    "scatter_value": (lambda m, a: a.scatter(1, T(m, _idx([2], [0])), 9.0), [A], None, ("_saved_dim",)),
    "scatter_value_kw": (lambda m, a: a.scatter(1, T(m, _idx([2], [0])), value=-1), [A], None, ()),
    "scatter_src_kw": (lambda m, a, s: a.scatter(0, T(m, _idx([1, 0, 1])), src=s), [A, _f32(1, 3)], None, ()),
    "scatter_int": (lambda m, a: a.scatter(0, T(m, _idx([1, 0, 1])), 2.5), [G], None, ()),
    "scatter_0d": (lambda m, a, s: a.scatter(0, T(m, np.int64(0)), s), [np.float32(1.0), np.float32(5.0)],
                   None, ()),
    "scatter_add": (lambda m, a, s: m.scatter_add(a, 0, T(m, _idx([0, 0, 0], [0, 1, 0])), s), [A, B], None,
                    ("_saved_dim", "_saved_index")),
    "scatter_add_dim1": (lambda m, a, s: a.scatter_add(1, T(m, _idx([2, 2], [0, 2])), s), [A, _f32(2, 2)],
                         None, ()),
    "scatter_add_const_src": (lambda m, a, s: a.scatter_add(1, T(m, G), s), [A, B], [True, False], ()),
    "scatter_add_const_self": (lambda m, a, s: a.scatter_add(1, T(m, G), s), [A, B], [False, True], ()),
    "scatter_inplace": (lambda m, a, s: (a * 1).scatter_(0, T(m, _idx([1, 0, 1])), s), [A, _f32(1, 3)],
                        None, ()),
    "scatter_add_inplace": (lambda m, a, s: (a + 0).scatter_add_(1, T(m, G), s), [A, B], None, ()),
    "tril_inplace": (lambda m, a: (a * 2).tril_(), [_f32(3, 3)], None, ()),
}


@pytest.mark.parametrize("name", list(CASES))
def test_parity_with_torch(name):
    fn, arrays, mask, saved = CASES[name]
    check_parity(fn, arrays, mask, saved)


def test_unused_outputs_of_split_get_zero_gradient():
    # only some outputs of the multi-output node receive a gradient: the rest count as zeros
    for fn in (lambda m, a: a.split(1, 1), lambda m, a: a.unbind(0), lambda m, a: m.chunk(a, 3, 1)):
        check_parity(fn, [A], skip_outputs=(0,))


def test_split_outputs_as_several_backward_roots():
    check_parity(lambda m, a: (a * 2).split([2, 1], 1), [A])


# ---------------------------------------------------------------------------
# views, versions and in-place rules
# ---------------------------------------------------------------------------


def test_split_unbind_chunk_outputs_are_views_sharing_the_version_counter():
    def run(m):
        x = m.arange(6.0).reshape(3, 2)
        parts = list(x.split(2)) + list(x.unbind(1)) + list(x.chunk(3))
        parts[0].mul_(10)
        return [p._version for p in parts], [p._base is x for p in parts], x.tolist()
    assert run(anb) == run(torch)


def _first_line(fn, m):
    try:
        fn(m)
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return type(e).__name__, str(e).splitlines()[0]
    return None


@pytest.mark.parametrize("make", [
    lambda m, y: y.split(2)[1].add_(1),
    lambda m, y: y.split([1, 3])[0].mul_(2),
    lambda m, y: y.unbind()[0].zero_(),
    lambda m, y: y.chunk(2)[1].exp_(),
    lambda m, y: [r.add_(1) for r in y],
    lambda m, y: m.split(y, 2)[0].__setitem__(slice(None), 5.0),
])
def test_inplace_on_outputs_of_multi_view_ops_is_refused(make):
    def run(m):
        x = m.ones(4, 3, requires_grad=True)
        return make(m, x * 1)
    got = _first_line(run, anb)
    assert got is not None and got == _first_line(run, torch)


def test_inplace_on_split_outputs_allowed_without_grad():
    def run(m):
        x = m.ones(4, 3, requires_grad=True)
        y = x * 1
        z = m.ones(4, 3)
        z.split(2)[0].add_(1)
        with m.no_grad():
            y.split(2)[1].add_(1)
        return type(y.grad_fn).__name__, y.tolist(), z.tolist()
    assert run(anb) == run(torch)


def test_inplace_on_split_of_leaf_gives_multi_view_message():
    run = lambda m: m.ones(4, requires_grad=True).split(2)[0].add_(1)  # noqa: E731
    assert _first_line(run, anb) == _first_line(run, torch)


def test_masked_fill_inplace_records_node_bumps_version_and_checks_leaf():
    def run(m):
        x = m.tensor([[1.0, -2.0], [3.0, -4.0]], requires_grad=True)
        y = x * 2
        v0 = y._version
        y.masked_fill_(x < 0, 0.0)
        y.sum().backward()
        return v0, y._version, type(y.grad_fn).__name__, _names(y.grad_fn), x.grad.tolist()
    assert run(anb) == run(torch)
    leaf = lambda m: m.ones(2, requires_grad=True).masked_fill_(m.tensor([True, False]), 0.0)  # noqa: E731
    assert _first_line(leaf, anb) == _first_line(leaf, torch)
    bigger = lambda m: m.zeros(3).masked_fill_(m.ones(2, 3, dtype=m.bool), 1.0)  # noqa: E731
    assert _first_line(bigger, anb) == _first_line(bigger, torch)


def test_masked_fill_inplace_on_saved_tensor_is_detected():
    def run(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        z = y * y                                     # saves y
        y.masked_fill_(m.tensor([True, False]), 0.0)
        z.sum().backward()
    got = _first_line(run, anb)
    assert got is not None and got[0] == "RuntimeError"
    assert got == _first_line(run, torch)


def test_diagonal_is_a_writable_view_and_inplace_on_it_routes_gradients():
    def run(m):
        x = m.arange(1.0, 10.0).reshape(3, 3).requires_grad_()
        y = x * 1
        d = y.diagonal()
        same = d._base is y
        d.mul_(3)
        (y * m.arange(9.0).reshape(3, 3)).sum().backward()
        return same, y.tolist(), type(y.grad_fn).__name__, x.grad.tolist()
    assert run(anb) == run(torch)


def test_flip_and_roll_results_do_not_share_memory():
    def run(m):
        x = m.arange(4.0)
        f, r = x.flip(0), x.roll(1)
        x.add_(100)
        return f.tolist(), r.tolist(), f._version
    assert run(anb) == run(torch)


# ---------------------------------------------------------------------------
# float64 finite differences (independent of torch)
# ---------------------------------------------------------------------------


def _numeric_vs_analytic(fn, arrays, seed=0, eps=1e-6):
    rng = np.random.default_rng(seed)
    with anb.no_grad():
        outs = _outs(fn(*[anb.tensor(a) for a in arrays]))
    us = [rng.standard_normal(o.shape) for o in outs]

    def value(arrs):
        with anb.no_grad():
            outs = _outs(fn(*[anb.tensor(a) for a in arrs]))
            return sum(float(np.sum(o.numpy() * u)) for o, u in zip(outs, us))

    leaves = [anb.tensor(a, requires_grad=True) for a in arrays]
    outs = _outs(fn(*leaves))
    anb.autograd.backward(outs, [anb.tensor(u) for u in us])
    for i, a in enumerate(arrays):
        num = np.zeros_like(a)
        for j in np.ndindex(a.shape):
            p, q = [x.copy() for x in arrays], [x.copy() for x in arrays]
            p[i][j] += eps
            q[i][j] -= eps
            num[j] = (value(p) - value(q)) / (2 * eps)
        ana = np.zeros_like(a) if leaves[i].grad is None else leaves[i].grad.numpy()
        np.testing.assert_allclose(ana, num, rtol=1e-6, atol=1e-7)


def _d(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


FD_CASES = {
    "stack": (lambda a, b: anb.stack([a, b, a], -2), [_d(2, 3), _d(2, 3, seed=1)]),
    "cat": (lambda a, b: anb.cat([b, a, b], 1), [_d(2, 3), _d(2, 1, seed=1)]),
    "split": (lambda a: a.split(2, 1), [_d(2, 5)]),
    "split_sizes": (lambda a: anb.split(a, [3, 0, 2], 1), [_d(2, 5)]),
    "chunk": (lambda a: a.chunk(3, 0), [_d(5, 2)]),
    "unbind": (lambda a: a.unbind(1), [_d(2, 3)]),
    "flip": (lambda a: a.flip(0, 2), [_d(2, 3, 2)]),
    "roll": (lambda a: a.roll((2, -1), (0, 2)), [_d(3, 2, 2)]),
    "roll_flat": (lambda a: a.roll(3), [_d(2, 3)]),
    "repeat": (lambda a: a.repeat(2, 3, 1), [_d(2, 2)]),
    "tril": (lambda a: a.tril(-1), [_d(2, 3, 3)]),
    "triu": (lambda a: a.triu(1), [_d(3, 4)]),
    "diagonal": (lambda a: a.diagonal(1, 2, 0), [_d(3, 2, 4)]),
    "gather": (lambda a: a.gather(1, anb.tensor(_idx([0, 0, 2], [1, 2, 1]))), [_d(2, 3)]),
    "index_select": (lambda a: a.index_select(0, anb.tensor(_idx(2, 0, 2))), [_d(3, 2)]),
    "index_add": (lambda a, s: a.index_add(1, anb.tensor(_idx(0, 0)), s, alpha=-0.5), [_d(2, 3), _d(2, 2)]),
    "masked_fill": (lambda a: a.masked_fill(anb.tensor(MASK[1]), 3.0), [_d(2, 3)]),
    "masked_fill_value": (lambda a, v: a.masked_fill(anb.tensor(MASK), v), [_d(2, 3), _d()]),
    "scatter": (lambda a, s: a.scatter(0, anb.tensor(_idx([1, 0, 1])), s), [_d(2, 3), _d(1, 3)]),
    "scatter_value": (lambda a: a.scatter(1, anb.tensor(_idx([0], [2])), 0.25), [_d(2, 3)]),
    "scatter_add": (lambda a, s: a.scatter_add(0, anb.tensor(_idx([1, 1], [1, 0])), s), [_d(2, 2), _d(2, 2)]),
}


@pytest.mark.parametrize("name", list(FD_CASES))
def test_gradients_match_finite_differences(name):
    fn, arrays = FD_CASES[name]
    _numeric_vs_analytic(fn, arrays)


# ---------------------------------------------------------------------------
# second derivatives (create_graph=True) against torch
# ---------------------------------------------------------------------------

SECOND = {
    "gather": lambda m, x: x.gather(0, m.tensor(_idx([1, 0, 1], [1, 1, 0]))),
    "index_select": lambda m, x: x.index_select(0, m.tensor(_idx(1, 1, 0))),
    "scatter": lambda m, x: x.scatter(0, m.tensor(_idx([1, 0, 1])), x[:1] * 3),
    "scatter_add": lambda m, x: x.scatter_add(1, m.tensor(_idx([2, 2], [0, 1])), x[:, :2] * x[:, 1:]),
    "masked_fill": lambda m, x: x.masked_fill(x > 0, 0.0),
    "stack": lambda m, x: m.stack([x, x * x], 1),
    "cat": lambda m, x: m.cat([x * x, x], 1),
    "split": lambda m, x: (x * x).split([1, 1], 0),
    "unbind": lambda m, x: (x * x).unbind(1)[1:],
    "flip_roll_repeat": lambda m, x: (x * x).flip(0).roll(1, 1).repeat(2, 1),
    "tril_diagonal": lambda m, x: m.cat([(x * x).tril(1).flatten(), (x * x).diagonal()]),
}


@pytest.mark.parametrize("name", list(SECOND))
def test_second_derivatives_match_torch(name):
    op = SECOND[name]
    x0 = _f32(2, 3, seed=7).astype(np.float64)
    rng = np.random.default_rng(3)

    def run(m):
        x = m.tensor(x0, requires_grad=True)
        outs = _outs(op(m, x))
        us = [m.tensor(rng_u[i]).requires_grad_() for i in range(len(outs))]
        g, = m.autograd.grad(outs, [x], us, create_graph=True)
        w = m.tensor(np.linspace(-1, 1, x0.size).reshape(x0.shape))
        hx, *hu = m.autograd.grad((g * w).sum(), [x] + us, allow_unused=True)
        name_of = None if g.grad_fn is None else type(g.grad_fn).__name__
        return (name_of, g.detach().numpy().copy(), None if hx is None else hx.numpy().copy(),
                [u.numpy().copy() for u in hu])

    with torch.no_grad():
        rng_u = [rng.standard_normal(tuple(o.shape)) for o in _outs(op(torch, torch.tensor(x0)))]
    ours, theirs = run(anb), run(torch)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10)
    if theirs[2] is None:
        assert ours[2] is None or not ours[2].any()
    else:
        np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-10)
    for a, b in zip(ours[3], theirs[3]):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_backward_of_backward_uses_the_paired_op():
    # d/du of (gather's backward) is a gather again; of scatter_add's backward, a gather; ...
    def names(m):
        x = m.ones(3, 2, requires_grad=True)
        out = []
        for f in (lambda: x.gather(0, m.tensor([[0, 2]])), lambda: x.index_select(1, m.tensor([1, 1])),
                  lambda: x.masked_fill(m.tensor([True, False]), 1.0), lambda: x.flip(0),
                  lambda: x.roll(1), lambda: x.tril(), lambda: x.diagonal(), lambda: m.stack([x, x]),
                  lambda: m.cat([x, x], 1), lambda: x.split(1), lambda: x.unbind(1)):
            o = _outs(f())
            us = [m.ones(t.shape, requires_grad=True) for t in o]
            g, = m.autograd.grad(o, [x], us, create_graph=True)
            out.append((type(g.grad_fn).__name__, _names(g.grad_fn)))
        return out
    assert names(anb) == names(torch)


# ---------------------------------------------------------------------------
# errors: same type, same first line as torch
# ---------------------------------------------------------------------------

X = lambda m: m.zeros(4, 3)  # noqa: E731
I2 = lambda m: m.tensor([[0, 1, 2], [3, 0, 1]])  # noqa: E731

ERRORS = [
    lambda m: m.stack([m.zeros(2), m.zeros(3)]),
    lambda m: m.stack([m.zeros(2, 3), m.zeros(2, 3), m.zeros(3, 2)]),
    lambda m: m.stack([m.zeros(2, 2), m.zeros(2)]),
    lambda m: m.stack([]),
    lambda m: m.stack(m.zeros(2, 2)),
    lambda m: m.stack([m.zeros(2), 3]),
    lambda m: m.stack([m.zeros(2, 2), m.zeros(2, 2)], 5),
    lambda m: m.stack([m.zeros(2), m.zeros(3)], 5),
    lambda m: m.stack([m.tensor(1.0), m.tensor(2.0)], 1),
    lambda m: m.cat([m.zeros(2, 2), m.zeros(2, 3)]),
    lambda m: m.cat([m.zeros(2, 2), m.zeros(3, 3)], 1),
    lambda m: m.cat([m.zeros(2, 3), m.tensor([]), m.zeros(3, 2)]),
    lambda m: m.cat([m.zeros(2, 2), m.zeros(2)]),
    lambda m: m.cat([m.tensor([]), m.zeros(2, 3), m.zeros(2)]),
    lambda m: m.cat([m.zeros(2), m.tensor(2.0)]),
    lambda m: m.cat([m.tensor(1.0), m.tensor(2.0)], 5),
    lambda m: m.cat([m.zeros(2, 2), m.zeros(2, 2)], 5),
    lambda m: m.cat([m.zeros(2, 2), m.zeros(2, 2)], -3),
    lambda m: m.cat([m.zeros(2, 3), m.tensor([])], 5),
    lambda m: m.cat([]),
    lambda m: m.cat(m.zeros(2, 2)),
    lambda m: m.cat([m.zeros(2), 3]),
    lambda m: X(m).split(0),
    lambda m: X(m).split(-1),
    lambda m: X(m).split(1, 2),
    lambda m: X(m).split([1, 2]),
    lambda m: X(m).split([5, -1]),
    lambda m: m.tensor(1.0).split(1),
    lambda m: X(m).chunk(0),
    lambda m: m.tensor(1.0).chunk(1),
    lambda m: m.tensor(1.0).unbind(),
    lambda m: X(m).unbind(2),
    lambda m: X(m).flip(0, 0),
    lambda m: X(m).flip(0, -2),
    lambda m: X(m).flip(3),
    lambda m: m.flip(X(m), 0),
    lambda m: X(m).roll((1, 2), 0),
    lambda m: X(m).roll((1, 2)),
    lambda m: X(m).roll(1, 4),
    lambda m: X(m).roll((), ()),
    lambda m: m.tensor(1.0).roll(1, -1),
    lambda m: X(m).repeat(2),
    lambda m: X(m).repeat(2, -1),
    lambda m: X(m).repeat(),
    lambda m: m.zeros(3).tril(),
    lambda m: m.zeros(3).triu(),
    lambda m: X(m).diagonal(0, 1, 1),
    lambda m: X(m).diagonal(0, -1, 1),
    lambda m: m.zeros(3).diagonal(),
    lambda m: X(m).gather(0, m.tensor([[0, 5]])),
    lambda m: X(m).gather(0, m.tensor([[0, -1]])),
    lambda m: X(m).gather(1, m.tensor([[0, 1, 1], [9, 0, 0]])),
    lambda m: X(m).gather(0, m.tensor([[0.0, 1.0]])),
    lambda m: X(m).gather(0, m.tensor([0, 1])),
    lambda m: X(m).gather(0, m.zeros(2, 4, dtype=m.int64)),
    lambda m: X(m).gather(2, I2(m)),
    lambda m: X(m).index_select(0, m.tensor([[3, 3, 0]])),
    lambda m: X(m).index_select(0, m.tensor([1.0])),
    lambda m: X(m).index_select(0, m.tensor([4])),
    lambda m: X(m).index_select(0, m.tensor([-1])),
    lambda m: X(m).index_select(1, m.tensor([0, 7])),
    lambda m: m.zeros(2, 3, 4).index_select(2, m.tensor([4])),
    lambda m: X(m).index_select(0, [1]),
    lambda m: m.tensor(5.0).index_select(0, m.tensor([0, 0])),
    lambda m: m.zeros(0, 3).index_select(0, m.tensor([0])),
    lambda m: X(m).index_select(3, m.tensor([0])),
    lambda m: X(m).index_add(0, m.tensor([0.0]), m.ones(1, 3)),
    lambda m: X(m).index_add(0, m.tensor([[0]], dtype=m.int32), m.ones(1, 3)),
    lambda m: X(m).index_add(0, [1], X(m)),
    lambda m: m.index_add(X(m), 0, [1], X(m)),
    lambda m: X(m).index_add(0, m.tensor([1]), 1.0),
    lambda m: m.gather(X(m), 0, [[1]]),
    lambda m: X(m).gather(0, [[1]]),
    lambda m: m.scatter(X(m), 0, [[1]], 1.0),
    lambda m: X(m).scatter(0, [[1]], 1.0),
    lambda m: m.scatter_add(X(m), 0, I2(m), 2.5),
    lambda m: m.scatter_add(X(m), 0, [[1]], X(m)),
    lambda m: m.index_select(X(m), 0, [1]),
    lambda m: m.masked_fill(X(m), True, 1.0),
    lambda m: X(m).index_add(0, m.tensor([0, 1]), m.ones(1, 3)),
    lambda m: X(m).index_add(0, m.tensor([0, 1]), m.ones(2, 2)),
    lambda m: X(m).index_add(0, m.tensor([0, 4]), m.ones(2, 3)),
    lambda m: X(m).index_add(0, m.tensor([0, 1]), m.ones(2, 3, dtype=m.float64)),
    lambda m: X(m).scatter(0, m.tensor([[4]]), 1.0),
    lambda m: X(m).scatter(0, I2(m), m.zeros(1, 3)),
    lambda m: X(m).scatter(0, m.zeros(2, 4, dtype=m.int64), 1.0),
    lambda m: X(m).scatter(0, I2(m), m.zeros(6)),
    lambda m: X(m).scatter(0, I2(m), m.zeros(2, 3, 1)),
    lambda m: X(m).scatter(0, I2(m), m.tensor(5.0)),
    lambda m: X(m).scatter(0, I2(m).float(), 1.0),
    lambda m: X(m).scatter(0, m.tensor([0]), m.zeros(2, 3)),
    lambda m: X(m).scatter(0, I2(m), m.zeros(2, 3, dtype=m.float64)),
    lambda m: X(m).scatter(2, I2(m), 1.0),
    lambda m: X(m).scatter_add(0, m.tensor([[4]]), X(m)),
    lambda m: X(m).scatter_add(0, I2(m), 2.5),
    lambda m: X(m).scatter_add(0, I2(m), m.zeros(1, 3)),
    lambda m: X(m).scatter_add(0, I2(m), m.ones(2, 3, dtype=m.int64)),
    lambda m: m.ones(4, 3, requires_grad=True).scatter_(0, I2(m), 1.0),
    lambda m: m.ones(3, 3, requires_grad=True).tril_(),
    lambda m: X(m).masked_fill(m.tensor([[0.0, 1.0, 0.0]]), 1.0),
    lambda m: X(m).masked_fill(m.ones(4, 3, dtype=m.uint8), 1.0),
    lambda m: X(m).masked_fill(m.ones(4, 3, dtype=m.int64), 1.0),
    lambda m: X(m).masked_fill(m.ones(4, 3, dtype=m.float16), 1.0),
    lambda m: X(m).masked_fill(m.tensor([True, False]), 1.0),
    lambda m: X(m).masked_fill(m.ones(4, 2, dtype=m.bool), 1.0),
    lambda m: X(m).masked_fill(X(m) > 0, m.tensor([2.0])),
    lambda m: X(m).masked_fill(True, 1.0),
    lambda m: X(m).masked_fill(X(m) > 0, "a"),
    lambda m: iter(m.tensor(1.0)),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors_match_torch(k):
    want = _first_line(ERRORS[k], torch)
    assert want is not None, "the case must fail under torch"
    assert _first_line(ERRORS[k], anb) == want


def test_scatter_backward_refuses_src_larger_than_index_like_torch():
    def run(m):
        s = m.ones(2, 3, requires_grad=True)
        y = m.zeros(4, 3).scatter(0, m.tensor([[0, 1]]), s)
        y.sum().backward()
    got = _first_line(run, anb)
    assert got is not None and got == _first_line(run, torch)


def test_exported_functions():
    for name in ("stack", "cat", "concat", "concatenate", "split", "chunk", "unbind", "flip", "roll",
                 "tril", "triu", "diagonal", "gather", "scatter", "scatter_add", "index_select",
                 "index_add", "masked_fill"):
        assert callable(getattr(anb, name)), name
    for name in ("split", "chunk", "unbind", "flip", "roll", "repeat", "tril", "triu", "tril_", "triu_",
                 "diagonal", "gather", "scatter", "scatter_", "scatter_add", "scatter_add_",
                 "index_select", "index_add", "index_add_", "masked_fill", "masked_fill_"):
        assert hasattr(anb.Tensor, name) and hasattr(torch.Tensor, name), name
