"""The backward engine: order, accumulation, freeing, retain_graph, depth, events."""
from __future__ import annotations

import gc

import sys

import numpy as np
import pytest

import autograd_nb as torch
from autograd_nb.autograd import engine
from autograd_nb.autograd.graph import saved_bytes


def test_seed001_accumulation_and_second_backward_error():
    x = torch.tensor([1.0], requires_grad=True)
    z = x * torch.tensor([2.0])
    z.backward(retain_graph=True)
    z.backward(retain_graph=True)
    assert x.grad.tolist() == [4.0]
    z.backward()
    assert x.grad.tolist() == [6.0]
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        z.backward()


def test_first_grad_is_a_copy_not_an_alias():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    g = torch.tensor([1.0, 1.0])
    (x * 1).backward(g)
    g.add_(5)
    assert x.grad.tolist() == [1.0, 1.0]


def test_shared_input_sums_paths():
    x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    (x * x + 3 * x).sum().backward()
    assert np.allclose(x.grad.tolist(), [5.0, -1.0, 4.0])


def test_deep_chain_runs_iteratively_at_default_recursion_limit():
    limit = sys.getrecursionlimit()
    x = torch.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward(torch.ones(1))
    assert x.grad.tolist() == [1.0]
    assert sys.getrecursionlimit() == limit


def test_saved_bytes_return_to_start_after_backward():
    gc.collect()                      # graphs other tests dropped in reference cycles
    start = saved_bytes()
    x = torch.ones(1000, requires_grad=True)
    y = (x * x).exp().sum()
    assert saved_bytes() > start
    y.backward()
    assert saved_bytes() == start


def test_saved_bytes_zero_under_no_grad_and_inference_mode():
    gc.collect()                      # graphs other tests dropped in reference cycles
    start = saved_bytes()
    x = torch.ones(100, requires_grad=True)
    with torch.no_grad():
        y = (x * x).exp()
    assert saved_bytes() == start and y.grad_fn is None
    with torch.inference_mode():
        y = (x * x).exp()
    assert saved_bytes() == start and y.is_inference()


def test_saved_bytes_released_when_graph_is_dropped():
    gc.collect()                      # graphs other tests dropped in reference cycles
    start = saved_bytes()
    x = torch.ones(100, requires_grad=True)
    y = (x * x).exp()
    assert saved_bytes() > start
    del y
    assert saved_bytes() == start


def test_event_stream_order_and_final_grads_match_backward():
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    root = [y._edge()]
    events = list(engine.run_backward(root, [torch.ones_like(y)]))
    kinds = [(e.kind, type(e.node).__name__) for e in events]
    assert kinds == [
        ("start", "SumBackward0"), ("finish", "SumBackward0"),
        ("start", "MulBackward0"), ("free", "MulBackward0"), ("finish", "MulBackward0"),
        ("start", "AccumulateGrad"), ("accumulate", "AccumulateGrad"), ("finish", "AccumulateGrad"),
    ]
    assert x.grad.tolist() == [4.0, 6.0]


def test_grad_mode_not_held_across_a_paused_generator():
    x = torch.tensor([2.0], requires_grad=True)
    y = (x * x).sum()
    gen = engine.run_backward([y._edge()], [torch.ones_like(y)], create_graph=False)
    next(gen)
    assert torch.is_grad_enabled()
    next(gen)
    assert torch.is_grad_enabled()
    for _ in gen:
        pass


def test_backward_errors():
    x = torch.tensor([2.0, 3.0, 1.0], requires_grad=True)
    y = x ** 2
    with pytest.raises(RuntimeError, match=r"^grad can be implicitly created only for scalar outputs$"):
        y.backward()
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of torch.Size\(\[2\]\)"):
        y.backward(torch.ones(2))
    c = torch.tensor([1.0, 2.0]).sum()
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
        c.backward()


def test_inputs_restricts_accumulation():
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 3.0 and b.grad is None


def test_first_grad_never_aliases_a_tensor_someone_holds():
    """The leaf keeps a gradient's array only when nothing else can see it."""
    taken = []
    real = engine._sole_owner

    def spy(grads):
        taken.append(real(grads))
        return taken[-1]

    engine._sole_owner = spy
    try:
        x = torch.ones(3, requires_grad=True)
        g = torch.ones(3)
        (x + 0).backward(g)                       # add passes the caller's gradient through
        g.add_(1)
        assert taken[-1] is False and x.grad.tolist() == [1.0, 1.0, 1.0]

        x.grad = None
        kept = []
        handle = x.register_hook(lambda grad: kept.append(grad))
        (x * 2).sum().backward()                  # a hook holds the gradient
        handle.remove()
        kept[0].add_(1)
        assert taken[-1] is False and x.grad.tolist() == [2.0, 2.0, 2.0]

        x.grad = None
        (x * 2).sum().backward()                  # a fresh product no one holds: kept
        assert taken[-1] is True and x.grad.tolist() == [2.0, 2.0, 2.0]
        (x * 2).sum().backward()                  # the second one is added in place
        assert x.grad.tolist() == [4.0, 4.0, 4.0]

        w = torch.ones(2, 3, requires_grad=True)
        g = torch.ones(3, 2)
        w.t().backward(g)                         # TBackward0: a view of the caller's g
        g.add_(5)
        assert taken[-1] is False and w.grad.tolist() == [[1.0] * 3] * 2

        w.grad = None
        (torch.ones(4, 3) @ w.t()).sum().backward()   # mm then TBackward0: nobody else's
        assert taken[-1] is True and w.grad.tolist() == [[4.0] * 3] * 2
    finally:
        engine._sole_owner = real


def test_relu_gradient_is_plus_zero_where_masked():
    """PyTorch's threshold_backward writes 0 where the result is 0: never -0."""
    x = torch.tensor([-1.0, 1.0], requires_grad=True)
    x.relu().backward(torch.tensor([-2.0, -2.0]))
    assert str(x.grad) == "tensor([ 0., -2.])"
    assert not np.signbit(x.grad.numpy()[0])


def test_copyslices_frees_the_inplace_node_and_refuses_a_second_backward():
    """An in-place change of a view: backward frees what the in-place op saved (the
    live counter returns to its start) and a second backward fails as PyTorch's does."""
    gc.collect()
    start = saved_bytes()
    x = torch.ones(3, requires_grad=True)
    w = torch.ones(1, requires_grad=True)
    y = x * 2
    y[0:1].mul_(w)                                # mul_ saves w and the region it changed
    assert saved_bytes() > start
    y.sum().backward()
    assert saved_bytes() == start
    assert x.grad.tolist() == [2.0, 2.0, 2.0] and w.grad.tolist() == [2.0]
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.sum().backward()


_INFERENCE_INPLACE = {
    "add_": lambda m, t: t.add_(1.0),
    "mul_": lambda m, t: t.mul_(m.tensor([2.0, 2.0, 2.0])),
    "+=": lambda m, t: t.__iadd__(m.ones(3)),
    "setitem": lambda m, t: t.__setitem__(0, 9.0),
    "fill_": lambda m, t: t.fill_(3.0),
    "zero_": lambda m, t: t.zero_(),
    "copy_": lambda m, t: t.copy_(m.tensor([4.0, 5.0, 6.0])),
    "relu_": lambda m, t: t.relu_(),
    "scatter_": lambda m, t: t.scatter_(0, m.tensor([1]), m.tensor([9.0])),
    "masked_fill_": lambda m, t: t.masked_fill_(m.tensor([True, False, False]), 0.0),
}


@pytest.mark.parametrize("name", sorted(_INFERENCE_INPLACE))
def test_inplace_on_inference_tensor_outside_the_mode_writes_then_refuses(name):
    """PyTorch changes the numbers, then refuses (an inference tensor has no version)."""
    ref = pytest.importorskip("torch")
    outcomes = []
    for m in (torch, ref):
        with m.inference_mode():
            t = m.tensor([1.0, 2.0, -3.0])
        with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside"):
            _INFERENCE_INPLACE[name](m, t)
        outcomes.append(t.tolist())
    assert outcomes[0] == outcomes[1]


def test_backward_with_create_graph_warns_once_like_pytorch():
    from autograd_nb.autograd import functional
    functional._WARNED_CREATE_GRAPH.clear()
    x = torch.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="Using backward\\(\\) with create_graph=True will create a "
                                         "reference cycle"):
        (x * x).sum().backward(create_graph=True)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x * x).sum().backward(create_graph=True)          # once per process
    assert x.grad.tolist() == [4.0, 4.0]


def test_a_spread_gradient_is_copied_not_kept_so_it_can_accumulate():
    """sum's backward hands on a read-only stride-0 view; .grad must be a real array that the
    next backward can add into (found by the state machine)."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    s = x.sum()
    (s + s).backward()                        # the 0-d gradient reaching sum is a fresh array
    x.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]
    assert x.grad._data.flags.writeable and x.grad._data.strides == (4,)
