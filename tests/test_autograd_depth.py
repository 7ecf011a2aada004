"""autograd beyond backward(): grad(), higher order, hooks, Function, saved-tensor hooks,
anomaly mode, gradcheck. Values are compared with real torch where it is installed."""
from __future__ import annotations

import gc

import warnings

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd.graph import saved_bytes, saved_tensors_hooks


def test_grad_returns_tuple_and_leaves_grad_alone():
    x = anb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = anb.autograd.grad((x ** 2).sum(), x)
    assert g.tolist() == [2.0, 4.0, 6.0] and x.grad is None and not g.requires_grad


def test_second_and_third_derivative():
    x = anb.tensor(2.0, requires_grad=True)
    (g,) = anb.autograd.grad(x ** 3, x, create_graph=True)
    (g2,) = anb.autograd.grad(g, x, create_graph=True)
    (g3,) = anb.autograd.grad(g2, x)
    assert (g.item(), g2.item(), g3.item()) == (12.0, 12.0, 6.0)


def test_unused_input_error_and_allow_unused():
    x = anb.tensor(1.0, requires_grad=True)
    y = anb.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="The differentiated Tensor at index 1 appears to not have been used in the graph"):
        anb.autograd.grad(x * 2, [x, y])
    gx, gy = anb.autograd.grad(x * 2, [x, y], allow_unused=True)
    assert gx.item() == 2.0 and gy is None
    gx, gy = anb.autograd.grad(x * 2, [x, y], materialize_grads=True)
    assert gy.item() == 0.0


def test_grad_of_non_leaf_input():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    out = (h * h).sum()
    (gh,) = anb.autograd.grad(out, h)
    assert gh.tolist() == [6.0, 12.0]


def test_tensor_hooks_order_replacement_and_removal():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    h1 = x.register_hook(lambda g: calls.append("a") or g * 2)
    x.register_hook(lambda g: calls.append("b"))
    (x * 1).sum().backward()
    assert calls == ["a", "b"] and x.grad.tolist() == [2.0, 2.0]
    h1.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        anb.ones(2).register_hook(lambda g: g)


def test_non_leaf_hook_and_node_hooks():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    z = y.sum()
    z.grad_fn.register_prehook(lambda gout: seen.append(("pre", gout[0].item())))
    y.grad_fn.register_hook(lambda gin, gout: seen.append(("post", gin[0].tolist())))
    z.backward()
    assert seen == [("pre", 1.0), [1.0, 1.0], ("post", [2.0, 2.0])]


def test_post_accumulate_grad_hook():
    x = anb.tensor([1.0], requires_grad=True)
    got = []
    x.register_post_accumulate_grad_hook(lambda t: got.append(t.grad.item()))
    (x * 5).sum().backward()
    assert got == [5.0]


def test_retain_grad():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (h * h).sum().backward()
        assert h.grad.tolist() == [6.0, 12.0] and h.retains_grad


class Cube(anb.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x ** 3 * k

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x ** 2 * ctx.k * g, None


def test_custom_function_name_grad_and_needs_input_grad():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x, 2.0)
    assert type(y.grad_fn).__name__ == "CubeBackward" and y.grad_fn.name() == "CubeBackward"
    assert y.grad_fn.needs_input_grad == (True, False)
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 24.0]


def test_custom_function_saved_tensor_checks():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    y = Cube.apply(a, 1.0)
    a.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    y2 = Cube.apply(x * 1, 1.0)
    y2.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y2.sum().backward()


def test_custom_function_wrong_number_of_grads():
    class Bad(anb.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    a = anb.tensor(1.0, requires_grad=True)
    b = anb.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"function BadBackward returned an incorrect number of gradients \(expected 2, got 1\)"):
        Bad.apply(a, b).backward()


def test_saved_tensors_hooks_see_every_saved_tensor():
    packed = []

    def pack(t):
        packed.append(tuple(t.shape))
        return t

    x = anb.ones(3, requires_grad=True)
    with saved_tensors_hooks(pack, lambda t: t):
        y = (x * x).exp()
    assert packed == [(3,), (3,), (3,)]
    y.sum().backward()
    assert np.allclose(x.grad.tolist(), 2 * np.e)


def test_anomaly_mode_nan_check_and_trace():
    a = anb.tensor([0.0, 1.0], requires_grad=True)
    with anb.autograd.set_detect_anomaly(True):
        out = (a.sqrt() * 0).sum()
        with pytest.warns(UserWarning, match="Error detected in SqrtBackward0"):
            with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan values in its 0th output."):
                out.backward()
    assert not anb.autograd.anomaly_mode.is_anomaly_enabled()


def test_gradcheck_passes_and_catches_a_wrong_rule():
    x = anb.tensor([0.3, -0.7], dtype=anb.float64, requires_grad=True)
    assert anb.autograd.gradcheck(lambda t: (t * t).sin(), (x,))
    assert anb.autograd.gradgradcheck(lambda t: (t * t).exp(), (x,))

    class Wrong(anb.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t * t

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return g * t                     # should be 2 * t

    with pytest.raises(anb.autograd.GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        anb.autograd.gradcheck(Wrong.apply, (x,))
    assert anb.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False) is False


def test_gradcheck_warns_on_float32():
    x = anb.tensor([0.3], requires_grad=True)
    with pytest.warns(UserWarning, match="is not a double precision floating point"):
        anb.autograd.gradcheck(lambda t: t * 2, (x,), atol=1e-2, rtol=1e-2)


def test_functional_vjp_jvp():
    from autograd_nb.autograd.functional import jvp, vjp
    x = anb.tensor([1.0, 2.0])
    out, g = vjp(lambda t: t ** 2, x, anb.tensor([1.0, 1.0]))
    assert out.tolist() == [1.0, 4.0] and g.tolist() == [2.0, 4.0]
    out, jv = jvp(lambda t: t ** 2, x, anb.tensor([1.0, 0.0]))
    assert jv.tolist() == [2.0, 0.0]


def test_saved_bytes_with_retain_graph():
    gc.collect()                      # graphs other tests dropped in reference cycles
    start = saved_bytes()
    x = anb.ones(10, requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    assert saved_bytes() == start + 40          # h saved twice: one float32 storage of 10
    y.backward(retain_graph=True)
    assert saved_bytes() == start + 40
    y.backward()
    assert saved_bytes() == start


def test_saved_bytes_counts_storages_not_parameters():
    """Graph memory as PyTorch's: each storage once; parameters and their views never."""
    gc.collect()
    start = saved_bytes()
    w = anb.ones(4, 4, requires_grad=True)
    x = anb.ones(3, 4)
    y = x @ w.t()                               # saves x (4 * 12 bytes) and a view of w
    assert saved_bytes() == start + 48
    z = (y.exp() * y[0]).sum()                  # exp's result; y and its view y[0]: one storage
    assert saved_bytes() == start + 48 + 48 + 48
    z.backward()
    assert saved_bytes() == start
    with anb.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        y = (w * 2).exp()                       # packed buffers: counted per save
        assert saved_bytes() == start + 64
    del y
    gc.collect()
    assert saved_bytes() == start
