"""Top-level names tutorials use that are not ops: constants, legacy tensor types,
public class names, the default device, compile/jit, backends, torch.testing,
torch.func and torch.distributions -- each compared with PyTorch 2.13."""
from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import autograd_nb as anb

torch = pytest.importorskip("torch")


def _np(t):
    return np.asarray(t.detach().numpy(), dtype=float)


def test_constants_and_public_class_names():
    for name in ("pi", "e", "inf", "nan"):
        a, t = getattr(anb, name), getattr(torch, name)
        assert a == t or (np.isnan(a) and np.isnan(t))
    assert repr(type(anb.tensor(1.0))) == "<class 'autograd_nb.Tensor'>"
    assert repr(anb.nn.Parameter) == "<class 'autograd_nb.nn.Parameter'>"
    assert repr(anb.Size) == "<class 'autograd_nb.Size'>" and repr(anb.dtype) == "<class 'autograd_nb.dtype'>"
    for obj in (anb.float32, anb.tensor([1.0, 2.0]), anb.Size([2, 3]), anb.nn.Parameter(anb.ones(2))):
        assert repr(pickle.loads(pickle.dumps(obj))) == repr(obj)


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor",
                                  "BoolTensor", "ShortTensor", "CharTensor", "HalfTensor"])
def test_legacy_tensor_types(name):
    A, T = getattr(anb, name), getattr(torch, name)
    a, t = A([1, 0, 1]), T([1, 0, 1])
    assert a.dtype.name == str(t.dtype).split(".")[1] and a.tolist() == t.tolist()
    assert tuple(A(2, 3).shape) == tuple(T(2, 3).shape) and A(2, 3).dtype.name == a.dtype.name
    assert A().shape == (0,)
    for value in ([1.0, 2.0], [1, 2], [True, False]):
        for dt in ("float32", "int64", "bool"):
            x = anb.tensor(value, dtype=getattr(anb, dt))
            y = torch.tensor(value, dtype=getattr(torch, dt))
            assert isinstance(x, A) == isinstance(y, T)


def test_default_device(device_kind):
    assert str(anb.get_default_device()) == "cpu"
    anb.set_default_device("cuda")
    try:
        assert anb.zeros(2).device.type == "cuda" and anb.tensor([1.0]).device.type == "cuda"
        assert anb.randn(3).device.type == "cuda" and anb.arange(3).device.type == "cuda"
        assert anb.get_default_device().type == "cuda"
        assert anb.zeros(2, device="cpu").device.type == "cpu"
    finally:
        anb.set_default_device(None)
    assert anb.zeros(2).device.type == "cpu"


def test_compile_and_jit_run_the_model_unchanged_and_say_so():
    import autograd_nb._compat as compat
    compat._WARNED.clear()
    model = anb.nn.Linear(2, 1)
    with pytest.warns(UserWarning, match="no compiler"):
        assert anb.compile(model) is model
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert anb.compile(model) is model                      # once is enough
    with pytest.warns(UserWarning, match="no TorchScript"):
        assert anb.jit.script(model) is model
    fn = anb.compile()(len)
    assert fn is len


def test_backends_answer_truthfully():
    assert anb.backends.mps.is_available() is False and anb.backends.cudnn.is_available() is False
    anb.backends.cudnn.benchmark = True                          # accepted, changes nothing
    assert anb.backends.cuda.is_built() == (anb._backend.cupy_or_none() is not None)


ASSERT_CLOSE = [
    lambda T: T.testing.assert_close(T.tensor([1., 2., 3.]), T.tensor([1., 2.1, 3.])),
    lambda T: T.testing.assert_close(T.tensor([1., 2.]), T.tensor([1., 2., 3.])),
    lambda T: T.testing.assert_close(T.tensor([1., 2.]), T.tensor([1., 2.], dtype=T.float64)),
    lambda T: T.testing.assert_close(1.0, 1.1),
    lambda T: T.testing.assert_close(1, 2),
    lambda T: T.testing.assert_close(T.tensor([1, 2]), T.tensor([1, 3])),
    lambda T: T.testing.assert_close(T.tensor([1., 2.]), [1., 2.]),
    lambda T: T.testing.assert_close([T.tensor([1.]), 2.0], [T.tensor([1.]), 2.0]),
    lambda T: T.testing.assert_close(T.tensor([float("nan")]), T.tensor([float("nan")])),
    lambda T: T.testing.assert_close(T.tensor([float("nan")]), T.tensor([float("nan")]), equal_nan=True),
    lambda T: T.testing.assert_close(T.tensor([1., 2.]), T.tensor([1., 2.], dtype=T.float64), check_dtype=False),
    lambda T: T.testing.assert_close(T.tensor([[1., 2.], [3., 4.]]), T.tensor([[1., 2.], [3., 4.5]]), rtol=0, atol=0.1),
    lambda T: T.testing.assert_close(T.tensor([1., 2.]), T.tensor([1., 2.]), rtol=1e-3),
    lambda T: T.testing.assert_close(T.tensor([1., 2.]), T.tensor([1., 2.5]), msg="custom"),
    lambda T: T.testing.assert_close(T.tensor(1.), T.tensor(1.5)),
    lambda T: T.testing.assert_close({"a": T.tensor(1.)}, {"a": T.tensor(1.5)}),
    lambda T: T.testing.assert_close(T.tensor([1., float("inf")]), T.tensor([1., float("inf")])),
]


@pytest.mark.parametrize("case", range(len(ASSERT_CLOSE)))
def test_assert_close_is_torchs(case):
    def run(T):
        try:
            ASSERT_CLOSE[case](T)
            return "passed"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
    assert run(anb) == run(torch)


def test_func_transforms_match_torch():
    def run(T):
        x = T.tensor([1.0, 2.0, 3.0])
        f = lambda v: (v ** 3).sum()
        out = [T.func.grad(f)(x), T.func.grad(lambda v: T.func.grad(f)(v).sum())(x),
               T.func.jacrev(lambda v: v.sin() * v)(x), T.func.jacfwd(lambda v: v.sin() * v)(x),
               T.func.hessian(f)(x)]
        o, pull = T.func.vjp(lambda v: v * 2, x)
        out += [o, pull(T.ones(3))[0]]
        out.append(T.func.vmap(lambda r: r.dot(r))(T.arange(6.).reshape(2, 3)))
        out.append(T.func.vmap(lambda a, b: a * b, in_dims=(0, None))(T.arange(6.).reshape(2, 3), x))
        g, v = T.func.grad_and_value(f)(x)
        out += [g, v, T.func.grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(x, x + 1)[1]]
        m = T.nn.Linear(3, 1)
        with T.no_grad():
            m.weight.fill_(1.0)
            m.bias.fill_(0.0)
        out += [T.func.functional_call(m, {"weight": T.full((1, 3), 2.0)}, (x,)), m(x)]
        return [_np(o) for o in out]
    for a, t in zip(run(anb), run(torch)):
        assert a.shape == t.shape and np.allclose(a, t)
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar"):
        anb.func.grad(lambda v: v * 2)(anb.ones(2))


def test_distributions_draw_torchs_numbers():
    def run(T):
        D = T.distributions
        T.manual_seed(0)
        n = D.Normal(T.tensor([0., 1.]), T.tensor([1., 2.]))
        out = [n.sample(), n.sample((3,)), n.log_prob(T.tensor([0.5, 0.5])), n.entropy(), n.mean, n.stddev]
        loc = T.tensor([0.5], requires_grad=True)
        sc = T.tensor([2.0], requires_grad=True)
        r = D.Normal(loc, sc).rsample((4,))
        r.sum().backward()
        out += [r, loc.grad, sc.grad]
        b = D.Bernoulli(T.tensor([0.2, 0.9]))
        out += [b.sample((5,)), b.log_prob(T.tensor([1., 0.])), b.entropy(), b.logits]
        b2 = D.Bernoulli(logits=T.tensor([0.3, -2.]))
        out += [b2.sample(), b2.probs]
        c = D.Categorical(T.tensor([0.1, 0.6, 0.3]))
        out += [c.sample((6,)), c.log_prob(T.tensor([0, 2])), c.entropy(), c.logits]
        c2 = D.Categorical(logits=T.tensor([[0.1, 0.6, 0.3], [1., 2., 3.]]))
        out += [c2.sample((2,)), c2.probs, c2.entropy()]
        return [_np(o) for o in out], [repr(n), repr(b), repr(c2), repr(D.Normal(0., 1.))]
    (ours, reprs_a), (theirs, reprs_t) = run(anb), run(torch)
    for a, t in zip(ours, theirs):
        assert a.shape == t.shape and np.allclose(a, t, rtol=1e-6, atol=1e-6)
    assert reprs_a == reprs_t
    for bad in (lambda T: T.distributions.Normal(T.tensor([0., 1.]), T.tensor([1., -1.])),
                lambda T: T.distributions.Normal(0., -1.),
                lambda T: T.distributions.Bernoulli(T.tensor([1.5])),
                lambda T: T.distributions.Bernoulli(),
                lambda T: T.distributions.Categorical(T.tensor([-1., 2.]))):
        with pytest.raises(ValueError) as ours_err:
            bad(anb)
        with pytest.raises(ValueError) as theirs_err:
            bad(torch)
        assert str(ours_err.value) == str(theirs_err.value)


def test_lazy_layers_learn_their_sizes_and_become_ordinary_layers():
    def run(T):
        nn = T.nn
        T.manual_seed(0)
        net = nn.Sequential(nn.LazyConv2d(4, 3, padding=1), nn.LazyBatchNorm2d(), nn.ReLU(), nn.Flatten(),
                            nn.LazyLinear(5), nn.LazyLinear(2))
        before = [repr(net), repr(net[0].weight), type(net[4]).__name__]
        y = net(T.rand(2, 3, 6, 6))
        y.sum().backward()
        after = [repr(net), [type(m).__name__ for m in net], [tuple(p.shape) for p in net.parameters()]]
        params = [p.detach().numpy().copy() for p in net.parameters()]
        return before, after, params, [y.detach().numpy(), net[4].weight.grad.numpy()]
    a, t = run(anb), run(torch)
    assert a[0] == t[0] and a[1] == t[1]
    for p, q in zip(a[2], t[2]):
        np.testing.assert_array_equal(p, q)            # the same random draws as torch
    for p, q in zip(a[3], t[3]):
        np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-6)


RNN_CONFIGS = [("RNN", {}), ("RNN", {"nonlinearity": "relu", "num_layers": 2}), ("LSTM", {}),
               ("LSTM", {"num_layers": 2, "bidirectional": True}), ("GRU", {"batch_first": True}),
               ("GRU", {"num_layers": 3, "bidirectional": True, "bias": False}), ("LSTM", {"proj_size": 2}),
               ("LSTM", {"num_layers": 2, "dropout": 0.3}), ("RNNCell", {}), ("LSTMCell", {}),
               ("GRUCell", {}), ("RNNCell", {"nonlinearity": "relu"})]


@pytest.mark.parametrize("cls,kw", RNN_CONFIGS)
@pytest.mark.parametrize("unbatched", [False, True])
def test_recurrent_layers_match_torch(cls, kw, unbatched):
    """Seeded RNN/LSTM/GRU layers and cells: torch's parameter names, initial weights,
    reprs, outputs and gradients (backpropagation through the unrolled steps)."""
    cell = cls.endswith("Cell")

    def run(T):
        T.manual_seed(0)
        m = getattr(T.nn, cls)(3, 4, **kw)
        names, rep = [n for n, _ in m.named_parameters()], repr(m)
        init = [p.detach().numpy().copy() for p in m.parameters()]
        T.manual_seed(1)
        if cell:
            x = T.randn(3) if unbatched else T.randn(2, 3)
        else:
            x = T.randn(5, 3) if unbatched else (T.randn(2, 5, 3) if kw.get("batch_first") else T.randn(5, 2, 3))
        out = m(x)
        flat = []
        stack = [out]
        while stack:
            o = stack.pop(0)
            if isinstance(o, (tuple, list)):
                stack[:0] = list(o)
            else:
                flat.append(o)
        sum(f.sum() * (k + 1) for k, f in enumerate(flat)).backward()
        return names, rep, init, [f.detach().numpy() for f in flat] + [p.grad.numpy() for p in m.parameters()]
    a, t = run(anb), run(torch)
    assert a[0] == t[0] and a[1] == t[1]
    for p, q in zip(a[2], t[2]):
        np.testing.assert_array_equal(p, q)
    assert len(a[3]) == len(t[3])
    for p, q in zip(a[3], t[3]):
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-5)


def test_unique_and_repeat_interleave_counts_match_torch():
    cases = [lambda T: T.unique(T.tensor([3, 1, 2, 3, 1]), return_inverse=True, return_counts=True),
             lambda T: T.unique(T.tensor([[1, 2], [1, 2], [0, 1]]), dim=0, return_inverse=True),
             lambda T: T.tensor([2.5, -1.0, 2.5]).unique(return_counts=True),
             lambda T: T.repeat_interleave(T.tensor([1, 2, 0, 3]))]
    for case in cases:
        a, t = case(anb), case(torch)
        a, t = (a if isinstance(a, tuple) else (a,)), (t if isinstance(t, tuple) else (t,))
        assert [x.tolist() for x in a] == [x.tolist() for x in t]
        assert [str(x.dtype) for x in a] == [str(x.dtype) for x in t]
    x = anb.tensor([1.0, 3.0, 1.0], requires_grad=True)
    u = x.unique()
    assert type(u.grad_fn).__name__ == "Unique2Backward0"
    with pytest.raises(NotImplementedError, match="the derivative for '_unique2' is not implemented."):
        u.sum().backward()


def test_old_spellings_and_size_keywords():
    import warnings
    cases = [lambda T: T.zeros(size=(2, 3)), lambda T: T.ones(size=(2,)), lambda T: T.empty(size=(2,)).shape,
             lambda T: T.zeros(2, out=T.ones(3)), lambda T: T.sin_(T.zeros(2)), lambda T: T.exp_(T.ones(2)),
             lambda T: T.ones(2, 3).resize_(3, 2).shape, lambda T: T.arange(3.).resize_(2),
             lambda T: T.range(1, 4), lambda T: T.range(0, 1, 0.25)]
    for case in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert repr(case(anb)) == repr(case(torch))
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        anb.range(3)
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        anb.ones(2, requires_grad=True).resize_(3)


ATTENTION_CASES = ["mha", "mha_bf_mask", "mha_kdim", "mha_unbatched", "sdpa", "encoder_eval",
                   "encoder_norm_first", "encoder_train_dropout", "decoder", "transformer"]


def _attention(T, case):
    import warnings
    warnings.simplefilter("ignore")
    T.manual_seed(0)
    params = None
    if case == "mha":
        m = T.nn.MultiheadAttention(8, 2)
        x = T.randn(5, 3, 8, requires_grad=True)
        outs, params = list(m(x, x, x)), m
    elif case == "mha_bf_mask":
        m = T.nn.MultiheadAttention(8, 4, batch_first=True)
        x, y = T.randn(3, 5, 8, requires_grad=True), T.randn(3, 6, 8)
        mask = T.tensor([[False] * 5 + [True]] * 3)
        outs, params = list(m(x, y, y, key_padding_mask=mask, average_attn_weights=False)), m
    elif case == "mha_kdim":
        m = T.nn.MultiheadAttention(8, 2, kdim=4, vdim=6)
        x = T.randn(5, 2, 8, requires_grad=True)
        outs = list(m(x, T.randn(7, 2, 4), T.randn(7, 2, 6), attn_mask=T.ones(5, 7).tril().bool().logical_not()))
        params = m
    elif case == "mha_unbatched":
        m = T.nn.MultiheadAttention(8, 2)
        x = T.randn(5, 8, requires_grad=True)
        o, w = m(x, x, x, need_weights=False)
        assert w is None
        outs, params = [o], m
    elif case == "sdpa":
        q, k, v = T.randn(2, 3, 4, 8, requires_grad=True), T.randn(2, 3, 6, 8), T.randn(2, 3, 6, 5)
        sdpa = T.nn.functional.scaled_dot_product_attention
        outs = [sdpa(q, k, v), sdpa(q, k[:, :, :4], v[:, :, :4], is_causal=True),
                sdpa(q, k, v, attn_mask=T.rand(4, 6) > 0.3, scale=0.5)]
    elif case == "encoder_eval":
        e = T.nn.TransformerEncoder(T.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16), 2)
        e.eval()
        outs, params = [e(T.randn(5, 3, 8, requires_grad=True))], e
    elif case == "encoder_norm_first":
        params = T.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, norm_first=True,
                                              batch_first=True, activation="gelu")
        outs = [params(T.randn(3, 5, 8, requires_grad=True), src_mask=T.ones(5, 5).triu(1).bool())]
    elif case == "decoder":
        params = T.nn.TransformerDecoder(T.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.1,
                                                                      norm_first=True), 2, T.nn.LayerNorm(8))
        tgt, mem = T.randn(4, 2, 8, requires_grad=True), T.randn(6, 2, 8)
        outs = [params(tgt, mem, tgt_mask=T.nn.Transformer.generate_square_subsequent_mask(4))]
    elif case == "transformer":
        params = T.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1,
                                  dim_feedforward=16, batch_first=True)
        outs = [params(T.randn(2, 6, 8, requires_grad=True), T.randn(2, 4, 8), tgt_is_causal=False)]
    else:                                            # training, with dropout: torch's masks
        params = T.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.2)
        outs = [params(T.randn(5, 3, 8, requires_grad=True))]
    sum((o * (i + 1)).sum() for i, o in enumerate(outs)).backward()
    grads = [] if params is None else [p.grad.numpy() for _, p in sorted(params.named_parameters())
                                       if p.grad is not None]
    return [o.detach().numpy() for o in outs] + grads, repr(params)


@pytest.mark.parametrize("case", ATTENTION_CASES)
def test_attention_and_transformer_layers_match_torch(case):
    (ours, rep_a), (theirs, rep_t) = _attention(anb, case), _attention(torch, case)
    assert rep_a == rep_t and len(ours) == len(theirs)
    for p, q in zip(ours, theirs):
        assert p.shape == q.shape
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=2e-5)


def test_histograms_match_torch():
    cases = [lambda T: T.histogram(T.tensor([1., 2, 1, 5]), bins=3, range=(0., 6.)),
             lambda T: T.histogram(T.tensor([1., 2, 1, 5]), bins=T.tensor([0., 1, 2, 6]),
                                   weight=T.tensor([1., 2, 3, 4]), density=True),
             lambda T: T.histogram(T.tensor([1., 2, 1, 5]), 4), lambda T: T.histc(T.tensor([1., 2, 1, 5]), 4, 0, 5),
             lambda T: T.histc(T.tensor([1., 2, 1, 5]), bins=4)]
    for case in cases:
        assert repr(case(anb)) == repr(case(torch))
    with pytest.raises(NotImplementedError, match='"histogramdd" not implemented for \'Long\''):
        anb.histogram(anb.tensor([1, 2]), 3)


def test_more_layers_and_parameter_containers_match_torch():
    def run(T):
        T.manual_seed(0)
        x = T.randn(2, 8, 4, 4)
        layers = [T.nn.GroupNorm(4, 8), T.nn.GroupNorm(2, 8, affine=False), T.nn.GLU(1), T.nn.Hardshrink(0.3),
                  T.nn.Softshrink(), T.nn.PixelShuffle(2), T.nn.PixelUnshuffle(2)]
        outs = [layer(x).detach().numpy() for layer in layers]
        pl = T.nn.ParameterList([T.nn.Parameter(T.ones(2)), T.ones(3, 2)])
        pd = T.nn.ParameterDict({"a": T.nn.Parameter(T.ones(2)), "b": T.zeros(1)})
        reprs = [repr(layer) for layer in layers] + [repr(pl), repr(pd), [n for n, _ in pl.named_parameters()],
                                                     [n for n, _ in pd.named_parameters()], type(pl[1]).__name__]
        return outs, reprs
    (oa, ra), (ot, rt) = run(anb), run(torch)
    assert ra == rt
    for a, t in zip(oa, ot):
        np.testing.assert_allclose(a, t, rtol=1e-5, atol=1e-6)


LOSS_CASES = ["margin", "hinge", "cosemb", "poisson", "poisson_full", "gauss", "gauss_full", "mlsm", "triplet",
              "triplet_swap"]


def _loss(T, case, red):
    T.manual_seed(0)
    F = T.nn.functional
    a = T.randn(4, 5, dtype=T.float64, requires_grad=True)
    b, c = T.randn(4, 5, dtype=T.float64), T.randn(4, 5, dtype=T.float64)
    y = T.tensor([1., -1, 1, -1], dtype=T.float64)
    out = {"margin": lambda: F.margin_ranking_loss(a[:, 0], b[:, 0], y, margin=0.1, reduction=red),
           "hinge": lambda: F.hinge_embedding_loss(a, T.tensor([1., -1, 1, -1, 1], dtype=T.float64), margin=0.5,
                                                   reduction=red),
           "cosemb": lambda: F.cosine_embedding_loss(a, b, T.tensor([1, -1, 1, -1]), margin=0.2, reduction=red),
           "poisson": lambda: F.poisson_nll_loss(a, b.abs() * 3, reduction=red),
           "poisson_full": lambda: F.poisson_nll_loss(a.abs() + 0.1, (b.abs() * 3).round(), log_input=False,
                                                      full=True, reduction=red),
           "gauss": lambda: F.gaussian_nll_loss(a, b, c.abs() + 0.1, reduction=red),
           "gauss_full": lambda: F.gaussian_nll_loss(a, b, (c.abs() + 0.1)[:, 0], full=True, reduction=red),
           "mlsm": lambda: F.multilabel_soft_margin_loss(a, (b > 0).double(), weight=c.abs()[0], reduction=red),
           "triplet": lambda: F.triplet_margin_loss(a, b, c, margin=0.5, reduction=red),
           "triplet_swap": lambda: F.triplet_margin_loss(a, b, c, p=1, swap=True, reduction=red)}[case]()
    out.backward(T.ones_like(out) * 1.5)
    return out.detach().numpy(), a.grad.numpy(), type(out.grad_fn).__name__


@pytest.mark.parametrize("case", LOSS_CASES)
@pytest.mark.parametrize("red", ["mean", "sum", "none"])
def test_more_losses_match_torch(case, red):
    (va, ga, na), (vt, gt, nt) = _loss(anb, case, red), _loss(torch, case, red)
    assert na == nt and va.shape == vt.shape
    np.testing.assert_allclose(va, vt, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ga, gt, rtol=1e-10, atol=1e-12)
    modules = ["MarginRankingLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss", "PoissonNLLLoss", "GaussianNLLLoss",
               "MultiLabelSoftMarginLoss", "TripletMarginLoss", "PairwiseDistance"]
    assert [repr(getattr(anb.nn, m)()) for m in modules] == [repr(getattr(torch.nn, m)()) for m in modules]


@pytest.mark.parametrize("training", [True, False])
def test_rrelu_draws_torchs_slopes(training):
    def run(T):
        T.manual_seed(0)
        x = T.tensor([[-1., 2., -3.], [0., 4., -0.5]], requires_grad=True)
        layer = T.nn.RReLU()
        layer.train(training)
        y = layer(x)
        noise = y.grad_fn._saved_noise.numpy().copy()
        (y * T.tensor([[1., 2., 3.], [4., 5., 6.]])).sum().backward()
        return y.detach().numpy(), x.grad.numpy(), noise, T.rand(1).item(), repr(layer)
    a, t = run(anb), run(torch)
    for p, q in zip(a[:3] if training else a[:2], t[:3] if training else t[:2]):   # (eval: torch's noise
        np.testing.assert_array_equal(p, q)                                        # buffer is uninitialised)
    assert a[3:] == t[3:]


def test_nuclear_norm_through_torch_norm():
    def run(T):
        x = T.tensor([[2., 1.], [1., 3.], [0., 1.]], requires_grad=True)
        y = T.norm(x, "nuc")
        y.backward()
        return y.item(), x.grad.numpy(), type(y.grad_fn).__name__
    a, t = run(anb), run(torch)
    assert a[2] == t[2] and abs(a[0] - t[0]) < 1e-5
    np.testing.assert_allclose(a[1], t[1], rtol=1e-5, atol=1e-6)
