"""Gradients made with create_graph=True: the nodes PyTorch records for them.

PyTorch's rule for sigmoid calls ``sigmoid_backward(grad, result)``, an op with its own
node, so the gradient's ``grad_fn`` is ``SigmoidBackwardBackward0`` (softmax's is
``SoftmaxBackwardDataBackward0``, relu's ``ThresholdBackwardBackward0``, ...). These tests
compare, op by op and with real torch: the gradient's node, what it links to, whether
it requires grad, and its values; then second and third derivatives by finite
differences (float64).
"""
from __future__ import annotations

import numpy as np
import pytest

import autograd_nb as anb
from autograd_nb.autograd import gradgradcheck

# inputs that stay away from every kink (0, +-1, +-3, the shrink lambd 0.5, the threshold)
X = [[-2.3, -1.2, -0.7, 0.2], [0.65, 1.3, 2.2, -0.35], [3.4, -3.6, 0.9, -0.15]]
P = [[0.2, 0.7, 0.45, 0.9], [0.35, 0.15, 0.6, 0.8], [0.55, 0.25, 0.05, 0.4]]
T = [[0.3, 0.1, 0.8, 0.5], [0.9, 0.2, 0.4, 0.6], [0.7, 0.15, 0.35, 0.05]]


def _cases(F, lib):
    t = lib.tensor(T, dtype=lib.float64)
    cls = lib.tensor([1, 0, 3])
    return {
        "sigmoid": lambda x: x.sigmoid(),
        "tanh": lambda x: lib.tanh(x),
        "relu": lambda x: lib.relu(x),
        "F.relu": lambda x: F.relu(x),
        "threshold": lambda x: F.threshold(x, 0.1, 2.0),
        "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
        "hardtanh": lambda x: F.hardtanh(x, -1.0, 1.0),
        "relu6": lambda x: F.relu6(x),
        "hardshrink": lambda x: F.hardshrink(x),
        "softshrink": lambda x: F.softshrink(x, 0.4),
        "hardswish": lambda x: F.hardswish(x),
        "elu": lambda x: F.elu(x, 0.7),
        "selu": lambda x: F.selu(x),
        "celu": lambda x: F.celu(x, 0.5),
        "elu_": lambda x: F.elu(x * 1, 0.7, inplace=True),
        "celu_": lambda x: F.celu(x * 1, 0.5, inplace=True),
        "leaky_relu_": lambda x: F.leaky_relu(x * 1, 0.2, inplace=True),
        "gelu": lambda x: F.gelu(x),
        "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
        "softplus": lambda x: F.softplus(x, beta=2, threshold=3),
        "logsigmoid": lambda x: F.logsigmoid(x),
        "softmax": lambda x: x.softmax(1),
        "softmax_-1": lambda x: F.softmax(x, -1),
        "log_softmax": lambda x: x.log_softmax(0),
        "mse_loss": lambda x: F.mse_loss(x, t),
        "mse_loss_sum": lambda x: F.mse_loss(x, t, reduction="sum"),
        "mse_loss_none": lambda x: F.mse_loss(x, t, reduction="none"),
        "smooth_l1_loss": lambda x: F.smooth_l1_loss(x, t, beta=0.5),
        "huber_loss": lambda x: F.huber_loss(x, t, delta=0.5),
        "huber_loss_none": lambda x: F.huber_loss(x, t, delta=1.25, reduction="none"),
        "bce": lambda x: F.binary_cross_entropy(x.sigmoid(), t),
        "bce_weight_sum": lambda x: F.binary_cross_entropy(x.sigmoid(), t, weight=t, reduction="sum"),
        "bce_none": lambda x: F.binary_cross_entropy(x.sigmoid(), t, reduction="none"),
        "nll_loss": lambda x: F.nll_loss(x.log_softmax(1), cls),
        "nll_loss_sum": lambda x: F.nll_loss(x, cls, reduction="sum"),
        "nll_loss_none": lambda x: F.nll_loss(x, cls, reduction="none"),
        "cross_entropy": lambda x: F.cross_entropy(x, cls),
        "max_pool2d": lambda x: F.max_pool2d(x.view(1, 1, 3, 4), 2, 1),
        "max_pool2d_3d": lambda x: F.max_pool2d(x.view(1, 3, 4), (1, 2), padding=(0, 1)),
        "avg_pool2d": lambda x: F.avg_pool2d(x.view(1, 1, 3, 4), 2, 1, padding=1, count_include_pad=False),
        "avg_pool2d_divisor": lambda x: F.avg_pool2d(x.view(1, 3, 4), (1, 3), divisor_override=2),
        "adaptive_avg_pool2d": lambda x: F.adaptive_avg_pool2d(x.view(1, 1, 3, 4), (2, 3)),
        "adaptive_max_pool2d": lambda x: F.adaptive_max_pool2d(x.view(1, 3, 4), (2, 3)),
    }


NAMES = list(_cases(anb.nn.functional, anb))


def _names(fn):
    return None if fn is None else (fn.name(), [None if n is None else n.name() for n, _ in fn.next_functions])


def _run(lib, name, grad_output_requires_grad, differentiate=True):
    """x -> y = op(x) -> g = dy/dx . v with create_graph; then d(g . w)/dx and /dv."""
    rng = np.random.default_rng(sum(map(ord, name)))
    F = lib.nn.functional
    x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
    y = _cases(F, lib)[name](x)
    v = lib.tensor(rng.standard_normal(tuple(y.shape)), dtype=lib.float64,
                   requires_grad=grad_output_requires_grad)
    g, = lib.autograd.grad(y, x, v, create_graph=True)
    w = lib.tensor(rng.standard_normal(tuple(g.shape)), dtype=lib.float64)
    inputs = [x, v] if grad_output_requires_grad else [x]
    second = None
    if differentiate and g.requires_grad:
        second = lib.autograd.grad(g, inputs, w, allow_unused=True)
    return g, second


@pytest.mark.parametrize("needs", [False, True], ids=["v_plain", "v_requires_grad"])
@pytest.mark.parametrize("name", NAMES)
def test_create_graph_gradient_has_torchs_node(name, needs):
    torch = pytest.importorskip("torch")
    tg, tsecond = _run(torch, name, needs)
    og, osecond = _run(anb, name, needs)
    assert og.requires_grad == tg.requires_grad
    assert _names(og.grad_fn) == _names(tg.grad_fn)
    np.testing.assert_allclose(og.detach().numpy(), tg.detach().numpy(), rtol=1e-12, atol=1e-14)
    if tsecond is not None:
        for a, b in zip(osecond, tsecond):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", [n for n in NAMES if not n.endswith("_")])
def test_saved_values_of_the_second_order_node(name):
    """The node keeps what PyTorch's keeps, under the same names and with the same values."""
    torch = pytest.importorskip("torch")
    tg, _ = _run(torch, name, True, differentiate=False)
    og, _ = _run(anb, name, True, differentiate=False)
    tn, on = tg.grad_fn, og.grad_fn
    for attr in (a for a in dir(tn) if a.startswith("_saved_")):
        tv, ov = getattr(tn, attr), getattr(on, attr)
        if isinstance(tv, torch.Tensor):
            np.testing.assert_allclose(ov.detach().numpy(), tv.detach().numpy(), rtol=1e-12, err_msg=attr)
        else:
            assert ov == tv, attr


# functions whose second AND third derivatives gradgradcheck checks numerically: the
# gradient (made with create_graph) is itself differentiated twice
SMOOTH = ["sigmoid", "tanh", "elu", "selu", "celu", "elu_", "celu_", "gelu", "gelu_tanh", "softplus",
          "logsigmoid", "softmax", "log_softmax", "mse_loss", "bce", "bce_weight_sum", "nll_loss",
          "hardswish", "relu", "leaky_relu", "hardtanh", "threshold", "softshrink", "cross_entropy",
          "mse_loss_none", "bce_none", "smooth_l1_loss", "huber_loss", "huber_loss_none", "max_pool2d",
          "avg_pool2d", "avg_pool2d_divisor", "adaptive_avg_pool2d", "adaptive_max_pool2d"]


@pytest.mark.parametrize("name", SMOOTH)
def test_third_derivatives_by_finite_differences(name):
    F = anb.nn.functional
    op = _cases(F, anb)[name]
    x = anb.tensor(X, dtype=anb.float64, requires_grad=True)

    def gradient(x):
        y = op(x)
        return anb.autograd.grad(y, x, anb.ones_like(y) * 0.7, create_graph=True)[0]
    assert gradgradcheck(gradient, (x,), atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("name", ["sigmoid", "gelu", "softplus", "mse_loss", "bce", "softmax", "elu"])
def test_second_derivative_in_the_grad_output_too(name):
    """d(gradient)/d(grad_output): the second-order node's other input, by finite differences."""
    F = anb.nn.functional
    op = _cases(F, anb)[name]
    x = anb.tensor(X, dtype=anb.float64, requires_grad=True)
    v = anb.tensor(np.linspace(-1, 1, op(x).numel()).reshape(tuple(op(x).shape)), dtype=anb.float64,
                   requires_grad=True)
    assert gradgradcheck(lambda x, v: anb.autograd.grad(op(x), x, v, create_graph=True)[0], (x, v))


def test_first_order_backward_records_nothing():
    """Without create_graph the backward ops are only their kernels: no node is made."""
    x = anb.tensor(X, dtype=anb.float64, requires_grad=True)
    F = anb.nn.functional
    for name, op in _cases(F, anb).items():
        g, = anb.autograd.grad(op(x).sum(), x)
        assert g.grad_fn is None and not g.requires_grad, name


def test_relu_gradient_requires_grad_even_for_a_plain_upstream_gradient():
    """PyTorch's relu gradient comes from threshold_backward(grad, result, 0), which reads
    the result: the gradient requires grad through it (and its derivative there is 0)."""
    torch = pytest.importorskip("torch")
    for lib in (torch, anb):
        x = lib.tensor([-1.0, 2.0, 3.0], requires_grad=True)
        g, = lib.autograd.grad(lib.relu(x).sum(), x, create_graph=True)
        assert g.requires_grad and g.grad_fn.name() == "ThresholdBackwardBackward0"
        assert g.grad_fn._saved_threshold == 0
        h, = lib.autograd.grad(g.sum(), x)
        assert h.tolist() == [0.0, 0.0, 0.0]


def test_hardsigmoid_gradient_has_no_derivative():
    """PyTorch defines no derivative of hardsigmoid_backward: the create_graph gradient's
    node is NotImplemented, and differentiating it raises PyTorch's error."""
    torch = pytest.importorskip("torch")
    for lib in (torch, anb):
        x = lib.tensor([-1.0, 2.0, 4.0], requires_grad=True)
        g, = lib.autograd.grad(lib.nn.functional.hardsigmoid(x).sum(), x, create_graph=True)
        assert type(g.grad_fn).__name__ == "NotImplemented" and g.requires_grad
        with pytest.raises(RuntimeError, match="derivative for aten::hardsigmoid_backward is not implemented"):
            g.sum().backward()


def test_huber_loss_gradient_takes_one_dtype():
    """PyTorch's huber_loss_backward writes into a tensor like the input and refuses a
    target of another dtype (mse_loss and smooth_l1_loss accept it)."""
    torch = pytest.importorskip("torch")
    for lib in (torch, anb):
        x = lib.tensor([2.0, 0.5], dtype=lib.float64, requires_grad=True)
        for dtype in (lib.int32, lib.float32):
            loss = lib.nn.functional.huber_loss(x, lib.tensor([1, 3], dtype=dtype))
            word = "Int" if dtype == lib.int32 else "Float"
            with pytest.raises(RuntimeError, match=f"Found dtype {word} but expected Double"):
                loss.backward()


def test_hardsigmoid_gradient_is_torchs_to_the_last_bit():
    """PyTorch multiplies by 1/6 rounded to float32, in float64 too."""
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (torch, anb):
        x = lib.tensor([0.5, 1.0, -2.9, 2.9, 4.0], dtype=lib.float64, requires_grad=True)
        lib.nn.functional.hardsigmoid(x).backward(lib.tensor([1.0, 3.0, 0.7, -1.3, 1.0], dtype=lib.float64))
        grads.append(x.grad.numpy())
    assert grads[0].tolist() == grads[1].tolist()
