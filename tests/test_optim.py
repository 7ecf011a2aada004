"""autograd_nb.optim against torch.optim: same parameters, same gradients, same numbers.

Every optimizer and option runs 20 steps side by side with PyTorch's default
(single-tensor) implementation from identical starting parameters and gradients.
"""
from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest

import autograd_nb as anb

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (5,), (2, 1, 3)]
STEPS = 20

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.5)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, maximize=True)),
    ("SGD", dict(lr=0.03, momentum=0.5, weight_decay=0.1, nesterov=True, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("Adam", dict(lr=0.02, betas=(0.3, 0.6), eps=1e-6)),       # lerp's large-weight branch
    ("Adam", dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, maximize=True, betas=(0.8, 0.99))),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.3, centered=True, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.1)),
    ("Adagrad", dict(lr=0.1, eps=1e-5, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
    ("Adadelta", dict(maximize=True, eps=1e-4)),
]


def _ids(cfg):
    def show(v):
        if callable(v):
            return "fn"
        if isinstance(v, list) and v and callable(v[0]):
            return f"{len(v)}fns"
        return v
    name, kw = cfg
    return name + "-" + "-".join(f"{k}={show(v)}" for k, v in kw.items())


def _pair(name, kw, arrays, frozen=None):
    """Torch and autograd_nb optimizers over parameters holding copies of ``arrays``."""
    tp = [torch.tensor(a, requires_grad=True) for a in arrays]
    ap = [anb.tensor(a, requires_grad=True) for a in arrays]
    if frozen is not None:
        tp.append(torch.tensor(frozen, requires_grad=True))
        ap.append(anb.tensor(frozen, requires_grad=True))
    topt = getattr(torch.optim, name)(tp, **kw)
    aopt = getattr(anb.optim, name)(ap, **kw)
    return tp, ap, topt, aopt


def _close(a, t, rtol=2e-5, atol=2e-6):
    np.testing.assert_allclose(a._data, t.detach().numpy(), rtol=rtol, atol=atol)


def _set_grads(tp, ap, grads):
    for t, a, g in zip(tp, ap, grads):
        t.grad = torch.tensor(g)
        a.grad = anb.tensor(g)


@pytest.mark.parametrize("cfg", CONFIGS, ids=_ids)
def test_twenty_steps_match_torch(cfg):
    name, kw = cfg
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    frozen = rng.standard_normal(4).astype(np.float32)
    tp, ap, topt, aopt = _pair(name, kw, arrays, frozen)
    ids = [id(p) for p in ap]
    for _ in range(STEPS):
        grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
        _set_grads(tp, ap, grads)           # the frozen parameter never gets a gradient
        topt.step()
        aopt.step()
    assert [id(p) for p in ap] == ids        # updated in place
    for a, t in zip(ap, tp):
        _close(a, t)
        assert a.dtype is anb.float32 and a.requires_grad and a.is_leaf
        assert a._version == t._version
    np.testing.assert_array_equal(ap[-1]._data, frozen)      # skipped: grad is None
    # the state matches too, buffer by buffer
    tsd, asd = topt.state_dict(), aopt.state_dict()
    assert asd["param_groups"] == tsd["param_groups"]
    assert sorted(asd["state"]) == sorted(tsd["state"])
    for k, tstate in tsd["state"].items():
        assert list(asd["state"][k]) == list(tstate)
        for key, tv in tstate.items():
            av = asd["state"][k][key]
            assert isinstance(av, anb.Tensor) and av.dtype.__repr__() == repr(tv.dtype)
            _close(av, tv, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)),
                                     ("AdamW", dict(lr=0.01)), ("RMSprop", dict(centered=True)),
                                     ("Adagrad", dict(lr=0.1))])
def test_float64_parameters(name, kw):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in SHAPES]
    tp, ap, topt, aopt = _pair(name, kw, arrays)
    for _ in range(STEPS):
        _set_grads(tp, ap, [rng.standard_normal(s) for s in SHAPES])
        topt.step()
        aopt.step()
    for a, t in zip(ap, tp):
        assert a.dtype is anb.float64
        np.testing.assert_allclose(a._data, t.detach().numpy(), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
                                     ("Adam", dict(lr=0.05)), ("AdamW", dict(lr=0.05, amsgrad=True)),
                                     ("RMSprop", dict(lr=0.01, momentum=0.5)),
                                     ("Adagrad", dict(lr=0.3))])
def test_training_loop_with_backward_matches_torch(name, kw):
    """Gradients from a real backward (least squares), zero_grad between steps."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((8, 3)).astype(np.float32)
    y = rng.standard_normal((8, 3)).astype(np.float32)
    w0 = rng.standard_normal(3).astype(np.float32)
    tw, aw = torch.tensor(w0, requires_grad=True), anb.tensor(w0, requires_grad=True)
    topt = getattr(torch.optim, name)([tw], **kw)
    aopt = getattr(anb.optim, name)([aw], **kw)
    tx, ty, ax, ay = torch.tensor(x), torch.tensor(y), anb.tensor(x), anb.tensor(y)
    for _ in range(STEPS):
        for opt, w, xx, yy in ((topt, tw, tx, ty), (aopt, aw, ax, ay)):
            opt.zero_grad()
            loss = ((w * xx - yy) ** 2).mean()
            loss.backward()
            opt.step()
    _close(aw, tw, rtol=1e-4, atol=1e-5)


def test_step_runs_closure_with_grad_and_returns_loss():
    w = anb.tensor([1.0, -2.0], requires_grad=True)
    opt = anb.optim.SGD([w], lr=0.1)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        calls.append(anb.is_grad_enabled())
        loss.backward()
        return loss

    with anb.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    assert loss.item() == 5.0
    np.testing.assert_allclose(w._data, [0.8, -1.6], rtol=1e-6)
    assert opt.step() is None


def test_step_records_no_graph_and_keeps_identity():
    w = anb.tensor([1.0, 2.0], requires_grad=True)
    opt = anb.optim.Adam([w])
    w.grad = anb.tensor([1.0, 1.0])
    before = w._data
    opt.step()
    assert w.is_leaf and w.grad_fn is None and w.requires_grad
    assert w._data is before                 # the very same array, changed in place


def test_view_sharing_storage_sees_the_update():
    w = anb.tensor([1.0, 2.0], requires_grad=True)
    alias = w.detach()
    opt = anb.optim.SGD([w], lr=1.0)
    w.grad = anb.tensor([1.0, 1.0])
    opt.step()
    assert alias.tolist() == [0.0, 1.0]
    assert alias._version == 1


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    w = anb.tensor([1.0, 2.0], requires_grad=True)
    v = anb.tensor([3.0], requires_grad=True)
    opt = anb.optim.SGD([w, v], lr=0.1)
    (w * w).sum().backward()
    g = w.grad
    opt.zero_grad(set_to_none=set_to_none)
    assert v.grad is None
    if set_to_none:
        assert w.grad is None
    else:
        assert w.grad is g and w.grad.tolist() == [0.0, 0.0]
    (w * w).sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]


def test_zero_grad_detaches_a_create_graph_grad():
    w = anb.tensor([1.0, 2.0], requires_grad=True)
    opt = anb.optim.SGD([w], lr=0.1)
    (w * w * w).sum().backward(create_graph=True)
    assert w.grad.requires_grad
    opt.zero_grad(set_to_none=False)
    assert not w.grad.requires_grad and w.grad.grad_fn is None and w.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(amsgrad=True)),
                                     ("AdamW", dict()), ("RMSprop", dict(centered=True, momentum=0.9)),
                                     ("Adagrad", dict(lr_decay=0.01))])
def test_state_dict_round_trip_continues_identically(name, kw):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(10)]
    ap = [anb.tensor(a, requires_grad=True) for a in arrays]
    opt = getattr(anb.optim, name)(ap, **kw)
    for gs in grads[:5]:
        for p, g in zip(ap, gs):
            p.grad = anb.tensor(g)
        opt.step()
    saved = copy.deepcopy(opt.state_dict())
    bp = [anb.tensor(p._data, requires_grad=True) for p in ap]
    other = getattr(anb.optim, name)(bp, **kw)
    other.load_state_dict(saved)
    assert repr(other) == repr(opt)
    for gs in grads[5:]:
        for o, ps in ((opt, ap), (other, bp)):
            for p, g in zip(ps, gs):
                p.grad = anb.tensor(g)
            o.step()
    for a, b in zip(ap, bp):
        np.testing.assert_array_equal(a._data, b._data)


def test_state_dict_format_matches_torch():
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    tp = [torch.tensor(a, requires_grad=True) for a in arrays]
    ap = [anb.tensor(a, requires_grad=True) for a in arrays]
    topt = torch.optim.SGD([{"params": tp[:1]}, {"params": tp[1:], "lr": 0.5}], lr=0.1, momentum=0.9)
    aopt = anb.optim.SGD([{"params": ap[:1]}, {"params": ap[1:], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert aopt.state_dict() == {"state": {}, "param_groups": topt.state_dict()["param_groups"]}
    _set_grads(tp[1:], ap[1:], [np.ones(s, np.float32) for s in SHAPES[1:]])
    topt.step()
    aopt.step()
    tsd, asd = topt.state_dict(), aopt.state_dict()
    assert asd["param_groups"] == tsd["param_groups"]
    assert [g["params"] for g in asd["param_groups"]] == [[0], [1, 2]]
    assert list(asd["state"]) == list(tsd["state"]) == [1, 2]
    assert asd["state"][1]["momentum_buffer"].tolist() == tsd["state"][1]["momentum_buffer"].tolist()


def test_load_state_dict_casts_buffers_to_the_parameter_dtype():
    w = anb.tensor([1.0, 2.0], requires_grad=True)
    opt = anb.optim.Adam([w])
    w.grad = anb.tensor([1.0, 1.0])
    opt.step()
    sd = opt.state_dict()
    w64 = anb.tensor([1.0, 2.0], dtype=anb.float64, requires_grad=True)
    other = anb.optim.Adam([w64])
    other.load_state_dict(sd)
    st = other.state[w64]
    assert st["exp_avg"].dtype is anb.float64
    assert st["step"].dtype is anb.float32      # the step counter keeps its dtype
    assert other.param_groups[0]["params"][0] is w64


def test_load_state_dict_errors():
    w = anb.tensor([1.0], requires_grad=True)
    opt = anb.optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="loaded state dict contains a parameter group that doesn't match"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0, 1], "lr": 0.1}]})


def _both(name, fn):
    """Run ``fn(lib)`` for torch and autograd_nb; return (type, message) of what each raised."""
    out = []
    for lib in (torch, anb):
        try:
            fn(lib)
        except Exception as e:      # noqa: BLE001
            out.append((type(e).__name__, str(e)))
        else:
            out.append(None)
    assert out[0] is not None, name
    return out


ERRORS = {
    "single tensor": lambda L: L.optim.SGD(L.zeros(2, requires_grad=True), lr=0.1),
    "empty": lambda L: L.optim.Adam([]),
    "non-leaf": lambda L: L.optim.SGD([L.zeros(2, requires_grad=True) * 2], lr=0.1),
    "not a tensor": lambda L: L.optim.SGD([1.0], lr=0.1),
    "lr": lambda L: L.optim.SGD([L.zeros(2, requires_grad=True)], lr=-1),
    "nesterov": lambda L: L.optim.SGD([L.zeros(2, requires_grad=True)], lr=0.1, nesterov=True),
    "nesterov dampening": lambda L: L.optim.SGD([L.zeros(2, requires_grad=True)], lr=0.1,
                                                momentum=0.9, dampening=0.1, nesterov=True),
    "momentum": lambda L: L.optim.SGD([L.zeros(2, requires_grad=True)], lr=0.1, momentum=-0.5),
    "sgd weight_decay": lambda L: L.optim.SGD([L.zeros(2, requires_grad=True)], weight_decay=-1.0),
    "adam lr": lambda L: L.optim.Adam([L.zeros(2, requires_grad=True)], lr=-0.001),
    "adam beta0": lambda L: L.optim.Adam([L.zeros(2, requires_grad=True)], betas=(1.0, 0.9)),
    "adam beta1": lambda L: L.optim.AdamW([L.zeros(2, requires_grad=True)], betas=(0.9, -0.1)),
    "adam betas types": lambda L: L.optim.Adam([L.zeros(2, requires_grad=True)], betas=(0, 0.9)),
    "adam eps": lambda L: L.optim.Adam([L.zeros(2, requires_grad=True)], eps=-1.0),
    "adam weight_decay": lambda L: L.optim.Adam([L.zeros(2, requires_grad=True)], weight_decay=-0.1),
    "rmsprop alpha": lambda L: L.optim.RMSprop([L.zeros(2, requires_grad=True)], alpha=-0.1),
    "rmsprop momentum": lambda L: L.optim.RMSprop([L.zeros(2, requires_grad=True)], momentum=-0.1),
    "adagrad lr_decay": lambda L: L.optim.Adagrad([L.zeros(2, requires_grad=True)], lr_decay=-0.1),
    "adagrad init": lambda L: L.optim.Adagrad([L.zeros(2, requires_grad=True)],
                                              initial_accumulator_value=-1.0),
    "group set": lambda L: L.optim.SGD([{"params": {L.zeros(2, requires_grad=True)}}], lr=0.1),
    "fused and foreach": lambda L: L.optim.Adam([L.zeros(2, requires_grad=True)], fused=True, foreach=True),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name):
    theirs, ours = _both(name, ERRORS[name])
    assert ours == theirs


def test_param_group_errors_and_duplicates():
    def twice(L):
        w = L.zeros(2, requires_grad=True)
        opt = L.optim.SGD([w], lr=0.1)
        opt.add_param_group({"params": [w]})
    theirs, ours = _both("twice", twice)
    assert ours == theirs

    def not_dict(L):
        L.optim.SGD([L.zeros(2, requires_grad=True)], lr=0.1).add_param_group([L.zeros(1)])
    theirs, ours = _both("not dict", not_dict)
    assert ours == theirs

    w = anb.zeros(2, requires_grad=True)
    with pytest.warns(UserWarning, match="optimizer contains a parameter group with duplicate parameters"):
        anb.optim.SGD([w, w], lr=0.1)


def test_add_param_group_merges_defaults():
    a, b = anb.zeros(2, requires_grad=True), anb.zeros(3, requires_grad=True)
    opt = anb.optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    g = opt.param_groups[1]
    assert g["params"] == [b] and g["lr"] == 0.01 and g["momentum"] == 0.9
    b.grad = anb.ones(3)
    opt.step()
    np.testing.assert_allclose(b._data, [-0.01] * 3, rtol=1e-6)
    assert a.tolist() == [0.0, 0.0]


def test_retained_grad_non_leaf_is_accepted():
    x = anb.ones(2, requires_grad=True) * 2
    x.retain_grad()
    anb.optim.SGD([x], lr=0.1)


def test_named_parameters_groups():
    w = anb.zeros(2, requires_grad=True)
    opt = anb.optim.SGD([("w", w)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w"]


def _groups_pair(name, kw):
    tp = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    ap = [anb.zeros(2, requires_grad=True), anb.zeros(3, requires_grad=True)]
    topt = getattr(torch.optim, name)([{"params": tp[:1]}, {"params": tp[1:], "lr": 0.5}], **kw)
    aopt = getattr(anb.optim, name)([{"params": ap[:1]}, {"params": ap[1:], "lr": 0.5}], **kw)
    return topt, aopt


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1)), ("Adam", dict()), ("AdamW", dict(amsgrad=True)),
                                     ("RMSprop", dict(centered=True)), ("Adagrad", dict(lr_decay=0.1))])
def test_repr_matches_torch(name, kw):
    topt, aopt = _groups_pair(name, kw)
    assert repr(aopt) == repr(topt)
    torch.optim.lr_scheduler.StepLR(topt, 2)
    anb.optim.lr_scheduler.StepLR(aopt, 2)
    assert repr(aopt) == repr(topt)          # now with initial_lr


def test_step_hooks():
    w = anb.zeros(2, requires_grad=True)
    opt = anb.optim.SGD([w], lr=0.5)
    seen = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: seen.append(("pre", w.tolist())))
    opt.register_step_post_hook(lambda o, a, k: seen.append(("post", w.tolist())))
    w.grad = anb.ones(2)
    opt.step()
    h1.remove()
    opt.step()
    assert seen == [("pre", [0.0, 0.0]), ("post", [-0.5, -0.5]), ("post", [-1.0, -1.0])]


def test_custom_optimizer_subclass():
    class Halve(anb.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"factor": 0.5})

        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self.state[p]["n"] = self.state[p].get("n", 0) + 1
                        p._data *= group["factor"]

    w = anb.ones(2, requires_grad=True)
    opt = Halve([w])
    w.grad = anb.ones(2)
    opt.step()
    assert w.tolist() == [0.5, 0.5] and opt.state_dict()["state"] == {0: {"n": 1}}
    assert repr(opt) == "Halve (\nParameter Group 0\n    factor: 0.5\n)"


# --------------------------------------------------------------------------- schedulers

SCHEDULERS = [
    ("StepLR", dict(step_size=3)),
    ("StepLR", dict(step_size=2, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (1 + e))),
    ("LambdaLR", dict(lr_lambda=[lambda e: 0.9 ** e, lambda e: 1 + e % 3])),
]


@pytest.mark.parametrize("cfg", SCHEDULERS, ids=_ids)
def test_scheduler_values_match_torch(cfg):
    name, kw = cfg
    topt, aopt = _groups_pair("SGD", dict(lr=0.1, momentum=0.9))
    ts = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    as_ = getattr(anb.optim.lr_scheduler, name)(aopt, **kw)
    assert as_.get_last_lr() == ts.get_last_lr()
    for _ in range(25):
        topt.step()
        aopt.step()
        ts.step()
        as_.step()
        assert as_.get_last_lr() == ts.get_last_lr()
        assert [g["lr"] for g in aopt.param_groups] == [g["lr"] for g in topt.param_groups]
    assert as_.last_epoch == ts.last_epoch == 25
    tsd, asd = ts.state_dict(), as_.state_dict()
    assert asd == tsd


@pytest.mark.parametrize("cfg", SCHEDULERS[:6], ids=_ids)
def test_scheduler_closed_form_with_epoch_matches_torch(cfg):
    name, kw = cfg
    topt, aopt = _groups_pair("SGD", dict(lr=0.1))
    ts = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    as_ = getattr(anb.optim.lr_scheduler, name)(aopt, **kw)
    topt.step()
    aopt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (4, 7, 1, 12):
            ts.step(epoch)
            as_.step(epoch)
            assert as_.get_last_lr() == ts.get_last_lr()


def test_scheduler_state_dict_round_trip_resumes():
    opt = anb.optim.SGD([anb.zeros(2, requires_grad=True)], lr=1.0)
    s = anb.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        opt.step()
        s.step()
    sd = s.state_dict()
    opt2 = anb.optim.SGD([anb.zeros(2, requires_grad=True)], lr=1.0)
    s2 = anb.optim.lr_scheduler.CosineAnnealingLR(opt2, T_max=10)
    s2.load_state_dict(sd)
    opt2.param_groups[0]["lr"] = s.get_last_lr()[0]
    for _ in range(3):
        for o, sc in ((opt, s), (opt2, s2)):
            o.step()
            sc.step()
    assert s.get_last_lr() == s2.get_last_lr()
    assert math.isclose(s.get_last_lr()[0], (1 + math.cos(math.pi * 7 / 10)) / 2, rel_tol=1e-12)


def test_scheduler_warnings_and_errors():
    opt = anb.optim.SGD([anb.zeros(2, requires_grad=True)], lr=0.1)
    s = anb.optim.lr_scheduler.StepLR(opt, 2)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
        s.step()
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        s.get_lr()
    with pytest.raises(TypeError, match="int is not an Optimizer"):
        anb.optim.lr_scheduler.StepLR(1, 3)
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
        anb.optim.lr_scheduler.LambdaLR(opt, [lambda e: 1, lambda e: 2])
    with pytest.raises(KeyError):
        anb.optim.lr_scheduler.StepLR(anb.optim.SGD([anb.zeros(1, requires_grad=True)]), 2, last_epoch=3)


def test_nn_model_with_scheduler_matches_torch():
    """model.parameters() (nn.Parameter) + AdamW + CosineAnnealingLR, side by side with torch."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((32, 6)).astype(np.float32)
    y = rng.integers(0, 3, 32)
    params = []
    for lib in (torch, anb):
        model = lib.nn.Sequential(lib.nn.Linear(6, 8), lib.nn.Tanh(), lib.nn.Linear(8, 3))
        init = np.random.default_rng(6)
        with lib.no_grad():
            for p in model.parameters():
                p.copy_(lib.tensor(init.standard_normal(tuple(p.shape)).astype(np.float32) * 0.3))
        opt = lib.optim.AdamW(model.parameters(), lr=0.05, amsgrad=True)
        sched = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6)
        xx, yy = lib.tensor(x), lib.tensor(y)
        for _ in range(12):
            opt.zero_grad()
            lib.nn.functional.cross_entropy(model(xx), yy).backward()
            opt.step()
            sched.step()
        params.append([p.detach().numpy().copy() for p in model.parameters()])
    for t, a in zip(*params):
        np.testing.assert_allclose(a, t, rtol=1e-4, atol=1e-5)
