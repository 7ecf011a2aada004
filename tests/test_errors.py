"""Every error a learner meets, with PyTorch's exception type and first line of message.

Each case is a short program ``fn(m)`` run with ``m = autograd_nb`` and ``m = torch``;
both must fail, with the same ``ExceptionType: first line``. The bad inputs of ops
(broadcasting, matmul shapes, view sizes, dim out of range) come from the catalog, so
they are written once. The non-leaf ``.grad`` warning is checked at the end.
"""
from __future__ import annotations

import copy
import warnings
from typing import Any, Callable

import pytest

import autograd_nb as anb

from catalog import BY_NAME, missing, outcome

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch


def leaf(m: Any, n: int = 3) -> Any:
    return m.tensor([1.0, 2.0, 3.0][:n], requires_grad=True)


def _set(obj: Any, attr: str, value: Any) -> None:
    setattr(obj, attr, value)


def _second_backward(m: Any) -> None:
    y = (leaf(m) * leaf(m)).sum()
    y.backward()
    y.backward()


def _second_grad(m: Any) -> None:
    x = leaf(m)
    y = (x.exp()).sum()
    m.autograd.grad(y, x)
    m.autograd.grad(y, x)


def _saved_after_backward(m: Any) -> Any:
    x = leaf(m)
    y = x * x
    y.sum().backward()
    return y.grad_fn._saved_self


def _stale(m: Any, how: str) -> None:
    """Change in place a tensor a node saved, then run backward."""
    x = leaf(m)
    if how == "output_of_mul_via_detach":        # y keeps grad_fn MulBackward0
        y = x * 2
        z = y * y
        y.detach().add_(1)
    elif how == "output_of_mul_no_grad":
        y = x * 2
        z = y * y
        with m.no_grad():
            y.add_(1)
    elif how == "output_of_add":                  # y's grad_fn becomes AddBackward0
        y = x * 2
        z = y * y
        y.add_(1)
    elif how == "saved_result_of_exp":            # exp saved its own result
        y = x.exp()
        z = y
        y.mul_(2)
    elif how == "leaf":                           # no "which is output ..." for a leaf
        w = m.tensor([1.0, 2.0], requires_grad=True)
        z = w * w
        with m.no_grad():
            w.add_(1)
    elif how == "input_through_view":
        y = x * 1
        z = y.sigmoid() * y
        y[0:2].mul_(3)
    else:
        raise AssertionError(how)
    z.sum().backward()


def _setitem(t: Any, key: Any, value: Any) -> None:
    t[key] = value


def _iadd(m: Any) -> None:
    x = leaf(m)
    x += 1


def _inference_saved(m: Any) -> Any:
    with m.inference_mode():
        a = m.ones(3)
    return leaf(m) * a


def _inference_inplace(m: Any) -> Any:
    with m.inference_mode():
        a = m.ones(3)
    return a.add_(1)


def _inference_requires_grad(m: Any, method: bool) -> Any:
    with m.inference_mode():
        a = m.ones(3)
    if method:
        return a.requires_grad_()
    a.requires_grad = True
    return a


def _inference_version(m: Any) -> Any:
    with m.inference_mode():
        a = m.ones(3)
    return a._version


ERRORS: list[tuple[str, Callable[[Any], Any]]] = [
    # --- who may require grad -------------------------------------------------------
    ("int_tensor_requires_grad", lambda m: m.tensor([1, 2], requires_grad=True)),
    ("bool_tensor_requires_grad", lambda m: m.tensor([True], requires_grad=True)),
    ("int_ones_requires_grad", lambda m: m.ones(2, dtype=m.int64, requires_grad=True)),
    ("int_requires_grad_attr", lambda m: _set(m.tensor([1, 2]), "requires_grad", True)),
    ("bool_requires_grad_attr", lambda m: _set(m.tensor([True]), "requires_grad", True)),
    ("int_requires_grad_method", lambda m: m.tensor([1, 2]).requires_grad_()),
    ("int_arange_requires_grad", lambda m: m.arange(3, requires_grad=True)),
    ("nonleaf_requires_grad_false", lambda m: _set(leaf(m) * 2, "requires_grad", False)),
    ("nonleaf_requires_grad_method_false", lambda m: (leaf(m) * 2).requires_grad_(False)),
    ("retain_grad_without_grad", lambda m: m.ones(2).retain_grad()),
    ("hook_without_grad", lambda m: m.ones(2).register_hook(lambda g: g)),
    # --- starting backward ----------------------------------------------------------
    ("implicit_grad_non_scalar", lambda m: (leaf(m) * 2).backward()),
    ("implicit_grad_autograd_grad", lambda m: m.autograd.grad(leaf(m) * 2, [leaf(m)])),
    ("no_grad_fn", lambda m: m.ones(2).sum().backward()),
    ("no_grad_fn_built_under_no_grad", lambda m: _no_grad_result(m).backward()),
    ("no_grad_fn_second_element", lambda m: m.autograd.backward([leaf(m).sum(), m.ones(1).sum()])),
    ("gradient_shape_mismatch", lambda m: (leaf(m) * 2).backward(m.ones(2))),
    ("gradient_shape_mismatch_2d", lambda m: (leaf(m) * 2).backward(m.ones(3, 1))),
    ("backward_inputs_empty", lambda m: leaf(m).sum().backward(inputs=[])),
    ("grad_input_not_requiring_grad", lambda m: m.autograd.grad(leaf(m).sum(), m.ones(2))),
    ("grad_unused_input", lambda m: m.autograd.grad(leaf(m).sum(), [leaf(m)])),
    # --- the graph is freed after backward -------------------------------------------
    ("second_backward", _second_backward),
    ("second_autograd_grad", _second_grad),
    ("saved_tensor_after_backward", _saved_after_backward),
    # --- version counters -------------------------------------------------------------
    ("stale_output_of_mul_via_detach", lambda m: _stale(m, "output_of_mul_via_detach")),
    ("stale_output_of_mul_no_grad", lambda m: _stale(m, "output_of_mul_no_grad")),
    ("stale_output_of_add", lambda m: _stale(m, "output_of_add")),
    ("stale_saved_result_of_exp", lambda m: _stale(m, "saved_result_of_exp")),
    ("stale_leaf", lambda m: _stale(m, "leaf")),
    ("stale_through_view", lambda m: _stale(m, "input_through_view")),
    # --- in-place on leaves and views of leaves ---------------------------------------
    ("inplace_leaf_add_", lambda m: leaf(m).add_(1)),
    ("inplace_leaf_exp_", lambda m: leaf(m).exp_()),
    ("inplace_leaf_zero_", lambda m: leaf(m).zero_()),
    ("inplace_leaf_setitem", lambda m: _setitem(leaf(m), 0, 5.0)),
    ("inplace_leaf_setitem_slice", lambda m: _setitem(leaf(m), slice(0, 2), 5.0)),
    ("inplace_leaf_iadd", _iadd),
    ("inplace_view_of_leaf_slice", lambda m: leaf(m)[0:2].add_(1)),
    ("inplace_view_of_leaf_view", lambda m: leaf(m).view(3, 1).mul_(2)),
    ("inplace_view_of_leaf_select", lambda m: leaf(m)[1].mul_(2)),
    ("inplace_view_of_leaf_setitem", lambda m: _setitem(leaf(m)[0:2], 0, 1.0)),
    ("inplace_broadcast_output", lambda m: m.ones(1).add_(m.ones(3))),
    ("inplace_cast_float_into_long", lambda m: m.tensor([1, 2]).add_(1.5)),
    ("detach_view_inplace", lambda m: (leaf(m) * 2)[0:2].detach_()),
    # --- numbers and numpy ------------------------------------------------------------
    ("item_several_elements", lambda m: m.ones(2).item()),
    ("item_empty", lambda m: m.ones(0).item()),
    ("numpy_requires_grad", lambda m: leaf(m).numpy()),
    ("numpy_nonleaf", lambda m: (leaf(m) * 2).numpy()),
    ("bool_ambiguous", lambda m: bool(m.ones(2))),
    ("deepcopy_nonleaf", lambda m: copy.deepcopy(leaf(m) * 2)),
    ("neg_bool", lambda m: -m.tensor([True])),
    ("sub_bools", lambda m: m.tensor([True]) - m.tensor([False])),
    # --- inference tensors ------------------------------------------------------------
    ("inference_saved_for_backward", _inference_saved),
    ("inference_inplace_outside", _inference_inplace),
    ("inference_requires_grad_attr", lambda m: _inference_requires_grad(m, False)),
    ("inference_requires_grad_method", lambda m: _inference_requires_grad(m, True)),
    ("inference_version", _inference_version),
]


def _no_grad_result(m: Any) -> Any:
    x = leaf(m)
    with m.no_grad():
        return (x * 2).sum()


@pytest.mark.parametrize("name, fn", [pytest.param(n, f, id=n) for n, f in ERRORS])
def test_error_matches_torch(name, fn):
    ref = outcome(fn, torch)
    assert ref[0] == "error", f"torch does not fail here: {ref}"
    assert outcome(fn, anb) == ref


# op input errors: written once, in the catalog
OP_ERRORS = [("broadcast", "add", 0), ("broadcast_2d", "add", 1), ("matmul_shapes", "matmul", 0),
             ("matmul_1d", "matmul", 1), ("matmul_2d_1d", "matmul", 2),
             ("matmul_batch", "matmul", 3), ("view_size", "view", 0), ("view_two_minus_one", "view", 1),
             ("view_noncontiguous", "view", 2), ("dim_out_of_range", "sum", 0),
             ("transpose_dim", "transpose", 0), ("unsqueeze_dim", "unsqueeze", 0)]


@pytest.mark.parametrize("name, op, i", OP_ERRORS, ids=[e[0] for e in OP_ERRORS])
def test_op_input_error_matches_torch(name, op, i):
    entry = BY_NAME[op]
    if missing(entry):
        pytest.skip(f"not implemented yet: {', '.join(missing(entry))}")
    ref = outcome(entry.bad[i], torch)
    assert ref[0] == "error"
    assert outcome(entry.bad[i], anb) == ref


def test_broadcast_message_names_the_dimension():
    """The learner-facing text, spelled out once."""
    with pytest.raises(RuntimeError) as e:
        anb.ones(3) + anb.ones(4)
    assert str(e.value).splitlines()[0] == (
        "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0")


# ---------------------------------------------------------------------------
# the non-leaf .grad warning
# ---------------------------------------------------------------------------


def _grad_warnings(m: Any, make: Callable[[Any], Any]) -> list[tuple[str, str]]:
    t = make(m)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t.grad
    return [(w.category.__name__, str(w.message).split(" (Triggered internally")[0]) for w in caught]


@pytest.mark.parametrize("make", [
    lambda m: leaf(m) * 2,
    lambda m: (lambda y: (y.sum().backward(), y)[1])(leaf(m) * 2),
    lambda m: leaf(m),
    lambda m: m.ones(2) * 2,
    lambda m: (lambda y: (y.retain_grad(), y)[1])(leaf(m) * 2),
], ids=["nonleaf", "nonleaf_after_backward", "leaf", "no_grad_result", "retain_grad"])
def test_nonleaf_grad_warning_matches_torch(make):
    assert _grad_warnings(anb, make) == _grad_warnings(torch, make)


def test_nonleaf_grad_warning_text():
    got = _grad_warnings(anb, lambda m: leaf(m) * 2)
    assert got and got[0][0] == "UserWarning"
    assert got[0][1].startswith("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed.")
