"""Second-order graphs and saved tensors: differences the program fuzzer found (#24).

Each test runs the same snippet under real torch and autograd_nb and compares what a
learner can see: the nodes a create_graph gradient links to (names, in order), whether
it requires grad, its values, which saved tensors a node keeps (and the errors when
they are changed in place or read after being freed).
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

import autograd_nb as anb

torch = pytest.importorskip("torch")

from torch_errors import outcome, same_outcome  # noqa: E402

_outcome = functools.partial(outcome, first_line=True, quiet=True)

pytestmark = [pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True"),
              pytest.mark.filterwarnings("ignore:var.. degrees of freedom")]


def graph(t) -> list:
    """The nodes reachable from ``t.grad_fn``, depth first, as (depth, name) pairs
    (a node met again is marked '*' and not walked twice)."""
    out, seen = [], set()
    stack = [(t.grad_fn, 0)] if t.grad_fn is not None else []
    while stack:
        fn, depth = stack.pop()
        again = id(fn) in seen
        out.append((depth, type(fn).__name__ + (" *" if again else "")))
        if again:
            continue
        seen.add(id(fn))
        stack.extend((n, depth + 1) for n, _ in reversed(fn.next_functions) if n is not None)
    return out


def same(fn):
    """``fn(lib)`` under torch and autograd_nb: the same outcome."""
    return same_outcome(fn, torch, first_line=True, quiet=True)


def _grad_view(x, out, lib, **kw):
    """The create_graph gradient of ``out.sum()`` with respect to ``x``: its graph, its
    requires_grad and its values (rounded to 12 digits)."""
    g, = lib.autograd.grad(out.sum(), [x], create_graph=True, **kw)
    return graph(g), g.requires_grad, values(g)


def values(t) -> str:
    """``t``'s values rounded to 12 significant digits, as text (so NaN equals NaN)."""
    return np.array2string(t.detach().numpy().astype(np.float64), precision=12, floatmode="maxprec")


X23 = [[1.5, 2.0, -0.5], [0.25, 1.0, 3.0]]


# --- mean, var, std: PyTorch's mean_backward / var_backward / std_backward ------------

REDUCTIONS = {
    "mean": lambda x: x.mean(),
    "mean_dim": lambda x: x.mean(1, keepdim=True),
    "mean_dims": lambda x: x.mean((0, 1)),
    "var": lambda x: x.var(),
    "var_dim": lambda x: x.var(0),
    "var_dim_keep": lambda x: x.var(1, keepdim=True),
    "var_dims": lambda x: x.var((0, 1), correction=0),
    "var_empty_dims": lambda x: x.var(dim=[]),
    "var_dof0": lambda x: x.var(correction=6),
    "var_dim_dof0": lambda x: x.var(0, correction=2),
    "var_row": lambda x: x[0].var(0),
    "var_0d": lambda x: x[0, 0].var(0),
    "var_0d_all": lambda x: x[0, 0].var(),
    "std": lambda x: x.std(),
    "std_dim": lambda x: x.std(1),
    "std_dof0": lambda x: x.std(0, correction=2),
    "var_mean": lambda x: sum(x.var_mean(1)),
    "var_mean_all": lambda x: sum(x.var_mean()),
    "var_mean_keep": lambda x: x.var_mean(0, keepdim=True)[1] * 2,
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_reduction_second_order_graph(name):
    """mean's rule divides by a number (``DivBackward1``); var's scales the gradient by
    a number first (``MulBackward1``) and subtracts ``self.mean()`` (``MeanBackward0``
    over everything); with no degrees of freedom left over everything (a 0-d x too) it is
    ``grad * where(x == mean, nan, inf)``, so it does not require grad."""
    def run(T):
        x = T.tensor(X23, dtype=T.float64, requires_grad=True)
        return _grad_view(x, REDUCTIONS[name](x), T)
    same(run)


@pytest.mark.parametrize("name", ["nll_log_softmax_mean", "var_0d_backward"])
def test_fuzz_programs(name):
    """The fuzzer's programs (seed 610 program 46; seed 617 program 259)."""
    def run(T):
        F = T.nn.functional
        if name == "nll_log_softmax_mean":
            v0 = T.tensor([[1.5], [0.25], [3.0]], dtype=T.float32, requires_grad=True)
            v6 = F.nll_loss(F.log_softmax(v0.mean(1, keepdim=True), -1), T.tensor([0, 0, 0]))
            return _grad_view(v0, v6, T, allow_unused=True)
        v4 = T.tensor(1.5, dtype=T.float32, requires_grad=True)
        v4.var(0, keepdim=False).sum().backward(create_graph=True)
        return v4.grad.requires_grad, v4.grad.grad_fn, repr(v4.grad)
    same(run)


# --- as_strided's rule: PyTorch's as_strided_backward --------------------------------

def _restrided(kind):
    """A function of x whose result goes through an AsStridedBackward0 node."""
    def make(T, x):
        if kind == "no_grad_inplace_view":           # (seed 601 program 838)
            v = x[:, None]
            with T.no_grad():
                v.frac_()
            return T.nn.functional.leaky_relu(v, 1.5)
        if kind == "inplace_on_base":
            b = x * 1
            v = b.t()[1:]
            b.mul_(2)
            return v * v
        if kind == "inplace_on_view":
            b = x * 1
            v = b[:, 1]
            v.mul_(v)
            return b[0] * 3 + v.sum()
        if kind == "as_strided":
            return (x * 1).as_strided((2, 2), (1, 2), 1) ** 2
        if kind == "as_strided_overlap":
            return (x * 1).as_strided((3, 3), (1, 1)) ** 2
        if kind == "as_strided_leaf":
            return x.as_strided((2, 2, 1), (3, 1, 5), 2) ** 2
        if kind == "as_strided_expanded_input":
            return (x[0] * 1).expand(2, 3).as_strided((2, 2), (0, 1)) ** 2
        if kind == "as_strided_size0":
            return (x * 1).as_strided((0, 2), (1, 1)) * 2
        raise KeyError(kind)
    return make


@pytest.mark.parametrize("kind", ["no_grad_inplace_view", "inplace_on_base", "inplace_on_view",
                                  "as_strided", "as_strided_overlap", "as_strided_leaf",
                                  "as_strided_expanded_input", "as_strided_size0"])
def test_as_strided_backward_graph(kind):
    """The create_graph gradient through an AsStridedBackward0 node: PyTorch writes it
    into a zero storage through the view's layout (``CopySlices``, or an ``index_add_``
    where the view repeats places) and reads it back through the input's
    (``AsStridedBackward0``); a place the input holds twice gets half of it each."""
    def run(T):
        x = T.tensor(X23, dtype=T.float64, requires_grad=True)
        out = _restrided(kind)(T, x)
        first = values(T.autograd.grad(out.sum(), [x], retain_graph=True)[0])
        return first, _grad_view(x, out, T)
    same(run)


# --- pow: PyTorch's pow_backward, pow_backward_self, pow_backward_exponent ------------

POWS = {
    "x**0": lambda T, x, e: x.pow(0),
    "x**2": lambda T, x, e: x ** 2,
    "x**3": lambda T, x, e: x.pow(3),
    "x**0.5": lambda T, x, e: (x * x).pow(0.5),
    "x**-1": lambda T, x, e: x.pow(-1),
    "x**True": lambda T, x, e: x.pow(True),
    "square": lambda T, x, e: x.square(),
    "x**e": lambda T, x, e: x.pow(e),
    "x**e_const": lambda T, x, e: x.pow(e.detach()),
    "2.0**x": lambda T, x, e: T.pow(2.0, x),
    "0.0**x": lambda T, x, e: T.pow(0.0, x),
    "2**x": lambda T, x, e: 2 ** x,
}


@pytest.mark.parametrize("name", list(POWS))
def test_pow_second_order_graph(name):
    """The exponent is a number: ``grad * (e * self.pow(e - 1))`` with e a float
    (``MulBackward1`` of ``PowBackward0``); a tensor: ``exponent - 1`` is ``SubBackward1``;
    a number base: ``result * log(base)`` is ``MulBackward1``."""
    def run(T):
        x = T.tensor(X23, dtype=T.float64, requires_grad=True)
        e = T.tensor([2.0, 0.0, 3.0], dtype=T.float64, requires_grad=True)
        out = POWS[name](T, x, e)
        return [None if g is None else (graph(g), g.requires_grad, values(g))
                for g in T.autograd.grad(out.sum(), [x, e], create_graph=True, allow_unused=True)]
    same(run)


@pytest.mark.parametrize("case", ["exp0_inplace", "scalar_base_inplace", "exp0_twice", "scalar_base_twice",
                                  "tensor_exp_inplace"])
def test_pow_saved_tensors(case):
    """Every pow node unpacks all it saved before its formula runs: ``pow(x, 0)`` still
    checks x's version (seed 613 program 840), ``pow(2.0, e)`` still checks e's, and
    both refuse a second backward."""
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True) * 1
        if case == "exp0_inplace":
            y = x.pow(0)
            x.detach().mul_(-0.5)
        elif case == "scalar_base_inplace":
            y = T.pow(2.0, x)
            x.add_(1)
        elif case == "tensor_exp_inplace":
            e = T.tensor([2.0, 3.0])
            y = x.pow(e)
            e.add_(1)
        else:
            y = x.pow(0) if case == "exp0_twice" else T.pow(2.0, x)
            y.sum().backward(retain_graph=False)
        y.sum().backward()
        return "no error"
    same(run)


# --- NotImplemented nodes run first ---------------------------------------------------

def test_not_implemented_runs_before_a_stale_saved_tensor():
    """PyTorch numbers its NotImplemented node 2**64 - 1, so it is the first node of the
    pass to run: its error comes before a version error elsewhere (seed 603 program 60)."""
    def run(T):
        F = T.nn.functional
        v0 = T.tensor(0.5, dtype=T.float64, requires_grad=True)
        v1 = 1.0 // v0
        v2 = T.ceil(v0)
        v2.clamp_max_(v2)
        v9 = v1 * F.elu(v2).sinh()
        numbers = (v1.grad_fn.name(), v1.grad_fn._sequence_nr(), (v0 * 2).grad_fn._sequence_nr() < 2 ** 63)
        try:
            v9.sum().backward(create_graph=True)
        except RuntimeError as exc:
            return numbers, str(exc)
    assert "floor_divide" in same(run)[1][1]


# --- index tensors are saved tensors ---------------------------------------------------

def _x23(T):
    return T.tensor(X23, requires_grad=True)


INDEX_PROGRAMS = {
    "x[idx], idx changed": lambda T: (lambda x, i: (x[i], i.add_(0)))(_x23(T), T.tensor([0, 1]))[0],
    "x[mask], mask changed": lambda T: (lambda x, m: (x[m], m.zero_()))(_x23(T), T.tensor([True, False]))[0],
    "x[mask2d], mask changed": lambda T: (lambda x: (lambda m: (x[m], m.zero_()))(x.detach() > 1))(_x23(T))[0],
    "x[1:, idx], idx changed": lambda T: (lambda x, i: (x[1:, i], i.add_(0)))(_x23(T), T.tensor([0, 2]))[0],
    "x[i, j], j changed": lambda T: (lambda x, i, j: (x[i, j], j.add_(0)))(_x23(T), T.tensor([0, 1]),
                                                                         T.tensor([2, 0]))[0],
    "x[view of idx], idx changed": lambda T: (lambda x, i: (x[i[:2]], i.add_(0)))(_x23(T), T.tensor([0, 1, 1]))[0],
    "x[idx] = v, idx changed": lambda T: (lambda x, i: (x.__setitem__(i, T.tensor([[9.0, 9.0, 9.0]])), i.add_(0),
                                                       x)[2])(_x23(T) * 1, T.tensor([0])),
    "x[mask] = v, mask changed": lambda T: (lambda x, m: (x.__setitem__(m, T.tensor(5.0, requires_grad=True)),
                                                         m.zero_(), x)[2])(_x23(T) * 1, _x23(T).detach() > 2),
}


@pytest.mark.parametrize("name", list(INDEX_PROGRAMS))
def test_index_tensor_changed_in_place_is_refused(name):
    """PyTorch saves the index tensors of x[idx] / x[idx] = v (IndexBackward0,
    IndexPutBackward0): changed in place before backward, they raise the version error
    ('[torch.LongTensor [2]]', a mask '[CPUBoolType [2]]'). The fuzzer's known entry."""
    def run(T):
        out = INDEX_PROGRAMS[name](T)
        out.sum().backward()
        return "no error"
    same(run)


def test_index_tensors_saved_and_freed():
    """``_saved_indices`` gives the user's own index tensors (None for a ':'), a list index
    a new tensor; a backward frees them (reading them after, or a second backward, raises);
    the second-order node IndexPutImplBackward0 saves them too, version-checked."""
    def run(T):
        out = []
        x = _x23(T)
        i = T.tensor([0, 2])
        y = x[..., i]
        out += [y.grad_fn._saved_indices, y.grad_fn._saved_indices[1] is i, x[[0, 1], [2, 0]].grad_fn._saved_indices]
        fn = y.grad_fn
        y.sum().backward()
        for again in (lambda: fn._saved_indices, lambda: y.sum().backward()):
            try:
                again()
            except RuntimeError as exc:
                out.append(str(exc)[:60])
        j = T.tensor([0, 1, 1])
        g, = T.autograd.grad((x[j] ** 2).sum(), x, create_graph=True)
        out += [graph(g), g.grad_fn._saved_indices, g.grad_fn._saved_accumulate]
        j.add_(0)
        try:
            g.sum().backward()
        except RuntimeError as exc:
            out.append(str(exc)[:120])
        return [repr(o) for o in out]
    same(run)


def test_inference_index_tensor_cannot_be_saved():
    """An index tensor made in inference mode cannot be saved, so x[idx] refuses it."""
    def run(T):
        with T.inference_mode():
            i = T.tensor([0, 1])
        x = _x23(T)
        return [_outcome(lambda T: x[i], T)[0], _outcome(lambda T: x.detach()[i].sum().item(), T)]
    same(run)


# --- repeat: PyTorch's repeat_backward -------------------------------------------------

@pytest.mark.parametrize("reps", [(2,), (2, 1, 1, 3), (1, 1, 1), (1, 2, 1), (0, 1, 1), (3, 2, 2, 1)])
def test_repeat_backward_graph(reps):
    """New leading dims summed one by one (``SumBackward1``), then one reshape and one sum
    over the copies; nothing at all where every repeat is 1 (seed 600 program 397)."""
    def run(T):
        x = T.tensor([[[3.0, 3.0, 0.5]], [[1.0, 0.0, 0.25]]], dtype=T.float64, requires_grad=True)
        y = x.repeat(*reps) if len(reps) > 1 else x.tile(reps)
        first = values(T.autograd.grad((y * T.arange(float(y.numel())).view(y.shape)).sum(), x)[0])
        return first, _grad_view(x, y * y, T)
    same(run)


def test_pow_bool_exponent_backward_refuses():
    """pow(x, e) with a bool e: the rule's ``e - 1`` is refused as PyTorch's (seed 601
    program 681)."""
    def run(T):
        x = T.tensor([1.5, 2.0], requires_grad=True)
        x.pow(T.tensor([True, False])).sum().backward()
    same(run)


def test_hypot_unpacks_its_inputs_before_its_result():
    """Changed in place, the input is reported, not the result: PyTorch unpacks saved
    inputs (by name) before saved outputs (seed 609 program 227)."""
    def run(T):
        v0 = T.tensor([[3.0, -1.5], [-2.0, 1.0]], dtype=T.float64, requires_grad=True)
        v1 = T.hypot(v0, v0)
        v0.detach().mul_(2.0)
        v1.view(-1).sub_(-0.5)
        v1.sum().backward()
    same(run)
