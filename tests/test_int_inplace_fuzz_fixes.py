"""An integer or bool tensor written in place with a floating value that requires grad
(found by the program fuzzer, issue #24), each case compared with PyTorch.

PyTorch's autograd gives a history to floating tensors only, but it checks the dtype
where an op *sets* a history (``set_history``: "Autograd not support dtype: Long"), not
where an in-place op *rebases* ``self``'s: ``int_x.fill_(v)`` makes ``int_x`` require
grad with ``FillBackward3``. What follows from that is checked here too: later in-place
ops record, out-of-place ops and views of it are refused, a conversion to float records
``ToCopyBackward0``, a conversion to an integer dtype records nothing, ``copy_`` never
records into an integer ``self``, and backward refuses the integer gradient.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd_nb as T


def _x(lib, dtype="int64"):
    return lib.tensor([[0, 1, 2], [3, 4, 5]]).to(getattr(lib, dtype))


def _v(lib):
    return lib.tensor(2.5, requires_grad=True)


def _state(t):
    return str(t.dtype).split(".")[-1], t.requires_grad, None if t.grad_fn is None else type(t.grad_fn).__name__


def _error(fn):
    try:
        fn()
    except Exception as e:                            # noqa: BLE001 - compared across libraries
        return type(e).__name__, str(e)
    return None


def _values(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.detach().numpy()


WRITES = {
    "fill_": lambda lib, x, v: x.fill_(v),
    "masked_fill_": lambda lib, x, v: x.masked_fill_(x > 2, v),
    "index_fill_": lambda lib, x, v: x.index_fill_(1, lib.tensor([0, 2]), v),
    "x[..., 0] = v": lambda lib, x, v: x.__setitem__((Ellipsis, 0), v),
    "x[mask] = v": lambda lib, x, v: x.__setitem__(x > 2, v),
    "x[mask] = v (1 element)": lambda lib, x, v: x.__setitem__(x > 2, v.reshape(1)),
    "x[...] = v": lambda lib, x, v: x.__setitem__(Ellipsis, v),
    "x[:] = v": lambda lib, x, v: x.__setitem__(slice(None), v),
    "x[1] = v": lambda lib, x, v: x.__setitem__(1, v),
    "x[None] = v": lambda lib, x, v: x.__setitem__(None, v),
    "gt_": lambda lib, x, v: x.gt_(v),
    "eq_": lambda lib, x, v: x.eq_(v),
    "le_": lambda lib, x, v: x.le_(v * lib.ones(3)),
    # recorded by nothing: copy_ (same shape, or through setitem) into an integer self
    "copy_": lambda lib, x, v: x.copy_(v),
    "copy_ (full)": lambda lib, x, v: x.copy_(v * lib.ones(2, 3)),
    "x[0, 0] = v": lambda lib, x, v: x.__setitem__((0, 0), v),
    "x[..., 0] = vector": lambda lib, x, v: x.__setitem__((Ellipsis, 0), v * lib.ones(2)),
    # refused before anything is written
    "add_": lambda lib, x, v: x.add_(v),
    "x[[0]] = v": lambda lib, x, v: x.__setitem__([0], v),
}


@pytest.mark.parametrize("dtype", ["int64", "bool", "uint8"])
@pytest.mark.parametrize("name", list(WRITES))
def test_write_into_an_integer_tensor(name, dtype):
    """requires_grad, grad_fn, the values and the refusals, as PyTorch's."""
    seen = []
    for lib in (torch, T):
        x, v = _x(lib, dtype), _v(lib)
        err = _error(lambda: WRITES[name](lib, x, v))
        seen.append((err, _state(x), _values(x).tolist()))
    assert seen[1] == seen[0]


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "uint8", "int8", "int16"])
def test_what_an_integer_tensor_with_history_allows(dtype):
    """Out-of-place ops and views with an integer result are refused ("Autograd not
    support dtype: Long", naming the result's dtype); float results and in-place ops
    record; conversions to an integer dtype and comparisons record nothing."""
    exprs = ["x + 1", "x * 2.0", "x.float()", "x.double()", "x.clone()", "x[0]", "x.view(6)", "x.sum()",
             "x.long()", "x.to(torch.int32)", "x > 1", "x.detach()", "x + v", "torch.where(x > 0, x, x)",
             "x.add_(1)" if dtype != "bool" else "x.neg_()", "x.masked_fill_(x > 0, 1)", "x.zero_()",
             "x.copy_(torch.ones(2, 3))"]
    for e in exprs:
        seen = []
        for lib in (torch, T):
            x, v = _x(lib, dtype), _v(lib)
            x.fill_(v)
            out = []
            err = _error(lambda: out.append(eval(e, {"torch": lib, "x": x, "v": v})))
            seen.append((err, _state(out[0]) if out else None, _state(x)))
        assert seen[1] == seen[0], e


def test_views_made_before_the_write_are_rederived():
    """A view of the integer tensor, made before the write, gets AsStridedBackward0 (no
    refusal: PyTorch re-derives a view's history without checking its dtype)."""
    seen = []
    for lib in (torch, T):
        x, v = _x(lib), _v(lib)
        before, y = x[0], x.view(6)[2:]
        x[..., 1] = v
        seen.append((_state(x), _state(before), _state(y), _error(lambda: y.fill_(v))))
    assert seen[1] == seen[0]


def test_an_out_of_place_op_with_an_integer_result_of_float_inputs_is_refused():
    """``x.sum(dtype=torch.long)`` of a float x that requires grad: refused as PyTorch
    does; the conversions to an integer dtype and argmax are not differentiable."""
    for e in ("x.sum(dtype=torch.long)", "torch.cumsum(x, 0, dtype=torch.int32)"):
        seen = [_error(lambda: eval(e, {"torch": lib, "x": lib.tensor([1.5, 2.5], requires_grad=True)}))
                for lib in (torch, T)]
        assert seen[1] == seen[0] == ("RuntimeError", "Autograd not support dtype: " +
                                      ("Long" if "long" in e else "Int"))
    for e in ("x.long()", "x.to(torch.int32)", "x.argmax()", "x > 0", "x.type(torch.int64)"):
        seen = []
        for lib in (torch, T):
            out = eval(e, {"torch": lib, "x": lib.tensor([1.5, 2.5], requires_grad=True)})
            seen.append(_state(out))
        assert seen[1] == seen[0], e


@pytest.mark.parametrize("how", ["backward", "grad", "int root"])
def test_backward_through_an_integer_tensor_is_refused(how):
    """The integer gradient is refused with the text of PyTorch's engine assertion, before
    any gradient reaches the float value (and before a node's post hook)."""
    seen = []
    for lib in (torch, T):
        x, v = _x(lib), _v(lib)
        x.fill_(v)
        y = x.float() * 2 if how != "int root" else x
        calls = []
        y.grad_fn.register_hook(lambda gi, go: calls.append(1))
        if how == "backward":
            err = _error(lambda: y.sum().backward())
        elif how == "grad":
            err = _error(lambda: lib.autograd.grad(y.sum(), v))
        else:
            err = _error(lambda: y.backward(lib.ones_like(y)))
        seen.append((err, v.grad, calls))
    assert seen[1] == seen[0]
    assert seen[0][0][1].startswith("isDifferentiableType(grad.scalar_type()) INTERNAL ASSERT FAILED")


def test_the_float_value_still_gets_its_gradient_through_float_writes():
    """The same writes into a float tensor: the gradient reaching the value is PyTorch's
    (the engine's new check lets floating gradients through untouched)."""
    grads = []
    for lib in (torch, T):
        v = _v(lib)
        x = _x(lib).double()
        x[x > 2] = v
        x[..., 0] = v
        x.index_fill_(1, lib.tensor([1]), v)
        (x * lib.arange(6.0, dtype=lib.float64).reshape(2, 3)).sum().backward()
        grads.append(float(v.grad))
    assert grads[1] == grads[0]


def test_no_grad_records_nothing():
    for lib in (torch, T):
        x, v = _x(lib), _v(lib)
        with lib.no_grad():
            x.fill_(v)
            x[..., 0] = v
        assert not x.requires_grad and x.grad_fn is None
        np.testing.assert_array_equal(_values(x), [[2, 2, 2], [2, 2, 2]])
