"""Small fixes found while reading the ops in session 8, each checked against torch 2.13."""
from __future__ import annotations

import math

import pytest

import autograd_nb as anb
from torch_errors import outcome, same_outcome

torch = pytest.importorskip("torch")


def test_the_add_method_refuses_out_as_pytorch():
    """``Tensor.add`` has no ``out=`` (only ``torch.add`` has): it was silently ignored."""
    def run(lib):
        a, c = lib.ones(2), lib.zeros(2)
        return a.add(a, out=c)
    assert same_outcome(run, torch)[0] == "TypeError"
    a, c = anb.ones(2), anb.zeros(2)
    assert anb.add(a, a, out=c) is c and c.tolist() == [2.0, 2.0]


def test_fields_are_named_attributes_of_the_node():
    """A node keeps its fields by PyTorch's names; a node made without them says so."""
    x = anb.ones(2, 3, requires_grad=True)
    node = x.sum(1, keepdim=True).grad_fn
    assert (node.dim, node.keepdim) == ((1,), True) and node._saved_dim == (1,)
    node.keepdim = False                                # (a field can be set, like a slot)
    assert node._saved_keepdim is False
    bare = type(node).__new__(type(node))
    with pytest.raises(AttributeError, match="_saved_dim"):
        bare._saved_dim


def test_the_norm_method_refuses_out_as_pytorch():
    def run(lib):
        x = lib.tensor([3.0, 4.0])
        return x.norm(out=lib.empty(()))
    assert same_outcome(run, torch)[0] == "TypeError"
    x, out = anb.tensor([3.0, 4.0]), anb.empty(())
    assert anb.norm(x, out=out) is out and out.item() == 5.0


def _graph(f):
    names = []
    def walk(n):
        if n is not None:
            names.append(n.name())
            for m, _ in n.next_functions:
                walk(m)
    walk(f)
    return names


@pytest.mark.parametrize("shape,normalized", [((2, 3, 4), (3, 4)), ((5, 4), (4,)), ((4,), (4,))])
def test_rms_norm_as_pytorch_composes_it(shape, normalized):
    def run(lib, dtype):
        lib.manual_seed(0)
        x = lib.randn(*shape, dtype=dtype, requires_grad=True)
        m = lib.nn.RMSNorm(normalized, dtype=dtype)
        with lib.no_grad():
            m.weight.uniform_(0.5, 1.5)
        y = m(x)
        (y * y.detach().cos()).sum().backward()
        return y, x.grad, m.weight.grad, _graph(y.grad_fn), repr(m)
    for dtype in ("float32", "float64"):
        ours, theirs = run(anb, getattr(anb, dtype)), run(torch, getattr(torch, dtype))
        for a, b in zip(ours[:3], theirs[:3]):
            assert a.dtype.is_floating_point and a.detach().numpy() == pytest.approx(b.detach().numpy(), rel=1e-5, abs=1e-6)
        assert ours[3:] == theirs[3:]


def test_rms_norm_gradients_by_finite_differences():
    x = anb.randn(3, 4, dtype=anb.float64, requires_grad=True)
    w = anb.rand(4, dtype=anb.float64, requires_grad=True)
    assert anb.autograd.gradcheck(lambda a, b: anb.nn.functional.rms_norm(a, (4,), b, eps=1e-3), (x, w))
    assert anb.autograd.gradgradcheck(lambda a, b: anb.nn.functional.rms_norm(a, (4,), b), (x, w))


@pytest.mark.parametrize("call", [
    lambda F, lib: F.rms_norm(lib.ones(2, 3), (4,)),
    lambda F, lib: F.rms_norm(lib.ones(2, 3), (3,), weight=lib.ones(2)),
    lambda F, lib: F.rms_norm(lib.ones(2, 3), 3),
])
def test_rms_norm_refuses_as_pytorch(call):
    same_outcome(lambda lib: call(lib.nn.functional, lib), torch)


def test_anomaly_switches_at_top_level():
    assert anb.is_anomaly_enabled() is torch.is_anomaly_enabled() is False
    anb.set_anomaly_enabled(True, check_nan=False)
    try:
        assert anb.is_anomaly_enabled() and not anb.is_anomaly_check_nan_enabled()
        assert anb.autograd.anomaly_mode.is_anomaly_enabled()
    finally:
        anb.set_anomaly_enabled(False)
    assert not anb.is_anomaly_enabled() and anb.is_anomaly_check_nan_enabled()


@pytest.mark.parametrize("dtype", ["float32", "float64", "int16", "int8", "uint8", "bool"])
def test_embedding_names_a_wrong_index_type_as_pytorch(dtype):
    same_outcome(lambda lib: lib.nn.functional.embedding(lib.zeros(2, dtype=getattr(lib, dtype)),
                                                         lib.ones(3, 2)), torch)


NUMPY_NAMES = {
    "sum axis keepdims": lambda m: m.sum(m.ones(2, 3), axis=1, keepdims=True),
    "mean x axis": lambda m: m.mean(x=m.ones(2, 3), axis=0),
    "add x1 x2": lambda m: m.add(x1=m.ones(2), x2=m.tensor([1.0, 2.0])),
    "cat axis": lambda m: m.cat([m.ones(2), m.zeros(2)], axis=0),
    "method sum": lambda m: m.ones(2, 3).sum(axis=0, keepdims=True),
    "method softmax (dim required)": lambda m: m.ones(2, 3).softmax(axis=1),
    "method argmax": lambda m: m.tensor([[1.0, 3.0, 2.0]]).argmax(axis=1),
    "method max": lambda m: m.tensor([[1.0, 3.0, 2.0]]).max(axis=1)[0],
    "method all": lambda m: m.ones(2, 3).all(axis=1),
    "method squeeze": lambda m: m.ones(1, 3).squeeze(axis=0),
    "method cumsum": lambda m: m.ones(2, 3).cumsum(axis=1),
    "given twice": lambda m: m.sum(m.ones(2), dim=0, axis=0),
    "given positionally too": lambda m: m.sum(m.ones(2), 0, axis=0),
    "method given twice": lambda m: m.ones(2).sum(0, axis=0),
    "python-defined torch.norm": lambda m: m.norm(m.ones(2), axis=0),
    "python-defined Tensor.split": lambda m: m.ones(4).split(2, axis=0),
    "nn.functional takes none": lambda m: m.nn.functional.softmax(m.ones(2), axis=0),
    "unknown keyword": lambda m: m.ones(2).sum(axes=0),
}


@pytest.mark.parametrize("name", NUMPY_NAMES)
def test_numpy_names_where_pytorch_takes_them(name):
    """PyTorch's argument parser takes axis/keepdims/x/a/x1/x2 for dim/keepdim/input/other."""
    ours, theirs = (outcome(lambda lib: NUMPY_NAMES[name](lib), lib, first_line=True) for lib in (anb, torch))
    if ours[0] == "ok":
        assert theirs[0] == "ok" and ours[1].tolist() == theirs[1].tolist()
    elif name == "unknown keyword":               # (PyTorch lists its signatures; a TypeError either way)
        assert theirs[0] == ours[0] == "TypeError"
    else:
        assert ours == theirs


OP_DB_FINDINGS = {
    "uint8 + negative number wraps": lambda m: m.add(m.tensor([1, 200], dtype=m.uint8), -3),
    "uint8 - negative number": lambda m: m.tensor([1, 200], dtype=m.uint8).sub(-3),
    "int8 + 200 wraps": lambda m: m.tensor([1], dtype=m.int8) + 200,
    "uint8 compared with a negative number": lambda m: m.tensor([1, 200], dtype=m.uint8) > -3,
    "full of uint8 -9 wraps": lambda m: m.full((2,), -9, dtype=m.uint8),
    "full_like of uint8 300 refused": lambda m: m.full_like(m.zeros(2, dtype=m.uint8), 300),
    "clamp of uint8 by -3": lambda m: m.tensor([1, 200], dtype=m.uint8).clamp(min=-3),
    "clamp of uint8 by 300 refused": lambda m: m.tensor([1, 200], dtype=m.uint8).clamp(max=300),
    "all of uint8 is uint8": lambda m: m.tensor([[0, 2], [3, 4]], dtype=m.uint8).all(),
    "any of uint8 along a dim": lambda m: m.tensor([[0, 2], [3, 4]], dtype=m.uint8).any(1, keepdim=True),
    "flip(dims=)": lambda m: m.arange(6.0).view(2, 3).flip(dims=(0,)),
    "mH": lambda m: m.arange(6.0).view(2, 3).mH,
    "H": lambda m: m.arange(6.0).view(2, 3).H,
    "adjoint of a batch": lambda m: m.arange(12.0).view(2, 2, 3).adjoint(),
    "mH of a vector refused": lambda m: m.ones(3).mH,
    "H of a batch refused": lambda m: m.ones(2, 2, 3).H,
}


@pytest.mark.parametrize("name", OP_DB_FINDINGS)
def test_op_db_findings_behave_as_pytorch(name):
    ours, theirs = (outcome(lambda lib: OP_DB_FINDINGS[name](lib), lib) for lib in (anb, torch))
    if ours[0] == "ok":
        assert theirs[0] == "ok" and str(ours[1].dtype) == str(theirs[1].dtype)
        assert ours[1].tolist() == theirs[1].tolist()
    else:
        assert ours == theirs


@pytest.mark.parametrize("call", [
    lambda m, x: x.round(decimals=0), lambda m, x: m.round(x, decimals=1), lambda m, x: x.round(),
    lambda m, x: x.sort(stable=False)[0], lambda m, x: m.sort(x, stable=True)[0], lambda m, x: x.sort()[0],
    lambda m, x: x.view(1, 3).mH, lambda m, x: x.view(1, 3).H,
])
def test_node_names_of_the_overload_taken(call):
    """A keyword given at all picks PyTorch's other overload (round.decimals, sort.stable)."""
    names = [call(m, m.tensor([3.25, 1.5, 2.75], requires_grad=True)).grad_fn.name() for m in (anb, torch)]
    assert names[0] == names[1]


@pytest.mark.parametrize("also_leaf", [True, False])
def test_autograd_grad_captures_a_running_node_before_its_tensor_hooks(also_leaf):
    """Found by the fuzzer (seed 6064): asked for y and x, autograd.grad returns y's gradient
    as it arrived (y's node goes on to x; its hook runs with the node), but the hooked one
    when y is the last input asked for."""
    def run(lib):
        x = lib.tensor([0.5, 2.0], requires_grad=True)
        y = x * x
        y.register_hook(lambda g: g * 2)
        y.retain_grad()
        wanted = [y, x] if also_leaf else [y]
        got = lib.autograd.grad((y * 3).sum(), wanted, create_graph=True)
        return [g.tolist() for g in got]
    assert run(anb) == run(torch)


@pytest.mark.parametrize("op", ["amax", "amin"])
@pytest.mark.parametrize("shape,kw", [((), {"dim": 0}), ((3,), {"dim": -1}), ((2, 2), {}), ((2, 2), {"dim": 0}),
                                      ((2, 2), {"dim": 1, "keepdim": True})])
def test_amax_amin_second_order_graph_as_pytorch(op, shape, kw):
    """Found by the fuzzer (seed 6052): PyTorch restores the reduced dims by a reshape
    (ViewBackward0), and a 0-d input's gradient comes back (1,)-shaped, summed by the
    engine (SumBackward0)."""
    def run(lib):
        x = lib.tensor([[1.0, 3.0], [3.0, 0.0]], dtype=lib.float64).reshape(-1)[:max(1, int(math.prod(shape)))]
        x = x.reshape(shape).requires_grad_()
        g, = lib.autograd.grad(lib.pow(getattr(x, op)(**kw), 1.0).sum(), [x], create_graph=True)
        return g.tolist(), _graph(g.grad_fn)
    assert run(anb) == run(torch)



def test_smooth_l1_loss_refuses_an_inference_target_before_a_negative_beta():
    """Found by the fuzzer (seed 7017): PyTorch saves the inputs before its kernel checks beta."""
    def run(lib):
        x = lib.tensor([0.25], requires_grad=True)
        with lib.inference_mode():
            t = lib.tensor([1.0])
        return lib.nn.functional.smooth_l1_loss(x, t, beta=-0.5)
    assert same_outcome(run, torch)[0] == "RuntimeError"


@pytest.mark.parametrize("op", ["lerp", "remainder", "fmod", "xlogy", "atan2", "addcmul", "addcdiv", "maximum"])
def test_ops_of_a_no_grad_view_run_their_backward_without_saved_values(op):
    """Found by the fuzzer (seed 8069): a view made under no_grad of a leaf that requires grad
    requires grad but has no edge; such a node saves nothing and its rule must not unpack."""
    def run(lib):
        x = lib.tensor([[3.0, 2.0], [2.0, 3.0]], requires_grad=True)
        with lib.no_grad():
            v = x.expand((2, 2, 2))
        args = (v, v, v) if op in ("lerp", "addcmul", "addcdiv") else (v, v)
        y = getattr(lib, op)(*args)
        y.sum().backward()
        return y.grad_fn.name(), x.grad
    assert same_outcome(run, torch)[0] == "ok"
