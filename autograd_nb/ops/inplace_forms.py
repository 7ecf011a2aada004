"""In-place forms (``x.acos_()``, ``x.eq_(y)``, ...) of ops defined in the other families.

Each is the out-of-place op written back into ``x`` by the shared machinery of
``pointwise.inplace._inplace``: PyTorch's refusals first (a leaf that requires grad, a view
made under no_grad, overlapping memory, a result that would need to grow ``x``), then
the op, then the write, which keeps ``x``'s dtype (a result that needs a wider type,
``int_tensor.acos_()``, is PyTorch's cast error), bumps the version and makes the op's
node ``x.grad_fn``. PyTorch's in-place nodes carry the out-of-place op's name
(``AcosBackward0``), with three kinds of exceptions that live here:

- ``acosh_``, ``asinh_``, ``atanh_`` record ``AcoshBackward1`` & co, whose backward is
  "not implemented" (their derivative needs the value the op overwrote);
- a comparison written into a float tensor, ``x.eq_(y)``, records ``EqBackward0``
  (``y`` a number) or ``EqBackward1`` (``y`` a tensor): a zero gradient, since the
  result is a step function of both;
- logical and bitwise ops record nothing: ``x`` keeps its old ``grad_fn``.

The aliases (``arccos_``, ``absolute_``, ``multiply_``, ``greater_``, ...) are the same
methods under torch's other names.
"""
from __future__ import annotations

from typing import Any

from .. import _backend as B
from .._tensor import Tensor
from ..autograd.grad_mode import STATE, no_grad
from ..autograd.node import PRE_MUTATION
from ._core import OpNode, _integer_result, as_method, bump, check_inplace, check_internal_overlap, check_overlap, no_kernel, note_broadcast, record, register
from .convert import ZeroBackward0, _zeros_like
from . import compare, linalg, pointwise as pw, reduce
from .nnops import activation
from .pointwise import _check_output_shape, _inplace, _result_cast_check, apply_inplace, inplace_type_error

# ---------------------------------------------------------------------------
# element-wise ops whose in-place node is the out-of-place one
# ---------------------------------------------------------------------------

for _f in (pw.acos, pw.asin, pw.atan, pw.cosh, pw.sinh, pw.tan, pw.exp2, pw.expm1, pw.log10, pw.log1p,
           pw.log2, pw.logit, pw.rsqrt, pw.sgn, pw.sign, pw.square, activation.erf):
    register(_f.__name__ + "_")(_inplace(_f))
_float_nan_to_num_ = _inplace(pw.nan_to_num, wraps_numbers=False)


@register("nan_to_num_")
def nan_to_num_(self: Tensor, nan: float = 0.0, posinf: float | None = None,
                neginf: float | None = None) -> Tensor:
    """In-place ``nan_to_num``. An integer or bool tensor holds no NaN or inf: PyTorch
    copies it onto itself (the version moves; an expand is no error)."""
    if self._data.dtype.kind in "biu":
        check_inplace(self)
        if self.requires_grad and not STATE.mode:     # (its history would be rebased onto an
            _integer_result(self._data)               # integer result: refused, unbumped)
        bump(self)
        return self
    return _float_nan_to_num_(self, nan, posinf, neginf)

register("xlogy_")(_inplace(pw.xlogy, wraps_numbers=False))      # (xlogy_(Scalar): see _inplace)
register("atan2_")(_inplace(as_method(pw.atan2, "atan2")))
register("arctan2_")(_inplace(as_method(pw.arctan2, "arctan2")))
register("hypot_")(_inplace(as_method(pw.hypot, "hypot")))


def _bad_inplace_call(self: Tensor, what: str, mine: Any, result: Any) -> RuntimeError:
    return RuntimeError(f"Bad in-place call: input tensor {what} {mine} and output tensor {what} {result} "
                        "should match")


def _addmm_fits(self: Tensor, mat1: Any, mat2: Any, **_: Any) -> None:
    """addmm_ does not broadcast ``self``: the product's shape must be its own."""
    target = linalg.addmm_shape(self, mat1, mat2)
    if self._data.shape != target:
        raise _bad_inplace_call(self, "size", _dims(self._data.shape), _dims(target))


def _dims(shape: tuple) -> str:
    return f"[{', '.join(map(str, shape))}]"


register("addmm_")(_inplace(linalg.addmm, overlap="none", types=_addmm_fits))


def _cumsum_kernel(self: Tensor, *_: Any, dtype: Any = None) -> None:
    """The running sum is accumulated in ``self``'s dtype: another ``dtype`` is refused, and a
    bool ``self`` has no kernel (out of place its sum is int64)."""
    sd = self._data.dtype
    if dtype is not None and dtype.np != sd:
        raise _bad_inplace_call(self, "dtype", B.CPP_NAMES[sd.name], B.CPP_NAMES[dtype.np.name])
    if sd.kind == "b":
        raise no_kernel("cumsum_out_cpu", sd)


register("cumsum_")(_inplace(reduce.cumsum, overlap="none", first=_cumsum_kernel))


# ---------------------------------------------------------------------------
# acosh_, asinh_, atanh_: recorded, but without a derivative
# ---------------------------------------------------------------------------

class _NoInplaceDerivative(OpNode):
    """The in-place form of an op whose derivative needs its input, which the op
    overwrote: PyTorch records the node and refuses when backward reaches it.

    grad_self = error (the derivative of the in-place op is not implemented)
    """
    op = ""                                           # (the op's name, for the error)

    def backward(self, g):
        raise NotImplementedError(f"the derivative for 'inplace version of {self.op}' is not implemented.")


class AcoshBackward1(_NoInplaceDerivative):
    """acosh_: its derivative needs the input, which the op overwrote, so backward refuses.

    grad_self = error (the derivative of the in-place acosh is not implemented)
    """
    op = "acosh"


class AsinhBackward1(_NoInplaceDerivative):
    """asinh_: its derivative needs the input, which the op overwrote, so backward refuses.

    grad_self = error (the derivative of the in-place asinh is not implemented)
    """
    op = "asinh"


class AtanhBackward1(_NoInplaceDerivative):
    """atanh_: its derivative needs the input, which the op overwrote, so backward refuses.

    grad_self = error (the derivative of the in-place atanh is not implemented)
    """
    op = "atanh"


def _without_derivative(op: Any, node: type) -> Any:
    """``op``'s values, recorded as ``node`` (one edge, to the input)."""
    def inplace_op(input: Tensor) -> Tensor:
        with no_grad():
            out = op(input)
        return record(out._data, node, (input,))
    inplace_op.__name__ = op.__name__
    return inplace_op


for _f, _node in ((pw.acosh, AcoshBackward1), (pw.asinh, AsinhBackward1), (pw.atanh, AtanhBackward1)):
    register(_f.__name__ + "_")(_inplace(_without_derivative(_f, _node)))


# ---------------------------------------------------------------------------
# comparisons written into self: a zero gradient
# ---------------------------------------------------------------------------

class EqBackward0(ZeroBackward0):
    """x.eq_(number): x becomes 0s and 1s, a step function of x: zero gradient.

    grad_self = 0
    """


class EqBackward1(OpNode):
    """x.eq_(other): x becomes 0s and 1s, a step function of both: zero gradients.

    grad_self = 0
    grad_other = 0
    """

    def backward(self, g):
        zero = _zeros_like(g)
        return zero, zero                             # (other's: summed down to its shape)


def _node_pair(name: str) -> tuple[type, type]:
    """PyTorch names each comparison's pair of nodes after it (``LtBackward0``, ...)."""
    if name == "eq":
        return EqBackward0, EqBackward1
    cap = name.capitalize()
    words = f"x.{name}_(%s): x becomes 0s and 1s, a step function of %s: zero gradient%s."
    return (type(f"{cap}Backward0", (EqBackward0,), {
                "__module__": __name__, "__doc__": words % ("number", "x", "") + "\n\ngrad_self = 0\n"}),
            type(f"{cap}Backward1", (EqBackward1,), {
                "__module__": __name__,
                "__doc__": words % ("other", "both", "s") + "\n\ngrad_self = 0\ngrad_other = 0\n"}))


def _recorded_compare(op: Any, name: str) -> Any:
    """``op(x, other)`` (a bool tensor) in ``x``'s dtype, recorded as a zero-gradient node."""
    by_number, by_tensor = _node_pair(name)
    globals()[by_number.__name__], globals()[by_tensor.__name__] = by_number, by_tensor

    def inplace_op(input: Tensor, other: Any) -> Tensor:
        data = op(input, other)._data.astype(input._data.dtype)
        if not isinstance(other, Tensor):
            return record(data, by_number, (input,))
        out = record(data, by_tensor, (input, other))
        note_broadcast(out, input, other)
        return out
    inplace_op.__name__ = name
    return inplace_op


for _names, _f in ((("eq_",), compare.eq), (("ne_", "not_equal_"), compare.ne), (("lt_", "less_"), compare.lt),
                   (("le_", "less_equal_"), compare.le), (("gt_", "greater_"), compare.gt),
                   (("ge_", "greater_equal_"), compare.ge)):
    register(*_names)(_inplace(_recorded_compare(_f, _f.__name__), wraps_numbers=False))


# ---------------------------------------------------------------------------
# logical and bitwise ops: not differentiable, nothing recorded
# ---------------------------------------------------------------------------

def _untracked(op: Any) -> Any:
    """``x.op_(...)`` for an op PyTorch lists as needing no derivative: no autograd check
    at all (even a leaf that requires grad may be changed), only the write and the bump.
    (A view's history is then re-derived when read, as after any change to its base.)"""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        try:
            return checked(self, *args, **kwargs)
        except TypeError as e:
            raise inplace_type_error(e, op.__name__) from None

    def checked(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        for watcher in PRE_MUTATION:                  # (allow_mutation_on_saved_tensors)
            watcher(self)
        others = (*args, *kwargs.values())
        if any(not isinstance(o, Tensor) for o in others):
            op(self, *args, **kwargs)                 # (its argument error comes first, as PyTorch's parser's)
        check_internal_overlap(self)
        check_overlap(self, others)
        _check_output_shape(self, others)
        return apply_inplace(self, op(self, *args, **kwargs))
    method.__name__ = op.__name__ + "_"
    method.__doc__ = f"In-place version of ``{op.__name__}``: changes this tensor and bumps its version."
    return method


for _f in (compare.logical_and, compare.logical_or, compare.logical_xor, compare.logical_not):
    register(_f.__name__ + "_")(_untracked(as_method(_f) if _f is not compare.logical_not else _f))
for _f, _dunder in ((compare.bitwise_and, "__iand__"), (compare.bitwise_or, "__ior__"),
                    (compare.bitwise_xor, "__ixor__")):
    register(_f.__name__ + "_", _dunder)(_inplace(_f, types=_result_cast_check))
register("bitwise_not_")(_inplace(compare.bitwise_not))


# ---------------------------------------------------------------------------
# torch's other names for in-place methods
# ---------------------------------------------------------------------------

for _alias, _name in (("absolute_", "abs_"), ("negative_", "neg_"), ("fix_", "trunc_"), ("divide_", "div_"),
                      ("true_divide_", "div_"), ("multiply_", "mul_"), ("subtract_", "sub_"),
                      ("arccos_", "acos_"), ("arcsin_", "asin_"), ("arctan_", "atan_"),
                      ("arccosh_", "acosh_"), ("arcsinh_", "asinh_"), ("arctanh_", "atanh_")):
    register(_alias)(getattr(Tensor, _name))
