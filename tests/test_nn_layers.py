"""Layer parity with PyTorch: same weights in, same outputs, gradients, grad_fn names and reprs out.

Each case builds the torch module and ours with the same constructor arguments, copies
torch's state_dict into ours (through ``load_state_dict``), runs both on the same
input, backpropagates the same random upstream gradient, and compares.
"""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb import nn
from autograd_nb.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
torch.set_num_threads(1)               # small tensors: thread start-up would dominate


def _to_anb(t):
    return anb.tensor(t.detach().numpy().copy())


def load_from_torch(tmod, amod):
    """Copy torch's parameters and buffers into ours (exercises load_state_dict)."""
    amod.load_state_dict({k: _to_anb(v) for k, v in tmod.state_dict().items()})


def run_both(tmod, amod, inputs, dtype=np.float32, train=True, seed=0):
    """Forward + backward of both modules; returns (torch_out, our_out, torch_inputs, our_inputs)."""
    rng = np.random.default_rng(seed)
    tmod.train(train)
    amod.train(train)
    tin, ain = [], []
    for a in inputs:
        if np.issubdtype(a.dtype, np.floating):
            a = a.astype(dtype)
            tin.append(torch.tensor(a, requires_grad=True))
            ain.append(anb.tensor(a, requires_grad=True))
        else:
            tin.append(torch.tensor(a))
            ain.append(anb.tensor(a))
    tout = tmod(*tin)
    aout = amod(*ain)
    up = rng.standard_normal(tuple(tout.shape)).astype(dtype)
    (tout * torch.tensor(up)).sum().backward()
    (aout * anb.tensor(up)).sum().backward()
    return tout, aout, tin, ain


def assert_close(t, a, tol=1e-5):
    assert a is not None and t is not None
    np.testing.assert_allclose(a.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


def check_parity(tmod, amod, inputs, tol=1e-5, train=True, dtype=np.float32):
    load_from_torch(tmod, amod)
    tout, aout, tin, ain = run_both(tmod, amod, inputs, dtype=dtype, train=train)
    assert_close(tout, aout, tol)
    assert type(aout.grad_fn).__name__ == type(tout.grad_fn).__name__
    for ti, ai in zip(tin, ain):
        if ti.requires_grad:
            assert_close(ti.grad, ai.grad, tol)
    tparams = dict(tmod.named_parameters())
    aparams = dict(amod.named_parameters())
    assert list(tparams) == list(aparams)
    for name, tp in tparams.items():
        assert_close(tp.grad, aparams[name].grad, tol)
    for (tn, tb), (an, ab) in zip(tmod.named_buffers(), amod.named_buffers()):
        assert tn == an
        np.testing.assert_allclose(ab.numpy(), tb.numpy(), rtol=tol, atol=tol)
    assert repr(amod) == repr(tmod)
    return tout, aout


R = np.random.default_rng(42)


def randn(*shape):
    return R.standard_normal(shape)


CASES = [
    ("Linear", lambda m: m.Linear(4, 3), [(5, 4)]),
    ("Linear-1d", lambda m: m.Linear(4, 3), [(4,)]),
    ("Linear-3d", lambda m: m.Linear(4, 3), [(2, 5, 4)]),
    ("Linear-nobias", lambda m: m.Linear(4, 3, bias=False), [(5, 4)]),
    ("Linear-nobias-1d", lambda m: m.Linear(4, 3, bias=False), [(4,)]),
    ("Linear-nobias-3d", lambda m: m.Linear(4, 3, bias=False), [(2, 5, 4)]),
    ("Bilinear", lambda m: m.Bilinear(4, 3, 2), [(5, 4), (5, 3)]),
    ("Bilinear-3d", lambda m: m.Bilinear(4, 3, 2, bias=False), [(2, 5, 4), (2, 5, 3)]),
    ("Bilinear-1d", lambda m: m.Bilinear(4, 3, 2), [(4,), (3,)]),
    ("Conv2d", lambda m: m.Conv2d(3, 4, 3), [(2, 3, 7, 6)]),
    ("Conv2d-stride-pad", lambda m: m.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 2)), [(2, 3, 7, 6)]),
    ("Conv2d-dilation", lambda m: m.Conv2d(3, 2, 3, dilation=2, padding=2, bias=False), [(2, 3, 8, 8)]),
    ("Conv2d-same", lambda m: m.Conv2d(3, 2, 4, padding="same"), [(1, 3, 6, 5)]),
    ("Conv2d-valid", lambda m: m.Conv2d(3, 2, 3, padding="valid"), [(1, 3, 6, 5)]),
    ("Conv2d-groups", lambda m: m.Conv2d(4, 6, 3, groups=2), [(2, 4, 5, 5)]),
    ("Conv2d-depthwise", lambda m: m.Conv2d(3, 3, 3, groups=3, padding=1), [(2, 3, 4, 4)]),
    ("Conv2d-unbatched", lambda m: m.Conv2d(3, 2, 3), [(3, 5, 5)]),
    ("Conv1d", lambda m: m.Conv1d(3, 4, 3, stride=2, padding=1), [(2, 3, 9)]),
    ("Conv1d-unbatched", lambda m: m.Conv1d(3, 4, 2), [(3, 9)]),
    ("MaxPool2d", lambda m: m.MaxPool2d(2), [(2, 3, 6, 6)]),
    ("MaxPool2d-overlap", lambda m: m.MaxPool2d(3, stride=1, padding=1), [(2, 2, 5, 5)]),
    ("MaxPool2d-ceil", lambda m: m.MaxPool2d((2, 3), stride=2, ceil_mode=True), [(1, 2, 5, 7)]),
    ("MaxPool2d-dilation", lambda m: m.MaxPool2d(2, dilation=2), [(1, 2, 6, 6)]),
    ("MaxPool2d-unbatched", lambda m: m.MaxPool2d(2), [(3, 4, 4)]),
    ("AvgPool2d", lambda m: m.AvgPool2d(2), [(2, 3, 6, 6)]),
    ("AvgPool2d-pad", lambda m: m.AvgPool2d(3, stride=2, padding=1), [(2, 2, 5, 6)]),
    ("AvgPool2d-nopadcount", lambda m: m.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
     [(2, 2, 5, 6)]),
    ("AvgPool2d-ceil", lambda m: m.AvgPool2d(3, stride=2, padding=1, ceil_mode=True), [(1, 2, 6, 6)]),
    ("AvgPool2d-divisor", lambda m: m.AvgPool2d(2, divisor_override=3), [(1, 2, 4, 4)]),
    ("AdaptiveAvgPool2d-1", lambda m: m.AdaptiveAvgPool2d(1), [(2, 3, 5, 5)]),
    ("AdaptiveAvgPool2d-uneven", lambda m: m.AdaptiveAvgPool2d((3, 2)), [(2, 3, 7, 5)]),
    ("AdaptiveAvgPool2d-none", lambda m: m.AdaptiveAvgPool2d((None, 3)), [(1, 2, 4, 7)]),
    ("Flatten", lambda m: m.Flatten(), [(2, 3, 4)]),
    ("Flatten-dims", lambda m: m.Flatten(0, 1), [(2, 3, 4)]),
    ("Unflatten", lambda m: m.Unflatten(1, (2, 3)), [(4, 6)]),
    ("ReLU", lambda m: m.ReLU(), [(3, 4)]),
    ("LeakyReLU", lambda m: m.LeakyReLU(0.2), [(3, 4)]),
    ("ELU", lambda m: m.ELU(0.7), [(3, 4)]),
    ("GELU", lambda m: m.GELU(), [(3, 4)]),
    ("GELU-tanh", lambda m: m.GELU("tanh"), [(3, 4)]),
    ("Sigmoid", lambda m: m.Sigmoid(), [(3, 4)]),
    ("Tanh", lambda m: m.Tanh(), [(3, 4)]),
    ("Softmax", lambda m: m.Softmax(dim=1), [(3, 4)]),
    ("LogSoftmax", lambda m: m.LogSoftmax(dim=0), [(3, 4)]),
    ("LayerNorm", lambda m: m.LayerNorm(4), [(3, 4)]),
    ("LayerNorm-2d", lambda m: m.LayerNorm((3, 4), eps=1e-3), [(2, 3, 4)]),
    ("LayerNorm-noaffine", lambda m: m.LayerNorm(4, elementwise_affine=False), [(2, 3, 4)]),
    ("LayerNorm-nobias", lambda m: m.LayerNorm(4, bias=False), [(2, 3, 4)]),
    ("Identity", lambda m: m.Identity(), [(2, 3)]),
    ("MaxPool1d", lambda m: m.MaxPool1d(3, stride=2, padding=1, ceil_mode=True), [(2, 3, 9)]),
    ("AvgPool1d", lambda m: m.AvgPool1d(3, 2, 1, count_include_pad=False), [(2, 3, 9)]),
    ("AdaptiveAvgPool1d", lambda m: m.AdaptiveAvgPool1d(4), [(3, 9)]),
    ("SiLU", lambda m: m.SiLU(), [(3, 4)]),
    ("Softplus", lambda m: m.Softplus(beta=2, threshold=1.5), [(3, 4)]),
    ("Hardtanh", lambda m: m.Hardtanh(-0.5, 0.7), [(3, 4)]),
    ("ReLU6", lambda m: m.ReLU6(), [(3, 4)]),
    ("LogSigmoid", lambda m: m.LogSigmoid(), [(3, 4)]),
    ("Softmin", lambda m: m.Softmin(dim=1), [(3, 4)]),
    ("SELU", lambda m: m.SELU(), [(3, 4)]),
    ("CELU", lambda m: m.CELU(0.5), [(3, 4)]),
    ("Threshold", lambda m: m.Threshold(0.1, 2.0), [(3, 4)]),
    ("Mish", lambda m: m.Mish(), [(3, 4)]),
    ("Hardswish", lambda m: m.Hardswish(), [(3, 4)]),
    ("Hardsigmoid", lambda m: m.Hardsigmoid(), [(3, 4)]),
    ("Softsign", lambda m: m.Softsign(), [(3, 4)]),
    ("Tanhshrink", lambda m: m.Tanhshrink(), [(3, 4)]),
    ("HuberLoss", lambda m: m.HuberLoss(delta=0.5), [(3, 4), (3, 4)]),
    ("KLDivLoss", lambda m: m.KLDivLoss(reduction="batchmean"), [(3, 4), (3, 4)]),
    ("CosineSimilarity", lambda m: m.CosineSimilarity(dim=0), [(3, 4), (3, 4)]),
    ("PReLU", lambda m: m.PReLU(), [(2, 3, 4)]),
    ("PReLU-channels", lambda m: m.PReLU(3, init=0.1), [(2, 3, 4)]),
    ("ZeroPad1d", lambda m: m.ZeroPad1d(2), [(2, 3, 5)]),
    ("ZeroPad2d", lambda m: m.ZeroPad2d((1, 2, 0, 1)), [(2, 3, 4, 5)]),
    ("ZeroPad3d", lambda m: m.ZeroPad3d(1), [(1, 2, 3, 4, 3)]),
    ("ConstantPad1d", lambda m: m.ConstantPad1d((1, 2), 3.5), [(2, 5)]),
    ("ConstantPad2d", lambda m: m.ConstantPad2d(1, -1.0), [(2, 3, 4)]),
    ("ConstantPad3d", lambda m: m.ConstantPad3d((1, 0, 0, 1, 1, 1), 0.5), [(1, 2, 3, 4, 3)]),
    ("ReflectionPad1d", lambda m: m.ReflectionPad1d(2), [(2, 3, 5)]),
    ("ReflectionPad2d", lambda m: m.ReflectionPad2d((1, 1, 2, 0)), [(1, 2, 4, 5)]),
    ("ReplicationPad1d", lambda m: m.ReplicationPad1d((3, 1)), [(2, 3, 5)]),
    ("ReplicationPad2d", lambda m: m.ReplicationPad2d(2), [(1, 2, 4, 5)]),
    ("CircularPad1d", lambda m: m.CircularPad1d(2), [(2, 3, 5)]),
    ("CircularPad2d", lambda m: m.CircularPad2d((1, 2, 1, 0)), [(1, 2, 4, 5)]),
]


@pytest.mark.parametrize("name,make,shapes", CASES, ids=[c[0] for c in CASES])
def test_layer_parity(name, make, shapes):
    tmod, amod = make(torch.nn), make(nn)
    inputs = [randn(*s) for s in shapes]
    if name == "Identity":
        load_from_torch(tmod, amod)
        x = anb.tensor(inputs[0])
        assert amod(x) is x and repr(amod) == repr(tmod)
        return
    check_parity(tmod, amod, inputs)


def _perturb_params(tmod):
    """Non-trivial affine parameters (BatchNorm starts at weight 1, bias 0)."""
    with torch.no_grad():
        for p in tmod.parameters():
            p.copy_(torch.randn(p.shape))


BN_CASES = [
    ("BatchNorm1d", lambda m: m.BatchNorm1d(3), (6, 3)),
    ("BatchNorm1d-3d", lambda m: m.BatchNorm1d(3, momentum=0.3), (4, 3, 5)),
    ("BatchNorm1d-cumulative", lambda m: m.BatchNorm1d(3, momentum=None), (6, 3)),
    ("BatchNorm1d-noaffine", lambda m: m.BatchNorm1d(3, affine=False), (6, 3)),
    ("BatchNorm1d-nobias", lambda m: m.BatchNorm1d(3, bias=False), (6, 3)),
    ("BatchNorm1d-untracked", lambda m: m.BatchNorm1d(3, track_running_stats=False), (6, 3)),
    ("BatchNorm2d", lambda m: m.BatchNorm2d(2, eps=1e-3), (3, 2, 4, 5)),
]


@pytest.mark.parametrize("name,make,shape", BN_CASES, ids=[c[0] for c in BN_CASES])
def test_batchnorm_train_then_eval(name, make, shape):
    torch.manual_seed(0)
    tmod, amod = make(torch.nn), make(nn)
    _perturb_params(tmod)
    for step in range(3):                      # running statistics accumulate over steps
        check_parity(tmod, amod, [randn(*shape) * 2 + 1], train=True)
        for p in list(tmod.parameters()) + list(amod.parameters()):
            p.grad = None
        if tmod.num_batches_tracked is not None:
            assert amod.num_batches_tracked.item() == tmod.num_batches_tracked.item() == step + 1
    check_parity(tmod, amod, [randn(*shape)], train=False)
    out = amod(anb.randn(*shape, requires_grad=True))
    assert type(out.grad_fn).__name__ == "NativeBatchNormBackward0"


def test_batchnorm_running_stats_versions_like_torch():
    for m, t in ((torch.nn, torch), (nn, anb)):
        bn = m.BatchNorm1d(3)
        x = t.randn(4, 3, requires_grad=True)
        y1 = bn(x)
        bn(x)                                    # a second forward before backward (e.g. a GAN step)
        y1.sum().backward()
        bn.eval()
        y2 = bn(x)
        bn.train()
        bn(x)
        y2.sum().backward()
        assert (bn.running_mean._version, bn.running_var._version, bn.num_batches_tracked._version) == (1, 1, 4)


def test_batchnorm_saved_buffers_like_torch():
    tbn, abn = torch.nn.BatchNorm1d(3), nn.BatchNorm1d(3)
    x = randn(5, 3).astype(np.float32)
    tf = tbn(torch.tensor(x, requires_grad=True)).grad_fn
    af = abn(anb.tensor(x, requires_grad=True)).grad_fn
    for name in ("result1", "result2"):
        assert_close(getattr(tf, "_saved_" + name), getattr(af, "_saved_" + name))
    assert af._saved_training is True and af._saved_eps == tf._saved_eps
    abn.eval()
    af = abn(anb.tensor(x, requires_grad=True)).grad_fn
    assert af._saved_result1.shape == (0,) and af._saved_training is False


def test_embedding_parity_and_padding():
    torch.manual_seed(0)
    for kwargs in ({}, {"padding_idx": 1}, {"padding_idx": -1}, {"scale_grad_by_freq": True}):
        tmod, amod = torch.nn.Embedding(6, 3, **kwargs), nn.Embedding(6, 3, **kwargs)
        load_from_torch(tmod, amod)
        idx = np.array([[1, 2, 1], [5, 0, 1]])
        tout, aout = tmod(torch.tensor(idx)), amod(anb.tensor(idx))
        assert_close(tout, aout)
        assert type(aout.grad_fn).__name__ == "EmbeddingBackward0"
        up = randn(*tout.shape).astype(np.float32)
        (tout * torch.tensor(up)).sum().backward()
        (aout * anb.tensor(up)).sum().backward()
        assert_close(tmod.weight.grad, amod.weight.grad)
        assert repr(amod) == repr(tmod)
    padded = nn.Embedding(4, 2, padding_idx=2)
    assert padded.weight[2].tolist() == [0.0, 0.0]


def test_embedding_max_norm_renormalises_rows():
    tmod, amod = torch.nn.Embedding(5, 3, max_norm=1.0), nn.Embedding(5, 3, max_norm=1.0)
    load_from_torch(tmod, amod)
    idx = [0, 3, 3]
    assert_close(tmod(torch.tensor(idx)), amod(anb.tensor(idx)))
    assert_close(tmod.weight, amod.weight)


def test_embedding_from_pretrained_is_frozen():
    w = anb.tensor([[1.0, 2.0], [3.0, 4.0]])
    e = nn.Embedding.from_pretrained(w)
    assert not e.weight.requires_grad and e(anb.tensor([1])).tolist() == [[3.0, 4.0]]


def test_dropout_train_and_eval():
    anb.manual_seed(0)
    d = nn.Dropout(0.25)
    x = anb.ones(2000, requires_grad=True)
    y = d(x)
    vals = set(y.tolist())
    assert vals == {0.0, float(np.float32(1 / 0.75))} and type(y.grad_fn).__name__ == "MulBackward0"
    assert 0.2 < (y == 0).float().mean().item() < 0.3
    y.sum().backward()
    assert x.grad.tolist() == y.detach().tolist()
    anb.manual_seed(0)
    assert d(anb.ones(2000)).tolist() == y.tolist()          # the default generator drives it
    d.eval()
    assert d(x) is x
    assert repr(d) == repr(torch.nn.Dropout(0.25))


def test_dropout_next_functions_and_p_extremes():
    x = anb.ones(4, requires_grad=True)
    y = nn.functional.dropout(x, 0.5)
    assert [type(n).__name__ if n else None for n, _ in y.grad_fn.next_functions] == ["AccumulateGrad", None]
    assert nn.functional.dropout(x, 0.0) is x
    assert nn.functional.dropout(x, 1.0).tolist() == [0.0] * 4


# ---------------------------------------------------------------------------
# higher order through the nn primitives
# ---------------------------------------------------------------------------


def _double(fn_t, fn_a, *shapes, seed=0):
    """Compare d/dinputs of sum(grad(fn) * v) between torch and ours (float64)."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    tin = [torch.tensor(a, requires_grad=True) for a in arrays]
    ain = [anb.tensor(a, requires_grad=True) for a in arrays]
    tout, aout = fn_t(*tin), fn_a(*ain)
    up = rng.standard_normal(tuple(tout.shape))
    tg = torch.autograd.grad((tout * torch.tensor(up)).sum(), tin, create_graph=True)
    ag = anb.autograd.grad((aout * anb.tensor(up)).sum(), ain, create_graph=True)
    vs = [rng.standard_normal(tuple(g.shape)) for g in tg]
    sum(((g * torch.tensor(v)).sum() for g, v in zip(tg, vs))).backward()
    sum(((g * anb.tensor(v)).sum() for g, v in zip(ag, vs)), anb.tensor(0.0, dtype=anb.float64)).backward()
    for t, a in zip(tin, ain):                    # None (not reached) counts as zeros
        tg = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        ag = np.zeros(tuple(a.shape)) if a.grad is None else a.grad.numpy()
        np.testing.assert_allclose(ag, tg, rtol=1e-6, atol=1e-8)


F_T = torch.nn.functional
F_A = nn.functional


@pytest.mark.parametrize("case", ["bilinear", "conv2d", "conv1d-groups", "max_pool2d", "avg_pool2d", "adaptive",
                                  "batch_norm", "layer_norm", "gelu", "elu", "leaky_relu",
                                  "embedding_weight", "bce_logits"])
def test_double_backward_matches_torch(case):
    if case == "bilinear":
        _double(lambda a, w, b: F_T.bilinear(a * a, b, w), lambda a, w, b: F_A.bilinear(a * a, b, w),
                (3, 2), (4, 2, 3), (3, 3))
    elif case == "conv2d":
        _double(lambda x, w: F_T.conv2d(x, w, stride=2, padding=1) ** 2,
                lambda x, w: F_A.conv2d(x, w, stride=2, padding=1) ** 2, (2, 3, 5, 5), (2, 3, 3, 3))
    elif case == "conv1d-groups":
        _double(lambda x, w, b: F_T.conv1d(x, w, b, groups=2).tanh(),
                lambda x, w, b: F_A.conv1d(x, w, b, groups=2).tanh(), (2, 4, 6), (4, 2, 3), (4,))
    elif case == "max_pool2d":
        _double(lambda x: F_T.max_pool2d(x * x, 2), lambda x: F_A.max_pool2d(x * x, 2), (1, 2, 4, 4))
    elif case == "avg_pool2d":
        _double(lambda x: F_T.avg_pool2d(x * x, 3, 2, 1), lambda x: F_A.avg_pool2d(x * x, 3, 2, 1), (1, 2, 5, 5))
    elif case == "adaptive":
        _double(lambda x: F_T.adaptive_avg_pool2d(x * x, (2, 3)), lambda x: F_A.adaptive_avg_pool2d(x * x, (2, 3)),
                (1, 2, 5, 7))
    elif case == "batch_norm":
        _double(lambda x, w, b: F_T.batch_norm(x, None, None, w, b, training=True),
                lambda x, w, b: F_A.batch_norm(x, None, None, w, b, training=True), (4, 3, 2), (3,), (3,))
    elif case == "layer_norm":
        _double(lambda x, w, b: F_T.layer_norm(x, (3,), w, b), lambda x, w, b: F_A.layer_norm(x, (3,), w, b),
                (4, 3), (3,), (3,))
    elif case == "gelu":
        _double(F_T.gelu, F_A.gelu, (7,))
        _double(lambda x: F_T.gelu(x, approximate="tanh"), lambda x: F_A.gelu(x, approximate="tanh"), (7,))
    elif case == "elu":
        _double(lambda x: F_T.elu(x, 0.5), lambda x: F_A.elu(x, 0.5), (7,))
    elif case == "leaky_relu":
        _double(lambda x: F_T.leaky_relu(x * x * x, 0.1), lambda x: F_A.leaky_relu(x * x * x, 0.1), (7,))
    elif case == "embedding_weight":
        idx_t, idx_a = torch.tensor([0, 2, 2]), anb.tensor([0, 2, 2])
        _double(lambda w: F_T.embedding(idx_t, w) ** 3, lambda w: F_A.embedding(idx_a, w) ** 3, (4, 2))
    elif case == "bce_logits":
        _double(lambda x, t: F_T.binary_cross_entropy_with_logits(x, t.sigmoid()),
                lambda x, t: F_A.binary_cross_entropy_with_logits(x, t.sigmoid()), (5,), (5,))


def test_gradcheck_conv_and_pool_float64():
    x = anb.randn(1, 2, 4, 4, dtype=anb.float64, requires_grad=True)
    w = anb.randn(2, 2, 2, 2, dtype=anb.float64, requires_grad=True)
    b = anb.randn(2, dtype=anb.float64, requires_grad=True)
    assert gradcheck(lambda x, w, b: F_A.conv2d(x, w, b, padding=1, dilation=2), (x, w, b))
    assert gradgradcheck(lambda x, w: F_A.conv2d(x, w, stride=2), (x, w))
    assert gradcheck(lambda x: F_A.avg_pool2d(x, 2, ceil_mode=True), (x,))
    assert gradcheck(lambda x: F_A.max_pool2d(x, 3, 2, padding=1), (x,))


# ---------------------------------------------------------------------------
# graph structure
# ---------------------------------------------------------------------------


def _chain(t):
    names = []
    fn = t.grad_fn
    while fn is not None:
        names.append(type(fn).__name__)
        nxt = [n for n, _ in fn.next_functions if n is not None and type(n).__name__ != "AccumulateGrad"]
        fn = nxt[0] if nxt else None
    return names


@pytest.mark.parametrize("shape,bias", [((4, 3), True), ((3,), True), ((2, 4, 3), True), ((4, 3), False),
                                        ((3,), False), ((2, 4, 3), False)])
def test_linear_graph_like_torch(shape, bias):
    tl, al = torch.nn.Linear(3, 2, bias=bias), nn.Linear(3, 2, bias=bias)
    x = randn(*shape).astype(np.float32)
    assert _chain(al(anb.tensor(x, requires_grad=True))) == _chain(tl(torch.tensor(x, requires_grad=True)))


def test_conv_saved_attributes_like_torch():
    tc, ac = torch.nn.Conv2d(2, 4, 3, stride=2, padding=1, dilation=1), nn.Conv2d(2, 4, 3, stride=2, padding=1)
    x = randn(1, 2, 5, 5).astype(np.float32)
    tf = tc(torch.tensor(x, requires_grad=True)).grad_fn
    af = ac(anb.tensor(x, requires_grad=True)).grad_fn
    for name in ("stride", "padding", "dilation", "groups", "transposed", "output_padding", "bias_sym_sizes_opt"):
        assert getattr(af, "_saved_" + name) == getattr(tf, "_saved_" + name), name
    assert [type(n).__name__ for n, _ in af.next_functions] == [type(n).__name__ for n, _ in tf.next_functions]
    assert af._saved_weight is ac.weight or af._saved_weight.shape == tc.weight.shape


def test_maxpool_return_indices_like_torch():
    x = randn(2, 3, 5, 7).astype(np.float32)
    to, ti = torch.nn.MaxPool2d(3, 2, 1, return_indices=True)(torch.tensor(x))
    ao, ai = nn.MaxPool2d(3, 2, 1, return_indices=True)(anb.tensor(x))
    assert_close(to, ao)
    assert ai.dtype == anb.int64 and ai.tolist() == ti.tolist()


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------


def _error(fn):
    try:
        fn()
    except Exception as e:                       # noqa: BLE001 - compared by type and text
        return type(e).__name__, str(e).splitlines()[0]
    return None


def same_error(make_t, make_a):
    et = _error(make_t)
    assert et is not None
    assert _error(make_a) == et


ERRORS = [
    lambda m, t: m.Linear(3, 2)(t.randn(4, 4)),
    lambda m, t: m.Linear(3, 2)(t.randn(4)),
    lambda m, t: m.Linear(3, 2)(t.randn(2, 5, 4)),
    lambda m, t: m.Linear(3, 2, bias=False)(t.randn(4, 4)),
    lambda m, t: m.Linear(3, 2, bias=False)(t.randn(4)),
    lambda m, t: m.Linear(3, 2, bias=False)(t.randn(2, 5, 4)),
    lambda m, t: m.Linear(3, 2)(t.randn(4, 3, dtype=t.float64)),
    lambda m, t: m.Conv2d(3, 16, 3)(t.randn(8, 4, 10, 10)),
    lambda m, t: m.Conv2d(3, 16, 3)(t.randn(4, 10, 10)),
    lambda m, t: m.Conv2d(3, 16, 3)(t.randn(10, 10)),
    lambda m, t: m.Conv2d(3, 16, 3)(t.randn(1, 3, 2, 2)),
    lambda m, t: m.Conv1d(3, 16, 3)(t.randn(8, 4, 10)),
    lambda m, t: m.Conv2d(3, 16, 3, stride=2, padding="same"),
    lambda m, t: m.Conv2d(3, 16, 3, groups=2),
    lambda m, t: m.Conv2d(4, 15, 3, groups=2),
    lambda m, t: m.Conv2d(3, 16, 3, padding="foo"),
    lambda m, t: m.functional.conv2d(t.randn(1, 2, 4, 4, dtype=t.float64), t.randn(3, 2, 2, 2)),
    lambda m, t: m.functional.conv2d(t.randn(1, 2, 4, 4), t.randn(3, 2, 2, 2), t.randn(4)),
    lambda m, t: m.functional.conv2d(t.randn(1, 4, 4, 4), t.randn(3, 2, 2, 2), groups=2),
    lambda m, t: m.functional.conv2d(t.randn(1, 2, 4, 4), t.randn(3, 2, 2, 2), stride=0),
    lambda m, t: m.functional.conv2d(t.randn(1, 2, 4, 4), t.randn(3, 2, 2, 2), padding=-1),
    lambda m, t: m.functional.conv2d(t.randn(1, 2, 4, 4), t.randn(3, 2, 2, 2), padding="same", stride=2),
    lambda m, t: m.functional.conv2d(t.randn(1, 2, 4, 4), t.randn(3, 2, 2, 2), stride=(1, 2, 3)),
    lambda m, t: m.MaxPool2d(3)(t.randn(1, 1, 2, 2)),
    lambda m, t: m.MaxPool2d(3, padding=2)(t.randn(1, 1, 5, 5)),
    lambda m, t: m.AvgPool2d(3, padding=2)(t.randn(1, 1, 5, 5)),
    lambda m, t: m.MaxPool2d(2)(t.randn(4, 4)),
    lambda m, t: m.AdaptiveAvgPool2d(2)(t.randn(4, 4)),
    lambda m, t: m.Dropout(1.5),
    lambda m, t: m.BatchNorm1d(3)(t.randn(1, 3)),
    lambda m, t: m.BatchNorm1d(3)(t.randn(4, 4)),
    lambda m, t: m.BatchNorm2d(3)(t.randn(4, 3)),
    lambda m, t: m.BatchNorm1d(3)(t.randn(4, 3, 2, 2)),
    lambda m, t: m.LayerNorm(3)(t.randn(4, 4)),
    lambda m, t: m.functional.layer_norm(t.rand(3, 4), (4,), weight=t.ones(3)),
    lambda m, t: m.Embedding(10, 3)(t.tensor([10])),
    lambda m, t: m.Embedding(10, 3)(t.tensor([1.0])),
    lambda m, t: m.Embedding(10, 3, padding_idx=10),
    lambda m, t: m.GELU("foo")(t.randn(2)),
    lambda m, t: m.Bilinear(2, 3, 4)(t.randn(5, 3), t.randn(5, 3)),
    lambda m, t: m.Bilinear(2, 3, 4)(t.randn(5, 2), t.randn(5, 2)),
    lambda m, t: m.Bilinear(2, 3, 4)(t.randn(5, 2), t.randn(4, 3)),
    lambda m, t: m.functional.bilinear(t.randn(5, 2), t.randn(5, 3), t.randn(4, 2, 3), t.randn(3)),
    lambda m, t: m.functional.max_pool2d(t.randn(1, 1, 4, 4), (2, 2, 2)),
    lambda m, t: m.functional.avg_pool2d(t.randn(1, 1, 4, 4), 2, stride=(1, 2, 3)),
    lambda m, t: m.functional.max_pool2d(t.randn(1, 1, 4, 4), 2, padding=(1, 2, 3)),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_like_torch(i):
    same_error(lambda: ERRORS[i](torch.nn, torch), lambda: ERRORS[i](nn, anb))


# ---------------------------------------------------------------------------
# default initialisation
# ---------------------------------------------------------------------------


def test_default_init_bounds_and_generator():
    anb.manual_seed(0)
    lin = nn.Linear(50, 40)
    bound = 1 / np.sqrt(50)
    w = lin.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.02 * bound * 10
    assert np.abs(lin.bias.detach().numpy()).max() <= bound
    conv = nn.Conv2d(4, 6, 3)
    cb = 1 / np.sqrt(4 * 9)
    assert np.abs(conv.weight.detach().numpy()).max() <= cb
    assert np.abs(conv.bias.detach().numpy()).max() <= cb
    anb.manual_seed(0)
    again = nn.Linear(50, 40)
    assert np.array_equal(again.weight.detach().numpy(), w)       # drawn from the default generator
    assert lin.weight.dtype == anb.float32 and lin.weight.is_leaf and lin.weight.requires_grad


def test_factory_kwargs_dtype():
    lin = nn.Linear(2, 3, dtype=anb.float64)
    assert lin.weight.dtype == anb.float64 and lin.bias.dtype == anb.float64
    bn = nn.BatchNorm1d(2, dtype=anb.float64)
    assert bn.running_mean.dtype == anb.float64 and bn.num_batches_tracked.dtype == anb.int64


SAVED_CASES = [
    ("conv", lambda F, t, x: F.conv2d(x, t.ones(2, 2, 2, 2), t.ones(2), stride=2, padding=1)),
    ("max_pool", lambda F, t, x: F.max_pool2d(x, 2, ceil_mode=True)),
    ("avg_pool", lambda F, t, x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)),
    ("adaptive", lambda F, t, x: F.adaptive_avg_pool2d(x, 3)),
    ("batch_norm", lambda F, t, x: F.batch_norm(x, t.zeros(2), t.ones(2), t.ones(2), t.zeros(2), training=True)),
    ("layer_norm", lambda F, t, x: F.layer_norm(x, (5,), t.ones(5), t.zeros(5))),
    ("leaky_relu", lambda F, t, x: F.leaky_relu(x, 0.3)),
    ("elu", lambda F, t, x: F.elu(x, 0.3)),
    ("gelu", lambda F, t, x: F.gelu(x, approximate="tanh")),
    ("mse", lambda F, t, x: F.mse_loss(x, t.ones(1, 2, 5, 5), reduction="sum")),
    ("smooth_l1", lambda F, t, x: F.smooth_l1_loss(x, t.ones(1, 2, 5, 5), beta=0.5)),
    ("bce", lambda F, t, x: F.binary_cross_entropy(x.sigmoid(), t.ones(1, 2, 5, 5) / 2)),
    ("bce_logits", lambda F, t, x: F.binary_cross_entropy_with_logits(x, t.ones(1, 2, 5, 5) / 2,
                                                                      pos_weight=t.ones(5))),
    ("nll2d", lambda F, t, x: F.nll_loss(x, t.zeros(1, 5, 5, dtype=t.long), ignore_index=3)),
    ("embedding", lambda F, t, x: F.embedding(t.tensor([1, 0]), x.view(10, 5), padding_idx=1)),
    ("pad", lambda F, t, x: F.pad(x, (1, 2, 0, 1))),
]


@pytest.mark.parametrize("name,make", SAVED_CASES, ids=[c[0] for c in SAVED_CASES])
def test_saved_attributes_like_torch(name, make):
    x = randn(1, 2, 5, 5).astype(np.float32)
    tf = make(torch.nn.functional, torch, torch.tensor(x, requires_grad=True)).grad_fn
    af = make(nn.functional, anb, anb.tensor(x, requires_grad=True)).grad_fn
    assert type(af).__name__ == type(tf).__name__
    for attr in (a for a in dir(tf) if a.startswith("_saved_")):
        tv, av = getattr(tf, attr), getattr(af, attr)
        if isinstance(tv, torch.Tensor):
            assert isinstance(av, anb.Tensor) and tuple(av.shape) == tuple(tv.shape), attr
            np.testing.assert_allclose(av.detach().numpy(), tv.detach().numpy(), rtol=1e-5, atol=1e-6,
                                       err_msg=attr)
        else:
            assert av == tv, attr


@pytest.mark.parametrize("name,shape,lead", [("Dropout2d", (4, 6, 3, 5), 2), ("Dropout1d", (4, 6, 7), 2),
                                             ("Dropout1d", (6, 7), 1)])
def test_channel_dropout_keeps_or_drops_whole_channels(name, shape, lead):
    anb.manual_seed(3)
    layer = getattr(nn, name)(0.5)
    x = anb.ones(*shape, requires_grad=True)
    y = layer(x)
    y.sum().backward()
    out = y.detach().numpy().reshape(shape[:lead] + (-1,))
    assert set(np.unique(out)) <= {0.0, 2.0}
    per_channel = out.min(axis=-1) == out.max(axis=-1)             # one draw per channel
    assert per_channel.all() and 0 < (out[..., 0] == 2.0).sum() < out[..., 0].size
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())
    assert type(y.grad_fn).__name__ == ("SqueezeBackward1" if len(shape) == 2 else "MulBackward0")
    layer.eval()
    assert layer(x) is x and repr(layer) == repr(getattr(torch.nn, name)(0.5))


def test_channel_dropout_errors_and_warnings_like_torch():
    import warnings

    def run(m):
        out = []
        for shape in [(3,), (2, 3), (2, 3, 4), (2, 3, 4, 5), (1, 2, 3, 4, 5)]:
            for f in (m.nn.functional.dropout1d, m.nn.functional.dropout2d):
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    try:
                        y = f(m.ones(shape), 0.5)
                        out.append(("ok", tuple(y.shape), [str(w.message) for w in caught]))
                    except Exception as exc:              # noqa: BLE001 - compared with torch
                        out.append((type(exc).__name__, str(exc)))
        return out
    assert run(anb) == run(torch)
