"""The Tensor's attributes and methods, and the creation functions, against PyTorch.

Most checks are one line of PyTorch code, run under both libraries: ``CASES`` holds
``(id, fn)`` with ``fn(m)`` using module ``m``; what comes out (tensors by their exact
repr, sizes, dtypes, devices, numbers with their Python type, errors by type and first
line, the number of warnings) must be the same. Random functions are compared by
shape, dtype and range, since the numbers themselves come from another generator.

Memory sharing (``numpy()``, ``from_numpy``, ``as_tensor``, ``detach``, ``.data``)
and seeding are checked directly, within autograd_nb.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import autograd_nb as anb

from catalog import outcome

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.torch


def leaf(m: Any, *vals: float) -> Any:
    return m.tensor(list(vals) if vals else [1.0, -2.0, 3.5], requires_grad=True)


def _set(obj: Any, attr: str, value: Any) -> Any:
    setattr(obj, attr, value)
    return obj


def _grad_set(m: Any, value: Callable[[Any], Any]) -> Any:
    x = leaf(m)
    x.grad = value(m)
    return x.grad


def _data_set(m: Any) -> Any:
    x = leaf(m)
    x.data = m.tensor([[5.0, 6.0]])
    return (x, x.requires_grad, x.is_leaf)


def _version_after(m: Any) -> Any:
    x = m.tensor([1.0, 2.0])
    v = [x._version]
    x.add_(1)
    v.append(x._version)
    x[0] = 3
    v.append(x._version)
    y = x.detach()
    y.mul_(2)
    v.append(x._version)
    z = x.data
    z.mul_(2)
    v.append(x._version)
    return v


def _iterate(m: Any) -> Any:
    return list(iter(m.tensor([[1, 2], [3, 4]])))


def _detach_(m: Any) -> Any:
    x = leaf(m)
    y = x * 2
    y.detach_()
    return (y, y.is_leaf, y.requires_grad, y.grad_fn)


def _requires_grad_nonleaf(m: Any, flag: bool) -> Any:
    y = leaf(m) * 2
    y.requires_grad = flag
    return y


def _requires_grad_leaf_in_no_grad(m: Any) -> Any:
    with m.no_grad():
        x = m.ones(2)
        x.requires_grad_()
        y = x * 2
    return (x, y, y.requires_grad)


def _inference(m: Any) -> Any:
    with m.inference_mode():
        x = m.ones(2)
        y = x * 2
    return (x.is_inference(), y.is_inference(), m.ones(2).is_inference(), y.requires_grad)


CASES: list[tuple[str, Callable[[Any], Any]]] = [
    # --- shape and size ----------------------------------------------------------------
    ("shape", lambda m: m.ones(2, 3).shape),
    ("shape_0d", lambda m: m.tensor(1.0).shape),
    ("size", lambda m: m.ones(2, 3).size()),
    ("size_dim", lambda m: m.ones(2, 3).size(1)),
    ("size_neg_dim", lambda m: m.ones(2, 3).size(-2)),
    ("size_bad_dim", lambda m: m.ones(2, 3).size(2)),
    ("size_index", lambda m: m.ones(2, 3, 4).shape[1]),
    ("size_slice", lambda m: m.ones(2, 3, 4).shape[1:]),
    ("size_eq_tuple", lambda m: m.ones(2, 3).shape == (2, 3)),
    ("size_numel", lambda m: m.ones(2, 3).shape.numel()),
    ("size_len", lambda m: len(m.ones(2, 3, 4).shape)),
    ("size_add", lambda m: m.ones(2, 3).shape + (4,)),
    ("size_unpack", lambda m: tuple(m.ones(2, 3).shape)),
    ("Size_ctor", lambda m: m.Size([2, 3])),
    ("dim", lambda m: (m.ones(2, 3).dim(), m.ones(2, 3).ndim, m.tensor(1.0).dim())),
    ("numel", lambda m: (m.ones(2, 3).numel(), m.tensor(1.0).numel(), m.ones(0, 3).numel())),
    ("nelement", lambda m: m.ones(4, 3).nelement()),
    ("dtype", lambda m: (m.ones(2).dtype, m.tensor([1]).dtype, m.tensor([True]).dtype)),
    ("device", lambda m: (m.ones(2).device, str(m.ones(2).device), m.ones(2).is_cuda)),
    # --- new_* (this tensor's dtype and device by default), type() and type_as ---------
    ("new_zeros", lambda m: (m.ones(2).new_zeros(2, 3), m.ones(2).new_zeros((1, 2)), m.ones(2).new_zeros([]))),
    ("new_zeros_dtype", lambda m: m.ones(2).new_zeros(2, dtype=m.int64)),
    ("new_ones_grad", lambda m: m.tensor([1, 2]).new_ones(2, dtype=m.float64, requires_grad=True)),
    ("new_empty_shape", lambda m: (m.ones(2).new_empty(0).shape, m.ones(2).new_empty(m.Size([2, 1])).shape)),
    ("new_full", lambda m: (m.ones(2).new_full((2,), 3), m.tensor([1]).new_full([2], 7))),
    ("new_tensor", lambda m: (m.ones(2).new_tensor([1, 2]), m.tensor([4]).new_tensor([1.5, 2.0]))),
    ("new_tensor_from_tensor", lambda m: leaf(m).new_tensor(leaf(m) * 2)),
    ("new_tensor_neg_size", lambda m: m.ones(2).new_zeros(-1)),
    ("type_str", lambda m: (m.ones(2).type("torch.DoubleTensor"), m.ones(2).type("torch.LongTensor"))),
    ("type_str_bad", lambda m: m.ones(2).type("torch.Foo")),
    ("type_dtype", lambda m: m.ones(2).type(m.int32)),
    ("type_as", lambda m: (m.ones(2).type_as(m.tensor([1])), leaf(m).type_as(m.ones(1, dtype=m.float64)))),
    ("T", lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]).T),
    ("T_grad", lambda m: leaf(m).view(3, 1).T),
    ("is_floating_point", lambda m: (m.ones(1).is_floating_point(), m.tensor([1]).is_floating_point())),
    # --- numbers out -------------------------------------------------------------------
    ("item_float", lambda m: m.tensor([2.5]).item()),
    ("item_int", lambda m: m.tensor(7).item()),
    ("item_bool", lambda m: m.tensor(True).item()),
    ("item_grad", lambda m: leaf(m, 1.5).sum().item()),
    ("item_many", lambda m: m.ones(2).item()),
    ("tolist", lambda m: m.tensor([[1, 2], [3, 4]]).tolist()),
    ("tolist_float", lambda m: m.tensor([0.5, 1.5]).tolist()),
    ("tolist_0d", lambda m: m.tensor(3.0).tolist()),
    ("tolist_grad", lambda m: leaf(m).tolist()),
    ("float()", lambda m: float(m.tensor([2.5]))),
    ("int()", lambda m: int(m.tensor(2.9))),
    ("float_many", lambda m: float(m.ones(2))),
    ("index", lambda m: [10, 20, 30][m.tensor(2)]),
    ("index_range", lambda m: list(range(m.tensor(3)))),
    ("index_float", lambda m: [10, 20][m.tensor(1.0)]),
    ("bool_true", lambda m: bool(m.tensor([1.0]))),
    ("bool_zero", lambda m: bool(m.tensor(0))),
    ("bool_many", lambda m: bool(m.ones(2))),
    ("if_tensor", lambda m: "yes" if m.tensor(0.5) else "no"),
    ("len", lambda m: len(m.ones(4, 2))),
    ("len_0d", lambda m: len(m.tensor(1.0))),
    ("iter", _iterate),
    ("iter_0d", lambda m: list(m.tensor(1.0))),
    ("format", lambda m: f"{m.tensor(2.5):.2f}"),
    # --- numpy ---------------------------------------------------------------------------
    ("numpy", lambda m: m.tensor([1.0, 2.0]).numpy()),
    ("numpy_int", lambda m: m.tensor([1, 2]).numpy()),
    ("numpy_grad", lambda m: leaf(m).numpy()),
    ("numpy_detach", lambda m: leaf(m).detach().numpy()),
    ("asarray", lambda m: np.asarray(m.tensor([1.0, 2.0]))),
    ("asarray_dtype", lambda m: np.asarray(m.tensor([1.0, 2.0]), dtype=np.float64)),
    ("asarray_grad", lambda m: np.asarray(leaf(m))),
    # --- copies, views, graph ----------------------------------------------------------
    ("clone", lambda m: leaf(m).clone()),
    ("clone_plain", lambda m: m.tensor([1, 2]).clone()),
    ("detach", lambda m: (leaf(m).detach(), leaf(m).detach().is_leaf)),
    ("detach_", _detach_),
    ("data_get", lambda m: (leaf(m).data, leaf(m).data.requires_grad)),
    ("data_set", _data_set),
    ("contiguous", lambda m: m.ones(2, 3).t().contiguous().is_contiguous()),
    ("is_contiguous_t", lambda m: m.ones(2, 3).t().is_contiguous()),
    ("contiguous_same", lambda m: (lambda x: x.contiguous() is x)(m.ones(2))),
    ("version", _version_after),
    ("grad_fn_leaf", lambda m: (leaf(m).grad_fn, leaf(m).is_leaf)),
    ("grad_fn_op", lambda m: ((leaf(m) * 2).grad_fn, (leaf(m) * 2).is_leaf)),
    ("is_leaf_no_grad", lambda m: (m.ones(2) * 2).is_leaf),
    ("grad_none", lambda m: leaf(m).grad),
    ("grad_nonleaf_warns", lambda m: (leaf(m) * 2).grad),
    ("grad_retain", lambda m: (lambda y: (y.retain_grad(), y.sum().backward(), y.grad)[2])(leaf(m) * 2)),
    ("inference", _inference),
    # --- dtype conversion --------------------------------------------------------------
    ("to_float64", lambda m: leaf(m).to(m.float64)),
    ("to_same_is_self", lambda m: (lambda x: x.to(m.float32) is x)(leaf(m))),
    ("to_int", lambda m: m.tensor([1.7, -1.7]).to(m.int64)),
    ("to_kw", lambda m: m.tensor([1, 2]).to(dtype=m.float16)),
    ("float", lambda m: m.tensor([1, 2]).float()),
    ("double", lambda m: leaf(m).double()),
    ("long", lambda m: m.tensor([1.9, -1.9]).long()),
    ("int", lambda m: m.tensor([2.5]).int()),
    ("bool", lambda m: m.tensor([0.0, 2.0]).bool()),
    ("half", lambda m: m.tensor([1.0, 2.0]).half()),
    ("type_as", lambda m: m.tensor([1, 2]).type_as(m.tensor([1.0], dtype=m.float64))),
    ("type_str", lambda m: (m.ones(1).type(), m.tensor([1]).type(), m.tensor([True]).type())),
    # --- requires_grad -----------------------------------------------------------------
    ("requires_grad_default", lambda m: (m.ones(2).requires_grad, leaf(m).requires_grad)),
    ("requires_grad_set", lambda m: _set(m.ones(2), "requires_grad", True)),
    ("requires_grad_unset", lambda m: _set(leaf(m), "requires_grad", False)),
    ("requires_grad_int", lambda m: _set(m.tensor([1]), "requires_grad", True)),
    ("requires_grad_int_false", lambda m: _set(m.tensor([1]), "requires_grad", False)),
    ("requires_grad_nonleaf_false", lambda m: _requires_grad_nonleaf(m, False)),
    ("requires_grad_nonleaf_true", lambda m: _requires_grad_nonleaf(m, True)),
    ("requires_grad_", lambda m: m.ones(2).requires_grad_()),
    ("requires_grad__false", lambda m: leaf(m).requires_grad_(False)),
    ("requires_grad__int", lambda m: m.tensor([1]).requires_grad_()),
    ("requires_grad__nonleaf_true", lambda m: (leaf(m) * 2).requires_grad_()),
    ("requires_grad__nonleaf_false", lambda m: (leaf(m) * 2).requires_grad_(False)),
    ("requires_grad_in_no_grad", _requires_grad_leaf_in_no_grad),
    ("tensor_requires_grad_int", lambda m: m.tensor([1, 2], requires_grad=True)),
    ("ones_requires_grad", lambda m: m.ones(2, requires_grad=True)),
    ("zeros_requires_grad_int", lambda m: m.zeros(2, dtype=m.int64, requires_grad=True)),
    # --- .grad setter ------------------------------------------------------------------
    ("grad_set", lambda m: _grad_set(m, lambda m: m.tensor([1.0, 1.0, 1.0]))),
    ("grad_set_none", lambda m: _grad_set(m, lambda m: None)),
    ("grad_set_dtype", lambda m: _grad_set(m, lambda m: m.tensor([1.0, 1.0, 1.0], dtype=m.float64))),
    ("grad_set_shape", lambda m: _grad_set(m, lambda m: m.tensor([1.0, 1.0]))),
    ("grad_set_list", lambda m: _grad_set(m, lambda m: [1.0, 1.0, 1.0])),
    ("grad_set_int", lambda m: _grad_set(m, lambda m: m.tensor([1, 1, 1]))),
    # --- creation ----------------------------------------------------------------------
    ("tensor_int", lambda m: m.tensor([1, 2, 3])),
    ("tensor_float", lambda m: m.tensor([1.0, 2.0])),
    ("tensor_mixed", lambda m: m.tensor([1, 2.5])),
    ("tensor_bool", lambda m: m.tensor([True, False])),
    ("tensor_bool_int", lambda m: m.tensor([True, 2])),
    ("tensor_nested", lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]])),
    ("tensor_scalar", lambda m: m.tensor(3)),
    ("tensor_empty", lambda m: m.tensor([])),
    ("tensor_dtype", lambda m: m.tensor([1, 2], dtype=m.float64)),
    ("tensor_numpy", lambda m: m.tensor(np.array([1.0, 2.0]))),
    ("tensor_numpy_f32", lambda m: m.tensor(np.array([1.0, 2.0], dtype=np.float32))),
    ("tensor_ragged", lambda m: m.tensor([[1, 2], [3]])),
    ("tensor_of_tensors", lambda m: m.tensor([m.tensor(1.0), m.tensor(2.0)])),
    ("as_tensor_list", lambda m: m.as_tensor([1, 2])),
    ("as_tensor_dtype", lambda m: m.as_tensor(np.array([1, 2]), dtype=m.float32)),
    ("from_numpy", lambda m: m.from_numpy(np.array([1, 2], dtype=np.int32))),
    ("zeros", lambda m: m.zeros(2, 3)),
    ("zeros_tuple", lambda m: m.zeros((2, 1))),
    ("zeros_dtype", lambda m: m.zeros(2, dtype=m.int64)),
    ("zeros_0d", lambda m: m.zeros(())),
    ("ones", lambda m: m.ones(3)),
    ("ones_bool", lambda m: m.ones(2, dtype=m.bool)),
    ("full_float", lambda m: m.full((2, 2), 1.5)),
    ("full_int", lambda m: m.full((2,), 7)),
    ("full_bool", lambda m: m.full((2,), True)),
    ("empty", lambda m: (m.empty(2, 3).shape, m.empty(2, 3).dtype)),
    ("eye", lambda m: m.eye(3)),
    ("eye_rect", lambda m: m.eye(2, 3)),
    ("arange_int", lambda m: m.arange(5)),
    ("arange_start", lambda m: m.arange(2, 7, 2)),
    ("arange_float", lambda m: m.arange(0, 1, 0.25)),
    ("arange_neg", lambda m: m.arange(3, 0, -1)),
    ("arange_float_end", lambda m: m.arange(3.0)),
    ("linspace", lambda m: m.linspace(0, 1, 5)),
    ("linspace_one", lambda m: m.linspace(2, 3, 1)),
    ("zeros_like", lambda m: m.zeros_like(leaf(m))),
    ("ones_like_int", lambda m: m.ones_like(m.tensor([1, 2]))),
    ("full_like", lambda m: m.full_like(m.tensor([1.0, 2.0]), 3)),
    ("empty_like", lambda m: (m.empty_like(m.ones(2, 3, dtype=m.float64)).shape,
                              m.empty_like(m.ones(2, 3, dtype=m.float64)).dtype)),
    ("zeros_like_dtype", lambda m: m.zeros_like(m.ones(2), dtype=m.int64)),
    ("like_requires_grad", lambda m: m.ones_like(leaf(m), requires_grad=True)),
    ("rand_meta", lambda m: (m.rand(2, 3).shape, m.rand(2, 3).dtype, m.rand(2, requires_grad=True).requires_grad)),
    ("randn_meta", lambda m: (m.randn(4).shape, m.randn(4, dtype=m.float64).dtype)),
    ("randint_meta", lambda m: (m.randint(0, 5, (3,)).dtype, m.randint(5, (2, 2)).shape)),
    ("randperm_meta", lambda m: (m.randperm(5).dtype, sorted(m.randperm(5).tolist()))),
    ("normal_meta", lambda m: (m.normal(0.0, 1.0, (2, 3)).shape, m.normal(0.0, 1.0, (2,)).dtype)),
    ("rand_like_meta", lambda m: (m.rand_like(m.ones(2, dtype=m.float64)).dtype,
                                  m.randn_like(m.ones(3)).shape)),
    ("randint_like_meta", lambda m: m.randint_like(m.ones(2), 3).dtype),
    # --- grad_fn names in reprs --------------------------------------------------------
    ("repr_mul", lambda m: leaf(m) * 2),
    ("repr_add", lambda m: leaf(m) + 1),
    ("repr_radd", lambda m: 1 + leaf(m)),
    ("repr_sub", lambda m: leaf(m) - leaf(m)),
    ("repr_rsub", lambda m: 1 - leaf(m)),
    ("repr_div", lambda m: leaf(m) / 2),
    ("repr_rdiv", lambda m: 2 / leaf(m)),
    ("repr_neg", lambda m: -leaf(m)),
    ("repr_pow", lambda m: leaf(m) ** 2),
    ("repr_rpow", lambda m: 2 ** leaf(m)),
    ("repr_exp", lambda m: leaf(m).exp()),
    ("repr_sum", lambda m: leaf(m).sum()),
    ("repr_mean", lambda m: leaf(m).mean()),
    ("repr_sum_dim", lambda m: leaf(m).view(3, 1).sum(0)),
    ("repr_index", lambda m: leaf(m)[0]),
    ("repr_slice", lambda m: leaf(m)[1:]),
    ("repr_view", lambda m: leaf(m).view(3, 1)),
    ("repr_reshape", lambda m: leaf(m).reshape(1, 3)),
    ("repr_t", lambda m: leaf(m).view(3, 1).t()),
    ("repr_unsqueeze", lambda m: leaf(m).unsqueeze(0)),
    ("repr_expand", lambda m: leaf(m).expand(2, 3)),
    ("repr_clone", lambda m: leaf(m).clone()),
    ("repr_to", lambda m: leaf(m).double()),
    ("repr_relu", lambda m: leaf(m).relu()),
    ("repr_sigmoid", lambda m: leaf(m).sigmoid()),
    ("repr_tanh", lambda m: leaf(m).tanh()),
    ("repr_abs", lambda m: leaf(m).abs()),
    ("repr_clamp", lambda m: leaf(m).clamp(0, 1)),
    ("repr_where", lambda m: m.where(leaf(m) > 0, leaf(m), 0.0)),
    ("repr_inplace", lambda m: (leaf(m) * 1).add_(1)),
    ("repr_copyslices", lambda m: (lambda y: (y.__setitem__(0, 5.0), y)[1])(leaf(m) * 1)),
    ("repr_matmul", lambda m: leaf(m) @ leaf(m)),
    ("repr_accumulate", lambda m: (leaf(m) * 2).grad_fn.next_functions),
    # --- node names -------------------------------------------------------------------
    ("name_mul", lambda m: (leaf(m) * 2).grad_fn.name()),
    ("name_accumulate_grad", lambda m: (leaf(m) * 2).grad_fn.next_functions[0][0].name()),
    ("name_copyslices", lambda m: (lambda y: (y.__setitem__(0, 5.0), y.grad_fn.name())[1])(leaf(m) * 1)),
]


@pytest.mark.parametrize("name, fn", [pytest.param(n, f, id=n) for n, f in CASES])
def test_behaves_like_torch(name, fn):
    mine = outcome(fn, anb)
    ref = outcome(fn, torch)
    assert mine == ref


# ---------------------------------------------------------------------------
# dtype promotion table
# ---------------------------------------------------------------------------

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [("py-bool", True), ("py-int", 3), ("py-float", 2.5)]


def _operand(m: Any, spec: tuple[str, bool] | tuple[str, Any]) -> Any:
    name, zero_dim = spec
    if name.startswith("py-"):
        return dict(SCALARS)[name]
    return m.ones(() if zero_dim else (2,), dtype=getattr(m, name))


OPERAND_SPECS = [(d, False) for d in DTYPES] + [(d, True) for d in DTYPES] + \
    [(s, None) for s, _ in SCALARS]


def test_promotion_table_matches_torch_result_type():
    """``result_type`` for every pair of dtypes, 0-d tensors and Python numbers."""
    diffs = []
    for a in OPERAND_SPECS:
        for b in OPERAND_SPECS:
            if a[0].startswith("py-") and b[0].startswith("py-"):
                continue
            mine = outcome(lambda m: m.result_type(_operand(m, a), _operand(m, b)), anb)
            ref = outcome(lambda m: m.result_type(_operand(m, a), _operand(m, b)), torch)
            if mine != ref:
                diffs.append(f"{a} {b}: {mine} != {ref}")
    assert not diffs, "\n".join(diffs[:20])


def test_promotion_table_matches_torch_for_add():
    """The dtype ``add`` actually produces follows the same table."""
    diffs = []
    for a in OPERAND_SPECS:
        for b in OPERAND_SPECS:
            if a[0].startswith("py-"):
                continue
            mine = outcome(lambda m: (_operand(m, a) + _operand(m, b)).dtype, anb)
            ref = outcome(lambda m: (_operand(m, a) + _operand(m, b)).dtype, torch)
            if mine != ref:
                diffs.append(f"{a} {b}: {mine} != {ref}")
    assert not diffs, "\n".join(diffs[:20])


def test_promote_types_matches_torch():
    for a in DTYPES:
        for b in DTYPES:
            mine = anb.promote_types(getattr(anb, a), getattr(anb, b))
            ref = torch.promote_types(getattr(torch, a), getattr(torch, b))
            assert str(mine) == str(ref), (a, b)


def test_default_dtype_switch():
    before = anb.get_default_dtype()
    try:
        anb.set_default_dtype(anb.float64)
        assert anb.tensor([1.0]).dtype is anb.float64
        assert anb.ones(2).dtype is anb.float64
        assert anb.arange(0.0, 1.0, 0.5).dtype is anb.float64
        assert anb.tensor([1]).dtype is anb.int64
    finally:
        anb.set_default_dtype(before)
    assert anb.tensor([1.0]).dtype is anb.float32


# ---------------------------------------------------------------------------
# memory sharing and seeding (within autograd_nb)
# ---------------------------------------------------------------------------


def test_numpy_shares_memory_both_ways():
    x = anb.tensor([1.0, 2.0])
    a = x.numpy()
    a[0] = 10.0
    assert x.tolist() == [10.0, 2.0]
    x.add_(1)
    assert a.tolist() == [11.0, 3.0]


def test_from_numpy_and_as_tensor_share_memory_tensor_copies():
    a = np.array([1.0, 2.0], dtype=np.float32)
    f, s, t = anb.from_numpy(a), anb.as_tensor(a), anb.tensor(a)
    a[1] = 7.0
    assert f.tolist() == [1.0, 7.0]
    assert s.tolist() == [1.0, 7.0]
    assert t.tolist() == [1.0, 2.0]
    assert f.dtype is anb.float32 and not f.requires_grad and f.is_leaf


def test_from_numpy_refuses_other_types():
    with pytest.raises(TypeError):
        anb.from_numpy([1.0, 2.0])


def test_np_asarray_shares_memory():
    x = anb.tensor([1.0, 2.0])
    np.asarray(x)[1] = 5.0
    assert x.tolist() == [1.0, 5.0]


def test_detach_shares_memory_and_version_data_shares_memory_only():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    d.add_(1)
    assert x.tolist() == [2.0, 3.0] and x._version == 1
    x.data.mul_(2)
    assert x.tolist() == [4.0, 6.0] and x._version == 1


def test_clone_does_not_share_memory():
    x = anb.tensor([1.0, 2.0])
    c = x.clone()
    c.add_(1)
    assert x.tolist() == [1.0, 2.0]


def test_views_share_memory_and_version():
    x = anb.tensor([[1.0, 2.0], [3.0, 4.0]])
    v = x.view(4)
    v[0] = 9.0
    assert x[0, 0].item() == 9.0
    assert x._version == v._version == 1
    x.t()[1, 0] = 8.0
    assert x.tolist() == [[9.0, 8.0], [3.0, 4.0]]


def test_manual_seed_reproduces_every_random_function():
    def draw():
        return [anb.rand(3).tolist(), anb.randn(2, 2).tolist(), anb.randint(0, 10, (4,)).tolist(),
                anb.randperm(6).tolist(), anb.normal(1.0, 2.0, (3,)).tolist(),
                anb.rand_like(anb.ones(2)).tolist(), anb.randn_like(anb.ones(2)).tolist()]
    anb.manual_seed(123)
    first = draw()
    anb.manual_seed(123)
    assert draw() == first
    anb.manual_seed(124)
    assert draw() != first


def test_random_functions_stay_in_range():
    anb.manual_seed(0)
    r = anb.rand(1000).numpy()
    assert r.min() >= 0.0 and r.max() < 1.0
    ri = anb.randint(3, 7, (1000,)).numpy()
    assert ri.min() >= 3 and ri.max() <= 6 and set(ri.tolist()) == {3, 4, 5, 6}
    n = anb.randn(20000).numpy()
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05
    g = anb.normal(5.0, 0.5, (20000,)).numpy()
    assert abs(g.mean() - 5.0) < 0.05 and abs(g.std() - 0.5) < 0.05


def test_every_construction_path_fills_every_slot():
    """Tensor has no __getattr__ fallback: each fast constructor (``_wrap``, ``record``,
    ``plain``, ``plain_view``, ``_make_view``) must set every slot (views: the view ones too)."""
    view_only = {"_view_fn", "_view_ver", "_view_meta"}
    slots = [s for s in anb.Tensor.__slots__ if s != "__weakref__"]
    x = anb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    made = {"constructor": anb.tensor([1.0]), "wrap": anb.Tensor._wrap(x._data),
            "record": x * 2, "view (recording)": x[1], "slice (recording)": x[1:]}
    with anb.no_grad():
        made.update({"plain": x * 2, "view (no_grad)": x[1], "view of view (no_grad)": x[1:][0]})
    with anb.inference_mode():
        made.update({"plain (inference)": x * 2, "view (inference)": x[1:]})
    for how, t in made.items():
        for name in slots:
            if name in view_only and t._base is None:
                continue
            try:
                getattr(t, name)
            except AttributeError:
                raise AssertionError(f"{how}: slot {name} not set") from None
