"""Random tensors: ``rand``, ``randn``, ``randint``, ``randperm``, ``normal``,
``bernoulli``, ``multinomial``, the ``*_like`` forms and the in-place fills
(``x.uniform_()``, ``w.data.normal_(0, 0.01)``, ...).

Each function checks its arguments as PyTorch does, asks :mod:`autograd_nb.random`
for the values (in PyTorch's order of draws) and puts them in a tensor. The numbers
are PyTorch's: after ``torch.manual_seed(0)``, ``torch.rand(3)`` is
``tensor([0.4963, 0.7682, 0.0885])`` here too.
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from . import _backend as B
from . import random as R
from ._creation import _finish, _resolve_dtype, _shape
from ._tensor import Tensor
from .autograd.grad_mode import STATE, no_grad
from .ops import convert
from .ops._core import record
from .ops._layout import preserve_strides, strided
from .ops.pointwise import NoDerivative

__all__ = ["rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial",
           "rand_like", "randn_like", "randint_like"]

_C_TYPE = {"uint8": "unsigned char", "int8": "signed char", "int16": "short", "int32": "int",
           "int64": "long int", "bool": "bool", "float16": "c10::Half", "float32": "float",
           "float64": "double"}


def _size(size: tuple[Any, ...], size_kw: Any) -> tuple[int, ...]:
    if size_kw is not None:
        if size:
            raise TypeError("rand() received an invalid combination of arguments - got both a size "
                            "and size=")
        size = (tuple(size_kw),) if not isinstance(size_kw, int) else (size_kw,)
    return _shape(size)


def _float_dtype(dtype: Any, kernel: str, numel: int = 1) -> B.dtype:
    """The dtype, refused unless floating. ``normal_kernel_cpu`` is PyTorch's kernel itself,
    which an empty tensor never reaches: ``randn(0, dtype=torch.long)`` is no error."""
    dt = _resolve_dtype(dtype) or B.get_default_dtype()
    if not dt.is_floating_point and (numel or kernel != "normal_kernel_cpu"):
        raise NotImplementedError(f'"{kernel}" not implemented for \'{B.SCALAR_NAMES[dt.name]}\'')
    return dt


def _visit_order(shape: tuple[int, ...], strides: Sequence[int]) -> list[int]:
    """The dims, outermost first, in which PyTorch's element loop visits a tensor with these
    ``strides``: innermost the dimension of smallest stride (memory order), so
    ``x.t().uniform_()`` fills ``x`` row by row, as PyTorch does."""
    by_stride = sorted(reversed(range(len(shape))), key=lambda d: abs(strides[d]) if shape[d] > 1 else 0)
    return list(reversed(by_stride))


def _in_order(shape: tuple[int, ...], strides: Sequence[int], values: np.ndarray) -> np.ndarray:
    """An array of ``shape`` holding ``values`` in the order PyTorch's element loop visits a
    tensor with these ``strides`` (``_visit_order``)."""
    out = np.empty(shape, values.dtype)
    if len(shape) < 2:
        out.reshape(-1)[:] = values
        return out
    outer_first = _visit_order(shape, strides)
    np.transpose(out, outer_first)[...] = values.reshape([shape[d] for d in outer_first])
    return out


def like_layout(arr: Any, values: np.ndarray) -> np.ndarray:
    """``values`` (drawn in order) laid out as PyTorch's ``empty_like(arr)`` holds them and
    fills them: in memory order, the memory laid out as ``arr``'s (a transpose keeps its
    order; a slice with gaps or an expand gets dense strides in its own stride order)."""
    return strided(values, arr.shape, preserve_strides(arr))


def _fill(self: Tensor, draw: Any, node: str, p: Tensor | None = None) -> Tensor:
    """Fill ``self`` in place with ``draw(n)`` values, in memory order; the version moves
    and, with grad, ``node`` (a class of ops/convert.py) is recorded. Nothing is drawn when
    ``self``'s elements share memory (an expand): PyTorch refuses that first."""
    convert.check_internal_overlap(self)
    arr = self._data
    vals = np.asarray(draw(arr.size))
    if arr.ndim > 1 and not arr.flags.c_contiguous:
        vals = _in_order(arr.shape, arr.strides, vals)
    return convert._random_fill(self, vals.reshape(arr.shape).astype(arr.dtype, copy=False),
                                getattr(convert, node), p)


def _writable(self: Tensor) -> None:
    """PyTorch's autograd checks an in-place op before the fill checks its arguments: a
    leaf that requires grad (or a view of one) is refused first."""
    convert.check_inplace(self)


def _contiguous(t: Tensor) -> bool:
    return bool(t._data.flags.c_contiguous)


# ---------------------------------------------------------------------------------------
# creation
# ---------------------------------------------------------------------------------------

def rand(*size: Any, generator: R.Generator | None = None, out: Tensor | None = None, dtype: Any = None,
         layout: Any = None, device: Any = None, requires_grad: bool = False, pin_memory: bool = False,
         **kw: Any) -> Tensor:
    """Uniform random numbers in ``[0, 1)``: ``torch.rand(2, 3)`` or ``torch.rand((2, 3))``."""
    shape = _size(size, kw.pop("size", None))
    dt = _float_dtype(_out_dtype("rand", out, dtype), "check_uniform_bounds")
    vals = R.uniform(R._gen(generator), int(np.prod(shape)), dt.np).reshape(shape)
    return _out(out, _finish(vals, dt, device, requires_grad))


def randn(*size: Any, generator: R.Generator | None = None, out: Tensor | None = None, dtype: Any = None,
          layout: Any = None, device: Any = None, requires_grad: bool = False, pin_memory: bool = False,
          **kw: Any) -> Tensor:
    """Standard normal random numbers (mean 0, standard deviation 1)."""
    shape = _size(size, kw.pop("size", None))
    dt = _float_dtype(_out_dtype("randn", out, dtype, resized_first=True), "normal_kernel_cpu",
                      int(np.prod(shape)))
    vals = R.normal(R._gen(generator), int(np.prod(shape)), dt.np).reshape(shape)
    return _out(out, _finish(vals, dt, device, requires_grad))


def _out_dtype(name: str, out: Tensor | None, dtype: Any, resized_first: bool = False) -> Any:
    """With ``out=`` the result takes ``out``'s dtype: the numbers are drawn in it (so
    ``rand(3, out=t64)`` draws what ``rand(3, dtype=torch.float64)`` draws). A ``dtype``
    that names another type is refused, and so is an ``out`` that requires grad while
    grad mode records (an ``out=`` function is not differentiable)."""
    if out is None:
        return dtype
    wanted = _resolve_dtype(dtype)
    if wanted is not None and wanted != out.dtype:
        raise RuntimeError(f"dtype {wanted.scalar_name} does not match dtype of out parameter "
                           f"({out.dtype.scalar_name})")
    if out.requires_grad and not STATE.mode & 1:
        if resized_first:                             # (randn's out path resizes before it checks)
            raise RuntimeError("cannot resize variables that require grad")
        raise RuntimeError(f"aten::{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    return out.dtype


def _out(out: Tensor | None, result: Tensor) -> Tensor:
    if out is None:
        return result
    from .ops._core import bump, check_inplace
    check_inplace(out)
    if tuple(out.shape) != tuple(result.shape):
        out._data = np.empty(result.shape, out._data.dtype) if out.is_cpu else \
            B.to_device(np.empty(result.shape, out._data.dtype), out.device)
    if result.numel():
        out._data[...] = B.to_device(result._data.astype(out._data.dtype, copy=False), out.device)
    bump(out)
    return out


def _int_bounds(dt: B.dtype, low: int, high: int) -> None:
    """PyTorch's range checks for ``random_(low, high)`` / ``randint`` into ``dt``."""
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if dt.is_floating_point:
        return
    info = (0, 1) if dt.name == "bool" else (int(np.iinfo(dt.np).min), int(np.iinfo(dt.np).max))
    if not info[0] <= low <= info[1]:
        raise RuntimeError(f"from is out of bounds for {_C_TYPE[dt.name]}")
    if not info[0] <= high - 1 <= info[1]:
        raise RuntimeError(f"to - 1 is out of bounds for {_C_TYPE[dt.name]}")


def randint(*args: Any, generator: R.Generator | None = None, out: Tensor | None = None, dtype: Any = None,
            layout: Any = None, device: Any = None, requires_grad: bool = False, pin_memory: bool = False,
            **kw: Any) -> Tensor:
    """Random integers in ``[low, high)``: ``randint(high, size)`` or ``randint(low, high, size)``.

    Each value is one 32-bit word modulo ``high - low``, plus ``low`` (PyTorch's way).
    """
    low, high, size = _randint_args(args, kw)
    dt = _resolve_dtype(_out_dtype("randint", out, dtype)) or B.int64
    shape = _shape((tuple(size),) if not isinstance(size, int) else (size,))
    low, high = int(low), int(high)
    _int_bounds(dt, low, high)
    vals = R.integers(R._gen(generator), int(np.prod(shape)), dt.np, low, high).reshape(shape)
    return _out(out, _finish(vals, dt, device, requires_grad))


def _randint_args(args: tuple[Any, ...], kw: dict[str, Any]) -> tuple[Any, Any, Any]:
    low, high, size = kw.pop("low", None), kw.pop("high", None), kw.pop("size", None)
    if kw:
        raise TypeError(f"randint() got an unexpected keyword argument '{next(iter(kw))}'")
    args = list(args)
    if size is None and args and not isinstance(args[-1], (int, np.integer)):
        size = args.pop()
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    if high is None or size is None:
        raise TypeError("randint() received an invalid combination of arguments - expected "
                        "(int high, tuple of ints size) or (int low, int high, tuple of ints size)")
    return (0 if low is None else low), high, size


def randperm(n: int, *, generator: R.Generator | None = None, out: Tensor | None = None, dtype: Any = None,
             layout: Any = None, device: Any = None, requires_grad: bool = False,
             pin_memory: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (Fisher-Yates, as PyTorch)."""
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dt = _resolve_dtype(_out_dtype("randperm", out, dtype)) or B.int64
    _randperm_fits(dt, n)
    vals = R.permutation(R._gen(generator), n).astype(dt.np)
    return _out(out, _finish(vals, dt, device, requires_grad))


_FLOAT_LIMIT = {"float16": ("2049", "Half"), "float32": ("2^24+1", "Float"), "float64": ("2^53+1", "Double")}


def _randperm_fits(dt: B.dtype, n: int) -> None:
    """PyTorch's refusals: no permutation of bools; the largest value ``n - 1`` must fit the
    dtype (a float's run of exact integers)."""
    if dt.name == "bool":
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    if dt.is_floating_point:
        limit, name = _FLOAT_LIMIT[dt.name]
        if n > 2 ** R._FLOAT_DIGITS[dt.np] + 1:
            raise RuntimeError(f"n cannot be greater than {limit} for {name} type.")
    elif n and n - 1 > np.iinfo(dt.np).max:
        raise RuntimeError(f"value cannot be converted to type {np.dtype(dt.np).name}_t without overflow")


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: R.Generator | None = None,
           out: Tensor | None = None, dtype: Any = None, layout: Any = None, device: Any = None,
           requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Normal random numbers: ``normal(mean, std, size)`` with numbers, or element-wise
    means and/or standard deviations given as tensors (the result takes their shape).

    As PyTorch: standard normals first, then ``* std`` and ``+ mean``.
    """
    gen = R._gen(generator)
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got (float, "
                            "float), but expected a size")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
        shape = _shape((tuple(size),) if not isinstance(size, int) else (size,))
        dt = _float_dtype(_out_dtype("normal", out, dtype), "normal_kernel_cpu", int(np.prod(shape)))
        vals = R.normal(gen, int(np.prod(shape)), dt.np, mean, std).reshape(shape)
        return _out(out, _finish(vals, dt, device, requires_grad))
    like = mean if mt else std
    shape = np.broadcast_shapes(tuple(mean.shape) if mt else (), tuple(std.shape) if st else ())
    _float_dtype(like.dtype, "normal_kernel_cpu", int(np.prod(shape)))
    if st:
        sd = B.to_device(std._data, B.CPU)
        if (sd < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
    npdt = like.dtype.np
    m = B.to_device(mean._data, B.CPU) if mt else npdt.type(mean)
    shape = np.broadcast_shapes(np.shape(m), np.shape(sd) if st else ())
    n = int(np.prod(shape))
    if mt and not st:                                 # normal_(0, std), then + mean
        vals = R.normal(gen, n, npdt, 0.0, std).reshape(shape) + m
    else:                                             # normal_(0, 1), then * std + mean
        vals = R.normal(gen, n, npdt).reshape(shape) * sd.astype(npdt) + m
    data = np.asarray(vals, npdt)
    if like.device.type == "cuda":
        data = B.to_device(data, like.device)
    sizes = {}                                        # (the node's fields: each tensor argument's shape)
    if mt:
        sizes["mean_sym_sizes"] = tuple(mean.shape)
    if st:
        sizes["std_sym_sizes"] = tuple(std.shape)
    node = convert.NormalBackward3 if mt and st else (convert.NormalBackward1 if mt else convert.NormalBackward2)
    return _out(out, record(data, node, tuple(t for t in (mean, std) if isinstance(t, Tensor)), **sizes))


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def bernoulli(input: Tensor, p: Any = None, *, generator: R.Generator | None = None,
              out: Tensor | None = None) -> Tensor:
    """0 or 1 for each element, 1 with the probability the element holds (or with ``p``)."""
    if p is not None:                                 # (no derivative defined: NotImplemented)
        with no_grad():
            vals = bernoulli_(input.detach().clone(), p, generator=generator)
        return _out(out, record(vals._data, NoDerivative, (input,), _op="bernoulli"))
    probs = B.to_device(input._data, B.CPU)
    if probs.size and not input.dtype.is_floating_point:     # (PyTorch's kernel, never reached when empty)
        raise NotImplementedError(f'"bernoulli_tensor_cpu_p_" not implemented for \'{B.SCALAR_NAMES[input.dtype.name]}\'')
    gen = R._gen(generator)
    try:                                              # (a contiguous result: drawn row by row)
        _check_probs(gen, probs.reshape(-1))
    except RuntimeError:
        raise RuntimeError(_P_IN) from None
    vals = R.bernoulli_tensor(gen, probs).reshape(probs.shape).astype(probs.dtype)
    if not input.is_cpu:
        vals = B.to_device(vals, input.device)
    return _out(out, record(vals, convert.BernoulliBackward0, (input,)))


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: R.Generator | None = None, out: Tensor | None = None) -> Tensor:
    """Indices drawn from the categories whose (unnormalised) weights are ``input``'s last
    dimension: ``num_samples`` per row, with or without ``replacement``."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{B.SCALAR_NAMES[input.dtype.name]}")
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if out is not None and out.dtype != B.int64:
        raise RuntimeError(f"multinomial expects Long tensor out, got: {B.SCALAR_NAMES[out.dtype.name]}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n_cat = input.shape[-1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if n_cat > 2 ** 24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    w = B.to_device(input._data, B.CPU)
    rows = w.reshape(-1, n_cat)
    if not replacement or num_samples == 1:
        if not (np.isfinite(rows).all() and (rows >= 0).all()):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (rows.sum(-1) == 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    else:
        if (rows < 0).any():
            raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
        if not np.isfinite(rows).all():
            raise RuntimeError("invalid multinomial distribution (encountering probability entry = "
                               "infinity or NaN)")
        if (rows.sum(-1) <= 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    idx = R.multinomial(R._gen(generator), rows, int(num_samples), bool(replacement),
                        preserve_strides(w) if w.ndim == 2 else None)
    if input.dim() == 1:
        idx = idx[0]
    return _out(out, _finish(idx.astype(np.int64), B.int64, input.device, False))


def _like(input: Tensor, dtype: Any, device: Any, requires_grad: bool, check: Any, draw: Any) -> Tensor:
    """A fresh tensor as PyTorch's ``empty_like(input)`` makes it (``input``'s shape, dtype,
    device and memory layout: see ops/_layout.preserve_strides), filled with ``draw(n, dt,
    contiguous)`` values in memory order, after ``check(dt, n)``. So ``randn_like(x.T)``
    holds the numbers ``randn_like(x)`` holds, transposed, and has ``x.T``'s strides."""
    dt = _resolve_dtype(dtype) or input.dtype
    arr = input._data
    strides = preserve_strides(arr)
    check(dt, arr.size)
    vals = np.asarray(draw(arr.size, dt, strides is None), dt.np)
    return _finish(strided(vals, arr.shape, strides), dt, input.device if device is None else device,
                   requires_grad)


def rand_like(input: Tensor, *, dtype: Any = None, layout: Any = None, device: Any = None,
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """``rand`` with ``input``'s shape, dtype, device and memory layout."""
    return _like(input, dtype, device, requires_grad,
                 lambda dt, n: _float_dtype(dt, "check_uniform_bounds"),
                 lambda n, dt, contiguous: R.uniform(R._gen(None), n, dt.np))


def randn_like(input: Tensor, *, dtype: Any = None, layout: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """``randn`` with ``input``'s shape, dtype, device and memory layout (a layout that is not
    contiguous takes normal's value-by-value road, as PyTorch's kernel does)."""
    return _like(input, dtype, device, requires_grad,
                 lambda dt, n: _float_dtype(dt, "normal_kernel_cpu", n),
                 lambda n, dt, contiguous: R.normal(R._gen(None), n, dt.np, contiguous=contiguous))


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, dtype: Any = None,
                 layout: Any = None, device: Any = None, requires_grad: bool = False,
                 memory_format: Any = None) -> Tensor:
    """``randint`` with ``input``'s shape, dtype, device and memory layout (``randint_like(x,
    high)`` too)."""
    if high is None:
        low, high = 0, low
    low, high = int(low), int(high)
    return _like(input, dtype, device, requires_grad,
                 lambda dt, n: _int_bounds(dt, low, high),
                 lambda n, dt, contiguous: R.integers(R._gen(None), n, dt.np, low, high))


# ---------------------------------------------------------------------------------------
# in-place fills: Tensor.uniform_, normal_, random_, bernoulli_, exponential_, ...
# ---------------------------------------------------------------------------------------

def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator: R.Generator | None = None,
             **kw: Any) -> Tensor:
    """Fill in place with uniform random numbers from ``[from, to)``."""
    from_ = kw.pop("from", from_)
    _writable(self)
    _float_dtype(self.dtype, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={_num(from_)} > "
                           f"to={_num(to)}")
    return _fill(self, lambda n: R.uniform(R._gen(generator), n, self.dtype.np, from_, to), "UniformBackward0")


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: R.Generator | None = None) -> Tensor:
    """Fill in place with normal random numbers of the given ``mean`` and ``std``. (The
    dtype is refused by PyTorch's kernel, which an empty tensor never reaches.)"""
    _writable(self)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
    _float_dtype(self.dtype, "normal_kernel_cpu", self._data.size)
    contiguous = _contiguous(self)
    return _fill(self, lambda n: R.normal(R._gen(generator), n, self.dtype.np, mean, std, contiguous),
                 "NormalBackward0")


def random_(self: Tensor, *args: Any, generator: R.Generator | None = None, **kw: Any) -> Tensor:
    """Fill in place with random integers: ``random_(to)`` from ``[0, to)``,
    ``random_(from, to)``, ``random_(from, None)`` up to the dtype's largest value, or
    ``random_()`` over every integer the dtype holds exactly."""
    gen = R._gen(generator)
    dt = self.dtype
    if len(args) > 2 or set(kw) - {"from", "to"}:
        raise TypeError("random_() received an invalid combination of arguments")
    _writable(self)
    convert.check_internal_overlap(self)                # (before the range checks, as PyTorch's)
    if not args and not kw:
        return _fill(self, lambda n: R.full_range(gen, n, dt.np), "RandomBackward2")
    if len(args) == 1 and not kw:
        low, high = 0, args[0]                          # random_(to)
    else:
        low, high = (args + (None, None))[:2] if args else (kw.get("from", 0), kw.get("to"))
        if len(args) == 1:
            high = kw.get("to")
    node = "RandomBackward1" if len(args) == 1 and not kw else "RandomBackward0"
    low = int(low)
    if high is None:                                    # random_(from, None)
        if dt.name == "int64" and low == -2 ** 63:
            return _fill(self, lambda n: R.int64_any(gen, n), node)
        top = (2 ** R._FLOAT_DIGITS[dt.np] if dt.is_floating_point else
               (1 if dt.name == "bool" else int(np.iinfo(dt.np).max)))
        high = top + 1
    high = int(high)
    _int_bounds(dt, low, high)
    if dt.is_floating_point:
        digits = R._FLOAT_DIGITS[dt.np]
        if high - 1 > 2 ** digits or low < -2 ** digits:
            warnings.warn(f"to - 1 is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision "
                          f"limitations {_C_TYPE[dt.name]} can support discrete uniform distribution "
                          "only within this range. This warning will become an error in version 1.7 "
                          "release, please fix the code in advance", UserWarning, stacklevel=2)
    return _fill(self, lambda n: R.integers(gen, n, dt.np, low, high), node)


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: R.Generator | None = None) -> Tensor:
    """Fill in place with 1 (with probability ``p``, a number or a tensor of them) or 0."""
    gen = R._gen(generator)
    _writable(self)
    if isinstance(p, Tensor):
        return _bernoulli_tensor_(self, p, gen)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_num(p)}")
    return _fill(self, lambda n: R.bernoulli_p(gen, n, float(p)), "BernoulliBackward2")


_P_IN = ("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be improved?  "
         "If so, please report an enhancement request to PyTorch.)")


def _check_probs(gen: R.Generator, probs: np.ndarray) -> None:
    """PyTorch's kernel checks each probability as it draws for it: a bad one at place ``k``
    (in drawing order) raises after ``k`` draws. ``probs``: flat, in drawing order. Returns
    nothing when all are in [0, 1]; else draws those ``k`` and raises with them attached
    (``err.drawn``) for the caller to write."""
    bad = ~((probs >= 0) & (probs <= 1))
    if not bad.any():
        return
    k = int(bad.argmax())
    err = RuntimeError(_P_IN)
    err.drawn = R.bernoulli_tensor(gen, probs[:k])
    raise err


def _bernoulli_tensor_(self: Tensor, p: Tensor, gen: R.Generator) -> Tensor:
    """``self.bernoulli_(p)``: PyTorch refuses an overlapping ``self`` first; an empty one
    is left as it is; then ``p`` is expanded to ``self``'s shape, must be floating, and
    each element is 1 where a uniform draw is below its ``p`` (drawn in ``self``'s memory
    order; a bad ``p`` stops the loop, the places before it already written)."""
    convert.check_internal_overlap(self)
    arr = self._data
    if arr.size == 0:
        return _fill(self, lambda n: np.empty(0), "BernoulliBackward1", p)
    with no_grad():
        probs = B.to_device(p.detach().expand(tuple(self.shape))._data, B.CPU)
    if not p.dtype.is_floating_point:
        raise NotImplementedError(f'"bernoulli_tensor_cpu_p_" not implemented for \'{B.SCALAR_NAMES[p.dtype.name]}\'')
    order = _visit_order(arr.shape, arr.strides) if arr.ndim > 1 and not arr.flags.c_contiguous else None
    flat = (probs if order is None else np.transpose(probs, order)).reshape(-1)
    try:
        _check_probs(gen, flat)
    except RuntimeError as err:
        k = err.drawn.size
        host = B.to_device(arr, B.CPU) if not self.is_cpu else arr
        now = (host if order is None else np.transpose(host, order)).reshape(-1).copy()
        now[:k] = err.drawn.astype(arr.dtype)
        new = _in_order(arr.shape, arr.strides, now) if order is not None else now.reshape(arr.shape)
        self._data[...] = B.to_device(new, self.device) if not self.is_cpu else new
        raise RuntimeError(_P_IN) from None
    return _fill(self, lambda n: R.bernoulli_tensor(gen, flat), "BernoulliBackward1", p)


def _continuous(self: Tensor, what: str) -> None:
    if not self.dtype.is_floating_point:
        raise RuntimeError(f"{what} distribution is a continuous probability distribution. dtype must "
                           f"be a floating point but you specified "
                           f"{B.SCALAR_NAMES[self.dtype.name] if what == 'Exponential' else _C_TYPE[self.dtype.name]}")


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: R.Generator | None = None) -> Tensor:
    """Fill in place with Exponential(``lambd``) numbers (mean ``1 / lambd``)."""
    _writable(self)
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_num(lambd)}")
    convert.check_internal_overlap(self)                 # (the dtype is refused by the kernel,
    if self._data.size:                                  # after the overlap check, never reached
        _continuous(self, "Exponential")                 # when empty)
    return _fill(self, lambda n: R.exponential(R._gen(generator), n, lambd), "ExponentialBackward0")


def geometric_(self: Tensor, p: float, *, generator: R.Generator | None = None) -> Tensor:
    """Fill in place with the number of Bernoulli(``p``) trials up to the first success."""
    _writable(self)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_num(p)}")
    convert.check_internal_overlap(self)                 # (the kernel takes any dtype but bool)
    if self._data.size and self.dtype.name == "bool":
        raise NotImplementedError("\"geometric_cpu\" not implemented for 'Bool'")
    return _fill(self, lambda n: R.geometric(R._gen(generator), n, p), "GeometricBackward0")


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator: R.Generator | None = None) -> Tensor:
    """Fill in place with ``exp`` of Normal(``mean``, ``std``) numbers."""
    _writable(self)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_num(std)}")
    convert.check_internal_overlap(self)                 # (the kernel refuses the dtype, as
    if self._data.size and not self.dtype.is_floating_point:    # exponential_'s)
        raise NotImplementedError(f'"log_normal_cpu" not implemented for \'{B.SCALAR_NAMES[self.dtype.name]}\'')
    return _fill(self, lambda n: R.log_normal(R._gen(generator), n, mean, std), "LogNormalBackward0")


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *,
            generator: R.Generator | None = None) -> Tensor:
    """Fill in place with Cauchy(``median``, ``sigma``) numbers."""
    _writable(self)
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_num(sigma)}")
    _continuous(self, "Cauchy")
    return _fill(self, lambda n: R.cauchy(R._gen(generator), n, median, sigma), "CauchyBackward0")


def _bernoulli_method(self: Tensor, p: Any = None, *, generator: R.Generator | None = None) -> Tensor:
    return bernoulli(self, p, generator=generator)


def _multinomial_method(self: Tensor, num_samples: int, replacement: bool = False, *,
                        generator: R.Generator | None = None) -> Tensor:
    return multinomial(self, num_samples, replacement, generator=generator)


for _f in (uniform_, normal_, random_, bernoulli_, exponential_, geometric_, log_normal_, cauchy_):
    setattr(Tensor, _f.__name__, _f)
Tensor.bernoulli = _bernoulli_method
Tensor.multinomial = _multinomial_method
