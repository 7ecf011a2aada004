"""Values, dtype promotion and messages the program fuzzer (issue #24) found different from
PyTorch: each test runs the same code under torch and autograd_nb and compares.

float64 results are compared bit for bit where our ops follow PyTorch's order and dtypes;
float32 ones (whose transcendentals come from different libraries) with a tolerance."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd_nb as A


def _np(t):
    return np.asarray(t.detach().cpu().numpy())


def _same_bits(a, b):
    a, b = _np(a), _np(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a, b, equal_nan=True), (a.tolist(), b.tolist())


def _both(fn):
    return fn(torch), fn(A)


# ---------------------------------------------------------------------------
# pow: the gradients in PyTorch's order and dtypes
# ---------------------------------------------------------------------------


def test_pow_inplace_float32_with_float64_exponent_gradient():
    """``x32.pow_(e64)`` then more ops: the exponent's gradient takes log(x) in float64
    (PyTorch promotes self before the log) and multiplies the result first."""
    inf = float("inf")

    def run(T):
        e = T.tensor([[1.5, -2.0, -2.0]], dtype=T.float64, requires_grad=True)
        x = T.tensor([[0.5, inf, 0.25]], dtype=T.float32)
        x.pow_(e)
        y = T.erf(x.mul(x))
        (y * y).mean().backward()
        return x, e.grad
    (tx, tg), (ox, og) = _both(run)
    _same_bits(tx, ox)
    _same_bits(tg, og)


@pytest.mark.parametrize("dx,de", [("float64", "float64"), ("float32", "float64"), ("float64", "float32")])
def test_pow_tensor_tensor_gradients(dx, de):
    rng = np.random.default_rng(3)
    xv = np.abs(rng.standard_normal((4, 5))) + 0.1
    ev = rng.standard_normal((4, 5)) * 2
    xv[0, 0], ev[0, 0] = 0.0, 2.0                     # (0 ** e, e >= 0: no log(0))

    def run(T):
        x = T.tensor(xv, dtype=getattr(T, dx), requires_grad=True)
        e = T.tensor(ev, dtype=getattr(T, de), requires_grad=True)
        g = T.tensor(rng_g, dtype=T.float64)
        (x ** e * g).sum().backward()
        return x.grad, e.grad
    rng_g = np.random.default_rng(4).standard_normal((4, 5))
    (tgx, tge), (ogx, oge) = _both(run)
    for t, o in ((tgx, ogx), (tge, oge)):                # (float64 pow/log: numpy's and PyTorch's
        assert t.dtype == getattr(torch, str(o.dtype)[6:])   # libraries may differ in the last bit)
        np.testing.assert_allclose(_np(o), _np(t), rtol=1e-13 if t.dtype == torch.float64 else 1e-6)


def test_pow_number_base_gradient():
    def run(T):
        e = T.tensor([0.5, -1.25, 3.0, 2.5], dtype=T.float64, requires_grad=True)
        g = T.tensor([0.3, -1.7, 2.9, 0.1], dtype=T.float64)
        ((2.7 ** e) * g).sum().backward()
        return e.grad
    _same_bits(*_both(run))


# ---------------------------------------------------------------------------
# binary_cross_entropy_with_logits: PyTorch's steps (in place, so in the target's dtype)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dx,dt", [("float64", "float32"), ("float32", "float64"), ("float64", "float64")])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("extra", ["", "weight", "pos_weight", "both"])
def test_bce_with_logits_mixed_dtypes(dx, dt, reduction, extra):
    rng = np.random.default_rng(7)
    xv = rng.standard_normal((3, 4)) * 3
    xv[0, :3] = [0.0, 40.0, -40.0]
    tv = rng.uniform(0, 1, (3, 4))
    tv[1, :2] = [0.0, 1.0]
    wv, pv = rng.uniform(0.5, 2, (4,)), rng.uniform(0.5, 3, (4,))

    def run(T):
        F = T.nn.functional
        x = T.tensor(xv, dtype=getattr(T, dx), requires_grad=True)
        t = T.tensor(tv, dtype=getattr(T, dt), requires_grad=True)
        kw = {}
        if extra in ("weight", "both"):
            kw["weight"] = T.tensor(wv, dtype=T.float64)
        if extra in ("pos_weight", "both"):
            kw["pos_weight"] = T.tensor(pv, dtype=T.float64)
        loss = F.binary_cross_entropy_with_logits(x, t, reduction=reduction, **kw)
        g = T.tensor(np.linspace(-1.5, 2.0, loss.numel()).reshape(tuple(loss.shape)), dtype=loss.dtype)
        gx, gt = T.autograd.grad(loss, (x, t), g)
        return loss, gx, gt
    for t, o in zip(*_both(run)):
        assert t.dtype == getattr(torch, str(o.dtype)[6:])
        if t.dtype == torch.float64 and dx == dt and reduction == "none":
            _same_bits(t, o)
        elif t.dtype == torch.float64 and dx == dt:          # (a sum's order is numpy's)
            np.testing.assert_allclose(_np(o), _np(t), rtol=1e-14)
        else:
            np.testing.assert_allclose(_np(o), _np(t), rtol=2e-6, atol=1e-7)


def test_bce_with_logits_float32_target_rounds_like_pytorch():
    """Input float64, target float32 from plain numbers: the loss is computed into the
    float32 ``1 - t`` step by step, and the input's gradient is ``(sigmoid(x) - t) * g / N``
    in float64: the same bits as PyTorch."""
    def run(T):
        F = T.nn.functional
        x = T.tensor([[1.0, 0.0, 0.0]], dtype=T.float64, requires_grad=True)
        v = (1.0 / x) ** 2
        t = T.tensor([[0.7310585975646973, 0.5, 0.2689414322376251]], dtype=T.float32)
        loss = F.binary_cross_entropy_with_logits(v, t)
        g, = T.autograd.grad(loss, [x])
        return loss, g
    (tl, tg), (ol, og) = _both(run)
    _same_bits(tl, ol)
    _same_bits(tg, og)


def test_bce_with_logits_integer_and_bool_targets_refused():
    def run(T):
        F = T.nn.functional
        out = []
        for t in (T.tensor([1, 0, 1]), T.tensor([True, False, True])):
            try:
                F.binary_cross_entropy_with_logits(T.tensor([0.5, -1.0, 2.0]), t)
                out.append(None)
            except RuntimeError as e:
                out.append(str(e).split("\n")[0])
        return out
    t, o = _both(run)
    assert t == o and None not in t


# ---------------------------------------------------------------------------
# var / std of float32: accumulated in double, rounded once
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fn", ["var", "std", "var_mean"])
@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"dim": -1, "correction": 0}, {"dim": (0, 1), "keepdim": True}])
def test_var_float32_matches_pytorch(fn, kw):
    rng = np.random.default_rng(11)
    x = (rng.standard_normal((5, 3, 4)) * 100).astype(np.float32)
    t = getattr(torch, fn)(torch.tensor(x), **kw)
    o = getattr(A, fn)(A.tensor(x), **kw)
    t = t if isinstance(t, tuple) else (t,)
    o = o if isinstance(o, tuple) else (o,)
    _same_bits(t[0], o[0])
    for a, b in zip(t[1:], o[1:]):
        np.testing.assert_allclose(_np(b), _np(a), rtol=1e-6)


def test_var_float32_feeds_float64_kl_div():
    """The fuzzer's program: var of float32 (PyTorch: 0.6458333134651184, not the float32
    two-pass 0.6458333730697632) feeding a float64 loss."""
    def run(T):
        v = T.tensor([[-1.0, 0.5, -1.5], [1.5, 0.25, -1.0], [-0.5, -1.0, 0.0]], dtype=T.float32)
        return v.var(0)
    _same_bits(*_both(run))


# ---------------------------------------------------------------------------
# logit's gradient at the ends: PyTorch's kernel gives g * inf at 0 and 1 (-0.0 too)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("eps", [None, 0.0, 0.1, -0.2])
@pytest.mark.parametrize("create_graph", [False, True])
def test_logit_gradient_at_the_ends(eps, create_graph):
    nan = float("nan")
    vals = [0.5, -0.5, 1.5, 0.0, -0.0, 1.0, nan, 0.3, 0.9999, 1e-9]

    def run(T):
        x = T.tensor(vals, dtype=T.float64, requires_grad=True)
        y = x.logit() if eps is None else x.logit(eps)
        g, = T.autograd.grad(y, x, T.tensor(np.linspace(-1, 1, len(vals))), create_graph=create_graph)
        return g
    _same_bits(*_both(run))


def test_logit_gradient_at_negative_zero_float32():
    def run(T):
        x = T.tensor([[0.5, -0.5, 1.5], [3.0, -0.0, -0.0], [1.5, 1.0, -1.0]], dtype=T.float32,
                     requires_grad=True)
        g, = T.autograd.grad(x.logit().sum(), [x])
        return g
    _same_bits(*_both(run))


# ---------------------------------------------------------------------------
# element-wise results laid out as PyTorch's TensorIterator lays them out
# ---------------------------------------------------------------------------


def _layout(T, kind, shape, dtype):
    n = int(np.prod(shape))
    x = T.arange(n, dtype=dtype)
    if kind == "contiguous":
        return x.reshape(shape)
    if kind == "transposed":
        return x.reshape(shape[::-1]).permute(*range(len(shape) - 1, -1, -1))
    if kind == "sliced":
        return T.arange(2 * n, dtype=dtype).reshape(shape[:-1] + (2 * shape[-1],))[..., ::2]
    if kind == "permuted":
        return x.reshape(shape[1], shape[0], *shape[2:]).permute(1, 0, *range(2, len(shape)))
    if kind == "expanded":
        return T.arange(n // shape[0], dtype=dtype).reshape((1,) + shape[1:]).expand(shape)
    raise ValueError(kind)


_KINDS = ["contiguous", "transposed", "sliced", "permuted", "expanded"]
_SHAPES = [(2, 3, 4), (3, 1, 4), (2, 3, 1), (2, 1, 3, 2)]


def _other_shapes(shape):
    return [shape, shape[1:], (1,) + shape[1:], shape[:-1] + (1,)]


@pytest.mark.parametrize("shape", _SHAPES)
@pytest.mark.parametrize("ka", _KINDS)
def test_elementwise_result_strides(shape, ka):
    """Binary ops, comparisons (mixed dtypes: bytes decide), where and unary ops give
    PyTorch's strides for operands laid out in many ways."""
    for sb in _other_shapes(shape):
        for kb in _KINDS:
            if kb in ("permuted", "expanded") and len(sb) < 3:
                continue
            results = []
            for T in (torch, A):
                a = _layout(T, ka, shape, T.float32)
                b = _layout(T, kb, sb, T.int32)
                c = _layout(T, kb, sb, T.float64)
                mask = c > 3
                results.append([(a + b).stride(), (a * 2.0).stride(), (mask == b).stride(),
                                (mask < a).stride(), T.where(mask, a, 0.0).stride(), a.exp().stride(),
                                T.logaddexp(a, c).stride(), T.maximum(a, c).stride(),
                                (a ** c).stride(), (a / b).stride(), (b * a).stride(), (a - c).stride()])
            assert results[0] == results[1], (shape, ka, sb, kb)


def test_expand_strides():
    t, o = _both(lambda T: [
        T.arange(6.).reshape(2, 3)[:, :1].expand(4, 2, 3).stride(),
        T.arange(6.).reshape(2, 3)[0].expand(1, 1, 3).stride(),
        T.tensor(2.).expand(3, 1).stride(), T.tensor(2.).expand(1, 1).stride(),
        T.arange(6.).reshape(2, 3).T.expand(1, 3, 2).stride(),
        T.arange(6.).reshape(2, 3)[:, ::2].expand(3, 2, 2).stride()])
    assert t == o


def test_comparison_of_expanded_bool_and_int_views():
    """The fuzzer's program: ``(expanded bool vs float) > int`` is contiguous in PyTorch, so
    ``.view(-1)`` works."""
    def run(T):
        v0 = T.tensor([[-2.0], [0.0], [-0.5]], dtype=T.float32)
        v1 = T.tensor([[[2, -3, 2]], [[-1, -1, -3]]], dtype=T.int32)
        v5 = T.isnan(v0.T).expand((2, 1, 3))
        v8 = T.add(T.logaddexp(v5, v0.log1p()), 2.0) > v1
        return v8.view(-1), v8.stride()
    (t, ts), (o, os_) = _both(run)
    assert ts == os_
    _same_bits(t, o)
