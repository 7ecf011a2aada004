"""The op catalog: every differentiable op of the core, described once, as data.

One entry (``Op``) says how to call an op with *either* ``autograd_nb`` *or* real
``torch`` -- ``fn(m, *inputs, **params)``, where ``m`` is the module -- how many floating
point tensor inputs it takes, where those inputs may lie (``domain``), which shapes and
extra arguments to try (``cases``, a Hypothesis strategy of ``Case``), and what kind of
op it is (differentiable? broadcasting? twice differentiable?).

Three test files read this one list:

* ``test_catalog_gradients.py`` checks every backward rule against central finite
  differences (first and second order) in float64;
* ``test_catalog_parity.py`` runs every entry under both libraries and compares values,
  gradients, dtypes, ``grad_fn`` names, ``next_functions`` and error messages;
* ``test_errors.py`` takes the bad-input cases (``Op.bad``) of a few entries.

Adding an op to the library means adding its line here; all checks then follow.
Entries for ops that do not exist yet are skipped (``require``) until they land.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_nb


class Case(NamedTuple):
    """One concrete call: the shape of each tensor input and the op's other arguments."""

    shapes: tuple[tuple[int, ...], ...]
    params: dict


@dataclass(frozen=True)
class Op:
    """One catalog entry. ``fn(m, *inputs, **params)`` calls the op on module ``m``."""

    name: str
    fn: Callable[..., Any]
    nargs: int
    cases: Any                                   # a Hypothesis strategy of Case
    domain: str | tuple[str, ...] = "real"       # per input; see DOMAINS
    needs: tuple[str, ...] = ()                  # names that must exist ("Tensor.x" = a method)
    family: str = "pointwise"
    differentiable: bool = True                  # can backward run through it?
    broadcast: bool = False
    twice: bool = True                           # second derivatives meaningful and supported
    mixed: bool = False                          # ``fn(m, a, b)`` takes any dtypes / Python numbers
    bad: tuple[Callable[[Any], Any], ...] = ()   # calls that must fail as in PyTorch
    rtol: float = 1e-5                           # float32 parity tolerance
    atol: float = 1e-6                           # (and its absolute part)
    graph: bool = True                           # False: grad_fn names documented to differ

    def domain_of(self, i: int) -> str:
        return self.domain if isinstance(self.domain, str) else self.domain[i]

    def __repr__(self) -> str:
        return f"Op({self.name})"


def missing(op: Op) -> list[str]:
    """The names ``op`` needs that autograd_nb does not provide yet."""
    out = []
    for n in op.needs:
        if n.startswith("Tensor."):
            if not hasattr(autograd_nb.Tensor, n[7:]):
                out.append(n)
        elif not hasattr(autograd_nb, n):
            out.append(n)
    return out


def require(op: Op) -> None:
    """Skip the calling test while an op the entry needs is not implemented."""
    import pytest
    gone = missing(op)
    if gone:
        pytest.skip(f"not implemented yet: {', '.join(gone)}")


# ---------------------------------------------------------------------------
# comparing what happened under autograd_nb and under torch
# ---------------------------------------------------------------------------


def error_line(exc: BaseException) -> str:
    """``ExceptionType: first line of message``, as the conformance runner shows errors."""
    msg = str(exc)
    return f"{type(exc).__name__}: {msg.splitlines()[0] if msg else ''}"


def observe(v: Any) -> Any:
    """A description of ``v`` that compares equal across the two libraries.

    Tensors by their exact repr (values, dtype, requires_grad, grad_fn name), sizes,
    dtypes and devices by repr, nodes by class name, numbers with their Python type.
    """
    kind = type(v).__name__
    if hasattr(v, "grad_fn") and hasattr(v, "requires_grad"):
        return ("tensor", repr(v))
    if kind in ("Size", "dtype", "device"):
        return (kind, repr(v))
    if isinstance(v, np.ndarray):
        return ("ndarray", str(v.dtype), v.shape, v.tolist())
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, tuple(observe(x) for x in v))
    if hasattr(v, "next_functions"):
        return ("node", kind)
    if isinstance(v, float) and math.isfinite(v):
        return ("float", round(v, 4))
    return (kind, v)


def outcome(fn: Callable[[Any], Any], m: Any) -> tuple:
    """``("ok", observe(result), n_warnings)`` or ``("error", error_line, n_warnings)``."""
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result: tuple = ("ok", observe(fn(m)))
        except Exception as exc:                    # noqa: BLE001 - compared with torch
            result = ("error", error_line(exc))
    return result + (len(caught),)


# ---------------------------------------------------------------------------
# input values
# ---------------------------------------------------------------------------


def _real(rng, shape):
    return rng.uniform(-2.0, 2.0, shape)


def _nonzero(rng, shape):               # away from the kink at 0 (abs, relu, sign, prod)
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape)


def _positive(rng, shape):              # log, sqrt, rsqrt, x ** y
    return rng.uniform(0.5, 2.0, shape)


def _negative(rng, shape):
    return -rng.uniform(0.5, 2.0, shape)


def _unit(rng, shape):                  # tan: away from its poles
    return rng.uniform(-1.0, 1.0, shape)


def _inner(rng, shape):                 # asin, acos, atanh: inside (-1, 1), away from the ends
    return rng.uniform(-0.8, 0.8, shape)


def _above_one(rng, shape):             # acosh: above 1, away from it
    return rng.uniform(1.3, 3.0, shape)


def _distinct(rng, shape):              # max/min/argmax: no ties anywhere in the tensor
    n = int(np.prod(shape, dtype=np.int64))
    vals = np.linspace(-2.0, 2.0, max(n, 1))[:n] + rng.uniform(-0.01, 0.01, n)
    return rng.permutation(vals).reshape(shape)


DOMAINS: dict[str, Callable] = {"real": _real, "nonzero": _nonzero, "positive": _positive,
                                "negative": _negative, "unit": _unit, "distinct": _distinct,
                                "inner": _inner, "above_one": _above_one}


def make_inputs(op: Op, case: Case, seed: int) -> list[np.ndarray]:
    """float64 arrays for the tensor inputs of ``op`` in ``case``, inside the op's domain."""
    rng = np.random.default_rng(seed)
    return [np.asarray(DOMAINS[op.domain_of(i)](rng, s), dtype=np.float64)
            for i, s in enumerate(case.shapes)]


def outputs(result: Any) -> list:
    """The op's result as a flat list of tensors (ops like ``split`` return several)."""
    if isinstance(result, (tuple, list)):
        return list(result)
    return [result]


# ---------------------------------------------------------------------------
# shape strategies
# ---------------------------------------------------------------------------

SIDE = 4


def shape(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = SIDE):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def shapes_with_ones(min_dims: int = 0, max_dims: int = 4):
    """Shapes where size-1 dims are common (for squeeze)."""
    return st.lists(st.sampled_from([1, 1, 2, 3]), min_size=min_dims, max_size=max_dims).map(tuple)


def unary(**kw) -> Any:
    return shape(**kw).map(lambda s: Case((s,), {}))


def broadcast(n: int = 2) -> Any:
    return hnp.mutually_broadcastable_shapes(num_shapes=n, max_dims=3, max_side=SIDE).map(
        lambda r: Case(tuple(r.input_shapes), {}))


def broadcasts_to(target: tuple) -> Any:
    """Shapes that broadcast *to* ``target`` (not merely with it)."""
    if 0 in target:
        return st.just(tuple(target))
    return hnp.broadcastable_shapes(target, max_dims=len(target)).filter(
        lambda s: np.broadcast_shapes(s, target) == tuple(target))


def same_shape(n: int = 2, **kw) -> Any:
    return shape(**kw).map(lambda s: Case((s,) * n, {}))


def _dim(draw, ndim: int) -> int:
    n = max(ndim, 1)
    return draw(st.integers(-n, n - 1))


def _dims(draw, ndim: int, min_size: int = 1) -> tuple[int, ...]:
    picked = draw(st.lists(st.integers(0, ndim - 1), min_size=min_size, max_size=ndim, unique=True))
    return tuple(d - ndim if draw(st.booleans()) else d for d in picked)


@st.composite
def with_dim(draw, keepdim: bool = False, min_dims: int = 0, min_side: int = 1, **kw):
    """One input plus ``dim`` (and ``keepdim`` when the op takes it)."""
    s = draw(shape(min_dims=min_dims, min_side=min_side, **kw))
    p = {"dim": _dim(draw, len(s))}
    if keepdim:
        p["keepdim"] = draw(st.booleans())
    return Case((s,), p)


@st.composite
def with_dims(draw, min_side: int = 1):
    """One input plus a tuple ``dim`` and ``keepdim``."""
    s = draw(shape(min_dims=1, min_side=min_side))
    return Case((s,), {"dim": _dims(draw, len(s)), "keepdim": draw(st.booleans())})


@st.composite
def sort_case(draw):
    """sort: an input, a dim and descending."""
    c = draw(with_dim())
    return Case(c.shapes, {**c.params, "descending": draw(st.booleans())})


@st.composite
def topk_case(draw):
    """topk: k between 0 and the size along dim (1 for a 0-d input), largest or not."""
    c = draw(with_dim())
    s, dim = c.shapes[0], c.params["dim"]
    size = s[dim] if s else 1
    return Case(c.shapes, {"k": draw(st.integers(0, size)), "dim": dim, "largest": draw(st.booleans())})


@st.composite
def var_case(draw):
    """var/std: the reduced dims hold at least ``correction + 1`` elements."""
    s = draw(shape(min_dims=1, min_side=2))
    correction = draw(st.sampled_from([0, 1, 2]))
    dims = draw(st.one_of(st.none(), st.just("int"), st.just("tuple")))
    p: dict = {"correction": correction}
    if dims is None:
        n = int(np.prod(s))
    elif dims == "int":
        p["dim"] = _dim(draw, len(s))
        n = s[p["dim"]]
        p["keepdim"] = draw(st.booleans())
    else:
        p["dim"] = _dims(draw, len(s))
        n = int(np.prod([s[d] for d in p["dim"]]))
        p["keepdim"] = draw(st.booleans())
    if n <= correction:
        p["correction"] = n - 1
    return Case((s,), p)


@st.composite
def matmul_case(draw):
    """Two operands of ranks 1..4 whose batch dims broadcast."""
    ra, rb = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    n, k, p = (draw(st.integers(1, 3)) for _ in range(3))
    nb = max(ra, rb) - 2
    batch = draw(shape(min_dims=max(nb, 0), max_dims=max(nb, 0), max_side=3)) if nb > 0 else ()

    def ones_here(b):
        return tuple(1 if draw(st.booleans()) and draw(st.booleans()) else x for x in b)
    a = (k,) if ra == 1 else ones_here(batch[len(batch) - (ra - 2):] if ra > 2 else ()) + (n, k)
    b = (k,) if rb == 1 else ones_here(batch[len(batch) - (rb - 2):] if rb > 2 else ()) + (k, p)
    return Case((a, b), {})


def _sizes(draw, n: int, min_len: int = 0, max_len: int = 4) -> list[int]:
    """A random factorisation of ``n`` (with some 1s), e.g. 12 -> [3, 1, 4]."""
    out, rest = [], n
    while rest > 1 and len(out) < max_len:
        out.append(draw(st.sampled_from([d for d in range(2, rest + 1) if rest % d == 0])))
        rest //= out[-1]
    if rest > 1:
        out.append(rest)
    for _ in range(draw(st.integers(0, 1))):
        out.insert(draw(st.integers(0, len(out))), 1)
    while len(out) < min_len:
        out.append(1)
    return out


@st.composite
def view_case(draw, min_len: int = 1, min_dims: int = 0):
    s = draw(shape(min_dims=min_dims))
    target = _sizes(draw, int(np.prod(s)), min_len=min_len)
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return Case((s,), {"shape": tuple(target)})


@st.composite
def flatten_case(draw):
    s = draw(shape())
    n = max(len(s), 1)
    a, b = sorted([draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))])
    return Case((s,), {"start_dim": a - n if draw(st.booleans()) else a,
                       "end_dim": b - n if draw(st.booleans()) else b})


@st.composite
def unflatten_case(draw):
    s = draw(shape(min_dims=1))
    d = _dim(draw, len(s))
    sizes = _sizes(draw, s[d], min_len=1)
    if draw(st.booleans()):
        sizes[draw(st.integers(0, len(sizes) - 1))] = -1
    return Case((s,), {"dim": d, "sizes": tuple(sizes)})


@st.composite
def squeeze_case(draw, how: str):
    s = draw(shapes_with_ones())
    if how == "all":
        return Case((s,), {})
    if how == "dim":
        return Case((s,), {"dim": _dim(draw, len(s))})
    return Case((s,), {"dim": _dims(draw, len(s), min_size=0) if s else ()})


@st.composite
def unsqueeze_case(draw):
    s = draw(shape())
    return Case((s,), {"dim": draw(st.integers(-len(s) - 1, len(s)))})


@st.composite
def transpose_case(draw):
    s = draw(shape())
    return Case((s,), {"dim0": _dim(draw, len(s)), "dim1": _dim(draw, len(s))})


@st.composite
def permute_case(draw, min_dims: int = 0):
    s = draw(shape(min_dims=min_dims))
    perm = draw(st.permutations(range(len(s))))
    return Case((s,), {"dims": tuple(d - len(s) if draw(st.booleans()) else d for d in perm)})


@st.composite
def expand_case(draw):
    s = draw(shapes_with_ones(max_dims=3))
    lead = draw(st.lists(st.integers(1, 3), min_size=0 if s else 1, max_size=2))
    sizes = list(lead)
    for x in s:
        if x == 1:
            sizes.append(draw(st.sampled_from([1, 2, 3, -1])))
        else:
            sizes.append(draw(st.sampled_from([x, -1])))
    return Case((s,), {"sizes": tuple(sizes)})


@st.composite
def repeat_case(draw):
    s = draw(shape(max_dims=2, max_side=3))
    reps = draw(st.lists(st.integers(1, 3), min_size=max(len(s), 1),
                            max_size=len(s) + 2))
    return Case((s,), {"repeats": tuple(reps)})


@st.composite
def stack_case(draw):
    s = draw(shape(max_dims=2))
    return Case((s, s, s), {"dim": draw(st.integers(-len(s) - 1, len(s)))})


@st.composite
def cat_case(draw):
    s = draw(shape(min_dims=1, max_dims=3))
    d = _dim(draw, len(s))
    shapes = tuple(tuple(draw(st.integers(1, 3)) if i == d % len(s) else x
                         for i, x in enumerate(s)) for _ in range(3))
    return Case(shapes, {"dim": d})


@st.composite
def split_case(draw, sections: bool):
    s = draw(shape(min_dims=1))
    d = _dim(draw, len(s))
    n = s[d]
    if sections:
        parts, rest = [], n
        while rest:
            parts.append(draw(st.integers(1, rest)))
            rest -= parts[-1]
        return Case((s,), {"split_size_or_sections": parts, "dim": d})
    return Case((s,), {"split_size_or_sections": draw(st.integers(1, n + 1)), "dim": d})


@st.composite
def chunk_case(draw):
    s = draw(shape(min_dims=1))
    return Case((s,), {"chunks": draw(st.integers(1, 5)), "dim": _dim(draw, len(s))})


@st.composite
def flip_case(draw):
    s = draw(shape(min_dims=1))
    return Case((s,), {"dims": _dims(draw, len(s))})


@st.composite
def gather_case(draw):
    s = draw(shape(min_dims=1))
    d = _dim(draw, len(s))
    ishape = tuple(draw(st.integers(1, SIDE)) if i == d % len(s) else draw(st.integers(1, x))
                   for i, x in enumerate(s))
    idx = draw(hnp.arrays(np.int64, ishape, elements=st.integers(0, s[d] - 1)))
    return Case((s,), {"dim": d, "index": idx})


@st.composite
def index_select_case(draw):
    s = draw(shape(min_dims=1))
    d = _dim(draw, len(s))
    idx = draw(hnp.arrays(np.int64, (draw(st.integers(1, 5)),), elements=st.integers(0, s[d] - 1)))
    return Case((s,), {"dim": d, "index": idx})


@st.composite
def index_fill_case(draw):
    s = draw(shape(min_dims=1))
    d = _dim(draw, len(s))
    idx = draw(hnp.arrays(np.int64, (draw(st.integers(1, 4)),),
                          elements=st.integers(-s[d], s[d] - 1)))
    return Case((s,), {"dim": d, "index": idx, "value": 0.5})


@st.composite
def masked_fill_case(draw):
    s = draw(shape())
    mshape = draw(broadcasts_to(s))
    return Case((s,), {"mask": draw(hnp.arrays(np.bool_, mshape)), "value": -0.75})


@st.composite
def where_case(draw):
    r = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=SIDE))
    a, b, c = r.input_shapes
    return Case((a, b), {"condition": draw(hnp.arrays(np.bool_, c))})


@st.composite
def bounds_case(draw):
    """An input and two bounds that broadcast to its shape (PyTorch's clamp cannot
    backpropagate when the bounds make the result bigger than the input)."""
    s = draw(shape())
    return Case((s, draw(broadcasts_to(s)), draw(broadcasts_to(s))), {})


@st.composite
def narrow_case(draw):
    s = draw(shape(min_dims=1))
    d = _dim(draw, len(s))
    start = draw(st.integers(0, s[d] - 1))
    return Case((s,), {"dim": d, "start": start - s[d] if draw(st.booleans()) else start,
                       "length": draw(st.integers(0, s[d] - start))})


@st.composite
def select_case(draw):
    s = draw(shape(min_dims=1))
    d = _dim(draw, len(s))
    return Case((s,), {"dim": d, "index": draw(st.integers(-s[d], s[d] - 1))})


@st.composite
def inplace_case(draw):
    a = draw(shape())
    return Case((a, draw(broadcasts_to(a))), {})


# --- indexing ---------------------------------------------------------------


def _basic_component(draw, size: int) -> Any:
    kind = draw(st.sampled_from(["int", "slice", "full"]))
    if kind == "int":
        return draw(st.integers(-size, size - 1))
    if kind == "full":
        return slice(None)
    bound = st.one_of(st.none(), st.integers(-size - 1, size + 1))
    return slice(draw(bound), draw(bound), draw(st.sampled_from([None, 1, 2, 3])))


@st.composite
def basic_key(draw, s: tuple) -> Any:
    """A basic index for shape ``s``: ints, slices with steps, None, at most one Ellipsis."""
    comps = [_basic_component(draw, n) for n in s]
    if draw(st.booleans()):                          # an Ellipsis stands for some middle dims
        at = draw(st.integers(0, len(comps)))
        cut = draw(st.integers(at, len(comps)))
        comps = comps[:at] + [Ellipsis] + comps[cut:]
    else:                                            # or trailing dims are left out
        comps = comps[:draw(st.integers(0, len(comps)))]
    for _ in range(draw(st.integers(0, 2))):
        comps.insert(draw(st.integers(0, len(comps))), None)
    if len(comps) == 1 and draw(st.booleans()):
        return comps[0]
    return tuple(comps)


@st.composite
def getitem_basic_case(draw):
    s = draw(shape(max_dims=3))
    return Case((s,), {"key": draw(basic_key(s))})


@st.composite
def getitem_list_case(draw):
    s = draw(shape(min_dims=1))
    at = draw(st.integers(0, len(s) - 1))
    lst = draw(st.lists(st.integers(-s[at], s[at] - 1), min_size=1, max_size=5))
    return Case((s,), {"key": (slice(None),) * at + (lst,)})


@st.composite
def getitem_tensor_case(draw):
    s = draw(shape(min_dims=1))
    two = len(s) >= 2 and draw(st.booleans())
    ishape = draw(shape(min_dims=1, max_dims=2, max_side=3))
    first = draw(hnp.arrays(np.int64, ishape, elements=st.integers(-s[0], s[0] - 1)))
    if not two:
        return Case((s,), {"index": (first,)})
    second = draw(hnp.arrays(np.int64, ishape[-1:], elements=st.integers(-s[1], s[1] - 1)))
    return Case((s,), {"index": (first, second)})


@st.composite
def getitem_mask_case(draw):
    s = draw(shape(min_dims=1))
    k = draw(st.integers(1, len(s)))
    return Case((s,), {"mask": draw(hnp.arrays(np.bool_, s[:k]))})


@st.composite
def setitem_case(draw):
    s = draw(shape(min_dims=1))
    key = draw(basic_key(s))
    region = np.empty(s)[key].shape
    vshape = draw(broadcasts_to(region))
    return Case((s, vshape), {"key": key})


@st.composite
def setitem_mask_case(draw):
    s = draw(shape(min_dims=1))
    return Case((s,), {"mask": draw(hnp.arrays(np.bool_, s)), "value": 0.5})


@st.composite
def setitem_list_case(draw):
    s = draw(shape(min_dims=1))
    lst = draw(st.lists(st.integers(0, s[0] - 1), min_size=1, max_size=s[0], unique=True))
    return Case((s, (len(lst),) + s[1:]), {"key": lst})


# ---------------------------------------------------------------------------
# op bodies that need more than one line
# ---------------------------------------------------------------------------


def _t(m, arr):
    return m.tensor(arr)


def _ramp(shape):
    """Distinct values in a fixed order (what an unpooling's indices are pooled from)."""
    n = int(np.prod(shape))
    return ((np.arange(n) * 7) % n).reshape(shape).astype(np.float64)


def _setitem(m, a, v, key):
    c = a * 1                      # a non-leaf: in-place writes are allowed
    c[key] = v
    return c


def _setitem_mask(m, a, mask, value):
    c = a * 1
    c[m.tensor(mask)] = value
    return c


def _setitem_list(m, a, v, key):
    c = a * 1
    c[key] = v
    return c


def _inplace(method: str, **kw):
    def body(m, a, b):
        c = a * 1
        return getattr(c, method)(b, **kw)
    return body


def _inplace_unary(method: str):
    def body(m, a):
        c = a.clone()
        return getattr(c, method)()
    return body


def _expand_as(m, a, sizes):
    return a.expand_as(m.zeros(tuple(a.expand(*sizes).shape)))


def _view_as(m, a, shape):
    return a.view_as(m.zeros(tuple(a.view(*shape).shape)))


# ---------------------------------------------------------------------------
# bad inputs (shared with test_errors.py)
# ---------------------------------------------------------------------------


def _bad_broadcast(m):
    return m.ones(3) + m.ones(4)


def _bad_matmul(m):
    return m.ones(2, 3) @ m.ones(2, 3)


def _bad_view(m):
    return m.ones(2, 3).view(4, 2)


def _bad_dim(m):
    return m.ones(2, 3).sum(dim=2)


# --- torch.linalg: inputs that keep matrices well conditioned, decompositions unique ---
import autograd_nb.linalg  # noqa: E402,F401  (torch.linalg; autograd_nb's __init__ does not load it yet)


def _well_conditioned(rng, shape):      # det, inv, solve: diagonally dominant, either sign of det
    n = shape[-1]
    signs = rng.choice([-1.0, 1.0], shape[:-1] + (1,))
    return signs * (rng.uniform(-1.0, 1.0, shape) + (n + 0.5) * np.eye(n))


def _orthonormal(rng, batch, n, k):
    q, r = np.linalg.qr(rng.standard_normal(batch + (n, k)))
    return q * np.sign(np.diagonal(r, 0, -2, -1))[..., None, :]


def _spread_spectrum(rng, shape):       # svd, qr: singular values >= 1 and at least 0.5 apart
    m, n = shape[-2:]
    k = min(m, n)
    s = 1.0 + 0.7 * np.arange(k)[::-1] + rng.uniform(0.0, 0.2, shape[:-2] + (k,))
    u, v = _orthonormal(rng, shape[:-2], m, k), _orthonormal(rng, shape[:-2], n, k)
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


def _half_symmetric(rng, shape):        # eigh of a + a^T: eigenvalues at least 0.6 apart
    n = shape[-1]
    lam = 1.0 * np.arange(n) - (n - 1) / 2 + rng.uniform(-0.2, 0.2, shape[:-2] + (n,))
    q = _orthonormal(rng, shape[:-2], n, n)
    return (q * lam[..., None, :]) @ np.swapaxes(q, -1, -2) / 2


DOMAINS.update({"well_conditioned": _well_conditioned, "spread_spectrum": _spread_spectrum,
                "half_symmetric": _half_symmetric})


def _batch(max_dims: int = 2):
    return shape(min_dims=0, max_dims=max_dims, max_side=3)


def square_case(min_n: int = 1, **params) -> Any:
    """A (batch of) n x n matrices; ``params`` map a name to a strategy of values."""
    return st.tuples(_batch(), st.integers(min_n, 4), st.fixed_dictionaries(params)).map(
        lambda t: Case((t[0] + (t[1], t[1]),), t[2]))


def matrix_case(**params) -> Any:
    """A (batch of) m x n matrices, m and n from 1 to 4."""
    return st.tuples(_batch(), st.integers(1, 4), st.integers(1, 4), st.fixed_dictionaries(params)).map(
        lambda t: Case((t[0] + (t[1], t[2]),), t[3]))


@st.composite
def solve_case(draw):
    """A (batch of) n x n A and a B that is a vector, a batch of vectors or matrices (batch
    dims broadcasting with A's), for ``left`` or right division."""
    batch, n, left = draw(_batch()), draw(st.integers(1, 4)), draw(st.booleans())
    kind = draw(st.sampled_from(["vector", "batched_vector", "matrix"] if left else ["matrix"]))
    if kind == "vector":
        b = (n,)
    elif kind == "batched_vector":
        b = batch + (n,)
    else:
        k = draw(st.integers(1, 3))
        b = draw(broadcasts_to(batch)) + ((n, k) if left else (k, n))
    return Case((batch + (n, n), b), {"left": left})


@st.composite
def cross_case(draw):
    """Two tensors of one rank, 3 long along ``dim``, other dims broadcasting."""
    a = list(draw(shape(min_dims=1, max_dims=3)))
    dim = draw(st.integers(-len(a), len(a) - 1))
    a[dim] = 3
    b = [s if draw(st.booleans()) else 1 for s in a]
    b[dim] = 3
    if draw(st.booleans()):
        a, b = b, a
    return Case((tuple(a), tuple(b)), {"dim": dim})


@st.composite
def chain_case(draw, n: int = 3):
    """Shapes for ``multi_dot`` of ``n`` tensors: the ends may be vectors."""
    sizes = [draw(st.integers(1, 4)) for _ in range(n + 1)]
    shapes = [(sizes[i], sizes[i + 1]) for i in range(n)]
    if draw(st.booleans()):
        shapes[0] = (sizes[1],)
    if draw(st.booleans()):
        shapes[-1] = (sizes[-2],)
    return Case(tuple(shapes), {})


def _sign_fixed_qr(m, a, mode):
    """Q and R with R's diagonal made positive (QR is unique up to those signs)."""
    q, r = m.linalg.qr(a, mode=mode)
    s = r.diagonal(0, -2, -1).sign()
    return q * s.unsqueeze(-2), r * s.unsqueeze(-1)


def _svd_parts(m, a, full_matrices):
    """U^2, S, Vh^2 (element-wise squares do not see the singular vectors' signs); with
    full_matrices, only the first k columns of U / rows of Vh (the rest is any basis)."""
    u, s, vh = m.linalg.svd(a, full_matrices=full_matrices)
    k = s.shape[-1]
    return u[..., :k] ** 2, s, vh[..., :k, :] ** 2


def _old_svd_parts(m, a, some):
    u, s, v = m.svd(a, some=some)
    k = s.shape[-1]
    return u[..., :k] ** 2, s, v[..., :k] ** 2


def _eigh_parts(m, a, UPLO):
    w, v = m.linalg.eigh(a + a.mT, UPLO=UPLO)
    return w, v ** 2


def interpolate_case(nd: int, align: bool = False) -> Any:
    """An (N, C, *spatial) input of ``nd`` dims and a ``size`` or a ``scale_factor`` (with
    ``align_corners`` for the interpolating modes)."""
    sizes = st.tuples(*[st.integers(1, 3)] * nd)
    how = st.one_of(st.tuples(*[st.integers(1, 5)] * (nd - 2)).map(lambda t: {"size": t}),
                    st.sampled_from([1.0, 1.5, 2, 2.5, 3.0]).map(lambda f: {"scale_factor": f}))
    extra = st.fixed_dictionaries({"align_corners": st.booleans()} if align else {})
    return st.tuples(sizes, how, extra).map(lambda t: Case((t[0],), {**t[1], **t[2]}))


_ORDS = [1, 2, 3, 0.5, -1, math.inf, -math.inf]
_MATRIX_ORDS = ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf]


# ---------------------------------------------------------------------------
# the catalog
# ---------------------------------------------------------------------------

U = unary()
B2 = broadcast(2)

CATALOG: list[Op] = [
    # --- arithmetic ------------------------------------------------------------------
    Op("add", lambda m, a, b: m.add(a, b), 2, B2, broadcast=True, mixed=True,
       bad=(_bad_broadcast, lambda m: m.add(m.ones(2, 3), m.ones(3, 2)))),
    Op("add_alpha", lambda m, a, b: m.add(a, b, alpha=2.5), 2, B2, broadcast=True),
    Op("add_scalar", lambda m, a: a + 1.5, 1, U),
    Op("radd_scalar", lambda m, a: 2 + a, 1, U),
    Op("sub", lambda m, a, b: m.sub(a, b), 2, B2, broadcast=True, mixed=True),
    Op("sub_alpha", lambda m, a, b: a.sub(b, alpha=0.5), 2, B2, broadcast=True),
    Op("sub_scalar", lambda m, a: a - 2, 1, U),
    Op("rsub_scalar", lambda m, a: 1.5 - a, 1, U),
    Op("mul", lambda m, a, b: m.mul(a, b), 2, B2, broadcast=True, mixed=True),
    Op("mul_operator", lambda m, a, b: a * b, 2, B2, broadcast=True),
    Op("mul_self", lambda m, a: a * a, 1, U),
    Op("mul_scalar", lambda m, a: a * 3, 1, U),
    Op("rmul_scalar", lambda m, a: 0.5 * a, 1, U),
    Op("div", lambda m, a, b: m.div(a, b), 2, B2, ("real", "nonzero"), broadcast=True, mixed=True),
    Op("div_operator", lambda m, a, b: a / b, 2, B2, ("real", "nonzero"), broadcast=True),
    Op("div_scalar", lambda m, a: a / 4, 1, U),
    Op("rdiv_scalar", lambda m, a: 2 / a, 1, U, "nonzero"),
    Op("div_trunc", lambda m, a, b: m.div(a, b, rounding_mode="trunc"), 2, B2, ("real", "nonzero"),
       broadcast=True, mixed=True),
    Op("div_floor", lambda m, a, b: m.div(a, b, rounding_mode="floor"), 2, B2, ("real", "nonzero"),
       broadcast=True, mixed=True),
    Op("div_floor_scalar", lambda m, a: a.div(0.75, rounding_mode="floor"), 1, U),
    Op("neg", lambda m, a: m.neg(a), 1, U),
    Op("neg_operator", lambda m, a: -a, 1, U),
    Op("pow_scalar_2", lambda m, a: a ** 2, 1, U),
    Op("pow_scalar_3", lambda m, a: m.pow(a, 3), 1, U),
    Op("pow_scalar_half", lambda m, a: a ** 0.5, 1, U, "positive"),
    Op("pow_scalar_negative", lambda m, a: a.pow(-1.5), 1, U, "positive"),
    Op("pow_scalar_zero", lambda m, a: a ** 0, 1, U),
    Op("pow_tensor", lambda m, a, b: m.pow(a, b), 2, B2, ("positive", "real"), broadcast=True,
       mixed=True),
    Op("pow_tensor_operator", lambda m, a, b: a ** b, 2, B2, ("positive", "real"), broadcast=True),
    Op("rpow_scalar", lambda m, a: 2.0 ** a, 1, U),
    Op("pow_scalar_base", lambda m, a: m.pow(3, a), 1, U),
    Op("remainder_scalar", lambda m, a: m.remainder(a, 1.5), 1, U),
    Op("remainder_operator", lambda m, a: a % 0.7, 1, U),
    Op("remainder", lambda m, a, b: m.remainder(a, b), 2, B2, ("real", "nonzero"), broadcast=True,
       mixed=True),
    Op("floor_divide", lambda m, a, b: m.floor_divide(a, b), 2, B2, ("real", "nonzero"),
       broadcast=True, mixed=True, differentiable=False),
    Op("floor_divide_operator", lambda m, a: a // 0.75, 1, U, differentiable=False),
    Op("abs", lambda m, a: m.abs(a), 1, U, "nonzero"),
    Op("abs_operator", lambda m, a: abs(a), 1, U, "nonzero"),
    Op("sign", lambda m, a: m.sign(a), 1, U, "nonzero"),
    Op("sqrt", lambda m, a: m.sqrt(a), 1, U, "positive"),
    Op("rsqrt", lambda m, a: m.rsqrt(a), 1, U, "positive"),
    Op("exp", lambda m, a: m.exp(a), 1, U),
    Op("log", lambda m, a: m.log(a), 1, U, "positive"),
    Op("log1p", lambda m, a: m.log1p(a), 1, U, "positive"),
    Op("expm1", lambda m, a: m.expm1(a), 1, U),
    Op("sin", lambda m, a: m.sin(a), 1, U),
    Op("cos", lambda m, a: a.cos(), 1, U),
    Op("tan", lambda m, a: m.tan(a), 1, U, "unit"),
    Op("tanh", lambda m, a: m.tanh(a), 1, U),
    Op("sinh", lambda m, a: m.sinh(a), 1, U, needs=("sinh",)),
    Op("cosh", lambda m, a: a.cosh(), 1, U, needs=("cosh",)),
    Op("asin", lambda m, a: m.asin(a), 1, U, "inner", needs=("asin",)),
    Op("acos", lambda m, a: m.arccos(a), 1, U, "inner", needs=("arccos",)),
    Op("atan", lambda m, a: a.atan(), 1, U, needs=("atan",)),
    Op("asinh", lambda m, a: m.asinh(a), 1, U, needs=("asinh",)),
    Op("acosh", lambda m, a: m.acosh(a), 1, U, "above_one", needs=("acosh",)),
    Op("atanh", lambda m, a: a.arctanh(), 1, U, "inner", needs=("Tensor.arctanh",)),
    Op("log2", lambda m, a: m.log2(a), 1, U, "positive", needs=("log2",)),
    Op("log10", lambda m, a: a.log10(), 1, U, "positive", needs=("log10",)),
    Op("exp2", lambda m, a: m.exp2(a), 1, U, needs=("exp2",)),
    Op("square", lambda m, a: m.square(a), 1, U, needs=("square",)),
    Op("erf", lambda m, a: m.erf(a), 1, U, needs=("erf",)),
    Op("silu", lambda m, a: m.nn.functional.silu(a), 1, U, needs=("nn",)),
    Op("softplus", lambda m, a, beta, threshold: m.nn.functional.softplus(a, beta, threshold), 1,
       shape().map(lambda s: Case((s,), {})).flatmap(lambda c: st.builds(
           lambda b, t: Case(c.shapes, {"beta": b, "threshold": t}),
           st.sampled_from([1.0, 2, 0.5]), st.sampled_from([20.0, 1.0, 3]))), needs=("nn",)),
    Op("addcmul", lambda m, a, b, c, value: m.addcmul(a, b, c, value=value), 3,
       broadcast(3).map(lambda c: Case(c.shapes, {"value": 0.5})), broadcast=True, needs=("addcmul",)),
    Op("addcdiv", lambda m, a, b, c, value: a.addcdiv(b, c, value=value), 3,
       broadcast(3).map(lambda c: Case(c.shapes, {"value": -2})), ("real", "real", "nonzero"),
       broadcast=True, needs=("Tensor.addcdiv",)),
    Op("lerp_scalar", lambda m, a, b, weight: m.lerp(a, b, weight), 2,
       broadcast(2).map(lambda c: Case(c.shapes, {"weight": 0.3})), broadcast=True, needs=("lerp",)),
    Op("lerp_tensor", lambda m, a, b, w: a.lerp(b, w), 3, broadcast(3), broadcast=True, needs=("lerp",)),
    Op("broadcast_to", lambda m, a: m.broadcast_to(a, (2,) + tuple(a.shape)), 1, U, family="shape",
       needs=("broadcast_to",)),
    Op("diag_vector", lambda m, a, k: m.diag(a, k), 1,
       shape(min_dims=1, max_dims=1).flatmap(lambda s: st.integers(-2, 2).map(lambda k: Case((s,), {"k": k}))),
       needs=("diag",), family="shape"),
    Op("diag_matrix", lambda m, a, k: a.diag(k), 1,
       shape(min_dims=2, max_dims=2).flatmap(lambda s: st.integers(-1, 1).map(lambda k: Case((s,), {"k": k}))),
       needs=("Tensor.diag",), family="shape",
       bad=(lambda m: m.ones(2, 2, 2).diag(), lambda m: m.tensor(1.0).diag())),
    Op("diag_embed", lambda m, a, offset, dim1, dim2: m.diag_embed(a, offset, dim1, dim2), 1,
       shape(min_dims=1, max_dims=2).flatmap(lambda s: st.tuples(
           st.integers(-1, 1), st.permutations(list(range(len(s) + 1)))).map(
           lambda t: Case((s,), {"offset": t[0], "dim1": t[1][0], "dim2": t[1][1] - len(s) - 1}))),
       needs=("diag_embed",), family="shape"),
    Op("trace", lambda m, a: m.trace(a), 1, shape(min_dims=2, max_dims=2).map(lambda s: Case((s,), {})),
       needs=("trace",), family="reduce", bad=(lambda m: m.ones(3).trace(),)),
    Op("tile", lambda m, a, dims: a.tile(dims), 1,
       shape().flatmap(lambda s: st.lists(st.integers(1, 2), max_size=len(s) + 1).map(
           lambda d: Case((s,), {"dims": tuple(d)}))), needs=("Tensor.tile",), family="shape"),
    Op("movedim", lambda m, a, src, dst: m.movedim(a, src, dst), 1,
       shape(min_dims=1).flatmap(lambda s: st.tuples(st.permutations(list(range(len(s)))),
                                                     st.permutations(list(range(len(s))))).map(
           lambda t: Case((s,), {"src": tuple(t[0][:2]), "dst": tuple(t[1][:2])}))),
       needs=("movedim",), family="shape"),
    Op("masked_select", lambda m, a, mask: m.masked_select(a, m.tensor(mask)), 1,
       broadcast(2).flatmap(lambda c: hnp.arrays(np.bool_, c.shapes[1]).map(
           lambda mk: Case(c.shapes[:1], {"mask": mk}))), needs=("masked_select",), family="index"),
    Op("selu", lambda m, a: m.nn.functional.selu(a), 1, U, "nonzero", needs=("nn",)),
    Op("celu", lambda m, a: m.nn.functional.celu(a, 0.7), 1, U, "nonzero", needs=("nn",)),
    Op("threshold", lambda m, a: m.nn.functional.threshold(a, 0.1, 20.0), 1, U, "nonzero", needs=("nn",)),
    Op("mish", lambda m, a: m.nn.functional.mish(a), 1, U, needs=("nn",)),
    Op("prelu", lambda m, a, w: m.nn.functional.prelu(a, w), 2,
       shape(min_dims=2).map(lambda s: Case((s, (s[1],)), {})), "nonzero", needs=("nn",)),
    Op("prelu_shared", lambda m, a, w: m.prelu(a, w), 2, shape().map(lambda s: Case((s, (1,)), {})),
       "nonzero", needs=("prelu",)),
    Op("hardswish", lambda m, a: m.nn.functional.hardswish(a * 2.5), 1, U, "nonzero", needs=("nn",)),
    # (PyTorch defines no derivative of hardsigmoid's backward: its create_graph gradient is NotImplemented)
    Op("hardsigmoid", lambda m, a: m.nn.functional.hardsigmoid(a * 2.5), 1, U, "nonzero", needs=("nn",),
       twice=False),
    Op("softsign", lambda m, a: m.nn.functional.softsign(a), 1, U, "nonzero", needs=("nn",)),
    Op("tanhshrink", lambda m, a: m.nn.functional.tanhshrink(a), 1, U, needs=("nn",)),
    Op("logit", lambda m, a: m.logit(a * 0.5 + 0.5), 1, U, "inner", needs=("logit",)),
    Op("logit_eps", lambda m, a: (a * 0.5 + 0.5).logit(eps=0.3), 1, U, "inner", needs=("logit",), twice=False),
    Op("nan_to_num", lambda m, a: m.nan_to_num(a, 1.0), 1, U, needs=("nan_to_num",)),
    Op("diff", lambda m, a, n, dim: m.diff(a, n, dim), 1,
       with_dim(min_dims=1).flatmap(lambda c: st.integers(1, 2).map(
           lambda n: Case(c.shapes, {"n": n, "dim": c.params["dim"]}))), needs=("diff",), family="shape",
       bad=(lambda m: m.diff(m.tensor(1.0)),)),
    Op("xlogy", lambda m, a, b: m.xlogy(a, b), 2, B2, ("real", "positive"), broadcast=True, needs=("xlogy",)),
    Op("kl_div", lambda m, a, b, reduction: m.nn.functional.kl_div(a.log_softmax(-1), b.softmax(-1),
                                                                    reduction=reduction), 2,
       same_shape(2, min_dims=1).flatmap(lambda c: st.sampled_from(["sum", "batchmean", "none"]).map(
           lambda r: Case(c.shapes, {"reduction": r}))), needs=("nn",), family="loss"),
    Op("kl_div_log_target", lambda m, a, b: m.nn.functional.kl_div(a.log_softmax(-1), b.log_softmax(-1),
                                                                   reduction="sum", log_target=True), 2,
       same_shape(2, min_dims=1), needs=("nn",), family="loss"),
    Op("cosine_similarity", lambda m, a, b, dim: m.nn.functional.cosine_similarity(a, b, dim), 2,
       with_dim(min_dims=1).map(lambda c: Case(c.shapes * 2, c.params)), "nonzero", needs=("nn",),
       family="reduce"),
    Op("count_nonzero", lambda m, a: m.count_nonzero((a > 0.5).float()), 1, U, needs=("count_nonzero",),
       differentiable=False),
    Op("atan2", lambda m, a, b: m.atan2(a, b), 2, B2, ("real", "nonzero"), broadcast=True, needs=("atan2",)),
    Op("hypot", lambda m, a, b: a.hypot(b), 2, B2, ("nonzero", "nonzero"), broadcast=True, needs=("hypot",)),
    Op("logaddexp", lambda m, a, b: m.logaddexp(a, b), 2, B2, broadcast=True, needs=("logaddexp",)),
    Op("clamp_min_fn", lambda m, a: m.clamp_min(a, 0.25), 1, U, "nonzero", needs=("clamp_min",)),
    Op("clamp_max_method", lambda m, a: a.clamp_max(-0.25), 1, U, "nonzero", needs=("Tensor.clamp_max",)),
    Op("clamp_min_tensor", lambda m, a, b: m.clamp_min(a, b), 2, B2, "distinct", broadcast=True,
       needs=("clamp_min",)),
    Op("clamp_max_tensor", lambda m, a, b: a.clamp_max(b), 2, B2, "distinct", broadcast=True,
       needs=("Tensor.clamp_max",)),
    Op("hardtanh", lambda m, a: m.nn.functional.hardtanh(a, -0.5, 0.7), 1, U, "nonzero", needs=("nn",)),
    Op("relu6", lambda m, a: m.nn.functional.relu6(a * 4), 1, U, "nonzero", needs=("nn",)),
    Op("logsigmoid", lambda m, a: m.nn.functional.logsigmoid(a * 3), 1, U, needs=("nn",)),
    Op("softmin", lambda m, a, dim: m.nn.functional.softmin(a, dim), 1, with_dim(), needs=("nn",),
       family="reduce"),
    Op("normalize", lambda m, a, dim: m.nn.functional.normalize(a, 2.0, dim), 1, with_dim(min_dims=1),
       "nonzero", needs=("nn",), family="reduce"),
    Op("huber_loss", lambda m, a, b, reduction: m.nn.functional.huber_loss(a, b, reduction, delta=0.7), 2,
       same_shape(2).flatmap(lambda c: st.sampled_from(["mean", "sum", "none"]).map(
           lambda r: Case(c.shapes, {"reduction": r}))), needs=("nn",), family="loss"),
    Op("sigmoid", lambda m, a: m.sigmoid(a), 1, U),
    Op("relu", lambda m, a: m.relu(a), 1, U, "nonzero"),
    Op("reciprocal", lambda m, a: m.reciprocal(a), 1, U, "nonzero"),
    Op("clamp", lambda m, a: m.clamp(a, -0.5, 0.5), 1, U),
    Op("clamp_min", lambda m, a: a.clamp(min=-0.5), 1, U),
    Op("clamp_max", lambda m, a: a.clamp(max=0.5), 1, U),
    Op("clip", lambda m, a: m.clip(a, -1.0, 1.0), 1, U),
    Op("clamp_tensor", lambda m, a, lo, hi: m.clamp(a, min=lo, max=hi), 3, bounds_case(),
       ("real", "negative", "positive"), broadcast=True),
    Op("clamp_tensor_min", lambda m, a, lo: m.clamp(a, min=lo), 2, B2, broadcast=True),
    Op("maximum", lambda m, a, b: m.maximum(a, b), 2, B2, broadcast=True, mixed=True),
    Op("minimum", lambda m, a, b: m.minimum(a, b), 2, B2, broadcast=True, mixed=True),
    Op("where", lambda m, a, b, condition: m.where(m.tensor(condition), a, b), 2, where_case(),
       broadcast=True),
    Op("where_scalar", lambda m, a, condition: m.where(m.tensor(condition), a, 0.0), 1,
       where_case().map(lambda c: Case(c.shapes[:1], c.params))),
    # --- in-place on a non-leaf ------------------------------------------------------
    Op("add_inplace", _inplace("add_", alpha=2), 2, inplace_case(), family="inplace"),
    Op("mul_inplace", _inplace("mul_"), 2, inplace_case(), family="inplace"),
    Op("iadd_operator", _inplace("__iadd__"), 2, inplace_case(), family="inplace"),
    Op("div_inplace", _inplace("div_"), 2, inplace_case(), ("real", "nonzero"), family="inplace"),
    Op("exp_inplace", _inplace_unary("exp_"), 1, U, family="inplace"),
    Op("sigmoid_inplace", _inplace_unary("sigmoid_"), 1, U, family="inplace"),
    # --- reductions ------------------------------------------------------------------
    Op("sum", lambda m, a: m.sum(a), 1, U, family="reduce",
       bad=(_bad_dim,)),
    Op("sum_dim", lambda m, a, dim, keepdim: m.sum(a, dim, keepdim=keepdim), 1,
       with_dim(keepdim=True), family="reduce"),
    Op("sum_dims", lambda m, a, dim, keepdim: a.sum(dim=dim, keepdim=keepdim), 1, with_dims(),
       family="reduce"),
    Op("mean", lambda m, a: m.mean(a), 1, U, family="reduce"),
    Op("mean_dim", lambda m, a, dim, keepdim: a.mean(dim, keepdim), 1, with_dim(keepdim=True),
       family="reduce"),
    Op("mean_dims", lambda m, a, dim, keepdim: m.mean(a, dim=dim, keepdim=keepdim), 1, with_dims(),
       family="reduce"),
    Op("prod", lambda m, a: m.prod(a), 1, U, "nonzero", needs=("prod",), family="reduce"),
    Op("prod_dim", lambda m, a, dim, keepdim: m.prod(a, dim, keepdim=keepdim), 1,
       with_dim(keepdim=True), "nonzero", needs=("prod",), family="reduce"),
    Op("max", lambda m, a: m.max(a), 1, U, "distinct", needs=("max",), family="reduce"),
    Op("min", lambda m, a: a.min(), 1, U, "distinct", needs=("min",), family="reduce"),
    Op("max_dim", lambda m, a, dim, keepdim: m.max(a, dim, keepdim=keepdim), 1,
       with_dim(keepdim=True), "distinct", needs=("max",), family="reduce"),
    Op("min_dim", lambda m, a, dim, keepdim: a.min(dim=dim, keepdim=keepdim), 1,
       with_dim(keepdim=True), "distinct", needs=("min",), family="reduce"),
    Op("max_dim_values", lambda m, a, dim: m.max(a, dim).values, 1, with_dim(), "distinct",
       needs=("max",), family="reduce"),
    Op("min_dim_indices", lambda m, a, dim: a.min(dim).indices, 1, with_dim(), "distinct",
       needs=("min",), family="reduce", differentiable=False),
    Op("sort", lambda m, a, dim, descending: m.sort(a, dim, descending), 1, sort_case(), "distinct",
       needs=("sort",), family="reduce",
       bad=(lambda m: m.ones(2, 3).sort(dim=2),)),
    Op("sort_values_method", lambda m, a, dim, descending: a.sort(dim=dim, descending=descending).values,
       1, sort_case(), "distinct", needs=("Tensor.sort",), family="reduce"),
    Op("argsort", lambda m, a, dim, descending: m.argsort(a, dim, descending), 1, sort_case(), "distinct",
       needs=("argsort",), family="reduce", differentiable=False),
    Op("msort", lambda m, a: m.msort(a), 1, shape(min_dims=1).map(lambda s: Case((s,), {})), "distinct",
       needs=("msort",), family="reduce"),
    Op("median", lambda m, a: m.median(a), 1, U, "distinct", needs=("median",), family="reduce"),
    Op("median_dim", lambda m, a, dim, keepdim: a.median(dim, keepdim), 1, with_dim(keepdim=True), "distinct",
       needs=("median",), family="reduce"),
    Op("nanmedian", lambda m, a: m.nanmedian(a), 1, U, "distinct", needs=("nanmedian",), family="reduce"),
    Op("nanmedian_dim", lambda m, a, dim, keepdim: a.nanmedian(dim, keepdim), 1, with_dim(keepdim=True),
       "distinct", needs=("nanmedian",), family="reduce"),
    Op("kthvalue", lambda m, a, k, dim: m.kthvalue(a, k, dim), 1,
       topk_case().filter(lambda c: c.params["k"] >= 1).map(
           lambda c: Case(c.shapes, {"k": c.params["k"], "dim": c.params["dim"]})), "distinct",
       needs=("kthvalue",), family="reduce",
       bad=(lambda m: m.ones(2, 3).kthvalue(4, 1), lambda m: m.ones(2, 3).kthvalue(0))),
    Op("topk", lambda m, a, k, dim, largest: m.topk(a, k, dim, largest), 1, topk_case(), "distinct",
       needs=("topk",), family="reduce",
       bad=(lambda m: m.ones(2, 3).topk(4), lambda m: m.ones(2, 3).topk(-1), lambda m: m.tensor(3.0).topk(2),
            lambda m: m.ones(2, 3).topk(1, dim=3))),
    Op("max_binary", lambda m, a, b: m.max(a, b), 2, B2, needs=("max",), family="reduce",
       broadcast=True),
    Op("amax", lambda m, a, dim, keepdim: m.amax(a, dim, keepdim), 1, with_dims(), "distinct",
       needs=("amax",), family="reduce"),
    Op("amin", lambda m, a, dim, keepdim: m.amin(a, dim=dim, keepdim=keepdim), 1, with_dims(),
       "distinct", needs=("amin",), family="reduce"),
    Op("amax_int_dim", lambda m, a, dim, keepdim: a.amax(dim, keepdim=keepdim), 1,
       with_dim(keepdim=True), "distinct", needs=("amax",), family="reduce"),
    Op("argmax", lambda m, a: m.argmax(a), 1, U, "distinct", needs=("argmax",), family="reduce",
       differentiable=False),
    Op("argmax_dim", lambda m, a, dim, keepdim: m.argmax(a, dim, keepdim=keepdim), 1,
       with_dim(keepdim=True), "distinct", needs=("argmax",), family="reduce",
       differentiable=False),
    Op("argmin", lambda m, a: a.argmin(), 1, U, "distinct", needs=("argmin",), family="reduce",
       differentiable=False),
    Op("argmin_dim", lambda m, a, dim, keepdim: m.argmin(a, dim=dim, keepdim=keepdim), 1,
       with_dim(keepdim=True), "distinct", needs=("argmin",), family="reduce",
       differentiable=False),
    Op("var", lambda m, a, **kw: m.var(a, **kw), 1, var_case(), needs=("var",), family="reduce",
       rtol=1e-4),
    Op("std", lambda m, a, **kw: a.std(**kw), 1, var_case(), needs=("std",), family="reduce",
       rtol=1e-4),
    Op("var_unbiased_false", lambda m, a: a.var(unbiased=False), 1, unary(min_dims=1, min_side=2),
       needs=("var",), family="reduce", rtol=1e-4),
    Op("std_default", lambda m, a: m.std(a), 1, unary(min_dims=1, min_side=2), needs=("std",),
       family="reduce", rtol=1e-4),
    Op("norm", lambda m, a: a.norm(), 1, U, "nonzero", needs=("norm",), family="reduce"),
    Op("norm_p1", lambda m, a: m.norm(a, p=1), 1, U, "nonzero", needs=("norm",), family="reduce"),
    Op("norm_dim", lambda m, a, dim, keepdim: m.norm(a, dim=dim, keepdim=keepdim), 1,
       with_dim(keepdim=True, min_dims=1), "nonzero", needs=("norm",), family="reduce"),
    Op("norm_p3_dims", lambda m, a, dim, keepdim: a.norm(p=3, dim=dim, keepdim=keepdim), 1,
       with_dims(), "nonzero", needs=("norm",), family="reduce", rtol=1e-4),
    Op("logsumexp", lambda m, a, dim, keepdim: m.logsumexp(a, dim, keepdim=keepdim), 1,
       with_dim(keepdim=True), needs=("logsumexp",), family="reduce"),
    Op("logsumexp_dims", lambda m, a, dim, keepdim: a.logsumexp(dim, keepdim), 1, with_dims(),
       needs=("logsumexp",), family="reduce"),
    Op("softmax", lambda m, a, dim: m.softmax(a, dim), 1, with_dim(), needs=("softmax",),
       family="reduce"),
    Op("softmax_method", lambda m, a, dim: a.softmax(dim=dim), 1, with_dim(),
       needs=("Tensor.softmax",), family="reduce"),
    Op("log_softmax", lambda m, a, dim: m.log_softmax(a, dim), 1, with_dim(),
       needs=("log_softmax",), family="reduce"),
    Op("cumsum", lambda m, a, dim: m.cumsum(a, dim), 1, with_dim(), needs=("cumsum",),
       family="reduce"),
    Op("cumsum_method", lambda m, a, dim: a.cumsum(dim=dim), 1, with_dim(),
       needs=("Tensor.cumsum",), family="reduce"),
    # --- linalg ----------------------------------------------------------------------
    Op("matmul", lambda m, a, b: m.matmul(a, b), 2, matmul_case(), needs=("matmul",),
       family="linalg", broadcast=True, rtol=1e-4,
       bad=(_bad_matmul, lambda m: m.matmul(m.ones(3), m.ones(4)),
            lambda m: m.matmul(m.ones(2, 3), m.ones(4)),
            lambda m: m.matmul(m.ones(2, 2, 3), m.ones(3, 2, 2)),
            lambda m: m.matmul(m.ones(()), m.ones(3)))),
    Op("matmul_operator", lambda m, a, b: a @ b, 2, matmul_case(), needs=("Tensor.__matmul__",),
       family="linalg", broadcast=True, rtol=1e-4),
    Op("mm", lambda m, a, b: m.mm(a, b), 2,
       st.tuples(*(st.integers(1, 4) for _ in range(3))).map(
           lambda t: Case(((t[0], t[1]), (t[1], t[2])), {})), needs=("mm",), family="linalg",
       rtol=1e-4, bad=(lambda m: m.mm(m.ones(2, 3), m.ones(2, 3)),
                       lambda m: m.mm(m.ones(3), m.ones(3, 2)))),
    Op("mv", lambda m, a, b: m.mv(a, b), 2,
       st.tuples(st.integers(1, 4), st.integers(1, 4)).map(
           lambda t: Case(((t[0], t[1]), (t[1],)), {})), needs=("mv",), family="linalg",
       rtol=1e-4, bad=(lambda m: m.mv(m.ones(2, 3), m.ones(2)),)),
    Op("dot", lambda m, a, b: m.dot(a, b), 2,
       st.integers(1, 6).map(lambda n: Case(((n,), (n,)), {})), needs=("dot",), family="linalg",
       rtol=1e-4, bad=(lambda m: m.dot(m.ones(3), m.ones(4)),
                       lambda m: m.dot(m.ones(2, 2), m.ones(2, 2)))),
    Op("bmm", lambda m, a, b: m.bmm(a, b), 2,
       st.tuples(*(st.integers(1, 3) for _ in range(4))).map(
           lambda t: Case(((t[0], t[1], t[2]), (t[0], t[2], t[3])), {})), needs=("bmm",),
       family="linalg", rtol=1e-4, bad=(lambda m: m.bmm(m.ones(2, 2, 3), m.ones(3, 3, 2)),
                                        lambda m: m.bmm(m.ones(2, 3), m.ones(3, 2)))),
    Op("outer", lambda m, a, b: m.outer(a, b), 2,
       st.tuples(st.integers(1, 4), st.integers(1, 4)).map(lambda t: Case(((t[0],), (t[1],)), {})),
       needs=("outer",), family="linalg"),
    Op("t", lambda m, a: m.t(a), 1, unary(max_dims=2), family="linalg",
       bad=(lambda m: m.ones(2, 2, 2).t(),)),
    Op("t_method", lambda m, a: a.t(), 1, unary(max_dims=2), family="linalg"),
    Op("T_property", lambda m, a: a.T, 1, unary(min_dims=2, max_dims=2), family="linalg"),
    # --- shape -----------------------------------------------------------------------
    Op("view", lambda m, a, shape: a.view(*shape), 1, view_case(), needs=("Tensor.view",),
       family="shape", bad=(_bad_view, lambda m: m.ones(2, 3).view(-1, -1),
                            lambda m: m.ones(2, 3).t().view(6))),
    Op("view_tuple", lambda m, a, shape: a.view(shape), 1, view_case(min_len=0), needs=("Tensor.view",),
       family="shape"),
    Op("reshape", lambda m, a, shape: m.reshape(a, shape), 1, view_case(), needs=("reshape",),
       family="shape", bad=(lambda m: m.ones(2, 3).reshape(5),)),
    Op("reshape_noncontiguous", lambda m, a, shape: a.transpose(0, -1).reshape(*shape), 1,
       view_case(min_dims=2), needs=("reshape",), family="shape"),
    Op("view_as", _view_as, 1, view_case(), needs=("Tensor.view_as",), family="shape"),
    Op("flatten", lambda m, a, start_dim, end_dim: m.flatten(a, start_dim, end_dim), 1,
       flatten_case(), needs=("flatten",), family="shape"),
    Op("unflatten", lambda m, a, dim, sizes: a.unflatten(dim, sizes), 1, unflatten_case(),
       needs=("unflatten",), family="shape"),
    Op("squeeze", lambda m, a: m.squeeze(a), 1, squeeze_case("all"), needs=("squeeze",),
       family="shape"),
    Op("squeeze_dim", lambda m, a, dim: a.squeeze(dim), 1, squeeze_case("dim"),
       needs=("squeeze",), family="shape"),
    Op("squeeze_dims", lambda m, a, dim: m.squeeze(a, dim), 1, squeeze_case("dims"),
       needs=("squeeze",), family="shape"),
    Op("unsqueeze", lambda m, a, dim: m.unsqueeze(a, dim), 1, unsqueeze_case(),
       needs=("unsqueeze",), family="shape",
       bad=(lambda m: m.ones(2, 3).unsqueeze(3),)),
    Op("transpose", lambda m, a, dim0, dim1: m.transpose(a, dim0, dim1), 1, transpose_case(),
       needs=("transpose",), family="shape", bad=(lambda m: m.ones(2, 3).transpose(0, 2),)),
    Op("permute", lambda m, a, dims: m.permute(a, dims), 1, permute_case(), needs=("permute",),
       family="shape", bad=(lambda m: m.ones(2, 3).permute(0, 0),
                            lambda m: m.ones(2, 3).permute(0))),
    Op("permute_varargs", lambda m, a, dims: a.permute(*dims), 1, permute_case(min_dims=1),
       needs=("permute",), family="shape"),
    Op("expand", lambda m, a, sizes: a.expand(*sizes), 1, expand_case(),
       needs=("Tensor.expand",), family="shape",
       bad=(lambda m: m.ones(2, 3).expand(3, 3), lambda m: m.ones(2, 3).expand(3))),
    Op("expand_as", _expand_as, 1, expand_case(), needs=("Tensor.expand_as",), family="shape"),
    Op("repeat", lambda m, a, repeats: a.repeat(*repeats), 1, repeat_case(),
       needs=("Tensor.repeat",), family="shape",
       bad=(lambda m: m.ones(2, 3).repeat(2),)),
    Op("stack", lambda m, a, b, c, dim: m.stack([a, b, c], dim), 3, stack_case(),
       needs=("stack",), family="shape",
       bad=(lambda m: m.stack([m.ones(2), m.ones(3)]), lambda m: m.stack([]))),
    Op("cat", lambda m, a, b, c, dim: m.cat([a, b, c], dim), 3, cat_case(), needs=("cat",),
       family="shape", bad=(lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)]),
                            lambda m: m.cat([m.ones(2), m.ones(())]),
                            lambda m: m.cat([m.ones(2, 3), m.ones(2)]),
                            lambda m: m.cat([m.ones(2, 3), m.ones(2, 3)], dim=2))),
    Op("split", lambda m, a, **kw: m.split(a, **kw), 1, split_case(False), needs=("split",),
       family="shape"),
    Op("split_sections", lambda m, a, split_size_or_sections, dim: a.split(split_size_or_sections, dim),
       1, split_case(True),
       needs=("split",), family="shape",
       bad=(lambda m: m.ones(5).split([2, 2]),)),
    Op("chunk", lambda m, a, chunks, dim: m.chunk(a, chunks, dim), 1, chunk_case(),
       needs=("chunk",), family="shape"),
    Op("unbind", lambda m, a, dim: m.unbind(a, dim), 1, with_dim(min_dims=1), needs=("unbind",),
       family="shape"),
    Op("flip", lambda m, a, dims: m.flip(a, dims), 1, flip_case(), needs=("flip",),
       family="shape"),
    Op("gather", lambda m, a, dim, index: m.gather(a, dim, _t(m, index)), 1, gather_case(),
       needs=("gather",), family="shape",
       bad=(lambda m: m.ones(2, 3).gather(1, m.tensor([[3]])),
            lambda m: m.ones(2, 3).gather(1, m.tensor([0])))),
    Op("index_select", lambda m, a, dim, index: m.index_select(a, dim, _t(m, index)), 1,
       index_select_case(), needs=("index_select",), family="shape",
       bad=(lambda m: m.ones(2, 3).index_select(0, m.tensor([2])),)),
    Op("index_fill", lambda m, a, dim, index, value: a.index_fill(dim, _t(m, index), value), 1,
       index_fill_case(), needs=("Tensor.index_fill",), family="shape",
       bad=(lambda m: m.ones(2, 3).index_fill(1, m.tensor([3]), 1.0),
            lambda m: m.ones(2, 3).index_fill(1, m.tensor([0.0]), 1.0),
            lambda m: m.ones(2, 3).index_fill(1, m.tensor([0]), m.ones(2)))),
    Op("masked_fill", lambda m, a, mask, value: m.masked_fill(a, _t(m, mask), value), 1,
       masked_fill_case(), needs=("masked_fill",), family="shape",
       bad=(lambda m: m.ones(2, 3).masked_fill(m.ones(2, dtype=m.bool), 0.0),)),
    Op("narrow", lambda m, a, dim, start, length: m.narrow(a, dim, start, length), 1,
       narrow_case(), needs=("narrow",), family="shape"),
    Op("select", lambda m, a, dim, index: m.select(a, dim, index), 1, select_case(),
       needs=("select",), family="shape"),
    Op("contiguous", lambda m, a: a.transpose(0, -1).contiguous(), 1, unary(min_dims=2),
       family="shape"),
    Op("clone", lambda m, a: m.clone(a), 1, U, family="shape"),
    # --- indexing --------------------------------------------------------------------
    Op("getitem", lambda m, a, key: a[key], 1, getitem_basic_case(), family="index",
       bad=(lambda m: m.ones(2, 3)[2], lambda m: m.ones(2, 3)[0, 0, 0],
            lambda m: m.ones(2, 3)[::-1])),
    Op("getitem_list", lambda m, a, key: a[key], 1, getitem_list_case(), family="index",
       bad=(lambda m: m.ones(2, 3)[[0, 2]],)),
    Op("getitem_tensor", lambda m, a, index: a[tuple(_t(m, i) for i in index)], 1,
       getitem_tensor_case(), family="index"),
    Op("getitem_mask", lambda m, a, mask: a[_t(m, mask)], 1, getitem_mask_case(), family="index",
       bad=(lambda m: m.ones(2, 3)[m.tensor([True, False, True])],)),
    Op("setitem", _setitem, 2, setitem_case(), family="index",
       bad=(lambda m: _setitem(m, m.ones(2, 3), m.ones(2), (slice(None),)),)),
    Op("setitem_mask", _setitem_mask, 1, setitem_mask_case(), family="index"),
    Op("setitem_list", _setitem_list, 2, setitem_list_case(), family="index"),
    # composites of ops.shapes: their graphs are made of the view and math nodes above
    Op("ravel", lambda m, a: m.ravel(a.transpose(0, -1) if a.dim() > 1 else a), 1, U, needs=("ravel",),
       family="shape"),
    Op("meshgrid", lambda m, a, b: m.stack(m.meshgrid(a.reshape(-1)[:3], b.reshape(-1)[:3], indexing="xy")) * 1.5,
       2, st.tuples(shape(min_dims=1, max_dims=1), shape(min_dims=1, max_dims=1)).map(lambda t: Case(t, {})),
       needs=("meshgrid",), family="shape"),
    Op("broadcast_tensors", lambda m, a, b: m.broadcast_tensors(a, b)[0] * 2 + m.broadcast_tensors(a, b)[1],
       2, broadcast(2), broadcast=True, needs=("broadcast_tensors",), family="shape"),
    Op("repeat_interleave", lambda m, a, dim, r: a.repeat_interleave(r, dim), 1,
       with_dim(min_dims=1).flatmap(lambda c: st.integers(0, 3).map(
           lambda r: Case(c.shapes, {"dim": c.params["dim"], "r": r}))), needs=("repeat_interleave",),
       family="shape", bad=(lambda m: m.ones(3).repeat_interleave(-1),)),
    Op("dist", lambda m, a, b, p: m.dist(a, b, p), 2,
       broadcast(2).flatmap(lambda c: st.sampled_from([1, 2, 3, 1.5, math.inf]).map(
           lambda p: Case(c.shapes, {"p": p}))), broadcast=True, needs=("dist",), family="reduce"),
    Op("vdot", lambda m, a, b: m.vdot(a, b), 2, shape(min_dims=1, max_dims=1).map(lambda s: Case((s, s), {})),
       needs=("vdot",), family="linalg", bad=(lambda m: m.vdot(m.ones(2, 2), m.ones(2, 2)),
                                              lambda m: m.vdot(m.ones(3), m.ones(4)))),
    Op("glu", lambda m, a, dim: m.nn.functional.glu(m.cat([a, a * 0.5 + 0.1], dim), dim), 1,
       with_dim(min_dims=1), needs=("nn",), family="nn"),
    Op("hardshrink", lambda m, a: m.nn.functional.hardshrink(a * 2, 0.7), 1, U, "nonzero", needs=("nn",)),
    Op("softshrink", lambda m, a: m.nn.functional.softshrink(a * 2, 0.3), 1, U, "nonzero", needs=("nn",)),
    Op("pixel_shuffle", lambda m, a, r: m.pixel_shuffle(a, r), 1,
       st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 3), st.integers(1, 3)).map(
           lambda t: Case(((t[0], t[1] * t[1] * 2, t[2], t[3]),), {"r": t[1]})),
       needs=("pixel_shuffle",), family="shape", bad=(lambda m: m.pixel_shuffle(m.ones(1, 3, 2, 2), 2),)),
    Op("pixel_unshuffle", lambda m, a, r: m.pixel_unshuffle(a, r), 1,
       st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 2), st.integers(1, 2)).map(
           lambda t: Case(((t[0], 2, t[2] * t[1], t[3] * t[1]),), {"r": t[1]})),
       needs=("pixel_unshuffle",), family="shape", bad=(lambda m: m.pixel_unshuffle(m.ones(1, 1, 3, 2), 2),)),
    Op("group_norm", lambda m, a, w, b: m.nn.functional.group_norm(a, 2, w, b), 3,
       st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)).map(
           lambda t: Case(((t[0], 4, t[1], t[2]), (4,), (4,)), {})),
       needs=("nn",), family="nn", bad=(lambda m: m.nn.functional.group_norm(m.ones(2, 3, 2), 2),)),
    *[Op(f"interpolate_{mode}_{nd}d",
         lambda m, a, _mode=mode, **kw: m.nn.functional.interpolate(a, mode=_mode, **kw), 1,
         interpolate_case(nd, mode not in ("nearest", "nearest-exact")), needs=("nn",), family="nn",
         bad=(lambda m, _mode=mode, _nd=nd: m.nn.functional.interpolate(m.ones((1,) * _nd), mode=_mode, size=0),),
         # bicubic's float32 weights cancel: torch's own result is ~1e-6 off the exact one
         atol=1e-5 if mode == "bicubic" else 1e-6)
      for mode, nd in [("nearest", 3), ("nearest", 4), ("nearest", 5), ("nearest-exact", 3), ("nearest-exact", 4),
                       ("nearest-exact", 5), ("linear", 3), ("bilinear", 4), ("trilinear", 5), ("bicubic", 4)]],
    Op("unfold_im2col", lambda m, a, k, d, p, s: m.nn.functional.unfold(a, k, d, p, s), 1,
       st.tuples(st.sampled_from([(2, 3, 4, 4), (3, 3, 5), (1, 2, 3, 5)]), st.sampled_from([1, 2, (2, 1)]),
                 st.sampled_from([1, (1, 2)]), st.sampled_from([0, 1]), st.sampled_from([1, 2])).map(
           lambda t: Case((t[0],), {"k": t[1], "d": t[2], "p": t[3], "s": t[4]})), needs=("nn",), family="nn",
       bad=(lambda m: m.nn.functional.unfold(m.ones(1, 2, 3, 3), 4),)),
    Op("fold_col2im", lambda m, a: m.nn.functional.fold(a, (3, 4), (2, 2), padding=1, stride=(1, 2)), 1,
       st.sampled_from([(1, 8, 12), (2, 4, 12), (12, 12)]).map(lambda s: Case((s,), {})), needs=("nn",),
       family="nn", bad=(lambda m: m.nn.functional.fold(m.ones(1, 7, 12), (3, 4), 2),)),
    Op("channel_shuffle", lambda m, a, g: m.nn.functional.channel_shuffle(a, g), 1,
       st.tuples(st.integers(0, 2), st.sampled_from([1, 2, 3]), st.integers(1, 2), st.integers(1, 3)).map(
           lambda t: Case(((t[0], t[1] * t[2], t[3]),), {"g": t[1]})), needs=("nn",), family="shape",
       bad=(lambda m: m.nn.functional.channel_shuffle(m.ones(2, 5, 3), 2),
            lambda m: m.nn.functional.channel_shuffle(m.ones(2, 4), 2))),
    Op("local_response_norm", lambda m, a, size: m.nn.functional.local_response_norm(a, size, 0.5, 0.6, 1.5), 1,
       st.tuples(shape(min_dims=3, max_dims=5, max_side=3), st.integers(1, 4)).map(
           lambda t: Case((t[0],), {"size": t[1]})), needs=("nn",), family="nn",
       bad=(lambda m: m.nn.functional.local_response_norm(m.ones(2, 3), 2),)),
    Op("avg_pool3d", lambda m, a, k, s, p: m.nn.functional.avg_pool3d(a, k, s, p), 1,
       st.tuples(st.sampled_from([(1, 2, 3, 4, 3), (2, 3, 3, 2), (1, 1, 4, 4, 4)]),
                 st.sampled_from([1, 2, (2, 1, 2)]),
                 st.sampled_from([None, 1, (1, 2, 1)]), st.sampled_from([0, (0, 1, 0)])).map(
           lambda t: Case((t[0],), {"k": t[1], "s": t[2], "p": t[3] if t[1] == 2 else 0})), needs=("nn",),
       family="nn", bad=(lambda m: m.nn.functional.avg_pool3d(m.ones(1, 2, 2, 2, 2), 3),)),
    Op("adaptive_avg_pool3d", lambda m, a, o: m.nn.functional.adaptive_avg_pool3d(a, o), 1,
       st.tuples(st.sampled_from([(1, 2, 3, 4, 3), (2, 3, 3, 2)]), st.sampled_from([2, (1, 3, 2), (None, 2, 5)])).map(
           lambda t: Case((t[0],), {"o": t[1]})), needs=("nn",), family="nn",
       bad=(lambda m: m.nn.functional.adaptive_avg_pool3d(m.ones(2, 3), 2),)),
    # --- issue 20: index_copy, 3-d max pooling, unpooling, power-average pooling, pdist, linear CE ---
    Op("index_copy", lambda m, a, b, dim, index: a.index_copy(dim, _t(m, index), b), 2,
       st.sampled_from([Case(((4, 3), (2, 3)), {"dim": 0, "index": [2, 0]}),
                        Case(((4, 3), (4, 1)), {"dim": 1, "index": [1]}),
                        Case(((2, 3, 2), (2, 3, 2)), {"dim": -1, "index": [1, 0]})]),
       needs=("Tensor.index_copy",), family="shape",
       bad=(lambda m: m.ones(4, 3).index_copy(0, m.tensor([7]), m.ones(1, 3)),
            lambda m: m.ones(4, 3).index_copy(0, m.tensor([1]), m.ones(1, 2)))),
    Op("max_pool3d", lambda m, a, k, s, p, d: m.nn.functional.max_pool3d(a, k, s, p, d), 1,
       st.sampled_from([Case(((1, 2, 3, 4, 4),), {"k": 2, "s": None, "p": 0, "d": 1}),
                        Case(((2, 3, 4, 3),), {"k": (2, 1, 2), "s": 1, "p": (1, 0, 1), "d": 1}),
                        Case(((1, 1, 5, 4, 5),), {"k": 2, "s": (1, 2, 1), "p": 0, "d": (2, 1, 2)})]),
       "distinct", needs=("nn",), family="nn",
       bad=(lambda m: m.nn.functional.max_pool3d(m.ones(1, 2, 2, 2, 2), 3),)),
    Op("max_unpool2d", lambda m, a, n: m.nn.functional.max_unpool2d(
        a, m.nn.functional.max_pool2d(_t(m, _ramp((1, 2, 4, 2 * n))), 2, return_indices=True)[1], 2), 1,
       st.sampled_from([Case(((1, 2, 2, 1),), {"n": 1}), Case(((1, 2, 2, 3),), {"n": 3})]), needs=("nn",),
       family="nn", bad=(lambda m: m.nn.functional.max_unpool2d(m.ones(1, 1, 1, 1), m.tensor([[[[9]]]]), 2),)),
    Op("max_unpool3d", lambda m, a: m.nn.functional.max_unpool3d(
        a, m.nn.functional.max_pool3d(_t(m, _ramp((1, 2, 2, 4, 2))), 2, return_indices=True)[1], 2), 1,
       st.just(Case(((1, 2, 1, 2, 1),), {})), needs=("nn",), family="nn"),
    Op("lp_pool2d", lambda m, a, p, k, s: m.nn.functional.lp_pool2d(a, p, k, s), 1,
       st.sampled_from([Case(((1, 2, 4, 4),), {"p": 2.0, "k": 2, "s": None}),
                        Case(((2, 3, 5),), {"p": 1.5, "k": (2, 3), "s": 1})]), "positive", needs=("nn",),
       family="nn"),
    Op("fractional_max_pool2d", lambda m, a: m.nn.functional.fractional_max_pool2d(
        a, 2, output_size=(3, 2), _random_samples=m.tensor([[[0.3, 0.8]], [[0.6, 0.1]]], dtype=a.dtype)[:a.shape[0]]),
       1, st.sampled_from([Case(((1, 1, 5, 4),), {}), Case(((2, 1, 4, 5),), {})]), "distinct", needs=("nn",),
       family="nn", bad=(lambda m: m.nn.functional.fractional_max_pool2d(m.ones(1, 1, 3, 3), 2, output_size=3),)),
    Op("grid_sample", lambda m, a, g, mode, pad, align: m.nn.functional.grid_sample(
        a, g, mode=mode, padding_mode=pad, align_corners=align), 2,
       st.tuples(st.sampled_from([((1, 2, 3, 4), (1, 2, 3, 2), "bilinear"), ((2, 1, 4, 3), (2, 3, 1, 2), "bicubic"),
                                  ((1, 1, 2, 3, 2), (1, 2, 1, 2, 3), "bilinear")]),
                 st.sampled_from(["zeros", "border", "reflection"]), st.booleans()).map(
           lambda t: Case(t[0][:2], {"mode": t[0][2], "pad": t[1], "align": t[2]})), ("real", "inner"),
       needs=("nn",), family="nn",
       bad=(lambda m: m.nn.functional.grid_sample(m.ones(2, 1, 2, 2), m.zeros(1, 2, 2, 2), align_corners=False),)),
    Op("affine_grid", lambda m, t, size, align: m.nn.functional.affine_grid(t, size, align_corners=align), 1,
       st.tuples(st.sampled_from([((2, 2, 3), (2, 1, 3, 4)), ((1, 3, 4), (1, 2, 2, 3, 2))]), st.booleans()).map(
           lambda t: Case((t[0][0],), {"size": t[0][1], "align": t[1]})), needs=("nn",), family="nn",
       bad=(lambda m: m.nn.functional.affine_grid(m.ones(2, 2, 4), (2, 1, 3, 4), align_corners=False),)),
    Op("pdist", lambda m, a, p: m.pdist(a, p), 1,
       st.tuples(st.integers(2, 4), st.integers(1, 3), st.sampled_from([2.0, 1.5, 3.0])).map(
           lambda t: Case(((t[0], t[1]),), {"p": t[2]})), "distinct", needs=("pdist",), family="nn",
       twice=False, bad=(lambda m: m.pdist(m.ones(3)),)),
    Op("linear_cross_entropy", lambda m, x, w, red: m.nn.functional.linear_cross_entropy(
        x, w, _t(m, [0, 2, 1, 2][:x.shape[0]]), reduction=red), 2,
       st.tuples(st.integers(1, 4), st.integers(1, 3), st.sampled_from(["mean", "sum", "none"])).map(
           lambda t: Case(((t[0], t[1]), (3, t[1])), {"red": t[2]})), needs=("nn",), family="nn"),
    Op("unfold_windows", lambda m, a, dim, size, step: a.unfold(dim, size, step) * 1.5, 1,
       st.tuples(shape(min_dims=0, max_dims=3), st.integers(0, 3), st.integers(1, 3)).flatmap(
           lambda t: st.integers(-max(len(t[0]), 1), max(len(t[0]), 1) - 1).map(
               lambda d: Case((t[0],), {"dim": d, "size": min(t[1], t[0][d] if t[0] else 1), "step": t[2]}))),
       needs=("Tensor.unfold",), family="shape",
       bad=(lambda m: m.ones(3, 4).unfold(1, 5, 1), lambda m: m.ones(3, 4).unfold(1, 2, 0),
            lambda m: m.ones(3, 4).unfold(2, 1, 1))),
    # einsum's graph is a broadcast product and a sum here, batched matrix products in torch
    Op("einsum_matmul", lambda m, a, b: m.einsum("ij,jk->ik", a, b), 2,
       st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)).map(
           lambda t: Case(((t[0], t[1]), (t[1], t[2])), {})), needs=("einsum",), family="linalg", graph=False),
    Op("einsum_batch_trace", lambda m, a, b: m.einsum("...ii,...i->...", a, b), 2,
       st.tuples(st.integers(1, 3), st.integers(1, 3)).map(
           lambda t: Case(((t[0], t[1], t[1]), (t[1],)), {})), needs=("einsum",), family="linalg",
       graph=False),
    # --- torch.linalg (ops/decompositions.py, autograd_nb/linalg.py) -------------------
    Op("linalg_vector_norm", lambda m, a, dim, keepdim, ord: m.linalg.vector_norm(a, ord, dim, keepdim), 1,
       with_dims().flatmap(lambda c: st.sampled_from([1, 2, 3, 0.5, -1]).map(
           lambda o: Case(c.shapes, {**c.params, "ord": o}))), "nonzero", needs=("linalg",), family="linalg",
       rtol=1e-4, bad=(lambda m: m.linalg.vector_norm(m.ones(3, dtype=m.int64)),
                       lambda m: m.linalg.vector_norm(m.ones(3), "fro"))),
    Op("linalg_matrix_norm", lambda m, a, ord, dim, keepdim: m.linalg.matrix_norm(a, ord, dim, keepdim), 1,
       matrix_case(ord=st.sampled_from(_MATRIX_ORDS), dim=st.sampled_from([(-2, -1), (-1, -2)]),
                   keepdim=st.booleans()), "spread_spectrum", needs=("linalg",), family="linalg", rtol=1e-4,
       bad=(lambda m: m.linalg.matrix_norm(m.ones(3)), lambda m: m.linalg.matrix_norm(m.ones(3, 3), "abc"),
            lambda m: m.linalg.matrix_norm(m.ones(3, 3), 3), lambda m: m.linalg.matrix_norm(m.ones(3, 3), 3.5),
            lambda m: m.linalg.matrix_norm(m.ones(3, 3), dim=(0,)),
            lambda m: m.linalg.matrix_norm(m.ones(3, 3, 3), dim=(-1, 2)),
            lambda m: m.linalg.matrix_norm(m.ones(3, 3, dtype=m.int64), "nuc"))),
    Op("linalg_norm_matrix", lambda m, a, ord, keepdim: m.linalg.norm(a, ord, (-2, -1), keepdim), 1,
       matrix_case(ord=st.sampled_from([None, "fro", "nuc", 2, 1, -math.inf]), keepdim=st.booleans()),
       "spread_spectrum", needs=("linalg",), family="linalg", rtol=1e-4,
       bad=(lambda m: m.linalg.norm(m.ones(2, 2, 2), 2), lambda m: m.linalg.norm(m.ones(3, 3, 3), dim=(0, 1, 2)),
            lambda m: m.linalg.norm(m.ones(3), "fro"), lambda m: m.linalg.norm(m.ones(3, 3), "fro", dim=0))),
    Op("linalg_norm_vector", lambda m, a, ord: m.linalg.norm(a, ord), 1,
       unary(min_dims=1, max_dims=1).flatmap(lambda c: st.sampled_from([None, 2, 1, 3]).map(
           lambda o: Case(c.shapes, {"ord": o}))), "nonzero", needs=("linalg",), family="linalg", rtol=1e-4),
    Op("linalg_det", lambda m, a: m.linalg.det(a), 1, square_case(), "well_conditioned", needs=("linalg",),
       family="linalg", rtol=1e-4,
       bad=(lambda m: m.linalg.det(m.ones(2, 3)), lambda m: m.linalg.det(m.ones(3)),
            lambda m: m.linalg.det(m.ones(2, 2, dtype=m.int64)), lambda m: m.det(m.ones(2, 3)))),
    Op("det_method", lambda m, a: a.det(), 1, square_case(), "well_conditioned", needs=("Tensor.det",),
       family="linalg", rtol=1e-4),
    Op("linalg_slogdet", lambda m, a: m.linalg.slogdet(a), 1, square_case(), "well_conditioned",
       needs=("linalg",), family="linalg", rtol=1e-4,
       bad=(lambda m: m.linalg.slogdet(m.ones(2, 3)), lambda m: m.linalg.slogdet(m.ones(3)))),
    Op("logdet", lambda m, a: m.logdet(a.mT @ a), 1, square_case(), "well_conditioned", needs=("logdet",),
       family="linalg", rtol=1e-4),
    Op("linalg_inv", lambda m, a: m.linalg.inv(a), 1, square_case(), "well_conditioned", needs=("linalg",),
       family="linalg", rtol=1e-4,
       bad=(lambda m: m.linalg.inv(m.ones(2, 2)), lambda m: m.linalg.inv(m.zeros(2, 2)),
            lambda m: m.linalg.inv(m.stack([m.eye(2), m.ones(2, 2)])), lambda m: m.linalg.inv(m.ones(2, 3)),
            lambda m: m.linalg.inv(m.ones(3)), lambda m: m.linalg.inv(m.ones(2, 2, dtype=m.int64)),
            lambda m: m.inverse(m.ones(2, 2)))),
    Op("inverse", lambda m, a: m.inverse(a), 1, square_case(), "well_conditioned", needs=("inverse",),
       family="linalg", rtol=1e-4),
    Op("inverse_method", lambda m, a: a.inverse(), 1, square_case(), "well_conditioned",
       needs=("Tensor.inverse",), family="linalg", rtol=1e-4),
    Op("linalg_solve", lambda m, a, b, left: m.linalg.solve(a, b, left=left), 2, solve_case().filter(
           lambda c: c.params["left"] or c.shapes[1] != c.shapes[0][:-1]),   # (a vector, for PyTorch)
       ("well_conditioned", "real"), needs=("linalg",), family="linalg", broadcast=True, rtol=1e-4,
       bad=(lambda m: m.linalg.solve(m.ones(2, 3), m.ones(2)), lambda m: m.linalg.solve(m.ones(2, 2), m.ones(3)),
            lambda m: m.linalg.solve(m.ones(2, 2), m.ones(3, 2)),
            lambda m: m.linalg.solve(m.ones(2, 2), m.ones(2, 3), left=False),
            lambda m: m.linalg.solve(m.ones(2, 2), m.ones(2)),
            lambda m: m.linalg.solve(m.stack([m.eye(2), m.ones(2, 2)]), m.ones(2)),
            lambda m: m.linalg.solve(m.ones(2), m.ones(2)),
            lambda m: m.linalg.solve(m.eye(2), m.ones(2, dtype=m.float64)))),
    Op("linalg_eigh", _eigh_parts, 1, square_case(UPLO=st.sampled_from(["L", "U"])), "half_symmetric",
       needs=("linalg",), family="linalg", rtol=1e-3,
       bad=(lambda m: m.linalg.eigh(m.ones(2, 3)), lambda m: m.linalg.eigh(m.ones(3)),
            lambda m: m.linalg.eigh(m.ones(2, 2), UPLO="X"), lambda m: m.linalg.eigvalsh(m.ones(2, 3)))),
    Op("linalg_eigvalsh", lambda m, a: m.linalg.eigvalsh(a + a.mT), 1, square_case(), "half_symmetric",
       needs=("linalg",), family="linalg", rtol=1e-3),
    Op("linalg_svd", _svd_parts, 1, matrix_case(full_matrices=st.booleans()), "spread_spectrum",
       needs=("linalg",), family="linalg", rtol=1e-3,
       bad=(lambda m: m.linalg.svd(m.ones(3)), lambda m: m.linalg.svdvals(m.ones(3)),
            lambda m: m.linalg.svd(m.ones(2, 2, dtype=m.int64)))),
    Op("linalg_svdvals", lambda m, a: m.linalg.svdvals(a), 1, matrix_case(), "spread_spectrum",
       needs=("linalg",), family="linalg", rtol=1e-3),
    Op("svd", _old_svd_parts, 1, matrix_case(some=st.booleans()), "spread_spectrum", needs=("svd",),
       family="linalg", rtol=1e-3),
    Op("linalg_qr", _sign_fixed_qr, 1,
       matrix_case(mode=st.sampled_from(["reduced", "complete"])).filter(
           lambda c: c.params["mode"] == "reduced" or c.shapes[0][-2] <= c.shapes[0][-1]),
       "spread_spectrum", needs=("linalg",), family="linalg", rtol=1e-3,
       bad=(lambda m: m.linalg.qr(m.ones(3)), lambda m: m.linalg.qr(m.ones(3, 3), mode="x"),
            lambda m: m.linalg.qr(m.ones(2, 2, dtype=m.int64)))),
    # (PyTorch's backward refuses these two: the same errors here)
    Op("linalg_qr_r", lambda m, a: m.linalg.qr(a, mode="r")[1].abs(), 1, matrix_case(), "spread_spectrum",
       needs=("linalg",), family="linalg", rtol=1e-3, differentiable=False),
    Op("linalg_qr_complete_tall", lambda m, a: m.linalg.qr(a, mode="complete")[1].abs(), 1,
       matrix_case().filter(lambda c: c.shapes[0][-2] > c.shapes[0][-1]), "spread_spectrum",
       needs=("linalg",), family="linalg", rtol=1e-3, differentiable=False),
    Op("linalg_cross", lambda m, a, b, dim: m.linalg.cross(a, b, dim=dim), 2, cross_case(), needs=("linalg",),
       family="linalg", broadcast=True, rtol=1e-4,
       bad=(lambda m: m.linalg.cross(m.ones(2), m.ones(2)), lambda m: m.linalg.cross(m.ones(3), m.ones(2, 3)),
            lambda m: m.linalg.cross(m.ones(4, 3), m.ones(2, 3)),
            lambda m: m.linalg.cross(m.ones(3), m.ones(3), dim=2))),
    Op("cross", lambda m, a, b, dim: m.cross(a, b, dim=dim), 2, cross_case(), needs=("cross",),
       family="linalg", broadcast=True, rtol=1e-4),
    Op("cross_method", lambda m, a, b, dim: a.cross(b, dim), 2, cross_case(), needs=("Tensor.cross",),
       family="linalg", broadcast=True, rtol=1e-4),
    Op("linalg_matrix_power", lambda m, a, n: m.linalg.matrix_power(a, n), 1, square_case(n=st.integers(-3, 6)),
       "well_conditioned", needs=("linalg",), family="linalg", rtol=1e-4,
       bad=(lambda m: m.linalg.matrix_power(m.ones(2, 3), 2), lambda m: m.linalg.matrix_power(m.ones(3), 2),
            lambda m: m.linalg.matrix_power(m.ones(2, 2), -1),
            lambda m: m.linalg.matrix_power(m.ones(2, 2), 2.0))),
    Op("matrix_power_method", lambda m, a, n: a.matrix_power(n), 1, square_case(n=st.integers(-2, 4)),
       "well_conditioned", needs=("Tensor.matrix_power",), family="linalg", rtol=1e-4),
    Op("linalg_multi_dot2", lambda m, a, b: m.linalg.multi_dot([a, b]), 2, chain_case(2), needs=("linalg",),
       family="linalg", rtol=1e-4,
       bad=(lambda m: m.linalg.multi_dot([m.ones(2, 2)]), lambda m: m.linalg.multi_dot([]),
            lambda m: m.linalg.multi_dot([m.ones(2, 2), m.ones(2, 2, 2)]),
            lambda m: m.linalg.multi_dot([m.ones(2, 2, 2), m.ones(2, 2)]),
            lambda m: m.linalg.multi_dot([m.ones(2, 3), m.ones(2, 2)]),
            lambda m: m.linalg.multi_dot([m.ones(2, 2), m.ones(2), m.ones(2, 2)]),
            lambda m: m.linalg.multi_dot([m.ones(2, 2), m.ones(2, 2, dtype=m.float64)]))),
    Op("linalg_multi_dot3", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), 3, chain_case(3),
       needs=("linalg",), family="linalg", rtol=1e-4),
    Op("linalg_multi_dot5", lambda m, a, b, c, d, e: m.linalg.multi_dot([a, b, c, d, e]), 5, chain_case(5),
       needs=("linalg",), family="linalg", rtol=1e-4),
    Op("linalg_cholesky", lambda m, a, upper: m.linalg.cholesky(a @ a.mT, upper=upper), 1,
       square_case(upper=st.booleans()), "well_conditioned", needs=("linalg",), family="linalg", rtol=1e-4,
       bad=(lambda m: m.linalg.cholesky(m.tensor([[1.0, 2.0], [2.0, 1.0]])),
            lambda m: m.linalg.cholesky(m.stack([m.eye(2), -m.eye(2)])), lambda m: m.linalg.cholesky(m.ones(2, 3)),
            lambda m: m.linalg.cholesky(m.ones(2, 2, dtype=m.float16)))),
    Op("linalg_vecdot", lambda m, a, b, dim: m.linalg.vecdot(a, b, dim=dim), 2,
       same_shape(2, min_dims=1).flatmap(lambda c: st.integers(-len(c.shapes[0]), len(c.shapes[0]) - 1).map(
           lambda d: Case(c.shapes, {"dim": d}))), needs=("linalg",), family="linalg", rtol=1e-4),
    Op("linalg_diagonal", lambda m, a, offset: m.linalg.diagonal(a, offset=offset), 1,
       matrix_case(offset=st.integers(-2, 2)), needs=("linalg",), family="linalg"),
    Op("linalg_cond_2", lambda m, a, p: m.linalg.cond(a, p), 1, matrix_case(p=st.sampled_from([None, 2, -2])),
       "spread_spectrum", needs=("linalg",), family="linalg", rtol=1e-3),
    Op("linalg_cond_nuc", lambda m, a: m.linalg.cond(a, "nuc"), 1, square_case(), "well_conditioned",
       needs=("linalg",), family="linalg", rtol=1e-3),
    # (torch's backward fails here: it fills the saved inverse in place; the same error here)
    Op("linalg_cond_norms", lambda m, a, p: m.linalg.cond(a, p), 1,
       square_case(p=st.sampled_from(["fro", 1, -1, math.inf])), "well_conditioned", needs=("linalg",),
       family="linalg", rtol=1e-3, differentiable=False,
       bad=(lambda m: m.linalg.cond(m.ones(2, 3), "fro"), lambda m: m.linalg.cond(m.ones(2, 3), -math.inf))),
    Op("linalg_matrix_rank", lambda m, a: m.linalg.matrix_rank(a @ a.mT), 1, matrix_case(), "spread_spectrum",
       needs=("linalg",), family="linalg", differentiable=False),
    Op("linalg_solve_triangular", lambda m, a, b, upper, left, unitriangular: m.linalg.solve_triangular(
           a, b, upper=upper, left=left, unitriangular=unitriangular), 2,
       solve_case().filter(lambda c: len(c.shapes[1]) >= 2 and c.shapes[1] != c.shapes[0][:-1]).flatmap(
           lambda c: st.tuples(st.booleans(), st.booleans()).map(
               lambda t: Case(c.shapes, {**c.params, "upper": t[0], "unitriangular": t[1]}))),
       ("well_conditioned", "real"), needs=("linalg",), family="linalg", broadcast=True, rtol=1e-4,
       bad=(lambda m: m.linalg.solve_triangular(m.ones(2, 3), m.ones(2, 2), upper=True),
            lambda m: m.linalg.solve_triangular(m.ones(2, 2), m.ones(3, 2), upper=True),
            lambda m: m.linalg.solve_triangular(m.ones(2, 2), m.ones(2), upper=True),
            lambda m: m.linalg.solve_triangular(m.eye(2, dtype=m.int64), m.ones(2, 2, dtype=m.int64), upper=True))),
    Op("linalg_pinv", lambda m, a, rtol: m.linalg.pinv(a, rtol=rtol), 1,
       matrix_case(rtol=st.sampled_from([None, 0.05])), "spread_spectrum", needs=("linalg",), family="linalg",
       rtol=1e-3, bad=(lambda m: m.linalg.pinv(m.ones(3)), lambda m: m.linalg.pinv(m.ones(2, 2, dtype=m.int64)),
                       lambda m: m.linalg.pinv(m.ones(2, 3), hermitian=True))),
]

BY_NAME: dict[str, Op] = {op.name: op for op in CATALOG}
assert len(BY_NAME) == len(CATALOG), "catalog names must be unique"

FAMILIES = sorted({op.family for op in CATALOG})
