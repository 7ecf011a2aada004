"""Element-wise ops, one module per family; every node class sits beside its op.

- ``arithmetic``: + - * / (and their number forms, ``mul_scalar`` & co, which other
  ops' rules use), pow, %, fmod, //, neg, reciprocal, and the Python operators;
- ``unary``: one-input functions (abs, sign, sqrt, exp, log, trigonometry, rounding);
- ``clamping``: clamp, maximum/minimum, fmax/fmin, relu, sigmoid, logit, nan_to_num and
  the two-input floating functions (xlogy, atan2, hypot, logaddexp);
- ``inplace``: the in-place forms (``x.add_(y)``, ``x += y``, ``x.exp_()``) and the
  machinery every family's in-place ops share (``_inplace``, ``apply_inplace``).

Importing the package attaches the methods to Tensor, family by family in that order.
This module re-exports the ops (``EXPORTS``: the ``torch.X`` functions) and the helpers
other modules import from ``ops.pointwise``.
"""
from ... import _backend as B
from . import arithmetic, unary, clamping, inplace
from .arithmetic import (add, div, divide, floor_divide, fmod, mul, multiply, neg, negative, pow, reciprocal,
                         remainder, rsub, sub, subtract, true_divide)
from .arithmetic import (NoDerivative, _needed, _sub_check, add_scalar, div_scalar, has_edge, mul_scalar,
                         rsub_scalar, sub_scalar)
from .unary import (abs, absolute, acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctanh, asin, asinh,
                    atan, atanh, ceil, cos, cosh, exp, exp2, expm1, floor, frac, log, log10, log1p, log2, round,
                    rsqrt, sgn, sign, sin, sinh, sqrt, square, tan, tanh, trunc)
from .clamping import (arctan2, atan2, clamp, clamp_max, clamp_min, clip, fmax, fmin, hypot, logaddexp, logit,
                       maximum, minimum, nan_to_num, relu, sigmoid, xlogy)
from .inplace import _check_output_shape, _inplace, _result_cast_check, apply_inplace, inplace_type_error

_DTYPE_WORDS = B.SCALAR_NAMES                         # (numpy dtype name -> PyTorch's name)

EXPORTS = arithmetic.EXPORTS + unary.EXPORTS + clamping.EXPORTS + inplace.EXPORTS
