"""View differences the program fuzzer (tests/fuzz) found, each pinned here.

The rule behind them is PyTorch's creation meta: every view remembers how it was made
(an ordinary view; under no_grad; under inference_mode; as one of several outputs of
split / chunk / unbind; inside a custom Function), a view of a view inherits it unless it
is itself made under no_grad / inference_mode, and a view that is not ordinary may not be
changed in place, nor used after its base changed, while recording. Each snippet runs
under both libraries and must give the same outcome.
"""
from __future__ import annotations

import pytest

import autograd_nb as anb

torch = pytest.importorskip("torch")

from torch_errors import outcome as _outcome, same_outcome  # noqa: E402


def same(fn):
    """``fn(lib)`` under torch and autograd_nb: the same outcome."""
    return same_outcome(fn, torch)


def _name(fn):
    return None if fn is None else type(fn).__name__


# --- the message: named by the view's node, or "A view was created in ..." -------------

def _split_base_changed(requires, grad_mode_change):
    """A split output whose base is changed in place, then asked for its history."""
    def run(T):
        x = T.tensor([[0.5], [0.25], [1.0]], dtype=T.float64, requires_grad=requires)
        base = x.clone() if requires else x
        v = base.split(1, -2)[0]
        with T.set_grad_enabled(grad_mode_change):
            base.cos_()
        base.requires_grad_() if not requires else None
        return _name(v.grad_fn), v.is_leaf
    return run


@pytest.mark.parametrize("requires", [False, True])
@pytest.mark.parametrize("grad_mode_change", [False, True])
def test_split_output_after_its_base_changed(requires, grad_mode_change):
    # without a node (its base did not require grad when it was made) PyTorch says "A view
    # was created in no_grad mode ...", still with the multiple-views reason
    kind, text = same(_split_base_changed(requires, grad_mode_change))
    assert kind == "RuntimeError" and "returns multiple views" in text


def test_unbind_output_base_changed_then_requires_grad():
    def run(T):
        v0 = T.tensor([[-0.5, 0.25, 1.0], [0.0, 3.0, 1.5], [2.0, 0.25, -2.0]])
        v2 = v0.unbind(-1)[-2]
        v0.sub_(1.0)
        with T.set_grad_enabled(False):
            v0.requires_grad_()
        return v2.is_leaf
    assert same(run)[0] == "RuntimeError"


@pytest.mark.parametrize("op", ["mul_", "grad_fn"])
@pytest.mark.parametrize("make", [
    "x.split(1)[0]",                                   # multi-output: named by its node
    "x.split(1)[0].t()",                               # a view of one: named by its own node
    "x.unbind(0)[1]",
    "x.chunk(3)[2].view(1)",
])
def test_multi_output_views_named_by_their_node(make, op):
    def run(T):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True).clone()
        v = eval(make, {"x": x})
        if op == "grad_fn":
            x.add_(1)
            return _name(v.grad_fn)
        v.mul_(2)
    assert same(run)[0] == "RuntimeError"


# --- creation meta of a view of a view ----------------------------------------------------

@pytest.mark.parametrize("first, second", [
    ("no_grad", "grad"), ("grad", "no_grad"), ("inference", "grad"), ("grad", "inference"),
    ("no_grad", "inference"), ("inference", "no_grad"),
])
@pytest.mark.parametrize("second_op", ["split", "slice"])
@pytest.mark.parametrize("first_op", ["split", "slice"])
def test_view_of_a_view_inherits_how_the_first_was_made(first, second, first_op, second_op):
    def mode(T, m):
        return T.inference_mode() if m == "inference" else T.set_grad_enabled(m == "grad")

    def cut(t, how):
        return t.split(1, 0)[0] if how == "split" else t[0:1]

    def run(T):
        x = T.tensor([-0.5, 3.0, 1.5, -2.0], requires_grad=True).clone()
        with mode(T, first):
            v1 = cut(x, first_op)
        with mode(T, second):
            v2 = cut(v1, second_op)
        out = [v2.requires_grad, _name(v2.grad_fn)]
        out.append(_outcome(lambda T: v2.pow_(T.ones(1, requires_grad=True)) and None, T))
        return out
    same(run)


def test_chunk_of_a_no_grad_split_output_is_a_multi_output_view():
    def run(T):
        v0 = T.tensor([-0.5, 3.0, 1.5, -2.0], requires_grad=True)
        with T.set_grad_enabled(False):
            v1 = v0.split(1, 0)[0]
        v3 = v1.chunk(2, -1)[-1]
        v5 = T.round(v1)
        v3.pow_(v5)
    kind, text = same(run)
    assert text.startswith("Output 0 of Split is a view and is being modified inplace.")


def test_custom_function_view_of_a_view_is_named_by_its_node():
    def run(T):
        class Id(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.view_as(x)

            @staticmethod
            def backward(ctx, g):
                return g

        x = T.randn(3, requires_grad=True).clone()
        o = Id.apply(x)
        w = o[0:2]
        return [_outcome(lambda T: o.mul_(2) and None, T), _outcome(lambda T: w.mul_(2) and None, T)]
    same(run)


# --- gradients the engine hands out are views made under no_grad, as PyTorch's ------------

@pytest.mark.parametrize("make", [
    "x.view(6)", "x.t()", "x[0]", "x.unsqueeze(0).squeeze(0)", "x.squeeze()", "x.permute(1, 0)",
    "x.transpose(0, 1)", "x.unbind(0)[0]", "x.split(1)[0]", "x.unsqueeze(1)", "x.flatten()",
])
def test_gradient_view_made_by_the_engine(make):
    def run(T):
        x = T.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = eval(make, {"x": x})
        g, = T.autograd.grad(y, x, T.ones_like(y))
        z = T.ones(2, 3, requires_grad=True)
        return g._base is not None, _outcome(lambda T: g.lerp_(z, 0.0) and None, T)
    same(run)


def test_squeeze_gradient_is_not_a_view():
    def run(T):
        v0 = T.tensor([[1.0, 1.5, 0.0], [1.0, -2.0, 2.0]], dtype=T.float64, requires_grad=True)
        v3 = T.exp(v0.squeeze())
        v5, = T.autograd.grad(v3.sum(), [v0], allow_unused=True)
        v5.lerp_(v3, 0.0)
        return _name(v5.grad_fn)
    assert same(run) == ("ok", "LerpBackward0")


# --- a changed view is refused wherever PyTorch reads its history --------------------------

def _changed_view(T, how="unbind"):
    """A view PyTorch refuses once its base changed: no_grad, or split/unbind's output."""
    x = T.tensor([[2.0, 3.0, -1.5]], dtype=T.float64, requires_grad=True)
    if how == "no_grad":
        with T.no_grad():
            v = x.unbind(1)[1]
        with T.inference_mode():                      # (changed without being recorded)
            v.sin_()
        return v, x
    base = x * 1
    v = base.unbind(1)[1]
    with T.no_grad():
        base.mul_(1)
    return v, base


@pytest.mark.parametrize("how", ["no_grad", "unbind"])
@pytest.mark.parametrize("use", [
    "T.isfinite(v)",                                  # built from abs(), which records
    "T.isclose(v, v)", "T.isclose(v, v, rtol=0, atol=0)", "T.allclose(v, v)",
    "T.isnan(v)", "v == v", "T.argmax(v)",            # these record nothing
    "v & v", "T.bitwise_and(v, -1)", "v | base", "T.bitwise_xor(base, v)",   # a NotImplemented node
    "T.softmax(v, 3)", "T.sum(v, 5)", "T.cat([base, v], 3)",    # the kernel's checks come after
    "T.mul(v, T.ones(2))", "T.add(v, T.ones(2), alpha=2)",
    "v.retain_grad()", "v.register_hook(lambda g: g)", "v.register_post_accumulate_grad_hook(lambda t: None)",
])
def test_changed_view_refused_before_the_kernel_checks(use, how):
    def run(T):
        v, base = _changed_view(T, how)
        out = eval(use, {"T": T, "v": v, "base": base})
        return None if out is None or isinstance(out, bool) or not hasattr(out, "tolist") else out.tolist()
    same(run)


def test_retain_grad_on_a_view_whose_base_changed_follows_its_new_history():
    def run(T):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        base = x * 1
        v = base[0:2]
        base.mul_(3)
        v.retain_grad()
        (v * v).sum().backward()
        return v.grad.tolist(), x.grad.tolist(), type(v.grad_fn).__name__
    same(run)
