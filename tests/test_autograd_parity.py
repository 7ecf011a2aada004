"""Issue "autograd in depth" against real PyTorch 2.13: the same script under both libraries
must give the same values, names and errors (type and first line)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_nb as anb

torch = pytest.importorskip("torch")


def outcome(fn, m):
    """What ``fn(m)`` returns, or ``(error type, first line)``; warnings' categories too."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = fn(m)
        except Exception as e:  # noqa: BLE001 - the error is the outcome
            value = (type(e).__name__, str(e).splitlines()[0])
    return _plain(value), sorted({w.category.__name__ for w in caught})


def _plain(v):
    if isinstance(v, (anb.Tensor, torch.Tensor)):
        return ("tensor", np.asarray(v.detach().tolist(), dtype=float).tolist(), v.requires_grad)
    if isinstance(v, (list, tuple)):
        return type(v).__name__, [_plain(x) for x in v]
    return v


def _close(a, b) -> bool:
    """Equal structures, floats equal to float32 precision."""
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-4 * max(1.0, abs(a), abs(b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return a == b


def same(fn):
    ours, theirs = outcome(fn, anb), outcome(fn, torch)
    assert _close(ours, theirs), (ours, theirs)


# --------------------------------------------------------------------- autograd.grad
def grad_basic(m):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    g = m.autograd.grad((x ** 2).sum(), x)
    return type(g).__name__, g, x.grad


def grad_vector_output_needs_grad_outputs(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    return m.autograd.grad(x * 2, x)


def grad_with_grad_outputs(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    return m.autograd.grad(x * x, x, grad_outputs=m.tensor([1.0, -1.0]))


def grad_unused(m):
    x = m.tensor(1.0, requires_grad=True)
    y = m.tensor(1.0, requires_grad=True)
    return m.autograd.grad(x * 2, [x, y])


def grad_allow_unused(m):
    x = m.tensor(1.0, requires_grad=True)
    y = m.tensor(1.0, requires_grad=True)
    return m.autograd.grad(x * 2, [x, y], allow_unused=True)


def grad_materialize(m):
    x = m.tensor(1.0, requires_grad=True)
    y = m.tensor([1.0, 2.0], requires_grad=True)
    return m.autograd.grad(x * 2, [x, y], materialize_grads=True)


def grad_freed_graph(m):
    x = m.tensor(2.0, requires_grad=True)
    y = x * x
    m.autograd.grad(y, x)
    return m.autograd.grad(y, x)


def grad_input_without_grad(m):
    return m.autograd.grad(m.tensor(1.0, requires_grad=True) * 2, m.tensor(1.0))


def second_and_third_derivatives(m):
    x = m.tensor([0.5, -1.0], requires_grad=True)
    (g,) = m.autograd.grad((x ** 3).sin().sum(), x, create_graph=True)
    (g2,) = m.autograd.grad(g.sum(), x, create_graph=True)
    (g3,) = m.autograd.grad(g2.sum(), x)
    return g, g2, g3


def hessian_vector_product(m):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = m.tensor([1.0, 0.0, -1.0])
    (g,) = m.autograd.grad((x.exp() * x).sum(), x, create_graph=True)
    (hv,) = m.autograd.grad(g, x, grad_outputs=v)
    return hv


def gradient_penalty(m):
    w = m.tensor([[0.5, -1.0], [2.0, 0.3]], requires_grad=True)
    x = m.tensor([[1.0, 2.0]], requires_grad=True)
    out = (x @ w).tanh().sum()
    (gx,) = m.autograd.grad(out, x, create_graph=True)
    penalty = (gx.norm() - 1) ** 2
    penalty.backward()
    return penalty, w.grad


# --------------------------------------------------------------------- retain_grad and hooks
def retain_grad_case(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    x.retain_grad()
    return h.grad, h.retains_grad, x.retains_grad


def retain_grad_without_requires_grad(m):
    m.ones(2).retain_grad()


def hook_on_tensor_without_grad(m):
    m.ones(2).register_hook(lambda g: g)


def hooks_order_and_replacement(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
    x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 2
    y.register_hook(lambda g: g + 1)
    y.sum().backward()
    return seen, x.grad


def engine_order_of_leaves(m):
    """Which node runs next shows in the order hooks fire: a ready AccumulateGrad runs
    before any other node (even one created later), ready ones in arrival order."""
    seen = []
    w = m.tensor([1.0, 2.0], requires_grad=True)
    (w * 1).sum().backward()                 # w's AccumulateGrad is now older than any node
    leaves = [m.tensor([1.0, 2.0], requires_grad=True) for _ in range(3)]
    for name, t in zip("wabc", [w] + leaves):
        t.register_hook(lambda g, name=name: seen.append(name))
    d = (leaves[0] * 3).exp()
    d.register_hook(lambda g: seen.append("d"))
    (d + w).sum().backward()                 # w before d
    seen.append("|")
    (leaves[0] * leaves[1] * leaves[2]).sum().backward()
    seen.append("|")
    m.stack(leaves).sum().backward()
    seen.append("|")
    m.cat([leaves[2], leaves[0], leaves[1]]).sum().backward()
    return seen, m.tensor([1.0], requires_grad=True).mul(2).grad_fn.next_functions[0][0]._sequence_nr()


def removed_hook(m):
    x = m.tensor([1.0], requires_grad=True)
    h = x.register_hook(lambda g: g * 100)
    h.remove()
    (x * 3).sum().backward()
    return x.grad


def node_hooks(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    out = y.sum()
    seen = []
    y.grad_fn.register_prehook(lambda go: seen.append(("pre", go[0].tolist())))
    y.grad_fn.register_hook(lambda gi, go: seen.append(("post", gi[0].tolist())))
    out.backward()
    return seen


def post_accumulate_hook(m):
    x = m.tensor([1.0], requires_grad=True)
    got = []
    x.register_post_accumulate_grad_hook(lambda t: got.append(t.grad.item()))
    (x * 5).sum().backward()
    (x * 5).sum().backward()
    return got


def post_accumulate_hook_on_non_leaf(m):
    x = m.tensor([1.0], requires_grad=True)
    (x * 2).register_post_accumulate_grad_hook(lambda t: None)


# --------------------------------------------------------------------- custom Function
def _square(m):
    class Square(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g
    return Square


def function_basic(m):
    x = m.tensor([1.0, -2.0], requires_grad=True)
    y = _square(m).apply(x)
    y.sum().backward()
    return type(y.grad_fn).__name__, y.grad_fn.name(), x.grad


def function_double_backward(m):
    x = m.tensor([3.0], requires_grad=True)
    y = _square(m).apply(x)
    (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
    (g2,) = m.autograd.grad(g.sum(), x)
    return g, g2


def function_wrong_count(m):
    class Bad(m.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g
    a = m.tensor(1.0, requires_grad=True)
    Bad.apply(a, m.tensor(2.0, requires_grad=True)).backward()


def function_wrong_shape(m):
    class Bad(m.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return m.ones(2)
    Bad.apply(m.ones(3, requires_grad=True)).sum().backward()


def function_broadcast_grad_is_summed(m):
    class Wide(m.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return m.ones(1, 3)
    a = m.ones(3, requires_grad=True)
    Wide.apply(a).sum().backward()
    return a.grad


def function_needs_input_grad_and_non_differentiable(m):
    class ArgMax(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            ctx.k = k
            return x * k, idx

        @staticmethod
        def backward(ctx, g, gidx):
            return g * ctx.k, None
    x = m.tensor([1.0, 5.0, 2.0], requires_grad=True)
    y, idx = ArgMax.apply(x, 3.0)
    y.sum().backward()
    return y.grad_fn.needs_input_grad, idx.requires_grad, x.grad


def function_input_returned_as_non_differentiable(m):
    class Same(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_non_differentiable(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g
    h = m.ones(2, requires_grad=True) * 1
    y = Same.apply(h)
    return y.requires_grad, y.grad_fn is None, y is h


def function_materialize_grads(m):
    class Two(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 + g2
    x = m.ones(2, requires_grad=True)
    a, b = Two.apply(x)
    a.sum().backward()
    return x.grad


def function_mark_dirty(m):
    class AddOne(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g
    x = m.ones(2, requires_grad=True)
    y = x * 1
    z = AddOne.apply(y)
    z.sum().backward()
    return z, y._version, x.grad


def function_saved_after_backward(m):
    x = m.tensor([2.0], requires_grad=True)
    y = _square(m).apply(x)
    y.sum().backward()
    return y.grad_fn.saved_tensors


def function_saved_stale(m):
    x = m.tensor([2.0], requires_grad=True)
    a = x * 1
    y = _square(m).apply(a)
    a.add_(1)
    y.sum().backward()


def function_once_differentiable(m):
    class Once(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @m.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g
    x = m.tensor([3.0], requires_grad=True)
    (g,) = m.autograd.grad(Once.apply(x).sum(), x, create_graph=True)
    return g


# --------------------------------------------------------------------- saved tensor hooks
def saved_tensor_hooks(m):
    shapes = []

    def pack(t):
        shapes.append(tuple(t.shape))
        return t * 1

    x = m.ones(3, requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(pack, lambda t: t * 2):
        y = (x * x).sum()
    y.backward()
    return shapes, x.grad


def save_on_cpu(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    with m.autograd.graph.save_on_cpu():
        y = (x.exp() * x).sum()
    y.backward()
    return x.grad


# --------------------------------------------------------------------- anomaly, gradcheck, functional
def anomaly_nan(m):
    a = m.tensor([0.0, 1.0], requires_grad=True)
    with m.autograd.set_detect_anomaly(True):
        (a.sqrt() * 0).sum().backward()


def anomaly_off_afterwards(m):
    with m.autograd.detect_anomaly():
        pass
    return m.is_anomaly_enabled() if hasattr(m, "is_anomaly_enabled") else False


def gradcheck_ok(m):
    x = m.tensor([0.3, -0.7], dtype=m.float64, requires_grad=True)
    return m.autograd.gradcheck(lambda t: (t * t).sin(), (x,)), \
        m.autograd.gradgradcheck(lambda t: (t * t).exp(), (x,))


def gradcheck_float32_warns(m):
    x = m.tensor([0.3], requires_grad=True)
    return m.autograd.gradcheck(lambda t: t * 2, (x,), atol=1e-2, rtol=1e-2)


def functional_jacobian_hessian(m):
    F = m.autograd.functional
    x = m.tensor([1.0, 2.0])
    j = F.jacobian(lambda t: t ** 2 * t.sum(), x)
    h = F.hessian(lambda t: (t ** 3).sum() + t.prod(), x)
    return j, h


def functional_vjp_jvp_hvp(m):
    F = m.autograd.functional
    x = m.tensor([1.0, 2.0])
    v = m.tensor([1.0, -1.0])
    f = lambda t: (t ** 3).sum()  # noqa: E731
    return F.vjp(lambda t: t ** 2, x, v)[1], F.jvp(lambda t: t ** 2, x, v)[1], F.hvp(f, x, v)[1]


def backward_inputs(m):
    a = m.tensor(2.0, requires_grad=True)
    b = m.tensor(3.0, requires_grad=True)
    h = a * b
    (h * h).backward(inputs=[a])
    return a.grad, b.grad


def backward_inputs_empty(m):
    a = m.tensor(2.0, requires_grad=True)
    (a * 2).backward(inputs=[])


CASES = [grad_basic, grad_vector_output_needs_grad_outputs, grad_with_grad_outputs, grad_unused,
         grad_allow_unused, grad_materialize, grad_freed_graph, grad_input_without_grad,
         second_and_third_derivatives, hessian_vector_product, gradient_penalty, retain_grad_case,
         retain_grad_without_requires_grad, hook_on_tensor_without_grad, hooks_order_and_replacement,
         engine_order_of_leaves,
         removed_hook, node_hooks, post_accumulate_hook, post_accumulate_hook_on_non_leaf,
         function_basic, function_double_backward, function_wrong_count, function_wrong_shape,
         function_broadcast_grad_is_summed, function_needs_input_grad_and_non_differentiable,
         function_input_returned_as_non_differentiable,
         function_materialize_grads, function_mark_dirty, function_saved_after_backward,
         function_saved_stale, function_once_differentiable, saved_tensor_hooks, save_on_cpu,
         anomaly_nan, anomaly_off_afterwards, gradcheck_ok, gradcheck_float32_warns,
         functional_jacobian_hessian, functional_vjp_jvp_hvp, backward_inputs, backward_inputs_empty]


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=lambda f: f.__name__)
def test_same_as_torch(case):
    same(case)


def _random_graph_hook_order(m, seed):
    """Hooks on leaves and on intermediate tensors of a random graph, in the order they fire."""
    import random
    rnd = random.Random(seed)
    log = []
    leaves = [m.tensor([1.0 + i, 2.0], requires_grad=True) for i in range(rnd.randint(1, 4))]
    if rnd.random() < 0.5:                           # some leaves get an older AccumulateGrad
        for leaf in rnd.sample(leaves, len(leaves)):
            (leaf * 1).sum().backward()
    for i, leaf in enumerate(leaves):
        leaf.register_hook(lambda g, i=i: log.append(f"L{i}"))
    pool = list(leaves)
    for k in range(rnd.randint(1, 8)):
        op, a, b = rnd.choice(["add", "mul", "exp", "stack", "sin"]), rnd.choice(pool), rnd.choice(pool)
        t = {"add": lambda: a + b, "mul": lambda: a * b, "exp": lambda: (a * 0.1).exp(),
             "sin": lambda: a.sin(), "stack": lambda: m.stack([a, b]).sum(0)}[op]()
        t.register_hook(lambda g, k=k: log.append(f"T{k}"))
        pool.append(t)
    sum(p.sum() for p in pool[len(leaves):]).backward()
    return log


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(40))
def test_engine_runs_nodes_in_torchs_order_on_random_graphs(seed):
    assert _random_graph_hook_order(anb, seed) == _random_graph_hook_order(torch, seed)


@pytest.mark.parametrize("name", ["sign", "round", "floor", "pow0", "div_floor", "where", "where_other"])
def test_zero_gradients_stay_zero_for_inf_and_nan_upstream(name):
    # a rule whose gradient is 0 gives 0 whatever arrives (PyTorch builds zeros, not g * 0)
    torch = pytest.importorskip("torch")
    fns = {"sign": lambda m, x: x.sign(), "round": lambda m, x: x.round(), "floor": lambda m, x: x.floor(),
           "pow0": lambda m, x: x ** 0, "div_floor": lambda m, x: m.div(x, 2.0, rounding_mode="floor"),
           "where": lambda m, x: m.where(x > 0, x, 0.0), "where_other": lambda m, x: m.where(x > 0, 0.0, x)}

    def run(m):
        x = m.tensor([1.5, -2.0, 0.5], requires_grad=True)
        fns[name](m, x).backward(m.tensor([float("inf"), float("nan"), -float("inf")]))
        return x.grad.tolist()
    assert str(run(anb)) == str(run(torch))


def test_xlogy_with_a_number_on_either_side_matches_torch():
    torch = pytest.importorskip("torch")

    def run(m):
        cases = (lambda: m.xlogy(m.tensor([1, 2]), 3.0), lambda: m.xlogy(2, m.tensor([3.0, 4.0])),
                 lambda: m.xlogy(m.tensor([1.0, 0.0]), 3), lambda: m.xlogy(m.tensor([1, 2]), m.tensor([3, 4])),
                 lambda: m.xlogy(m.tensor([0.0, 1.0]), m.tensor([float("nan"), 0.0])))
        return [(str(r.dtype), str(r.tolist())) for r in (c() for c in cases)]
    assert run(anb) == run(torch)


def test_addcmul_addcdiv_of_mixed_dtypes_record_no_conversion_nodes():
    # PyTorch promotes inside the op: its node points straight at the float32 leaf
    torch = pytest.importorskip("torch")

    def run(m):
        a = m.ones(2, requires_grad=True)
        b = m.full((2,), 2.0, dtype=m.float64, requires_grad=True)
        y = m.addcmul(a, b, m.full((2,), 3.0), value=0.5) + m.addcdiv(a, m.full((2,), 3.0), b)
        y.sum().backward()
        fn = y.grad_fn.next_functions[0][0]
        return (str(y.dtype), [type(n).__name__ for n, _ in fn.next_functions if n is not None],
                str(a.grad.dtype), a.grad.tolist(), b.grad.tolist())
    assert run(anb) == run(torch)
