"""Causes found by the program fuzzer (issue #24, round 9), each replayed against real torch 2.13."""
from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from tests.torch_errors import same_outcome  # noqa: E402

import autograd_nb as T  # noqa: E402


def _node(r):
    return (r.grad_fn.name() if r.grad_fn is not None else None, r.requires_grad, r.detach().tolist())


# --- 1. the memory layout of a result (strides: view() and the order *_like fills in) ----------

def _inputs(L):
    base = L.tensor([[0.5, -1.0, 2.0], [3.0, -0.5, 1.0], [0.25, 4.0, -2.0]])
    return {
        "transposed": base.t(),
        "broadcast_int": L.tensor([1, 0, 3]).broadcast_to((2, 3)),
        "sliced": base[:, ::2],
        "permuted3d": L.arange(24.0).reshape(2, 3, 4).permute(2, 0, 1),
        "bool_transposed": (base > 0).t(),
        "expanded_middle": L.tensor([[[1.5, 2.0]], [[0.5, -1.0]]]).expand(2, 3, 2),
    }


_LAID = {
    "flip": lambda L, x: x.flip(0), "flip_last": lambda L, x: x.flip(-1),
    "roll": lambda L, x: x.roll(1, 0), "repeat": lambda L, x: x.repeat(*([1] * x.ndim)),
    "tril": lambda L, x: L.tril(x), "triu": lambda L, x: x.triu(1),
    "sort": lambda L, x: L.sort(x, 0)[0], "argsort": lambda L, x: x.argsort(-1), "msort": lambda L, x: L.msort(x),
    "gather": lambda L, x: x.gather(0, L.zeros_like(x, dtype=L.int64)),
    "index_fill": lambda L, x: x.index_fill(0, L.tensor([0]), 1),
    "masked_fill": lambda L, x: L.masked_fill(x, x > 0, 1),
    "sigmoid": lambda L, x: L.sigmoid(x), "rsqrt": lambda L, x: L.rsqrt(x),
    "reciprocal": lambda L, x: L.reciprocal(x), "logit": lambda L, x: L.logit(x),
    "nan_to_num": lambda L, x: L.nan_to_num(x), "clamp": lambda L, x: L.clamp(x, 0.1, 0.5),
    "sign": lambda L, x: L.sign(x), "isclose": lambda L, x: L.isclose(x, x),
    "logsigmoid": lambda L, x: L.nn.functional.logsigmoid(x.float()),
    "number_pow": lambda L, x: L.pow(2.0, x), "rpow": lambda L, x: 2 ** x,
    "sum_dim": lambda L, x: x.float().sum(-1), "mean_dim": lambda L, x: x.float().mean(0),
    "prod_dim": lambda L, x: x.float().prod(-1), "amax": lambda L, x: x.float().amax(-1),
    "std": lambda L, x: x.float().std(0), "logsumexp": lambda L, x: x.float().logsumexp(-1),
    "norm": lambda L, x: x.float().norm(dim=-1), "any": lambda L, x: x.any(-1),
    "count_nonzero": lambda L, x: L.count_nonzero(x, 0),
    "sum_keepdim": lambda L, x: x.float().sum(0, keepdim=True), "amax_keepdim": lambda L, x: x.float().amax(-1, True),
    "std_keepdim": lambda L, x: x.float().std(-1, keepdim=True), "prod_keepdim": lambda L, x: x.float().prod(0, True),
    "logsigmoid_0d": lambda L, x: L.nn.functional.logsigmoid(x.float().sum()),
    "lerp": lambda L, x: L.lerp(x.float(), x.float().contiguous(), 0.0),
    "lerp_tensor": lambda L, x: L.lerp(x.float(), x.float().contiguous(), x.float()),
    "addcmul": lambda L, x: L.addcmul(x, x, x.contiguous(), value=0.5),
    "addcdiv": lambda L, x: L.addcdiv(x.float(), x.float().contiguous(), x.float(), value=0.5),
}


@pytest.mark.parametrize("layout", sorted(_inputs(torch)))
@pytest.mark.parametrize("name", sorted(_LAID))
def test_result_layout_as_torch(name, layout):
    """An op's result has PyTorch's strides: a new tensor made like the input keeps a
    transposed layout (flip, sort, index_fill), one PyTorch allocates plainly is contiguous
    (roll, repeat, tril, gather, masked_fill, reductions along a dim), element-wise results
    follow TensorIterator's rule (a broadcast int input converted first is contiguous).
    Found by the fuzzer as ``view(-1)`` accepted where torch refuses and as random values of
    ``randn_like`` / ``randint_like`` in another order."""
    def f(lib):
        lib.manual_seed(0)
        r = _LAID[name](lib, _inputs(lib)[layout])
        like = lib.rand_like(r.float())
        try:
            r.view(-1)
            viewed = True
        except RuntimeError:
            viewed = False
        return r.stride(), r.is_contiguous(), viewed, like.tolist()
    same_outcome(f, torch, quiet=True)


_MIXED = {
    "remainder": lambda L, a, b: a % b, "floor_divide": lambda L, a, b: a // b,
    "fmod": lambda L, a, b: L.fmod(a, b), "rfmod": lambda L, a, b: L.fmod(b, a),
    "clamp_min_tensor": lambda L, a, b: L.clamp(b, min=a), "clamp_min_tensor_first": lambda L, a, b: L.clamp(a, min=b),
    "add": lambda L, a, b: a + b,
}


@pytest.mark.parametrize("name", sorted(_MIXED))
def test_binary_result_layout_with_a_converted_broadcast_operand(name):
    """A broadcast int tensor is converted to the common float dtype before TensorIterator
    orders the dims (the converted copy is contiguous): ``broadcast_int % transposed_float``
    is contiguous in torch."""
    def f(lib):
        a = lib.tensor([1, 0, 3]).broadcast_to((3, 3))
        b = lib.tensor([[0.5, -1.0, 2.0], [3.0, -0.5, 1.0], [0.25, 4.0, -2.0]], dtype=lib.float64).t()
        r = _MIXED[name](lib, a, b)
        return r.stride(), r.is_contiguous()
    same_outcome(f, torch)


@pytest.mark.parametrize("case", ["size_one_dim", "zero_d", "no_dims", "transposed", "contiguous"])
def test_flip_result_never_shares_memory_with_its_input(case):
    """flip is a copy: flipping a size-1 dim, a 0-d tensor or no dim at all still gives a
    new tensor (an in-place change of the result leaves the input alone)."""
    def f(lib):
        x = {"size_one_dim": lambda: lib.tensor([[[-1.5, 1.5, 0.25]], [[0.0, -1.5, -2.0]]]),
             "zero_d": lambda: lib.tensor(-1.0), "no_dims": lambda: lib.tensor([[1.0, 2.0]]),
             "transposed": lambda: lib.tensor([[1.0, 2.0], [3.0, 4.0]]).t(),
             "contiguous": lambda: lib.tensor([[1.0, 2.0], [3.0, 4.0]])}[case]()
        dims = {"size_one_dim": (1,), "zero_d": (-1,), "no_dims": ()}.get(case, (0,))
        y = x.flip(dims)
        y.mul_(2)
        return x.tolist(), y.tolist(), y.stride()
    same_outcome(f, torch)


def test_randint_like_of_a_broadcast_sum_fills_in_torch_order():
    """The fuzzer's case (seed 8016): sigmoid of a broadcast int64 tensor is contiguous in
    torch, so is the sum built on it; randint_like fills its memory in that order."""
    def f(lib):
        lib.manual_seed(0)
        v3 = lib.tensor([1, 0, 3]).broadcast_to((2, 3))
        v7 = lib.sign(v3.any(-2)) + v3.sigmoid()
        return lib.randint_like(v7, 5).tolist()
    same_outcome(f, torch)


# --- 2. pow: C's pow for an exponent tensor of 0.5 (numpy takes sqrt) ----------------------------

@pytest.mark.parametrize("case", ["broadcast_exponent", "zero_d_exponent", "number_base", "full_exponent"])
def test_pow_half_of_minus_inf_and_minus_zero(case):
    """``pow(-inf, 0.5)`` is inf and ``pow(-0.0, 0.5)`` is 0.0 in C (torch's tensor
    exponent); numpy computes x ** 0.5 as sqrt when the exponent is one number (nan, -0.0)."""
    def f(lib):
        x = lib.tensor([-math.inf, -0.0, 4.0, math.nan, -2.0])
        if case == "broadcast_exponent":
            r = x.pow(lib.tensor([0.5]))
        elif case == "zero_d_exponent":
            r = lib.pow(x, lib.tensor(0.5))
        elif case == "number_base":
            r = lib.pow(-math.inf, lib.tensor([0.5, 0.5, 2.0], dtype=lib.float64))
        else:
            r = x.pow(lib.full((5,), 0.5))
        return [str(v) for v in r.tolist()], [math.copysign(1, v) for v in r.tolist()]
    same_outcome(f, torch)


def test_pow_with_bool_exponent_under_create_graph_computes_only_wanted_gradients():
    """``x ** bool_tensor`` with ``x`` a no_grad view of a leaf: no gradient is wanted from
    PowBackward1, so its ``exponent - 1`` (refused for bools) is never computed."""
    def f(lib):
        v0 = lib.tensor([-1.0], dtype=lib.float64, requires_grad=True)
        with lib.no_grad():
            v1 = v0.view(-1)
        v4 = v1.pow(lib.gt(v1, 0))
        v6 = lib.exp2(v4)
        v6.sum().backward(create_graph=True)
        return _node(v6), v0.grad
    same_outcome(f, torch, quiet=True)


# --- 3. "Autograd not support dtype": an integer result of an op with history -----------------

_PIECES = {
    "chunk": lambda b: b.chunk(2, 0)[-1], "unbind": lambda b: b.unbind(0)[0], "split": lambda b: b.split(1, 0)[0],
    "split_sizes": lambda b: b.split([1, 1], 0)[1], "sort": lambda b: b.sort(0)[0],
    "max_dim": lambda b: b.max(0)[0], "nan_to_num_": lambda b: b.nan_to_num_(),
    "clone": lambda b: b.clone(), "index": lambda b: b[0], "copy_": lambda b: b.copy_(b),
}


@pytest.mark.parametrize("dtype", ["bool", "int64"])
@pytest.mark.parametrize("name", sorted(_PIECES))
def test_integer_results_with_history_refused(name, dtype):
    """A bool or int tensor gets a history from an in-place comparison with a tensor that
    requires grad (``b.gt_(x)``); a multi-output op (split, unbind, sort, max(dim)) or
    ``nan_to_num_`` on it is refused ("Autograd not support dtype", from set_history), as a
    single-output op already was."""
    def f(lib):
        x = lib.tensor([[3.0, 2.0, 1.5], [-1.0, 2.0, -1.0]], requires_grad=True) * 1
        b = lib.zeros(2, 3, dtype=getattr(lib, dtype))
        b.gt_(x)
        r = _PIECES[name](b)
        return _node(r), b._version
    same_outcome(f, torch)


def test_unbind_refused_before_indexing():
    """The fuzzer's case (seed 8012): ``b.unbind(1)[3]`` out of range raises the dtype error
    of unbind first."""
    def f(lib):
        v0 = lib.tensor([[math.inf, 0.0, 1.5]], requires_grad=True)
        v4 = lib.isclose(v0, v0)
        v4.gt_(v0)
        return v4.unbind(1)[3]
    same_outcome(f, torch)


# --- 4. in-place copies and errors in PyTorch's order -----------------------------------------

@pytest.mark.parametrize("dtype", ["bool", "int64", "float32"])
@pytest.mark.parametrize("src", ["fits", "too_big", "too_big_no_grad"])
def test_copy_into_a_piece_of_split(dtype, src):
    """copy_ records only into a floating self: copying into a bool or int piece of
    ``chunk`` is no in-place op to autograd (the values land; a shape error is the kernel's),
    into a float piece it is refused (a view of a multi-output op)."""
    def f(lib):
        v0 = lib.tensor([[0.5, 2.0]], dtype=lib.float64, requires_grad=True)
        v1 = lib.lt(v0, 1.0).to(getattr(lib, dtype))
        v3 = v1.chunk(2, 1)[-1]
        s = {"fits": lib.tensor([[7.0]], requires_grad=True), "too_big": lib.ones(2, 3, requires_grad=True),
             "too_big_no_grad": lib.ones(2, 3)}[src]
        try:
            v3.copy_(s)
        except RuntimeError as e:
            return str(e), v1.tolist(), v3._version
        return v1.tolist(), v3._version, v1.requires_grad
    same_outcome(f, torch)


def test_addcmul_into_bool_with_a_no_grad_view_saves_nothing():
    """The fuzzer's case (seed 8029): a no_grad view of a leaf requires grad but has no edge,
    so the inference tensor that its gradient would read is not saved: the kernel's cast
    error comes."""
    def f(lib):
        v0 = lib.tensor([3.0], requires_grad=True)
        v1 = lib.tensor([[0.5], [-math.inf], [0.25]], requires_grad=True)
        with lib.no_grad():
            v2 = v0.T
        v4 = lib.isfinite(v1)
        v9 = lib.tensor(3.0, requires_grad=True)
        with lib.inference_mode():
            v11 = lib.abs(v9)
        v4.addcmul_(v11, v2)
    same_outcome(f, torch, quiet=True)


_ADDCDIV = {
    "int_bool_inference": lambda L, x, i, b, f: L.addcdiv(x, L.ones(2, dtype=L.long), b),
    "int_bool": lambda L, x, i, b, f: L.addcdiv(x, L.ones(2, dtype=L.long), L.ones(2, dtype=L.bool)),
    "float_inference": lambda L, x, i, b, f: L.addcdiv(x, f, f),
    "tensor2_inference": lambda L, x, i, b, f: L.addcdiv(x, L.ones(2), f),
    "tensor1_inference_int": lambda L, x, i, b, f: L.addcdiv(x, i, L.ones(3, dtype=L.long)),
    "tensor1_inference_shape": lambda L, x, i, b, f: L.addcdiv(x, f, L.ones(3)),
    "addcmul": lambda L, x, i, b, f: _node(L.addcmul(x, f, f)),
}


@pytest.mark.parametrize("name", sorted(_ADDCDIV))
def test_addcdiv_saves_tensor2_whatever_is_wanted(name):
    """addcdiv's autograd saves tensor2 even when only self needs a gradient (an inference
    tensor2 is refused before the kernel's integer-division and shape errors); tensor1 only
    for tensor2's gradient. addcmul saves by need."""
    def f(lib):
        x = lib.ones(2, requires_grad=True)
        with lib.inference_mode():
            b, i, fl = lib.ones(2, dtype=lib.bool), lib.ones(2, dtype=lib.long), lib.ones(2)
        return _ADDCDIV[name](lib, x, i, b, fl)
    same_outcome(f, torch)


_MV = {
    "mv": lambda L, M, v, w, s: L.mv(M, v), "mv_vec_no_grad": lambda L, M, v, w, s: L.mv(M, w),
    "mv_two_vectors": lambda L, M, v, w, s: L.mv(v, v), "matmul": lambda L, M, v, w, s: M @ v,
    "mv_0d": lambda L, M, v, w, s: L.mv(s, v), "mv_sizes": lambda L, M, v, w, s: L.mv(M, L.ones(3)),
    "nothing_requires_grad": lambda L, M, v, w, s: _node(L.mv(L.ones(2, 2), w)),
}


@pytest.mark.parametrize("name", sorted(_MV))
def test_mv_of_inference_tensors_that_require_grad(name):
    """PyTorch's mv writes into a fresh ordinary tensor with addmv_, whose autograd saves
    the inference matrix and vector before any shape check (found by the fuzzer: mv of a
    1-d inference tensor)."""
    def f(lib):
        with lib.inference_mode():
            M, v = lib.ones(2, 2, requires_grad=True), lib.ones(2, requires_grad=True)
            w, s = lib.ones(2), lib.ones((), requires_grad=True)
        return _MV[name](lib, M, v, w, s)
    same_outcome(f, torch)


def test_nan_to_num_inplace_on_an_inference_tensor_that_requires_grad():
    """nan_to_num_'s nan/posinf/neginf are doubles, not numbers PyTorch wraps into tensors:
    nothing takes the inference tensor through autograd, so the inference error comes (not
    the leaf's)."""
    def f(lib):
        v3 = lib.tensor(0.25, dtype=lib.float64, requires_grad=True)
        with lib.inference_mode():
            v5 = lib.ones_like(v3, requires_grad=True)
        v5.nan_to_num_()
    same_outcome(f, torch)


@pytest.mark.parametrize("loss", ["huber", "smooth_l1"])
@pytest.mark.parametrize("which", ["both", "input", "target"])
def test_loss_reads_histories_before_its_parameter_check(loss, which):
    """huber_loss(delta <= 0) / smooth_l1_loss(beta < 0) are the kernel's errors: a stale
    no_grad view among the inputs is refused first (found by the fuzzer, seed 9027)."""
    def f(lib):
        F = lib.nn.functional
        v0 = lib.tensor([[[-0.5, 0.5, -1.0]], [[1.0, -1.5, 1.0]]])
        v1 = lib.tensor([[-0.5]], requires_grad=True)
        with lib.no_grad():
            v2 = v0.expand((2, 2, 1, 3))
        v0.xlogy_(v1)
        a, b = {"both": (v2, v2), "input": (v2, lib.ones(3)), "target": (lib.ones(3), v2)}[which]
        if loss == "huber":
            return F.huber_loss(a, b, reduction="none", delta=-0.5)
        return F.smooth_l1_loss(a, b, beta=-1.0)
    same_outcome(f, torch, quiet=True)


_SCALAR_OVERLOADS = {
    "pow_": lambda v: v.pow_(2), "clamp_min_": lambda v: v.clamp_min_(0.5), "clamp_max_": lambda v: v.clamp_max_(0.5),
    "clamp_": lambda v: v.clamp_(0.1, 0.5), "xlogy_": lambda v: v.xlogy_(2.0), "eq_": lambda v: v.eq_(2),
    "gt_": lambda v: v.gt_(-2), "ne_": lambda v: v.ne_(2), "fill_": lambda v: v.fill_(2),
    "remainder_": lambda v: v.remainder_(2), "fmod_": lambda v: v.fmod_(2), "ipow": lambda v: v.__ipow__(2),
    "imod": lambda v: v.__imod__(2),
    # a number these take is wrapped into a tensor: autograd sees the op, the leaf is refused
    "add_": lambda v: v.add_(2), "mul_": lambda v: v.mul_(2), "div_": lambda v: v.div_(2),
    "floor_divide_": lambda v: v.floor_divide_(2), "logical_and_": lambda v: v.logical_and_(True),
    "detach_": lambda v: v.detach_(),
}


@pytest.mark.parametrize("name", sorted(_SCALAR_OVERLOADS))
def test_inplace_with_a_number_on_an_inference_tensor_that_requires_grad(name):
    """An op with a Scalar overload (``gt_(Scalar)``, ``pow_(Scalar)``, ``fill_(Scalar)``)
    takes the number as it is: nothing ordinary takes the inference tensor through autograd,
    so the inference error comes; ``add_``'s number is wrapped into a tensor and autograd
    refuses the leaf first. ``detach_`` leaves an inference tensor as it is (found by the
    fuzzer, seed 9051: ``v4.gt_(-2)``)."""
    def f(lib):
        with lib.inference_mode():
            v = lib.ones(2, requires_grad=True)
        _SCALAR_OVERLOADS[name](v)
        return v.requires_grad, v.tolist()
    same_outcome(f, torch)


@pytest.mark.parametrize("name", ["min", "max", "sort", "topk", "split", "unbind", "chunk", "kthvalue",
                                  "median", "nanmedian", "median_all", "unique", "var_mean"])
def test_multi_output_ops_of_an_inference_tensor_that_requires_grad(name):
    """Autograd never sees an op all of whose inputs are inference tensors: ``v.min(1)``'s
    values do not require grad (found by the fuzzer, seed 9078); median(dim) / nanmedian(dim)
    call their out= form, which is refused for an input that requires grad."""
    ops = {"min": lambda L, v: v.min(1), "max": lambda L, v: v.max(0), "sort": lambda L, v: v.sort(0),
           "topk": lambda L, v: v.topk(1), "split": lambda L, v: v.split(1), "unbind": lambda L, v: v.unbind(1),
           "chunk": lambda L, v: v.chunk(2, 1), "kthvalue": lambda L, v: v.kthvalue(1, 1),
           "median": lambda L, v: v.median(1), "nanmedian": lambda L, v: v.nanmedian(1),
           "median_all": lambda L, v: (v.median(),), "unique": lambda L, v: L.unique(v, return_inverse=True),
           "var_mean": lambda L, v: L.var_mean(v, 1)}

    def f(lib):
        with lib.inference_mode():
            v = lib.ones(2, 3, requires_grad=True)
        return [(t.requires_grad, t.grad_fn is not None) for t in ops[name](lib, v)]
    same_outcome(f, torch)


# --- 5. second order -------------------------------------------------------------------------

@pytest.mark.parametrize("vals", [[[0.0]], [[0.0], [2.0]], [[0.0, 2.0]], [[3.0]], [[0.0, 0.0]]])
def test_prod_gradient_through_a_one_element_slice_with_a_zero(vals):
    """PyTorch's prod_safe_zeros_backward passes the gradient as it is through a slice of one
    element (found by the fuzzer, seed 9032: AddBackward0, ours MulBackward0)."""
    def f(lib):
        v0 = lib.tensor(vals, dtype=lib.float64, requires_grad=True)
        v3 = v0.prod(1, keepdim=True)
        g, = lib.autograd.grad((v3 * v3).mean(), [v0], create_graph=True)
        g2, = lib.autograd.grad(v0.prod() * 2, [v0], create_graph=True)
        return _node(g), _node(g2)
    same_outcome(f, torch)


# --- 6. documented torch nondeterminism ---------------------------------------------------------

def test_known_vectorized_remainder_nan_is_classified():
    """The fuzzer's remainder case (seed 8095) is documented in known.py: torch's vector
    kernel gives nan where its scalar loop (and ours) gives the exact fmod; a nan on both
    sides or a plain wrong value elsewhere is not excused."""
    from tests.fuzz.known import classify
    excused = classify("value", "v6: [[0.0, -0.0, nan], [-0.0, 0.0, -0.0]] vs [[0.0, -0.0, -0.0], [-0.0, 0.0, -0.0]]",
                       "{g}{a} % {x}")
    assert excused is not None and excused.owner == "torch"
    assert classify("value", "v6: [[nan]] vs [[nan]]", "{g}{a} % {x}") is None
    assert classify("value", "v6: [[1.0]] vs [[2.0]]", "{g}{a} % {x}") is None
    assert classify("value", "v6: [[nan]] vs [[2.0]]", "{g}{a} + {x}") is None


def test_known_blas_overflow_in_matmul_is_classified():
    """The fuzzer's matmul case (seed 9109): terms past float32's range summed as nan by
    torch's kernel and as -inf by numpy's BLAS (FMA) are documented in known.py."""
    from tests.fuzz.known import classify
    assert classify("value", "v12: [[inf, nan], [nan, inf]] vs [[inf, -inf], [-inf, inf]]", "{g}{A} @ {A}") is not None
    assert classify("value", "v12: [[1.0, nan]] vs [[1.0, 2.0]]", "{g}{A} @ {A}") is None


# --- 7. losses at the edges ----------------------------------------------------------------------

@pytest.mark.parametrize("case", ["no_classes_1d", "no_classes_2d", "ignored_row", "ignored_sum", "ignored_1d"])
@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_nll_backward_with_ignored_targets_and_no_classes(case, loss):
    """An ignored target writes no gradient: with no classes at all (input of shape (0,)),
    there is no class 0 to write a zero into (found by the fuzzer, seed 9121: an empty
    masked selection given to cross_entropy with ignore_index=0, then backward)."""
    shape, target, kw = {"no_classes_1d": ((0,), 0, {}), "no_classes_2d": ((2, 0), [0, 0], {}),
                         "ignored_row": ((2, 3), [0, 2], {}), "ignored_sum": ((2, 3), [1, 1], {"reduction": "sum"}),
                         "ignored_1d": ((3,), 0, {})}[case]

    def f(lib):
        x = lib.zeros(shape, requires_grad=True)
        y = getattr(lib.nn.functional, loss)(x, lib.tensor(target), ignore_index=0, **kw)
        y.backward()
        return str(y.item()), [[round(v, 5) for v in r] if isinstance(r, list) else round(r, 5) for r in x.grad.tolist()]
    same_outcome(f, torch)


@pytest.mark.parametrize("kw", [{}, {"equal_nan": True}, {"rtol": 0, "atol": 0}, {"rtol": 0, "atol": 0, "equal_nan": True},
                                {"rtol": 0}, {"atol": 0}])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_isclose_result_version_counts_its_inplace_steps(kw, dtype):
    """PyTorch's isclose is ``self == other`` then ``|=`` the NaN matches (equal_nan, floating
    inputs) and ``|=`` the tolerance test: its result starts at version 1 or 2, which shows
    in the error of a backward that saved it (found by the fuzzer, seed 9093)."""
    def f(lib):
        x = lib.tensor([[1.0, math.nan]]).to(getattr(lib, dtype))
        return lib.isclose(x, x, **kw)._version
    same_outcome(f, torch)


def test_isclose_mask_changed_after_saving_names_torch_versions():
    def f(lib):
        v0 = lib.tensor([[-1.0, 0.0, -1.5], [-1.0, 1.0, 0.0], [1.0, 2.0, -0.5]], requires_grad=True)
        v1 = lib.isclose(v0, v0)
        v4 = lib.lerp(v0, v0, 0.25).mul(v1)
        v1.diagonal().zero_()
        lib.rsqrt(v4).sum().backward()
    same_outcome(f, torch)


@pytest.mark.parametrize("how", ["requires_grad_false", "detach_", "requires_grad_false_hook", "detach_hook"])
@pytest.mark.parametrize("use", ["grad", "backward"])
def test_a_leaf_requiring_grad_again_keeps_its_accumulator(how, use):
    """``x.detach_()`` (or ``requires_grad_(False)``) then ``x.requires_grad_()``: PyTorch
    keeps x's AccumulateGrad (and its hooks), so a graph built before still reaches x and
    ``autograd.grad`` finds its gradient (found by the fuzzer, seed 9166: None, torch a tensor)."""
    def f(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        if how.endswith("hook"):
            x.register_hook(lambda g: g * 10)
        x.detach_() if how.startswith("detach_") else x.requires_grad_(False)
        x.requires_grad_()
        z = x * 3
        if use == "grad":
            return lib.autograd.grad((y + z).sum(), x, allow_unused=True)[0].tolist()
        (y + z).sum().backward()
        return x.grad.tolist()
    same_outcome(f, torch)


@pytest.mark.parametrize("op", ["iadd", "add_", "sub_", "add_number", "exp_"])
def test_inplace_into_a_detached_inference_tensor_records(op):
    """``inference_tensor.detach()`` made outside inference mode has a version counter: an
    in-place op with an ordinary input that requires grad records into it, as in PyTorch
    (found by the fuzzer, seed 9162: ``v5 += v6``). (``mul_``, which saves a clone of self,
    is still open: ours refuses saving the inference tensor.)"""
    def f(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.inference_mode():
            v2 = lib.sigmoid(x)
        v5 = v2.detach()
        o = x * 1
        {"iadd": lambda: v5.__iadd__(o), "add_": lambda: v5.add_(o), "sub_": lambda: v5.sub_(o),
         "add_number": lambda: v5.add_(1), "exp_": lambda: v5.exp_()}[op]()
        return v5.requires_grad, v5.grad_fn.name() if v5.grad_fn is not None else None, v5._version
    same_outcome(f, torch)


def test_inplace_reads_the_other_inputs_histories_before_its_shape_check():
    """The fuzzer's case (seed 9265): ``v8.eq_(v2)`` with ``v2`` a no_grad view whose base
    changed in place since: autograd reads v2's history (refused) before the kernel's shape
    error."""
    def f(lib):
        v0 = lib.tensor([-2.0, -1.5, 2.0, -1.5], dtype=lib.float64, requires_grad=True)
        with lib.no_grad():
            v2 = v0.permute(0)
        v0.logical_and_(0 > v2)
        with lib.inference_mode():
            v8 = lib.tensor(1)
        v8.eq_(v2)
    same_outcome(f, torch)


@pytest.mark.parametrize("shape", [(), (3,)])
def test_logsigmoid_of_an_inference_tensor_that_requires_grad(shape):
    """Autograd never sees logsigmoid of an inference tensor: its buffer is no input, so
    nothing is saved (found by the fuzzer, seed 9321)."""
    def f(lib):
        with lib.inference_mode():
            v = lib.ones(shape, requires_grad=True)
        with lib.enable_grad():
            r = lib.nn.functional.logsigmoid(v)
        return r.requires_grad, r.grad_fn is None, tuple(r.shape), round(float(r.sum()), 3)
    same_outcome(f, torch)
