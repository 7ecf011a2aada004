"""Causes found by the program fuzzer (issue #24), each replayed against real torch 2.13."""
from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

import autograd_nb as T


def _outcome(lib, fn):
    try:
        r = fn(lib)
    except Exception as e:                                  # noqa: BLE001 - compared below
        return type(e).__name__, str(e)
    return "ok", tuple(r.shape), r.detach().numpy().tolist()


@pytest.mark.parametrize("p", [-1, -2.5, -1.0, -math.inf, math.inf, 0, 1, 2, 0.5])
@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"dim": 1}, {"dim": -2, "keepdim": True},
                                {"dim": (1, 0)}, {"dim": ()}])
def test_norm_without_identity_on_empty(p, kw):
    """A negative or infinite p-norm over nothing has no value: torch refuses, naming the
    dimension as it was given; other orders give zeros (an empty sum)."""
    def f(lib):
        return lib.zeros((0, 1)).norm(p, **kw)
    assert _outcome(T, f) == _outcome(torch, f)


def test_vector_norm_names_negative_dim_as_given():
    def f(lib):
        return lib.linalg.vector_norm(lib.zeros((2, 0)), math.inf, dim=(-1,))
    assert _outcome(T, f) == _outcome(torch, f)
    assert "dimension -1because" in _outcome(T, f)[1]


_PICKERS = {
    "sort": lambda x: x.sort(-1)[0] if x.dim() else x.sort(0)[0],
    "msort": lambda x: x.msort() if x.dim() else x.sort(0)[0],
    "topk": lambda x: x.topk(1, 0)[0] if x.dim() else x.topk(1)[0],
    "max": lambda x: x.max(0)[0],
    "max_keepdim": lambda x: x.max(0, keepdim=True)[0],
    "min": lambda x: x.min(0)[0],
    "kthvalue": lambda x: x.kthvalue(1, 0)[0],
    "median": lambda x: x.median(0)[0],
    "nanmedian": lambda x: x.nanmedian(0)[0],
}


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
@pytest.mark.parametrize("name", sorted(_PICKERS))
def test_value_selecting_backward_is_a_scatter(name, shape):
    """PyTorch's backward of an op that picks values along a dim writes each gradient where
    its index points: under create_graph that is a ScatterBackward0 node, for a 0-d input
    too (found by the fuzzer: msort of a 0-d tensor gave MulBackward0)."""
    def f(lib):
        n = math.prod(shape)
        x = lib.arange(float(n), dtype=lib.float64).reshape(shape).requires_grad_()
        y = _PICKERS[name](x)
        g, = lib.autograd.grad(y.exp().sum(), x, create_graph=True)
        return y.grad_fn.name(), g.grad_fn.name(), g.detach().numpy().tolist()
    assert f(T) == f(torch)


def test_zero_dim_max_indices_are_version_checked():
    """max(dim) of a 0-d tensor saves its (0-d) indices like any other: changing them in
    place makes backward fail, as in PyTorch."""
    def f(lib):
        x = lib.tensor(1.5, requires_grad=True)
        v, i = (x * 2).max(0)
        i.masked_fill_(i >= 0, -1)
        try:
            v.backward()
        except RuntimeError as e:
            return str(e).split(".")[0]
        return "no error"
    assert f(T) == f(torch)
    assert "modified by an inplace operation" in f(T)


# --- random ops (the fuzzer draws them since the random stream is torch's) -----------------

def _random_outcome(lib, fn):
    lib.manual_seed(0)
    try:
        r = fn(lib)
        got = ("ok", r.dtype is not None and str(r.dtype), r.detach().numpy().tolist(), r.requires_grad,
               r.grad_fn.name() if r.grad_fn is not None else None)
    except Exception as e:                                  # noqa: BLE001 - compared below
        got = (type(e).__name__, str(e))
    return got, lib.rand(2).tolist()                        # and where the stream was left


def _req(lib):
    return lib.tensor([0.25, 0.5, 0.75], dtype=lib.float64, requires_grad=True) * 1


_RANDOM_CASES = {
    "dropout of an int tensor draws, then refuses the float noise": lambda m: m.nn.functional.dropout(
        m.tensor([3, 4]), 0.5),
    "dropout of a bool tensor": lambda m: m.nn.functional.dropout(m.tensor([True]), 0.5),
    "dropout of a 0-d float": lambda m: m.nn.functional.dropout(m.tensor(2.0, dtype=m.float64), 0.5),
    "bernoulli(p) with p requiring grad": lambda m: m.bernoulli(_req(m)),
    "bernoulli(x, 0.3): no derivative": lambda m: m.bernoulli(_req(m), 0.3),
    "bernoulli_(number)": lambda m: _req(m).bernoulli_(0.5),
    "bernoulli_(tensor)": lambda m: _req(m).bernoulli_(m.full((3,), 0.5)),
    "bernoulli_(tensor requiring grad)": lambda m: m.zeros(3).bernoulli_(_req(m)),
    "uniform_": lambda m: _req(m).uniform_(),
    "normal_": lambda m: _req(m).normal_(),
    "random_()": lambda m: _req(m).random_(),
    "random_(to)": lambda m: _req(m).random_(5),
    "random_(from, to)": lambda m: _req(m).random_(1, 5),
    "exponential_": lambda m: _req(m).exponential_(),
    "cauchy_": lambda m: _req(m).cauchy_(),
    "geometric_": lambda m: _req(m).geometric_(0.5),
    "log_normal_": lambda m: _req(m).log_normal_(),
    "normal(tensor mean, number std)": lambda m: m.normal(_req(m), 1.0),
    "normal(number mean, tensor std)": lambda m: m.normal(0.0, _req(m)),
    "normal(tensor, tensor)": lambda m: m.normal(_req(m), _req(m)),
    "a leaf is refused before anything is drawn": lambda m: m.zeros(3, requires_grad=True).normal_(),
    "a view of a leaf too": lambda m: m.zeros(3, requires_grad=True).expand(2, 3).normal_(),
    "an expand is refused before drawing": lambda m: m.zeros(1).expand(3).uniform_(),
    "the leaf check comes before the argument check": lambda m: m.zeros(3, requires_grad=True).uniform_(2, 1),
    "randn_like of a transpose fills memory order": lambda m: m.randn_like(m.zeros(2, 3).T),
    "rand_like of a permuted 3-d tensor": lambda m: m.rand_like(m.zeros(2, 1, 3).permute(2, 0, 1)),
    "randint_like of a transpose": lambda m: m.randint_like(m.zeros(3, 2).T, 9),
}


@pytest.mark.parametrize("case", sorted(_RANDOM_CASES))
def test_random_ops_record_and_draw_as_torch(case):
    """Values, flags, the node PyTorch records (an in-place fill of a tensor with history
    gets a zero-gradient node of its own, not the old one), errors, and how much of the
    random stream was used."""
    fn = _RANDOM_CASES[case]
    assert _random_outcome(T, fn) == _random_outcome(torch, fn)


def test_random_fill_gradients_are_zero():
    for lib in (T, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.uniform_()
        (y * 2).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0]
        m = lib.tensor([1.0, 2.0], requires_grad=True)
        lib.normal(m, 2.0).sum().backward()
        assert m.grad.tolist() == [0.0, 0.0]


def test_randn_like_keeps_the_layout():
    x = T.zeros(2, 3).T
    assert T.randn_like(x).stride() == torch.randn_like(torch.zeros(2, 3).T).stride()


@pytest.mark.parametrize("values", [
    [[-1.0, -2.0, 0.0], [0.25, 0.0, -math.inf]],      # two zeros and an inf: zeros, not nan
    [[-1.0, -2.0, 0.0], [0.25, 1.0, 3.0]],
    [[1.0, 2.0], [3.0, 4.0]],
])
def test_prod_gradient_as_torch(values):
    def f(lib, create_graph):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        g, = lib.autograd.grad(lib.prod(x), x, create_graph=create_graph)
        return g.tolist(), g.grad_fn.name() if g.grad_fn is not None else None
    for cg in (False, True):
        assert str(f(T, cg)) == str(f(torch, cg))


def test_nan_to_num_gradient_is_a_product_with_the_mask():
    def f(lib):
        x = lib.tensor([1.0, math.nan, math.inf, -math.inf], requires_grad=True)
        y = x.nan_to_num()
        g, = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        return str(g.tolist()), g.grad_fn.name()
    assert f(T) == f(torch)


# --- masked_scatter (masked_select's backward writes through it, as PyTorch's does) ----------

@pytest.mark.parametrize("self_shape,mask_shape,n_source", [((2, 3), (2, 3), 5), ((3,), (2, 3), 6),
                                                           ((2, 3), (3,), 4), ((), (), 1)])
def test_masked_scatter_forward_backward_and_node(self_shape, mask_shape, n_source):
    import numpy as np
    rng = np.random.default_rng(0)
    xv = rng.standard_normal(self_shape)
    mv = rng.random(mask_shape) < 0.6
    sv = rng.standard_normal(n_source)

    def f(lib):
        x = lib.tensor(xv, requires_grad=True)
        s = lib.tensor(sv, requires_grad=True)
        try:
            y = x.masked_scatter(lib.tensor(mv), s)
        except RuntimeError as e:
            return str(e)
        y.backward(lib.arange(float(y.numel()), dtype=lib.float64).reshape(y.shape))
        return (y.tolist(), y.grad_fn.name(), tuple(y.grad_fn._saved_source_sym_sizes),
                x.grad.tolist(), s.grad.tolist())
    assert f(T) == f(torch)


def test_masked_scatter_gradcheck():
    x = T.randn(2, 3, dtype=T.float64, requires_grad=True)
    s = T.randn(5, dtype=T.float64, requires_grad=True)
    m = T.tensor([[True, False, True], [False, True, True]])
    assert T.autograd.gradcheck(lambda a, b: a.masked_scatter(m, b), (x, s))
    assert T.autograd.gradgradcheck(lambda a, b: a.masked_scatter(m, b), (x, s))


@pytest.mark.parametrize("bad", ["count", "mask dtype", "dtypes"])
def test_masked_scatter_errors(bad):
    def f(lib):
        m = lib.tensor([[True, False, True], [False, True, False]])
        x = lib.zeros(2, 3)
        try:
            if bad == "count":
                x.masked_scatter(m, lib.arange(2.0))
            elif bad == "mask dtype":
                x.masked_scatter(m.int(), lib.arange(6.0))
            else:
                x.masked_scatter(m, lib.arange(6))
        except RuntimeError as e:
            return str(e)
    assert f(T) == f(torch) is not None


def test_masked_select_second_order_is_a_masked_scatter():
    def f(lib):
        v0 = lib.tensor([2.0, 0.25, 3.0], requires_grad=True)
        v1 = lib.masked_select(v0, v0 > 0.5)
        g, = lib.autograd.grad((v1 ** 3).sum(), [v0], create_graph=True)
        gg, = lib.autograd.grad(g.sum(), [v0])
        return g.grad_fn.name(), g.tolist(), gg.tolist()
    assert f(T) == f(torch)


# --- saved values are all unpacked (checked) before a node's rule runs, in PyTorch's order ---

def _backward_error(lib, build):
    try:
        build(lib)
    except RuntimeError as e:
        return str(e)
    return "no error"


def test_a_saved_value_the_rule_does_not_need_is_still_checked():
    """``x // y`` (div with rounding_mode) saves both operands; its gradient is zero, yet
    changing one in place makes backward fail, as in PyTorch."""
    def build(lib):
        a = lib.tensor([[1.5]], dtype=lib.float64)
        b = lib.tensor([[-1.5, -2.0, -1.0]], dtype=lib.float64, requires_grad=True)
        q = lib.div(a, b, rounding_mode="trunc")
        a.clamp_min_(a)
        q.sum().backward()
    assert _backward_error(T, build) == _backward_error(torch, build)
    assert "modified by an inplace operation" in _backward_error(T, build)


def test_the_first_stale_saved_value_is_named_in_torchs_order():
    """Both ``self`` and ``exponent`` of a pow were changed: PyTorch unpacks saved inputs by
    name (exponent before self), so its error names the exponent."""
    def build(lib):
        x = lib.tensor([0.5], requires_grad=True)
        base = lib.masked_fill(x, x > 0.5, 0.25)
        e = lib.nn.functional.mse_loss(x, x)
        y = base ** e
        e.fill_(1)
        s = lib.softmax(y, 0)
        base.add_(base)
        lib.autograd.grad(s, [x], grad_outputs=lib.ones_like(s))
    assert _backward_error(T, build) == _backward_error(torch, build)


@pytest.mark.parametrize("op", ["max", "min", "median", "nanmedian"])
def test_full_reduction_picks_share_the_gradient_through_masked_fill(op):
    def f(lib):
        x = lib.tensor([[0.5], [3.0], [0.25], [3.0]], requires_grad=True)
        y = getattr(lib, op)(x)
        g, = lib.autograd.grad((y * y).mean(), x, create_graph=True)
        return g.grad_fn.name(), g.tolist()
    assert f(T) == f(torch)


@pytest.mark.parametrize("req", [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 1), (0, 1, 1)])
def test_addcdiv_saves_tensor1_only_for_tensor2s_gradient(req):
    """So an inference tensor as tensor1 is no error while tensor2 needs no gradient."""
    def f(lib):
        ts = [lib.tensor([1.0, 2.0], requires_grad=bool(r)) for r in req]
        y = lib.addcdiv(*ts, value=0.5)
        saved = [getattr(y.grad_fn, n) is not None for n in ("_saved_tensor1", "_saved_tensor2")]
        grads = lib.autograd.grad(y.sum(), [t for t in ts if t.requires_grad])
        return saved, [g.tolist() for g in grads]
    assert f(T) == f(torch)

    def g(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.inference_mode():
            t1 = lib.tensor([3.0, 4.0])
        return lib.addcdiv(x, t1, lib.tensor([2.0, 2.0]), value=0.25).tolist()
    assert g(T) == g(torch)


def test_an_ordinary_index_makes_autograd_see_inference_inputs():
    """PyTorch's autograd runs for an op when any input is an ordinary tensor -- an index
    counts -- and then refuses to save an inference tensor."""
    def f(lib):
        v0 = lib.tensor([2.0, 0.0, -2.0, -1.0], dtype=lib.float64, requires_grad=True)
        with lib.inference_mode():
            v2 = lib.ones_like(v0, requires_grad=True)
            idx2 = lib.tensor([1, 0])
        out = []
        for fn in (lambda: v2.scatter_reduce(0, lib.tensor([2, 0, 2, 2]), v2, "mean"),
                   lambda: v2.gather(0, lib.tensor([1, 2])), lambda: v2.gather(0, idx2),
                   lambda: v2 * v2, lambda: v2 * 2):
            try:
                r = fn()
                out.append((r.requires_grad, r.grad_fn.name() if r.grad_fn else None))
            except RuntimeError as e:
                out.append(str(e).split(".")[0])
        return out
    assert f(T) == f(torch)


def test_a_broadcast_0d_input_gets_its_gradient_by_a_plain_sum():
    """at::sum_to to shape () is tensor.sum(): under create_graph a SumBackward0."""
    def f(lib):
        a = lib.tensor(3.0, requires_grad=True)
        b = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        g, = lib.autograd.grad((a * b * b).sum(), [a], create_graph=True)
        return g.grad_fn.name(), g.item()
    assert f(T) == f(torch)


@pytest.mark.parametrize("op", ["add", "sub"])
def test_alpha_scales_the_gradient_as_a_scalar_product(op):
    """derivatives.yaml's maybe_multiply(grad, alpha): a Tensor * Scalar, MulBackward1."""
    def f(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        y = getattr(lib, op)(a, b, alpha=1.5)
        gs = lib.autograd.grad((y * y).sum(), [a, b], create_graph=True)
        return [(g.grad_fn.name(), g.tolist()) for g in gs]
    assert f(T) == f(torch)


@pytest.mark.parametrize("op", ["true_divide", "atan2", "xlogy"])
def test_integer_operands_become_float_each_from_its_own_dtype(op):
    """int32 with a 0-d int64 promotes to int32, but a float op converts each operand from
    its own dtype: the int64 minimum is not wrapped to 0 on the way."""
    def f(lib):
        big = lib.tensor(-9223372036854775808)
        small = lib.tensor([[0], [2], [2]], dtype=lib.int32)
        fn = getattr(lib, op)
        return str((fn(small, big).tolist(), fn(big, small).tolist()))
    assert f(T) == f(torch)


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_division_gradients_round_as_torchs_formulas(dt):
    """div's other-gradient is -grad * ((self / other) / other) and addcdiv's tensor1-gradient
    grad * (value / tensor2): the same bits as PyTorch (a cancelling sum amplified later
    shows any other order)."""
    import numpy as np
    rng = np.random.default_rng(1)
    a, b, c, g = (rng.standard_normal(40).astype(dt) for _ in range(4))

    def f(lib):
        x, y, z = (lib.tensor(v, requires_grad=True) for v in (a, b, c))
        out = [t.detach().numpy().tobytes() for t in lib.autograd.grad(x / y, [x, y], lib.tensor(g))]
        out += [t.detach().numpy().tobytes()
                for t in lib.autograd.grad(lib.addcdiv(z, x, y, value=0.3), [z, x, y], lib.tensor(g))]
        return out
    assert f(T) == f(torch)


def test_nan_to_num_in_place_of_an_integer_expand_is_a_copy_onto_itself():
    def f(lib):
        v0 = lib.tensor([[-2], [-2], [-1]], dtype=lib.int32)
        v = v0.unbind(1)[-1].expand((2, 3))
        v.nan_to_num_()
        return v.tolist(), v._version, v0._version
    assert f(T) == f(torch)


@pytest.mark.parametrize("case", ["norm0", "norm0_plus", "times0"])
def test_a_not_implemented_node_raises_even_without_a_gradient(case):
    """PyTorch's engine runs a NotImplemented node even when no gradient reached it (norm
    of order 0 passes none back), and the node raises."""
    def f(lib):
        v1 = lib.tensor([[1.0, -2.0], [-0.5, 3.0]], requires_grad=True)
        v3 = (v1 / v1).floor_divide(v1)
        y = {"norm0": lambda: v3.norm(0), "norm0_plus": lambda: v3.norm(0) + v1.sum(),
             "times0": lambda: v3.sum() * 0}[case]()
        try:
            return lib.autograd.grad(y, [v1], allow_unused=True)[0].tolist()
        except RuntimeError as e:
            return str(e)
    assert f(T) == f(torch)


def test_a_0d_tensor_exponent_of_one_half_is_cs_pow_not_sqrt():
    """x ** 0.5 (a number) is sqrt in PyTorch, x ** tensor(0.5) is C's pow: (-inf) ** 0.5
    is nan in the first and inf in the second (numpy would take sqrt for both)."""
    def f(lib):
        x = lib.tensor([-math.inf, -0.0, -2.0, math.inf])
        return str([(x ** 0.5).tolist(), (x ** lib.tensor(0.5)).tolist(), x.pow(lib.tensor(0.5)).tolist()])
    assert f(T) == f(torch)


@pytest.mark.parametrize("x,t", [([0.5, 2.0], [3.0, 0.5]), ([2.0, 0.2], [0.5, 0.5]), ([0.1, 0.2], [0.5, -1.0]),
                                 ([math.nan], [0.5])])
def test_binary_cross_entropy_names_the_first_bad_element(x, t):
    """PyTorch checks input then target element by element: the first element out of [0, 1]
    in either decides which one the message names."""
    def f(lib):
        try:
            lib.nn.functional.binary_cross_entropy(lib.tensor(x), lib.tensor(t))
        except RuntimeError as e:
            return str(e)
    assert f(T) == f(torch)


def test_logical_and_in_place_refuses_a_number_before_looking_at_memory():
    def f(lib):
        x = lib.tensor([1.0, 2.0]).expand(2, 2)
        try:
            x.logical_and_(3.0)
        except (TypeError, RuntimeError) as e:
            return type(e).__name__, str(e)
    assert f(T) == f(torch)


def test_squeeze_backward_unsqueezes_as_torch():
    """PyTorch's unsqueeze_to: UnsqueezeBackward0 nodes under create_graph, not a view."""
    def f(lib):
        out = []
        for shape in ((3, 1), (1, 3, 1), (1,), (2, 3)):
            for fn in (lambda x: x.squeeze(), lambda x: x.squeeze(-1),
                       lambda x: x.squeeze((0, -1)) if x.dim() > 1 else x.squeeze(0)):
                x = lib.ones(shape, requires_grad=True)
                y = fn(x)
                g, = lib.autograd.grad((y * y).sum(), x, create_graph=True)
                out.append((tuple(g.shape), g.grad_fn.name()))
        return out
    assert f(T) == f(torch)


def test_div_with_a_rounding_mode_saves_self_only_for_others_gradient():
    def f(lib):
        x = lib.tensor([1.5, 2.0], requires_grad=True)
        out = []
        for rm in (None, "trunc"):
            fn = lib.div(x, 2, rounding_mode=rm).grad_fn
            out.append((fn.name(), fn._saved_self is None, fn._saved_rounding_mode))
        y = lib.div(x, 2, rounding_mode=None)
        with lib.no_grad():
            x.mul_(2)                                # (self not saved: no version error)
        out.append(lib.autograd.grad(y.sum(), x)[0].tolist())
        return out
    assert f(T) == f(torch)


@pytest.mark.parametrize("case", ["scalar_other_positive", "scalar_other_negative", "tensors"])
def test_xlogy_gradient_nodes(case):
    def f(lib):
        x = lib.tensor([0.0, 1.0, 2.0], requires_grad=True)
        y = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        z = {"scalar_other_positive": lambda: x.xlogy(3), "scalar_other_negative": lambda: x.xlogy(-1.0),
             "tensors": lambda: x.xlogy(y)}[case]()
        g, = lib.autograd.grad((z * z).sum(), [x], create_graph=True)
        return g.grad_fn.name(), str(g.tolist())
    assert f(T) == f(torch)


@pytest.mark.parametrize("op", ["remainder", "fmod", "floor_divide", "hardtanh"])
def test_a_number_argument_makes_autograd_see_an_inference_input(op):
    """A composite op of PyTorch wraps the number in an ordinary tensor: autograd runs."""
    def f(lib):
        with lib.inference_mode():
            xi = lib.ones(2, requires_grad=True)
        fn = {"remainder": lambda t: t.remainder(2), "fmod": lambda t: t.fmod(2), "floor_divide": lambda t: t // 2,
              "hardtanh": lambda t: lib.nn.functional.hardtanh(t)}[op]
        try:
            return fn(xi).requires_grad
        except RuntimeError as e:
            return str(e).split(".")[0]
    assert f(T) == f(torch)


def test_lerp_with_a_number_weight_scales_by_scalar_products():
    def f(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 5.0], requires_grad=True)
        y = lib.lerp(a, b, 0.25)
        return [(g.grad_fn.name(), g.tolist()) for g in lib.autograd.grad((y * y).sum(), [a, b], create_graph=True)]
    assert f(T) == f(torch)


def test_expand_of_a_0d_tensor_sums_its_gradient():
    """ExpandBackward0 is at::sum_to(grad, sizes): to shape () a sum, even of a 0-d grad."""
    def f(lib):
        v0 = lib.tensor(-2.0, requires_grad=True)
        out = []
        for fn in (lambda: v0.expand_as(v0), lambda: v0.expand(3)):
            y = fn()
            g, = lib.autograd.grad((y * y).mean(), [v0], create_graph=True)
            out.append((g.grad_fn.name(), g.item()))
        return out
    assert f(T) == f(torch)


def test_in_place_refuses_a_leaf_before_reading_the_other_inputs():
    def f(lib):
        v0 = lib.tensor([[-2.0]], requires_grad=True)
        v1 = v0.ceil()
        v5 = v1.split(1, -1)[0]
        v5.logical_and_(v1)
        try:
            v0.subtract_(v5)
        except RuntimeError as e:
            return str(e)
    assert f(T) == f(torch)


@pytest.mark.parametrize("shape,dim,idx", [((0, 0), -2, [0, 0]), ((0, 3), 1, [5]), ((2, 0), 0, [7]),
                                           ((2, 3), 0, [7]), ((2, 3), 0, [1])])
def test_index_fill_of_an_empty_tensor_checks_no_index(shape, dim, idx):
    def f(lib):
        x = lib.zeros(shape)
        try:
            x.index_fill_(dim, lib.tensor(idx), 1.0)
        except IndexError as e:
            return str(e)
        return x.sum().item()
    assert f(T) == f(torch)


def test_roll_of_an_empty_tensor_checks_no_dim():
    def f(lib):
        x = lib.zeros(0, 1, requires_grad=True)
        y = x.roll(1, -3)
        return tuple(y.shape), y.grad_fn.name()
    assert f(T) == f(torch)


def test_huber_loss_writes_into_a_tensor_like_the_broadcast_input():
    def f(lib):
        v0 = lib.tensor([[3.0, 1.5, 0.25], [-1.0, 2.0, 0.5]])
        v3 = v0.T
        y = lib.nn.functional.huber_loss(v3.sum(0), v3, reduction="none")
        return y.stride(), y.view(-1).tolist()
    assert f(T) == f(torch)


@pytest.mark.parametrize("case", ["freed", "changed"])
def test_a_node_reached_by_no_gradient_still_unpacks_what_it_saved(case):
    """norm of order 0 passes no gradient back, yet PyTorch's engine runs the node before it,
    which unpacks its buffers: freed or changed ones fail."""
    def f(lib):
        if case == "freed":
            v0 = lib.tensor([[1.0]], requires_grad=True)
            v3 = v0.log10()
            v3.sum().backward()
            y = v3.norm(0)
        else:
            v0 = lib.tensor(3.0, dtype=lib.float64, requires_grad=True)
            v4 = lib.nn.functional.selu(v0)
            with lib.no_grad():
                v0.sign_()
            y = v4.norm(0)
        try:
            y.backward()
        except RuntimeError as e:
            return str(e).split(".")[0]
    assert f(T) == f(torch)


def test_a_no_grad_view_of_a_leaf_has_no_edge_so_nothing_is_saved_for_it():
    """It requires grad, but a node gets no edge to it: an inference tensor beside it is not
    saved (its gradient would only be needed for the view's)."""
    def f(lib):
        v0 = lib.tensor(0.25, requires_grad=True)
        with lib.inference_mode():
            v1 = v0.cos()
        with lib.no_grad():
            v3 = v0.reshape(-1, 1)
        y = v1.remainder(v3)
        return v3.requires_grad, y.grad_fn.name(), y.grad_fn.next_functions[1][0] is None
    assert f(T) == f(torch)


@pytest.mark.parametrize("wrt", ["target", "input", "both"])
def test_huber_gradient_runs_only_the_rules_asked_for(wrt):
    def f(lib):
        v1 = lib.tensor([[1.0]], dtype=lib.float32, requires_grad=True)
        v2 = lib.tensor([[-0.5, 0.0], [1.5, 0.0]], dtype=lib.float64, requires_grad=True)
        y = lib.nn.functional.huber_loss(v2, v1.expand(2, 2), reduction="none")
        try:
            lib.autograd.grad(y.sum(), {"target": [v1], "input": [v2], "both": [v1, v2]}[wrt])
        except RuntimeError as e:
            return str(e)
    assert f(T) == f(torch)


@pytest.mark.parametrize("op", ["remainder", "xlogy", "floor_divide"])
def test_more_element_wise_results_laid_out_as_torchs(op):
    def f(lib):
        a = lib.tensor([[3.0, -3.0], [2.0, -1.0]]).permute(1, 0)
        b = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        y = getattr(lib, op)(a, b)
        lib.manual_seed(0)
        return y.stride(), lib.randn_like(y).tolist()
    assert f(T) == f(torch)


def test_an_inference_tensor_cloned_outside_inference_mode_records_a_copy():
    def f(lib):
        with lib.inference_mode():
            v = lib.ones(2, requires_grad=True)
        out = []
        for fn in (lambda: v.clone(), lambda: v.to(lib.float64)):
            y = fn()
            out.append((y.requires_grad, y.grad_fn.name(), y.is_inference()))
        v.clone().sum().backward()
        return out, v.grad.tolist()
    assert f(T) == f(torch)


@pytest.mark.parametrize("loss", ["mse_loss", "smooth_l1_loss"])
def test_pair_loss_gradient_is_written_in_the_inputs_dtype(loss):
    def f(lib):
        x = lib.tensor([[0.5, 1.5]], dtype=lib.float32, requires_grad=True)
        t = lib.tensor([-1.5, 2.0], dtype=lib.float64)
        y = getattr(lib.nn.functional, loss)(x, t.expand(1, 2))
        g, = lib.autograd.grad(y, [x], create_graph=True)
        return g.grad_fn.name(), str(g.dtype), g.tolist()
    assert f(T) == f(torch)


@pytest.mark.parametrize("shape", [(), (2,)])
def test_alias_passes_its_gradient_through(shape):
    def f(lib):
        v0 = lib.ones(shape, dtype=lib.float64, requires_grad=True)
        v1 = v0[...]
        g, = lib.autograd.grad((v1 * v1).mean(), [v0], create_graph=True)
        return v1.grad_fn.name(), g.grad_fn.name(), g.tolist()
    assert f(T) == f(torch)


def test_a_not_implemented_node_ready_beside_an_accumulator_runs_in_arrival_order():
    """Both carry PyTorch's largest number: the one that became ready first runs first, so
    here the error comes before the leaf gets any gradient."""
    def f(lib):
        v0 = lib.tensor([3.0], requires_grad=True)
        v4 = lib.tensor([[3.0, -0.5], [-0.5, -1.0]], requires_grad=True)
        v6 = lib.floor_divide(v4, 0).maximum(v0)
        try:
            v6.sum().backward()
        except RuntimeError as e:
            return str(e), v0.grad
    assert f(T) == f(torch)


def test_cumsum_and_prod_along_a_size_one_dim_as_torch():
    """cumsum's backward is the gradient itself when the dim has one element; prod's
    "others" product over one element is the constant 1 (so a create_graph gradient does
    not require grad)."""
    def f(lib):
        v0 = lib.tensor([-0.5], requires_grad=True)
        v2 = v0.cumsum(-1)
        g1, = lib.autograd.grad((v2 * v2).sum(), [v0], create_graph=True)
        w = lib.tensor([[0.0, 0.5, 0.5]], dtype=lib.float64, requires_grad=True)
        g2, = lib.autograd.grad(w.prod(0, keepdim=True).sum(), [w], create_graph=True)
        return g1.grad_fn.name(), g2.requires_grad, g2.tolist()
    assert f(T) == f(torch)


def test_inference_edge_cases_of_floor_divide_addcmul_and_in_place():
    def f(lib):
        out = []
        with lib.inference_mode():
            v1 = lib.ones((), requires_grad=True)
            v8 = lib.ones(2, requires_grad=True)
        v4 = lib.asinh(v1)                       # (an ordinary tensor: made outside inference mode)
        out.append(lib.floor_divide(v1, v4).requires_grad)
        for fn in (lambda: v8.multiply_(True), lambda: v8.exp_()):
            try:
                fn()
            except RuntimeError as e:
                out.append(str(e).split(".")[0])
        x = lib.tensor([3.0, 0.25], requires_grad=True)
        xv = x.reshape(-1, 1)
        with lib.no_grad():
            v2 = xv.chunk(2, -2)[-1]
        with lib.inference_mode():
            v3 = lib.nn.functional.tanhshrink(v2)
        out.append(lib.addcmul(xv, v2, v3, value=0.0).grad_fn.name())
        return out
    assert f(T) == f(torch)


def test_bce_with_logits_mean_divides_by_a_scalar():
    def f(lib):
        x = lib.tensor([[1.0, 2.0, 0.25], [-2.0, 0.0, 1.0]], requires_grad=True)
        t = lib.full((2, 3), 0.3, requires_grad=True)
        y = lib.nn.functional.binary_cross_entropy_with_logits(x, t)
        return [g.grad_fn.name() for g in lib.autograd.grad(y, [x, t], create_graph=True)]
    assert f(T) == f(torch)


def test_lerp_with_a_bool_weight_refuses_its_backward_as_torch():
    def f(lib):
        v0 = lib.tensor(0.0, requires_grad=True)
        y = lib.lerp(v0 * 1, v0 * 2, lib.tensor(True))
        try:
            lib.autograd.grad(y, [v0])
        except RuntimeError as e:
            return str(e)
    assert f(T) == f(torch)
