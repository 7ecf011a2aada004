"""Causes found by the program fuzzer (issue #24, round 8), each replayed against real torch 2.13."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tests.torch_errors import same_outcome  # noqa: E402

import autograd_nb as T  # noqa: E402


def _inference(lib, *shape, requires_grad=False, dtype=None):
    with lib.inference_mode():
        return lib.ones(*shape, dtype=dtype or lib.float32, requires_grad=requires_grad)


def _node(r):
    return (r.grad_fn.name() if r.grad_fn is not None else None, r.requires_grad, r.detach().numpy().tolist())


# --- 1. an op saves its inputs (SavedVariable) before its kernel checks the arguments ------------

_SAVED_FIRST = {
    "mul": lambda L, x, t: x.mul(t),
    "torch.mul": lambda L, x, t: L.mul(x, t),
    "t_mul_x": lambda L, x, t: t.mul(x),
    "pow": lambda L, x, t: x.pow(t),
    "pow_": lambda L, x, t: (x * 1).pow_(t),
    "mul_": lambda L, x, t: (x * 1).mul_(t),
    "div": lambda L, x, t: L.div(x, t),
    "atan2": lambda L, x, t: x.atan2(t),
    "xlogy": lambda L, x, t: x.xlogy(t),
    "mm": lambda L, x, t: x.mm(t),
    "huber_delta": lambda L, x, t: L.nn.functional.huber_loss(t[0, :3], x[0], delta=-1.0),
    "huber_delta_target": lambda L, x, t: L.nn.functional.huber_loss(x[0], t[0, :3], delta=0.0),
    # what saves nothing is refused by the kernel as before
    "add": lambda L, x, t: x.add(t),
    "sub_": lambda L, x, t: (x * 1).sub_(t),
    "where": lambda L, x, t: L.where(x > 0, x, t),
}


@pytest.mark.parametrize("name", sorted(_SAVED_FIRST))
def test_inference_tensor_saved_before_the_argument_checks(name):
    """PyTorch's autograd kernel (VariableType) saves an op's inputs before it calls the
    kernel, so an inference tensor it saves is refused before a shape or argument error
    ("Inference tensors cannot be saved for backward"); ops that save nothing keep their
    kernel's error (found by the fuzzer: x.pow_(t), huber_loss(t, x, delta=-1))."""
    def f(lib):
        x = lib.ones(2, 3, requires_grad=True)
        return _node(_SAVED_FIRST[name](lib, x, _inference(lib, 4, 4)))
    same_outcome(f, torch)


@pytest.mark.parametrize("name", ["mul", "div", "atan2"])
def test_an_input_saved_only_for_a_gradient_not_computed_is_not_refused(name):
    """A saved input is saved only when the gradient that reads it is computed
    (``should_compute_output``): ``x * t`` with only ``t`` requiring grad saves ``x``, not
    ``t``; the kernel's error comes then."""
    def f(lib):
        x = lib.ones(2, 3)
        t = _inference(lib, 4, requires_grad=True)
        return _node(getattr(x, name)(t))
    same_outcome(f, torch)


def test_inference_saved_first_after_the_view_error():
    """The inputs' histories are read before anything is saved (collect_next_edges)."""
    def f(lib):
        base = lib.ones(2, 3, requires_grad=True) * 1
        with lib.no_grad():
            v = base[0]
        base.mul_(2)
        return _node(v.mul(_inference(lib, 4)))
    same_outcome(f, torch)


# --- 2. an in-place op on an integer tensor with a history saves self.clone() first ------------

_INT_INPLACE = {
    "mul_x": lambda L, b, x: b.mul_(x), "mul_2": lambda L, b, x: b.mul_(2), "mul_self": lambda L, b, x: b.mul_(b),
    "abs_": lambda L, b, x: b.abs_(), "neg_": lambda L, b, x: b.neg_(), "add_x": lambda L, b, x: b.add_(x),
    "pow_2": lambda L, b, x: b.pow_(2), "square_": lambda L, b, x: b.square_(), "clamp_": lambda L, b, x: b.clamp_(0, 1),
    "clamp_min_": lambda L, b, x: b.clamp_min_(0), "exp_": lambda L, b, x: b.exp_(), "sin_": lambda L, b, x: b.sin_(),
    "atan2_": lambda L, b, x: b.atan2_(x), "xlogy_": lambda L, b, x: b.xlogy_(2), "hypot_": lambda L, b, x: b.hypot_(x),
    "logit_": lambda L, b, x: b.logit_(), "fmod_": lambda L, b, x: b.fmod_(2), "sign_": lambda L, b, x: b.sign_(),
    "addcmul_": lambda L, b, x: b.addcmul_(b, b), "fill_": lambda L, b, x: b.fill_(1),
    "scatter_reduce_": lambda L, b, x: b.scatter_reduce_(0, L.tensor([0]), L.ones(1, dtype=b.dtype), "prod"),
    "masked_fill_": lambda L, b, x: b.masked_fill_(b > 0, 1),
}


@pytest.mark.parametrize("dtype", ["bool", "int64"])
@pytest.mark.parametrize("name", sorted(_INT_INPLACE))
def test_inplace_on_integer_with_history_saves_a_copy_of_self(name, dtype):
    """``b.gt_(x)`` gives an integer ``b`` a history; an in-place op whose gradient reads
    ``self`` then saves ``self.clone()`` before its kernel runs, and that copy (an integer
    result with a history) is refused: "Autograd not support dtype" before the op's own
    errors (found by the fuzzer)."""
    def f(lib):
        x = lib.ones(3, requires_grad=True)
        b = lib.zeros(3, dtype=getattr(lib, dtype))
        b.gt_(x)
        r = _INT_INPLACE[name](lib, b, x)
        return r.grad_fn.name() if r.grad_fn is not None else None, str(r.dtype)
    same_outcome(f, torch)


# --- 3. var/std of all the elements: the float32 mean first ------------------------------------

_BIG = 3e38


@pytest.mark.parametrize("values", [[_BIG] * 3, [_BIG, -_BIG, _BIG, -_BIG], [3e38, 3.3e38], [3.4e38, 3.06e38, -6.8e37],
                                    [[_BIG, _BIG, _BIG], [1.0, 2.0, 3.0]], [1.0, 2.0, 4.0], [0.1, 0.7, -1.3, 2.9, 5.5]])
@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"dim": -1}, {"correction": 0}, {"dim": None, "keepdim": True}])
@pytest.mark.parametrize("fn", ["var", "std"])
def test_var_std_of_all_elements_takes_the_float32_mean(fn, kw, values):
    """PyTorch's all-reduce var/std (std_var_all_cpu) computes the mean in float32 (which
    overflows to inf near float32's largest value), then the squared deviations in double;
    a reduction with several results uses Welford in double (no overflow)."""
    same_outcome(lambda lib: getattr(lib.tensor(values), fn)(**kw).tolist(), torch)


def test_var_mean_keeps_the_double_mean():
    same_outcome(lambda lib: [t.tolist() for t in lib.var_mean(lib.tensor([_BIG] * 3))], torch)


# --- 4. a number form with an inference tensor is recorded as its Tensor form -------------------

_NUMBER_FORMS = {
    "remainder": lambda x: x.remainder(2), "mod": lambda x: x % -2, "fmod": lambda x: x.fmod(2),
    "rsub": lambda x: 2 - x, "rsub_float": lambda x: 2.5 - x, "mul": lambda x: x * 2, "add": lambda x: 2 + x,
}


@pytest.mark.parametrize("name", sorted(_NUMBER_FORMS))
def test_number_form_with_an_inference_tensor_records_the_tensor_form(name):
    """Autograd never sees the number form when every tensor input is an inference tensor;
    the composite kernel wraps the number and calls the Tensor form, which it records
    (x.remainder(2): RemainderBackward1; 2 - x: SubBackward0)."""
    def f(lib):
        x = _inference(lib, 3, requires_grad=True)
        y = _NUMBER_FORMS[name](x)
        g, = lib.autograd.grad(y.sum(), x)
        return _node(y), g.tolist(), [n.name() if n is not None else None for n, _ in y.grad_fn.next_functions]
    same_outcome(f, torch)


@pytest.mark.parametrize("op", ["5 % x", "T.remainder(5, x)", "2 ** x"])
def test_number_first_with_an_inference_tensor(op):
    """``5 % x`` wraps the 5 and saves x (an inference tensor: refused); ``2 ** x``'s
    composite writes into out=, refused for an argument that requires grad."""
    def f(lib):
        x = _inference(lib, 3, requires_grad=True)
        return _node(eval(op, {"x": x, "T": lib}))         # noqa: S307 - our own expressions
    same_outcome(f, torch)


def test_number_forms_of_ordinary_tensors_unchanged():
    def f(lib):
        x = lib.tensor([1.5, -2.0], requires_grad=True)
        return [_node(y)[0] for y in (x.remainder(2), x.fmod(2), 2 - x, 5 % x)]
    assert same_outcome(f, torch)[1] == ["RemainderBackward0", "FmodBackward0", "RsubBackward1",
                                         "torch::autograd::NotImplemented"]
