"""F.embedding_bag and nn.EmbeddingBag against PyTorch: sum / mean / max bags cut by
offsets (empty bags, include_last_offset, 2-D input), padding_idx, per_sample_weights,
values and gradients (finite differences in float64, double backward), the
EmbeddingBagBackward0 node and what it saves, the module's repr / init stream /
from_pretrained, and PyTorch's errors."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd import gradcheck, gradgradcheck
from torch_errors import assert_same_error

torch = pytest.importorskip("torch")
F = anb.nn.functional

IDX = [1, 2, 4, 5, 4, 3, 2, 9, 2, 2]
CASES = [  # (indices, offsets, keyword arguments)
    (IDX, [0, 4, 4, 7], dict(mode="sum")),
    (IDX, [0, 4, 4, 7], dict(mode="mean", padding_idx=4)),
    (IDX, [0, 4, 4, 7], dict(mode="max")),
    (IDX, [0, 3, 10], dict(mode="max", padding_idx=-8, include_last_offset=True)),
    (IDX, [0, 5, 8], dict(mode="mean", include_last_offset=True)),
    (IDX, [0, 2, 6], dict(mode="sum", psw=True)),
    (IDX, [0, 4, 4, 7], dict(mode="sum", dtype="float32")),
    (IDX, [0, 2, 2, 6], dict(mode="sum", psw=True, padding_idx=2)),
    ([[1, 2, 4, 5, 4], [3, 2, 9, 2, 2]], None, dict(mode="max")),
    ([[1, 2, 4, 5, 4], [3, 2, 9, 2, 2]], None, dict(mode="sum", psw=True)),
    ([], [0, 0], dict(mode="mean")),
]


def _run(lib, idx, off, kw, w, psw):
    kw = dict(kw)
    use_psw = kw.pop("psw", False)
    w = w.astype(kw.pop("dtype", "float64"))
    idx_t = lib.tensor(idx, dtype=lib.int64)
    off_t = None if off is None else lib.tensor(off, dtype=lib.int64)
    wt = lib.tensor(w, requires_grad=True)
    pt = lib.tensor(psw[:idx_t.numel()].reshape(idx_t.shape), requires_grad=True) if use_psw else None
    y = lib.nn.functional.embedding_bag(idx_t, wt, off_t, per_sample_weights=pt, **kw)
    return y, wt, pt


@pytest.mark.torch
@pytest.mark.parametrize("idx,off,kw", CASES)
def test_values_gradients_and_node_match_torch(idx, off, kw):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((10, 3))
    w[3, 1] = w[2, 1]                                  # a tie in a max bag: the first wins
    psw = rng.random(len(IDX))
    ty, tw, tp = _run(torch, idx, off, kw, w, psw)
    ay, aw, ap = _run(anb, idx, off, kw, w, psw)
    np.testing.assert_allclose(ay.detach().numpy(), ty.detach().numpy(), rtol=1e-6, atol=1e-6)
    an, tn = ay.grad_fn, ty.grad_fn
    assert an.name() == tn.name() == "EmbeddingBagBackward0"
    assert len(an.next_functions) == len(tn.next_functions) == 2
    for field in ("mode", "padding_idx", "weight_sym_argsize_0", "scale_grad_by_freq", "sparse"):
        assert getattr(an, "_saved_" + field) == getattr(tn, "_saved_" + field), field
    for field in ("indices", "offsets", "result1", "result2", "result3"):
        np.testing.assert_array_equal(getattr(an, "_saved_" + field).numpy(),
                                      getattr(tn, "_saved_" + field).numpy(), err_msg=field)
    g = rng.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(g))
    ay.backward(anb.tensor(g))
    np.testing.assert_allclose(aw.grad.numpy(), tw.grad.numpy(), rtol=1e-6, atol=1e-6)
    if tp is not None:
        np.testing.assert_allclose(ap.grad.numpy(), tp.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_finite_differences_first_and_second_order(mode):
    gen = anb.Generator().manual_seed(1)
    w = anb.randn(6, 3, dtype=anb.float64, generator=gen, requires_grad=True)
    idx, off = anb.tensor([0, 2, 5, 2, 1, 1, 4]), anb.tensor([0, 3, 3, 5])
    assert gradcheck(lambda w: F.embedding_bag(idx, w, off, mode=mode, padding_idx=1), (w,))
    assert gradgradcheck(lambda w: F.embedding_bag(idx, w, off, mode=mode), (w,))
    if mode == "sum":
        p = anb.rand(7, dtype=anb.float64, generator=gen, requires_grad=True)
        assert gradcheck(lambda w, p: F.embedding_bag(idx, w, off, mode="sum", per_sample_weights=p), (w, p))
        assert gradgradcheck(lambda w, p: F.embedding_bag(idx, w, off, mode="sum", per_sample_weights=p), (w, p))


@pytest.mark.torch
@pytest.mark.parametrize("kw", [dict(), dict(mode="max", padding_idx=-2), dict(mode="sum", max_norm=1.0,
                                                                                include_last_offset=True)])
def test_module_repr_init_stream_and_forward(kw):
    results = []
    for lib in (torch, anb):
        lib.manual_seed(0)
        m = lib.nn.EmbeddingBag(7, 4, **kw)
        idx, off = lib.tensor([1, 5, 5, 2, 0, 6]), lib.tensor([0, 2, 6])
        y = m(idx, off)
        y.sum().backward()
        results.append((repr(m), list(m.state_dict()), m.weight.detach().numpy().copy(), y.detach().numpy(),
                        m.weight.grad.numpy(), m.padding_idx))
    (tr, tk, tw, ty, tg, tpi), (ar, ak, aw, ay, ag, api) = results
    assert (ar, ak, api) == (tr, tk, tpi)
    np.testing.assert_allclose(aw, tw, rtol=1e-6)
    np.testing.assert_allclose(ay, ty, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ag, tg, rtol=1e-6)


@pytest.mark.torch
def test_from_pretrained():
    w = [[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]]
    tm = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), mode="sum")
    am = anb.nn.EmbeddingBag.from_pretrained(anb.tensor(w), mode="sum")
    assert repr(am) == repr(tm) and am.weight.requires_grad is tm.weight.requires_grad is False
    np.testing.assert_allclose(am(anb.tensor([[1, 0]])).numpy(), tm(torch.tensor([[1, 0]])).numpy())


@pytest.mark.torch
@pytest.mark.parametrize("call", [
    lambda F, t: F.embedding_bag(t.tensor([1, 2]), t.ones(10, 3)),
    lambda F, t: F.embedding_bag(t.tensor([[1, 2]]), t.ones(10, 3), t.tensor([0])),
    lambda F, t: F.embedding_bag(t.ones(2, 2, 2, dtype=t.int64), t.ones(10, 3)),
    lambda F, t: F.embedding_bag(t.tensor([1, 2]), t.ones(10, 3), t.tensor([[0]])),
    lambda F, t: F.embedding_bag(t.tensor([1, 2]), t.ones(10, 3), t.tensor([0]), mode="foo"),
    lambda F, t: F.embedding_bag(t.tensor([1.0, 2.0]), t.ones(10, 3), t.tensor([0])),
    lambda F, t: F.embedding_bag(t.tensor([1, 2]), t.ones(10, 3), t.tensor([0]), per_sample_weights=t.ones(3)),
    lambda F, t: F.embedding_bag(t.tensor([1, 2]), t.ones(10, 3), t.tensor([0]), per_sample_weights=t.ones(2)),
    lambda F, t: F.embedding_bag(t.tensor([1, 2]), t.ones(10, 3), t.tensor([1])),
    lambda F, t: F.embedding_bag(t.tensor([1, 20]), t.ones(10, 3), t.tensor([0])),
    lambda F, t: F.embedding_bag(t.tensor([1, 2]), t.ones(10, 3), t.tensor([0]), padding_idx=10),
    lambda F, t: F.embedding_bag(t.tensor([1, 2]), t.ones(10), t.tensor([0])),
    lambda F, t: F.embedding_bag(t.tensor([1, 2]), t.ones(10, 3), t.tensor([0]), mode="max",
                                 scale_grad_by_freq=True),
    lambda F, t: t.nn.EmbeddingBag(10, 3, padding_idx=10),
    lambda F, t: t.nn.EmbeddingBag(10, 3, _weight=t.ones(3, 3)),
])
def test_errors_match_torch(call):
    assert_same_error(call, torch)
