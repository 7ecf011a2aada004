"""The in-place methods (``x.acos_()``, ``x.eq_(y)``, ``x.multiply_(y)``, ...) and in-place
functions (``torch.acos_(x)``, ``torch.celu_(x)``, ...) added for API coverage (#20),
each compared with PyTorch: the values written into self, self's dtype, the version
bump, the node recorded on a non-leaf, the gradient through it, and the refusals (a leaf
or a view of a leaf that requires grad, an integer self whose result needs a wider type).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import autograd_nb as T

DOMAINS = {                                            # float64 values inside each op's domain
    "unit": [[0.1, 0.3, 0.5], [0.7, 0.9, 0.25]],
    "ge1": [[1.2, 1.5, 2.0], [3.0, 4.5, 1.1]],
    "any": [[-1.5, -0.3, 0.4], [2.0, -2.5, 1.25]],
    "special": [[math.nan, math.inf, -math.inf], [1.0, -2.0, 0.5]],
}
INTS = {"unit": [[0, 1, 1], [0, 1, 0]], "ge1": [[1, 2, 3], [4, 5, 6]],
        "any": [[-2, 0, 3], [4, -5, 6]], "special": [[1, 2, 3], [-4, 5, 6]]}


def _t(lib, data, rg=False, dtype=None):
    return lib.tensor(data, dtype=dtype or lib.float64, requires_grad=rg)


def _other(data):
    """A float64 second operand (requiring grad in the gradient checks)."""
    return lambda lib, rg=False: (_t(lib, data, rg),)


def _number(*values):
    return lambda lib, rg=False: values


NONE = _number()
OTHER_ANY = [[0.5, -1.0, 2.0], [-0.25, 1.5, 3.0]]
OTHER_CMP = [[0.1, 0.5, 0.2], [0.7, 0.1, 0.9]]         # equal to "unit" in two places

# (test id, method, domain of self, args(lib, requires_grad))
CASES = [
    ("acos_", "acos_", "unit", NONE), ("arccos_", "arccos_", "unit", NONE),
    ("asin_", "asin_", "unit", NONE), ("arcsin_", "arcsin_", "unit", NONE),
    ("atan_", "atan_", "any", NONE), ("arctan_", "arctan_", "any", NONE),
    ("acosh_", "acosh_", "ge1", NONE), ("arccosh_", "arccosh_", "ge1", NONE),
    ("asinh_", "asinh_", "any", NONE), ("arcsinh_", "arcsinh_", "any", NONE),
    ("atanh_", "atanh_", "unit", NONE), ("arctanh_", "arctanh_", "unit", NONE),
    ("cosh_", "cosh_", "any", NONE), ("sinh_", "sinh_", "any", NONE), ("tan_", "tan_", "any", NONE),
    ("erf_", "erf_", "any", NONE), ("exp2_", "exp2_", "any", NONE), ("expm1_", "expm1_", "any", NONE),
    ("log10_", "log10_", "ge1", NONE), ("log1p_", "log1p_", "unit", NONE), ("log2_", "log2_", "ge1", NONE),
    ("logit_", "logit_", "unit", NONE), ("logit_-eps", "logit_", "unit", _number(0.2)),
    ("nan_to_num_", "nan_to_num_", "special", NONE),
    ("nan_to_num_-values", "nan_to_num_", "special", _number(1.5, 9.0, -9.0)),
    ("rsqrt_", "rsqrt_", "ge1", NONE), ("sgn_", "sgn_", "any", NONE), ("sign_", "sign_", "any", NONE),
    ("square_", "square_", "any", NONE), ("absolute_", "absolute_", "any", NONE),
    ("negative_", "negative_", "any", NONE), ("fix_", "fix_", "any", NONE),
    ("xlogy_", "xlogy_", "any", _other(DOMAINS["ge1"])), ("xlogy_-number", "xlogy_", "any", _number(2.5)),
    ("atan2_", "atan2_", "any", _other(OTHER_ANY)), ("arctan2_", "arctan2_", "any", _other(OTHER_ANY)),
    ("hypot_", "hypot_", "any", _other(OTHER_ANY)),
    ("divide_", "divide_", "any", _other(OTHER_ANY)), ("divide_-number", "divide_", "any", _number(4.0)),
    ("true_divide_", "true_divide_", "any", _other(OTHER_ANY)),
    ("multiply_", "multiply_", "any", _other(OTHER_ANY)), ("multiply_-number", "multiply_", "any", _number(3)),
    ("subtract_", "subtract_", "any", _other(OTHER_ANY)), ("subtract_-number", "subtract_", "any", _number(2)),
    ("logical_and_", "logical_and_", "any", _other(OTHER_ANY)),
    ("logical_or_", "logical_or_", "unit", _other([[0.0, 1.0, 0.0], [2.0, 0.0, 0.0]])),
    ("logical_xor_", "logical_xor_", "any", _other([[0.0, 1.0, 0.0], [2.0, 0.0, 0.0]])),
    ("logical_not_", "logical_not_", "unit", NONE),
    ("bitwise_and_", "bitwise_and_", "ge1", _number(3)), ("bitwise_or_", "bitwise_or_", "ge1", _number(8)),
    ("bitwise_xor_", "bitwise_xor_", "ge1", _number(5)), ("bitwise_not_", "bitwise_not_", "ge1", NONE),
    ("addmm_", "addmm_", "any", lambda lib, rg=False: (_t(lib, [[1.0, -2.0], [0.5, 3.0]], rg),
                                                        _t(lib, [[1.0, 2.0, -1.0], [0.0, -0.5, 2.0]], rg))),
    ("cumsum_", "cumsum_", "any", _number(1)), ("cumsum_-dim0", "cumsum_", "any", _number(0)),
]
for _name, _alias in (("eq", None), ("ne", "not_equal"), ("lt", "less"), ("le", "less_equal"),
                      ("gt", "greater"), ("ge", "greater_equal")):
    for _m in (_name, _alias):
        if _m is not None:
            CASES += [(f"{_m}_", f"{_m}_", "unit", _other(OTHER_CMP)), (f"{_m}_-number", f"{_m}_", "unit", _number(0.5)),
                      (f"{_m}_-broadcast", f"{_m}_", "unit", _other([0.1, 0.5, 0.9]))]

# every method added for #20 (the cases above must cover them all)
ADDED = sorted({c[1] for c in CASES})
BY_ID = {c[0]: c for c in CASES}


def _outcome(fn):
    """``("ok", value)`` or the error's type and first line (PyTorch's message)."""
    try:
        return "ok", fn()
    except Exception as e:                            # noqa: BLE001 - compared with torch's
        return type(e).__name__, str(e).split("\n")[0]


def _node_name(t):
    fn = t.grad_fn
    return None if fn is None else fn.name() if hasattr(fn, "name") else type(fn).__name__


def _np(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy(force=True)
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _same_values(a, b):
    np.testing.assert_allclose(_np(b), _np(a), rtol=1e-12, atol=1e-12, equal_nan=True)


def test_every_missing_method_is_covered():
    """The methods added here are exactly torch's in-place methods we had been missing
    whose op exists; what is still missing needs an op autograd_nb does not have."""
    missing = sorted(n for n in dir(torch.Tensor) if n.endswith("_") and not n.startswith("_")
                     and not hasattr(T.Tensor, n))
    assert not set(ADDED) & set(missing)
    assert set(missing) <= NOT_ADDED, sorted(set(missing) - NOT_ADDED)


NOT_ADDED = {                                          # torch's out-of-place op is not in autograd_nb
    "addbmm_", "addmv_", "addr_", "apply_", "baddbmm_", "bitwise_left_shift_", "bitwise_right_shift_",
    "conj_physical_", "copysign_", "cumprod_", "deg2rad_", "digamma_", "erfc_", "erfinv_", "fill_diagonal_",
    "float_power_", "gcd_", "heaviside_", "i0_", "igamma_", "igammac_", "index_copy_", "index_put_", "lcm_",
    "ldexp_", "lgamma_", "map2_", "map_", "mvlgamma_", "nextafter_", "polygamma_", "put_", "rad2deg_",
    "renorm_", "resize_as_sparse_", "share_memory_", "sinc_", "sparse_resize_", "sparse_resize_and_clear_"}


@pytest.mark.parametrize("case", list(BY_ID))
def test_values_dtype_and_version(case):
    _, method, domain, args = BY_ID[case]
    seen = []
    for lib in (torch, T):
        x = _t(lib, DOMAINS[domain]) if not method.startswith("bitwise") else _t(lib, INTS[domain], dtype=lib.int64)
        before = x._version
        res = _outcome(lambda: getattr(x, method)(*args(lib)))
        if res[0] == "ok":
            assert res[1] is x
            res = ("ok", _np(x).copy(), str(x.dtype), x._version - before)
        seen.append(res)
    (kt, vt, *rt), (ka, va, *ra) = seen
    assert ka == kt and rt == ra, (seen[0], seen[1])
    if kt == "ok":
        _same_values(vt, va)
    else:
        assert va == vt


def _weights(lib):
    return lib.tensor([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]], dtype=lib.float64)


@pytest.mark.parametrize("case", [c for c in BY_ID if not c.startswith("bitwise")])
def test_node_and_gradient(case):
    """On a non-leaf that requires grad: the node torch records, and the gradient of a
    weighted sum through it (to self's leaf and to a tensor operand)."""
    _, method, domain, args = BY_ID[case]
    seen = []
    for lib in (torch, T):
        a = _t(lib, DOMAINS[domain], rg=True)
        others = args(lib, True)
        y = a * 1
        getattr(y, method)(*others)
        leaves = [a] + [o for o in others if isinstance(o, lib.Tensor)]
        loss = (y * _weights(lib)).sum()
        grads = _outcome(lambda: lib.autograd.grad(loss, leaves, allow_unused=True))
        seen.append((_node_name(y), y.requires_grad, str(y.dtype), grads))
    (nt, rt, dt, gt), (na, ra, da, ga) = seen
    assert (na, ra, da) == (nt, rt, dt)
    assert ga[0] == gt[0], (gt, ga)
    if gt[0] != "ok":
        assert ga[1] == gt[1]
        return
    for g_t, g_a in zip(gt[1], ga[1]):
        assert (g_t is None) == (g_a is None)
        if g_t is not None:
            _same_values(g_t, g_a)


@pytest.mark.parametrize("case", list(BY_ID))
def test_leaf_and_view_of_leaf_are_refused(case):
    """Refused as in PyTorch; the logical ops, which PyTorch lists as needing no
    derivative, make no autograd check: they change even a leaf (its view's history is
    re-derived: AsStridedBackward0)."""
    _, method, domain, args = BY_ID[case]
    for make in (lambda a: a, lambda a: a[:]):
        seen = []
        for lib in (torch, T):
            a = _t(lib, DOMAINS[domain], rg=True)
            x = make(a)
            res = _outcome(lambda: getattr(x, method)(*args(lib)))
            if res[0] == "ok":
                res = ("ok", _np(x).tolist(), _node_name(x), x._version, a._version, a.requires_grad)
            seen.append(res)
        assert seen[1] == seen[0]
        assert (seen[0][0] == "ok") == method.startswith("logical_")


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("case", list(BY_ID))
def test_integer_and_bool_self(case, dtype):
    """An integer or bool self: the same values, or the same refusal (a result type that
    cannot be cast back, an op with no kernel for the dtype)."""
    _, method, domain, args = BY_ID[case]
    seen = []
    for lib in (torch, T):
        x = _t(lib, INTS[domain], dtype=getattr(lib, dtype))
        before = x._version
        res = _outcome(lambda: getattr(x, method)(*args(lib)))
        if res[0] == "ok":
            res = ("ok", _np(x).tolist(), str(x.dtype), x._version - before)
        seen.append(res)
    assert seen[1][0] == seen[0][0], seen
    if seen[0][0] == "ok":
        assert seen[1][2:] == seen[0][2:]
        np.testing.assert_array_equal(seen[1][1], seen[0][1])
    else:
        assert seen[1][1] == seen[0][1]


def test_integer_self_cast_error_message():
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        T.tensor([1, 2]).acos_()


def test_comparison_keeps_other_edge_and_its_zero_gradient():
    for lib in (torch, T):
        a = _t(lib, DOMAINS["unit"], rg=True)
        b = _t(lib, [0.1, 0.5, 0.9], rg=True)
        y = a * 1
        y.lt_(b)
        assert _node_name(y) == "LtBackward1"
        assert len(y.grad_fn.next_functions) == 2
        ga, gb = lib.autograd.grad(y.sum(), [a, b])
        assert ga.abs().sum().item() == 0 and gb.shape == (3,) and gb.abs().sum().item() == 0


def test_logical_op_keeps_the_old_node():
    """PyTorch records nothing for a logical op: the old history stays (and still carries
    the gradient of what was there before)."""
    grads = []
    for lib in (torch, T):
        a = _t(lib, DOMAINS["any"], rg=True)
        y = a * 2
        y.logical_not_()
        assert _node_name(y) == "MulBackward0" and y._version == 1
        grads.append(_np(lib.autograd.grad(y.sum(), a)[0]))
    np.testing.assert_array_equal(grads[1], grads[0])


def test_in_place_on_a_saved_input_goes_stale():
    """``y.acos_()`` after ``z = y * w`` saved y: backward through z is refused, naming
    AcosBackward0's output as the value that moved, as PyTorch does."""
    msgs = []
    for lib in (torch, T):
        a = _t(lib, DOMAINS["unit"], rg=True)
        y = a * 1
        z = y * y
        y.acos_()
        msgs.append(_outcome(lambda: z.sum().backward()))
    assert msgs[1] == msgs[0] and msgs[0][0] == "RuntimeError"


def test_bitwise_in_place_operators():
    for lib in (torch, T):
        x = lib.tensor([6, 5, 3])
        alias = x
        x &= lib.tensor([3, 1, 1])
        x |= 8
        x ^= lib.tensor([1, 1, 1])
        assert alias is x and x.tolist() == [11, 8, 8] and x._version == 3


# ---------------------------------------------------------------------------
# torch.X_(...) functions
# ---------------------------------------------------------------------------

FUNCTIONS = sorted(n for n in dir(torch) if n.endswith("_") and not n.startswith("_")
                   and callable(getattr(torch, n)) and hasattr(T, n))
NOT_FUNCTIONS = {                                      # torch's op is not in autograd_nb
    "addmv_", "alpha_dropout_", "conj_physical_", "deg2rad_", "embedding_renorm_", "erfc_",
    "feature_alpha_dropout_", "gcd_", "i0_", "index_put_", "lcm_", "ldexp_", "rad2deg_",
    "resize_as_sparse_", "sinc_"}


def test_every_missing_function_needs_a_missing_op():
    missing = {n for n in dir(torch) if n.endswith("_") and not n.startswith("_")
               and callable(getattr(torch, n)) and not hasattr(T, n)}
    assert missing <= NOT_FUNCTIONS, sorted(missing - NOT_FUNCTIONS)


@pytest.mark.parametrize("name", [c for c in BY_ID if BY_ID[c][1] in FUNCTIONS and BY_ID[c][1] != "addmm_"])
def test_function_form(name):
    _, method, domain, args = BY_ID[name]
    seen = []
    for lib in (torch, T):
        a = _t(lib, DOMAINS[domain], rg=True)
        y = a * 1
        res = getattr(lib, method)(y, *args(lib))
        seen.append((res is y, _np(y).copy(), _node_name(y), y._version))
    assert seen[1][0] and seen[0][0]
    _same_values(seen[0][1], seen[1][1])
    assert seen[1][2:] == seen[0][2:]


ACTIVATIONS = [("celu_", ()), ("celu_", (0.5,)), ("selu_", ()), ("threshold_", (0.6, 9.0)),
               ("rrelu_", ()), ("rrelu_", (0.1, 0.3, True)), ("dropout_", (0.5, False)), ("dropout_", (0.5, True)),
               ("feature_dropout_", (0.5, True)), ("feature_dropout_", (0.5, False))]


@pytest.mark.parametrize("name,args", ACTIVATIONS)
def test_activation_functions(name, args):
    """torch.celu_(x) & co, and nn.functional's in-place activations: the values (seeded
    draws as torch's), the node, the version, the gradient and the leaf refusal."""
    seen = []
    for lib in (torch, T):
        a = _t(lib, [[-1.0, 0.5, 2.0, -0.25], [0.75, -3.0, 0.1, 1.5]], rg=True)
        y = a * 1
        lib.manual_seed(3)
        res = getattr(lib, name)(y, *args)
        g = lib.autograd.grad((y * y.detach()).sum(), a)[0]
        leaf = _outcome(lambda: getattr(lib, name)(a, *args))
        if leaf[0] == "ok":
            leaf = ("ok", leaf[1] is a, a._version)
        seen.append((res is y, _np(y).copy(), _node_name(y), y._version, _np(g), leaf))
    (st, vt, nt, kt, gt, lt), (sa, va, na, ka, ga, la) = seen
    assert sa and st and (na, ka, la) == (nt, kt, lt)
    _same_values(vt, va)
    _same_values(gt, ga)


@pytest.mark.parametrize("name", ["celu_", "elu_", "hardtanh_", "leaky_relu_", "rrelu_", "selu_", "threshold_"])
def test_nn_functional_in_place(name):
    args = (0.5, 2.0) if name == "threshold_" else ()
    seen = []
    for lib in (torch, T):
        a = _t(lib, [[-1.0, 0.5, 2.0], [0.75, -3.0, 1.5]], rg=True)
        y = a * 1
        res = getattr(lib.nn.functional, name)(y, *args)
        g = lib.autograd.grad(y.sum(), a)[0]
        seen.append((res is y, _np(y).copy(), _node_name(y), y._version, _np(g)))
    assert seen[1][0] and seen[0][0] and seen[1][2:4] == seen[0][2:4]
    _same_values(seen[0][1], seen[1][1])
    _same_values(seen[0][4], seen[1][4])


def test_overwritten_region_gets_a_zero_gradient_even_from_nan():
    """``x[mask] = v`` then an op whose gradient is NaN (xlogy_ by a negative number): the
    overwritten positions get exactly 0, as PyTorch's index_put writes it (found by the
    fuzzer through xlogy_)."""
    grads = []
    for lib in (torch, T):
        a = lib.tensor([[0.5, 0.0, 3.0], [0.5, -1.0, 0.5]], requires_grad=True)
        y = a * 1
        y[y > -1] = -0.7
        y.xlogy_(-0.5)
        grads.append(_np(lib.autograd.grad(y.sum(), a)[0]))
    np.testing.assert_array_equal(grads[1], grads[0])
    assert np.isnan(grads[0]).sum() == 1
