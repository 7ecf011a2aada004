"""nn.Module, Parameter, containers, state_dict, conversions, hooks, reprs and nn.init.

Behaviour is compared with PyTorch where it prints or raises something; otherwise the
tests state the PyTorch behaviour directly.
"""
from __future__ import annotations

import copy
import math
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb import nn
from autograd_nb.nn import init

torch = pytest.importorskip("torch")
torch.set_num_threads(1)


def build(m, t):
    """The same small model in torch (m=torch.nn, t=torch) or here (m=nn, t=anb)."""
    class Net(m.Module):
        def __init__(self):
            super().__init__()
            self.fc = m.Linear(2, 2)
            self.p = m.Parameter(t.zeros(2))
            self.register_buffer("b", t.ones(1))
            self.register_buffer("hidden", t.ones(1), persistent=False)
            self.act = m.ReLU()
            self.head = m.Sequential(m.Linear(2, 3), m.Tanh(), m.Linear(3, 1))

        def forward(self, x):
            return self.head(self.act(self.fc(x)) + self.p)
    return Net()


def error_of(fn):
    try:
        fn()
    except Exception as e:                         # noqa: BLE001 - compared by type and text
        return type(e).__name__, str(e).splitlines()[0] if str(e) else ""
    return None


def same_error(fn_t, fn_a):
    expected = error_of(fn_t)
    assert expected is not None
    assert error_of(fn_a) == expected


# ---------------------------------------------------------------------------
# Parameter
# ---------------------------------------------------------------------------


def test_parameter_basics():
    p = nn.Parameter(anb.zeros(2, 2))
    assert isinstance(p, anb.Tensor) and p.is_leaf and p.requires_grad and p.grad_fn is None
    assert repr(p) == repr(torch.nn.Parameter(torch.zeros(2, 2)))
    frozen = nn.Parameter(anb.tensor([1.5, -2.0]), requires_grad=False)
    assert repr(frozen) == repr(torch.nn.Parameter(torch.tensor([1.5, -2.0]), requires_grad=False))
    assert repr(nn.Parameter()) == repr(torch.nn.Parameter())
    for derived in (p * 2, p.detach(), p.data, p[0]):
        assert type(derived) is anb.Tensor
    assert repr(p * 2) == repr(torch.nn.Parameter(torch.zeros(2, 2)) * 2)
    assert not hasattr(p, "__dict__")                 # __slots__ kept


def test_parameter_shares_memory_and_cuts_history():
    t = anb.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    with anb.no_grad():
        p.mul_(2)
    assert t.tolist() == [2.0, 4.0]
    x = anb.ones(2, requires_grad=True)
    q = nn.Parameter(x * 3)
    assert q.is_leaf and q.grad_fn is None
    same_error(lambda: torch.nn.Parameter(torch.tensor([1, 2])), lambda: nn.Parameter(anb.tensor([1, 2])))


def test_parameter_deepcopy_and_pickle():
    p = nn.Parameter(anb.tensor([1.0, 2.0]))
    q = copy.deepcopy(p)
    assert type(q) is nn.Parameter and q.requires_grad and q.tolist() == p.tolist() and q is not p
    r = pickle.loads(pickle.dumps(p))
    assert type(r) is nn.Parameter and r.requires_grad and r.tolist() == [1.0, 2.0]


# ---------------------------------------------------------------------------
# registration and lookup
# ---------------------------------------------------------------------------


def test_named_members_like_torch():
    tn, an = build(torch.nn, torch), build(nn, anb)
    assert [k for k, _ in an.named_parameters()] == [k for k, _ in tn.named_parameters()]
    assert [k for k, _ in an.named_parameters(prefix="z")] == [k for k, _ in tn.named_parameters(prefix="z")]
    assert [k for k, _ in an.named_parameters(recurse=False)] == [k for k, _ in tn.named_parameters(recurse=False)]
    assert [k for k, _ in an.named_buffers()] == [k for k, _ in tn.named_buffers()]
    assert [k for k, _ in an.named_modules()] == [k for k, _ in tn.named_modules()]
    assert [k for k, _ in an.named_modules(prefix="m")] == [k for k, _ in tn.named_modules(prefix="m")]
    assert [k for k, _ in an.named_children()] == [k for k, _ in tn.named_children()]
    assert len(list(an.parameters())) == len(list(tn.parameters())) == 7
    assert len(list(an.modules())) == len(list(tn.modules()))
    assert len(list(an.children())) == 3
    assert all(isinstance(p, nn.Parameter) for p in an.parameters())


def test_shared_modules_and_remove_duplicate():
    for m in (torch.nn, nn):
        lin = m.Linear(2, 2)
        s = m.Sequential(lin, lin)
        assert [k for k, _ in s.named_parameters()] == ["0.weight", "0.bias"]
        assert [k for k, _ in s.named_parameters(remove_duplicate=False)] == \
            ["0.weight", "0.bias", "1.weight", "1.bias"]
        assert [k for k, _ in s.named_modules()] == ["", "0"]
        assert [k for k, _ in s.named_modules(remove_duplicate=False)] == ["", "0", "1"]


def test_attribute_assignment_rules():
    an = build(nn, anb)
    lin = an.fc
    w = lin.weight
    assert "weight" in lin._parameters and "weight" not in lin.__dict__
    same_error(lambda: setattr(torch.nn.Linear(2, 2), "weight", torch.zeros(2, 2)),
               lambda: setattr(lin, "weight", anb.zeros(2, 2)))
    assert lin.weight is w
    lin.weight = None
    assert lin.weight is None and list(lin._parameters) == ["weight", "bias"]
    lin.weight = nn.Parameter(anb.zeros(3, 3))
    assert lin.weight.shape == (3, 3)
    lin.foo = anb.zeros(1)                           # a plain tensor is a plain attribute
    assert "foo" in lin.__dict__ and "foo" not in lin._buffers
    lin.register_buffer("bb", None)
    assert lin.bb is None and list(lin.named_buffers()) == []
    lin.bb = anb.ones(1)
    assert lin._buffers["bb"].tolist() == [1.0]
    same_error(lambda: setattr(_torch_with_buffer(), "bb", 3), lambda: setattr(lin, "bb", 3))
    lin.sub = nn.ReLU()
    assert list(lin._modules) == ["sub"]
    t = torch.nn.Linear(1, 1)
    t.sub = torch.nn.ReLU()
    same_error(lambda: setattr(t, "sub", 3), lambda: setattr(lin, "sub", 3))
    del lin.sub
    assert list(lin._modules) == []
    lin.buf2 = nn.Buffer(anb.ones(2), persistent=False)
    assert type(lin.buf2) is anb.Tensor and "buf2" in lin._non_persistent_buffers_set


def _torch_with_buffer():
    t = torch.nn.Linear(1, 1)
    t.register_buffer("bb", torch.ones(1))
    return t


REGISTRATION_ERRORS = [
    lambda m, t, n: n.foo,
    lambda m, t, n: n.register_buffer("fc", t.zeros(1)),
    lambda m, t, n: n.register_parameter("b", m.Parameter(t.zeros(1))),
    lambda m, t, n: n.add_module("p", m.ReLU()),
    lambda m, t, n: n.register_buffer("x.y", t.zeros(1)),
    lambda m, t, n: n.register_buffer("", t.zeros(1)),
    lambda m, t, n: n.register_buffer(1, t.zeros(1)),
    lambda m, t, n: n.register_buffer("q", 3),
    lambda m, t, n: n.register_parameter("q", t.zeros(1)),
    lambda m, t, n: n.register_parameter("q", m.Parameter(t.ones(1)) * 2),
    lambda m, t, n: n.add_module("a.b", None),
    lambda m, t, n: n.add_module(3, None),
    lambda m, t, n: n.add_module("", None),
    lambda m, t, n: n.get_submodule("fc.x"),
    lambda m, t, n: n.get_submodule("zz"),
    lambda m, t, n: n.get_submodule("p"),
    lambda m, t, n: n.get_parameter("b"),
    lambda m, t, n: n.get_parameter("fc.zz"),
    lambda m, t, n: n.train("x"),
    lambda m, t, n: m.Module()(1),
    lambda m, t, n: n.to(t.long),
    lambda m, t, n: n.to("foo"),
]


@pytest.mark.parametrize("i", range(len(REGISTRATION_ERRORS)))
def test_module_errors_like_torch(i):
    same_error(lambda: REGISTRATION_ERRORS[i](torch.nn, torch, build(torch.nn, torch)),
               lambda: REGISTRATION_ERRORS[i](nn, anb, build(nn, anb)))


def test_assignment_before_init_errors():
    for m, t in ((torch.nn, torch), (nn, anb)):
        class P(m.Module):
            def __init__(self):
                self.x = m.Parameter(t.zeros(1))

        class C(m.Module):
            def __init__(self):
                self.x = m.Linear(1, 1)
        assert error_of(P) == ("AttributeError", "cannot assign parameters before Module.__init__() call")
        assert error_of(C) == ("AttributeError", "cannot assign module before Module.__init__() call")


def test_get_submodule_parameter_buffer():
    an = build(nn, anb)
    assert an.get_submodule("") is an and an.get_submodule("head.0") is an.head[0]
    assert an.get_parameter("head.2.bias") is an.head[2].bias
    assert an.get_buffer("b") is an.b


def test_dir_lists_registered_names():
    an = build(nn, anb)
    names = dir(an)
    for n in ("fc", "p", "b", "forward", "head", "training"):
        assert n in names
    assert "0" not in dir(an.head)


# ---------------------------------------------------------------------------
# modes, grads, conversions
# ---------------------------------------------------------------------------


def test_train_eval_propagate():
    an = build(nn, anb)
    assert an.training and an.head[1].training
    assert an.eval() is an
    assert not an.training and not an.fc.training and not an.head[2].training
    assert an.train() is an and an.head[0].training
    an.head.train(False)
    assert an.training and not an.head.training


def test_requires_grad_and_zero_grad():
    an = build(nn, anb)
    assert an.requires_grad_(False) is an
    assert not any(p.requires_grad for p in an.parameters())
    an.head.requires_grad_()
    assert [p.requires_grad for p in an.head.parameters()] == [True] * 4
    an.requires_grad_()
    an(anb.ones(3, 2)).sum().backward()
    assert all(p.grad is not None for p in an.parameters())
    an.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any().item() for p in an.parameters())
    an.zero_grad()
    assert all(p.grad is None for p in an.parameters())


def test_to_double_float_keeps_parameter_identity():
    an = build(nn, anb)
    w = an.fc.weight
    an(anb.ones(1, 2)).sum().backward()
    assert an.double() is an
    assert an.fc.weight is w and w.dtype == anb.float64 and type(w) is nn.Parameter and w.requires_grad
    assert w.grad.dtype == anb.float64 and an.b.dtype == anb.float64
    bn = nn.BatchNorm1d(2)
    bn.to(anb.float64)
    assert bn.running_mean.dtype == anb.float64 and bn.num_batches_tracked.dtype == anb.int64
    assert an.float() is an and w.dtype == anb.float32
    assert an.to(dtype=anb.float64) is an and w.dtype == anb.float64
    assert an.cpu() is an and an.to("cpu") is an and w.device.type == "cpu"
    out = an(anb.ones(1, 2, dtype=anb.float64))
    assert out.dtype == anb.float64


def test_apply_visits_children_first():
    an = build(nn, anb)
    seen = []
    assert an.apply(lambda m: seen.append(type(m).__name__)) is an
    tn = build(torch.nn, torch)
    tseen = []
    tn.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen


def test_apply_for_custom_init():
    net = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1))

    def init_weights(m):
        if isinstance(m, nn.Linear):
            init.constant_(m.weight, 0.5)
            init.zeros_(m.bias)
    net.apply(init_weights)
    assert net[2].weight.tolist() == [[0.5, 0.5, 0.5]] and net[0].bias.tolist() == [0.0] * 3


# ---------------------------------------------------------------------------
# calling and hooks
# ---------------------------------------------------------------------------


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, inp: (inp[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, inp, out: out + 1)
    lin.register_forward_hook(lambda m, inp, out: calls.append("last"))
    lin.register_forward_hook(lambda m, inp, out: calls.append("first"), prepend=True)
    out = lin(anb.ones(1, 2))
    assert anb.allclose(out - lin.bias, anb.ones(1, 2)) and calls == ["first", "last"]
    h1.remove()
    h2.remove()
    x = anb.ones(1, 2)
    assert anb.allclose(lin(x), nn.functional.linear(x, lin.weight, lin.bias))
    lin.register_forward_pre_hook(lambda m, args, kwargs: ((args[0] * 2,), kwargs), with_kwargs=True)
    assert anb.allclose(lin(x), nn.functional.linear(x * 2, lin.weight, lin.bias))


def test_module_without_forward():
    same_error(lambda: torch.nn.Module()(1), lambda: nn.Module()(1))


# ---------------------------------------------------------------------------
# state_dict
# ---------------------------------------------------------------------------


def test_state_dict_like_torch():
    tn, an = build(torch.nn, torch), build(nn, anb)
    tsd, asd = tn.state_dict(), an.state_dict()
    assert list(asd) == list(tsd) == ["p", "b", "fc.weight", "fc.bias", "head.0.weight", "head.0.bias",
                                      "head.2.weight", "head.2.bias"]
    assert type(asd) is OrderedDict and hasattr(asd, "_metadata")
    v = asd["fc.weight"]
    assert type(v) is anb.Tensor and not v.requires_grad
    with anb.no_grad():
        an.fc.weight.add_(1)
    assert anb.equal(v, an.fc.weight)                  # shares memory with the module
    assert an.state_dict(keep_vars=True)["p"] is an.p
    assert list(an.state_dict(prefix="m.")) == ["m." + k for k in tsd]


def test_state_dict_round_trip():
    anb.manual_seed(0)
    a = build(nn, anb)
    anb.manual_seed(1)
    b = build(nn, anb)
    x = anb.randn(4, 2)
    assert not anb.allclose(a(x), b(x))
    result = b.load_state_dict(a.state_dict())
    assert repr(result) == "<All keys matched successfully>" and result.missing_keys == []
    assert anb.allclose(a(x), b(x))
    w = b.fc.weight
    assert w is b.fc.weight and w.requires_grad


def test_load_state_dict_errors_like_torch():
    tn, an = build(torch.nn, torch), build(nn, anb)

    def messages(n, t):
        good = n.state_dict()
        out = []
        for sd in ({}, {**good, "x": t.zeros(1), "fc.y": t.zeros(1)}, {**good, "p": t.zeros(3)},
                   {"p": t.zeros(3), "q": t.zeros(1)}):
            try:
                n.load_state_dict(sd)
            except RuntimeError as e:
                out.append(str(e))
        out.append(repr(n.load_state_dict({**good, "x": t.zeros(1)}, strict=False)))
        out.append(repr(n.load_state_dict({}, strict=False)))
        try:
            n.load_state_dict({**good, "p": t.zeros(3)}, strict=False)
        except RuntimeError as e:
            out.append(str(e))
        return out
    assert messages(an, anb) == messages(tn, torch)


def test_load_state_dict_from_torch_weights():
    tn, an = build(torch.nn, torch), build(nn, anb)
    an.load_state_dict({k: anb.tensor(v.numpy()) for k, v in tn.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((3, 2)).astype(np.float32)
    np.testing.assert_allclose(an(anb.tensor(x)).detach().numpy(), tn(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)


def test_deepcopy_and_pickle_module():
    an = build(nn, anb)
    an(anb.ones(1, 2)).sum().backward()
    c = copy.deepcopy(an)
    assert c.fc.weight is not an.fc.weight and anb.equal(c.fc.weight, an.fc.weight)
    assert type(c.fc.weight) is nn.Parameter and c.fc.weight.requires_grad
    with anb.no_grad():
        c.fc.weight.zero_()
    assert not anb.equal(c.fc.weight, an.fc.weight)
    p = pickle.loads(pickle.dumps(an.head))
    assert anb.equal(p[0].weight, an.head[0].weight) and list(p.state_dict()) == list(an.head.state_dict())
    assert p[0].weight.requires_grad and type(p[2].bias) is nn.Parameter


# ---------------------------------------------------------------------------
# reprs
# ---------------------------------------------------------------------------


def test_model_repr_like_torch():
    tn, an = build(torch.nn, torch), build(nn, anb)
    assert repr(an).replace("build.<locals>.", "") == repr(tn).replace("build.<locals>.", "")
    assert repr(nn.Module()) == repr(torch.nn.Module())

    def model(m):
        return m.Sequential(
            m.Conv2d(1, 4, 3, padding=1), m.BatchNorm2d(4), m.ReLU(), m.MaxPool2d(2),
            m.Sequential(m.Conv2d(4, 8, 3, stride=2, bias=False), m.LeakyReLU(0.1)),
            m.AdaptiveAvgPool2d((1, 1)), m.Flatten(), m.Dropout(0.1), m.Linear(8, 10), m.LogSoftmax(dim=1))
    assert repr(model(nn)) == repr(model(torch.nn))


@pytest.mark.parametrize("make", [
    lambda m: m.ModuleList([m.Linear(1, 1) for _ in range(3)] + [m.ReLU()]),
    lambda m: m.ModuleList([m.Sequential(m.Linear(1, 1)), m.Sequential(m.Linear(1, 1)), m.ReLU()]),
    lambda m: m.ModuleList(),
    lambda m: m.ModuleDict({"b": m.ReLU(), "a": m.Linear(1, 1)}),
    lambda m: m.Sequential(m.ReLU(), m.ReLU()),
    lambda m: m.Sequential(OrderedDict([("a", m.ReLU()), ("b", m.Tanh())])),
    lambda m: m.Embedding(5, 2, padding_idx=0, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True),
    lambda m: m.Unflatten(1, (2, 3)),
    lambda m: m.BatchNorm1d(3, momentum=None, affine=False, track_running_stats=False),
    lambda m: m.CrossEntropyLoss(label_smoothing=0.1),
    lambda m: m.ReLU(inplace=True),
    lambda m: m.ELU(alpha=0.5, inplace=True),
])
def test_container_and_misc_reprs(make):
    assert repr(make(nn)) == repr(make(torch.nn))


# ---------------------------------------------------------------------------
# containers
# ---------------------------------------------------------------------------


def test_sequential_indexing_slicing_append():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and s[0] is a and s[-1] is c and list(s) == [a, b, c]
    sl = s[1:]
    assert type(sl) is nn.Sequential and list(sl) == [b, c] and list(sl._modules) == ["1", "2"]
    assert list(s[::-1]._modules) == ["2", "1", "0"]
    assert s.append(nn.ReLU()) is s and len(s) == 4
    del s[0]
    assert list(s._modules) == ["0", "1", "2"] and s[0] is b
    s[0] = a
    assert s[0] is a
    same_error(lambda: torch.nn.Sequential(torch.nn.ReLU())[3], lambda: nn.Sequential(nn.ReLU())[3])
    same_error(lambda: torch.nn.Sequential(torch.nn.ReLU())[-2], lambda: nn.Sequential(nn.ReLU())[-2])
    od = nn.Sequential(OrderedDict([("first", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert od.first is od[0] and [k for k, _ in od.named_parameters()] == ["first.weight", "first.bias"]
    x = anb.ones(1, 2)
    assert anb.allclose(od(x), od.act(od.first(x)))


def test_module_list_and_dict():
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml.insert(0, nn.Sigmoid())
    assert [type(m).__name__ for m in ml] == ["Sigmoid", "Linear", "Linear", "Linear", "ReLU", "Tanh"]
    assert list(ml._modules) == [str(i) for i in range(6)]
    sub = ml[1:3]
    assert type(sub) is nn.ModuleList and list(sub._modules) == ["0", "1"]
    del ml[0]
    assert type(ml[0]).__name__ == "Linear" and list(ml._modules) == [str(i) for i in range(5)]
    same_error(lambda: torch.nn.ModuleList([torch.nn.ReLU()])[3], lambda: nn.ModuleList([nn.ReLU()])[3])
    md = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Linear(1, 1)})
    assert list(md.keys()) == ["b", "a"] and "a" in md and len(md) == 2 and list(md) == ["b", "a"]
    md["c"] = nn.Tanh()
    assert [k for k, _ in md.named_children()] == ["b", "a", "c"]
    assert [k for k, _ in md.named_parameters()] == ["a.weight", "a.bias"]
    assert md.pop("c").__class__ is nn.Tanh and "c" not in md
    same_error(lambda: torch.nn.ModuleDict()["a"], lambda: nn.ModuleDict()["a"])


def test_plain_list_is_not_registered():
    class Bad(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(1, 1)]

    class Good(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(1, 1)])
    assert list(Bad().parameters()) == [] and len(list(Good().parameters())) == 2


# ---------------------------------------------------------------------------
# nn.init
# ---------------------------------------------------------------------------


def test_calculate_gain_like_torch():
    for args in (("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",),
                 ("leaky_relu", 0.2), ("selu",)):
        assert init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)
    same_error(lambda: torch.nn.init.calculate_gain("foo"), lambda: init.calculate_gain("foo"))


def test_init_functions_return_tensor_and_bump_version():
    w = nn.Parameter(anb.empty(200, 300))
    v0 = w._version
    for fn, args in ((init.uniform_, (-0.5, 0.5)), (init.normal_, (0.0, 0.02)), (init.constant_, (0.3,)),
                     (init.zeros_, ()), (init.ones_, ()), (init.eye_, ()), (init.xavier_uniform_, ()),
                     (init.xavier_normal_, ()), (init.kaiming_uniform_, ()), (init.kaiming_normal_, ()),
                     (init.trunc_normal_, ()), (init.orthogonal_, ())):
        assert fn(w, *args) is w
        assert w.grad_fn is None and w.requires_grad
    assert w._version > v0
    init.uniform_(w, -0.5, 0.5)
    a = w.detach().numpy()
    assert a.min() >= -0.5 and a.max() < 0.5 and abs(a.mean()) < 0.01
    init.normal_(w, 1.0, 0.02)
    assert abs(w.mean().item() - 1.0) < 0.01 and abs(w.std().item() - 0.02) < 0.002
    init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * math.sqrt(6.0 / 500)
    assert np.abs(w.detach().numpy()).max() <= bound
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(w.std().item() - math.sqrt(2.0 / 200)) < 0.005
    init.kaiming_uniform_(w, a=math.sqrt(5))
    assert np.abs(w.detach().numpy()).max() <= 1 / math.sqrt(300)
    init.eye_(w)
    assert w[:3, :3].tolist() == np.eye(3).tolist()
    init.trunc_normal_(w, std=1.0, a=-1.0, b=1.0)
    assert np.abs(w.detach().numpy()).max() <= 1.0
    init.orthogonal_(w)
    q = w.detach().numpy().astype(np.float64)
    np.testing.assert_allclose(q @ q.T, np.eye(200), atol=1e-4)


def test_init_uses_default_generator_and_errors():
    anb.manual_seed(3)
    a = init.normal_(anb.empty(5)).tolist()
    anb.manual_seed(3)
    assert init.normal_(anb.empty(5)).tolist() == a
    same_error(lambda: torch.nn.init.xavier_uniform_(torch.empty(3)), lambda: init.xavier_uniform_(anb.empty(3)))
    same_error(lambda: torch.nn.init.eye_(torch.empty(2, 2, 2)), lambda: init.eye_(anb.empty(2, 2, 2)))
    same_error(lambda: torch.nn.init.kaiming_uniform_(torch.empty(2, 2), mode="x"),
               lambda: init.kaiming_uniform_(anb.empty(2, 2), mode="x"))


def test_dirac_init_passes_channels_through():
    w = anb.empty(3, 3, 3, 3)
    init.dirac_(w)
    x = anb.randn(1, 3, 5, 5)
    assert anb.allclose(nn.functional.conv2d(x, w, padding=1), x)


# ---------------------------------------------------------------------------
# nn.utils
# ---------------------------------------------------------------------------


def test_clip_grad_norm_and_value_like_torch():
    tn, an = build(torch.nn, torch), build(nn, anb)
    an.load_state_dict({k: anb.tensor(v.numpy()) for k, v in tn.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((4, 2)).astype(np.float32)
    (tn(torch.tensor(x)) * 10).sum().backward()
    (an(anb.tensor(x)) * 10).sum().backward()
    tnorm = torch.nn.utils.clip_grad_norm_(tn.parameters(), 0.5)
    anorm = nn.utils.clip_grad_norm_(an.parameters(), 0.5)
    assert abs(anorm.item() - tnorm.item()) < 1e-4
    for (k, tp), ap in zip(tn.named_parameters(), an.parameters()):
        np.testing.assert_allclose(ap.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-6)
    torch.nn.utils.clip_grad_value_(tn.parameters(), 0.01)
    nn.utils.clip_grad_value_(an.parameters(), 0.01)
    for tp, ap in zip(tn.parameters(), an.parameters()):
        np.testing.assert_allclose(ap.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-6)
    inf_norm = nn.utils.clip_grad_norm_(an.parameters(), 1.0, norm_type="inf")
    assert abs(inf_norm.item() - 0.01) < 1e-6


def test_parameters_to_vector_round_trip():
    lin = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(lin.parameters())
    assert tuple(vec.shape) == (8,)
    nn.utils.vector_to_parameters(vec * 0 + 1, lin.parameters())
    assert lin.bias.tolist() == [1.0, 1.0]


# ---------------------------------------------------------------------------
# training end to end
# ---------------------------------------------------------------------------


def test_small_cnn_training_step_matches_torch():
    def model(m):
        return m.Sequential(m.Conv2d(1, 3, 3, padding=1), m.BatchNorm2d(3), m.ReLU(), m.MaxPool2d(2),
                            m.Flatten(), m.Linear(18, 4))
    torch.manual_seed(0)
    tm, am = model(torch.nn), model(nn)
    am.load_state_dict({k: anb.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 1, 4, 6)).astype(np.float32)
    y = rng.integers(0, 4, 5)
    for _ in range(2):
        tl = torch.nn.functional.cross_entropy(tm(torch.tensor(x)), torch.tensor(y))
        al = nn.functional.cross_entropy(am(anb.tensor(x)), anb.tensor(y))
        assert abs(tl.item() - al.item()) < 1e-5
        tm.zero_grad()
        am.zero_grad()
        tl.backward()
        al.backward()
        with torch.no_grad():
            for p in tm.parameters():
                p -= 0.1 * p.grad
        with anb.no_grad():
            for p in am.parameters():
                p -= 0.1 * p.grad
    for (k, tv), av in zip(tm.state_dict().items(), am.state_dict().values()):
        np.testing.assert_allclose(av.numpy(), tv.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)


def test_versions_after_construction_and_init_like_torch():
    def versions(m, t):
        mods = [m.Linear(2, 3), m.Conv2d(1, 2, 3), m.BatchNorm1d(2), m.LayerNorm(2), m.Embedding(4, 2),
                m.Embedding(4, 2, padding_idx=1)]
        out = [[v._version for v in mod.state_dict(keep_vars=True).values()] for mod in mods]
        for name in ("xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "zeros_", "ones_",
                     "eye_", "orthogonal_", "trunc_normal_", "uniform_", "normal_", "dirac_"):
            p = m.Parameter(t.empty(3, 3, 3) if name == "dirac_" else t.empty(3, 3))
            getattr(m.init, name)(p)
            out.append((name, p._version))
        e = m.Embedding(5, 3, max_norm=0.1)
        e(t.tensor([1, 2]))
        out.append(e.weight._version)
        return out
    assert versions(nn, anb) == versions(torch.nn, torch)


def test_linear_uses_a_weight_replaced_by_a_plain_tensor_or_removed_bias():
    """Linear reads its registered parameters straight from the registry (a fast path);
    a weight deleted and set again as a plain tensor (what functional-call tricks do) is
    still the one used."""
    lin = anb.nn.Linear(3, 2)
    x = anb.randn(4, 3)
    w = anb.randn(2, 3)
    del lin.weight
    lin.weight = w
    assert "weight" not in lin._parameters
    np.testing.assert_allclose(lin(x).detach().numpy(),
                               (x @ w.t() + lin.bias).detach().numpy(), rtol=1e-6)
    nobias = anb.nn.Linear(3, 2, bias=False)
    assert nobias.bias is None
    np.testing.assert_allclose(nobias(x).detach().numpy(), (x @ nobias.weight.t()).detach().numpy(),
                               rtol=1e-6)
