"""PyTorch's autograd layer runs before an op's kernel: it reads the inputs' histories.

While recording, PyTorch's autograd wrapper of an op reads every input's ``grad_fn``
before the kernel runs (and checks the arguments). A view that may no longer be used
since its base changed in place (a split output, a view made under no_grad) is refused
there, so ``v.softmax(9)`` on such a view is the view's error, not "Dimension out of
range". Our ops check their arguments first and read histories in ``record``; on the
error path only, ``histories_first`` reads them before the argument error goes out.
It costs the success path one plain call (a wrapper with the op's own parameters).

Some ops are refused by their own checks first, as in PyTorch: ops it never records
(comparisons, ``argmax``, ``all``...) and composite ops that check their arguments
before they call the ops that record (``reshape``, ``flatten``, ``narrow``...), or that
read another tensor's sizes only (``view_as``, ``expand_as``: ``self.view(other.shape)``,
whose histories are ``self``'s): ``KERNEL_FIRST``.
"""
from __future__ import annotations

import functools
import inspect
import re
import os
from typing import Any, Callable

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ._numpy_names import method_aliases, take_aliases

KERNEL_FIRST = frozenset("""
    __getitem__ __setitem__ __eq__ __ne__ __lt__ __le__ __gt__ __ge__ eq ne lt le gt ge
    eq_ ne_ lt_ le_ gt_ ge_ greater_ greater_equal_ less_ less_equal_ not_equal_
    argmax argmin all any count_nonzero nonzero isnan isinf signbit allclose isclose equal histc histogram
    logical_and logical_or logical_xor logical_not logical_and_ logical_or_ logical_xor_ logical_not_
    bool byte char short int long cpu cuda storage_offset
    reshape reshape_as flatten unflatten narrow chunk unsafe_chunk diff movedim moveaxis
    repeat_interleave sum_to_size cross outer matrix_power logdet prelu view_as expand_as
""".split())


def read_histories(*inputs: Any) -> None:
    """What PyTorch's autograd layer does before an op's kernel runs (and checks the
    arguments): while recording, it reads every input's history (``grad_fn``), so a view
    that may no longer be used since its base changed (``Tensor._view_changed``) is
    refused first. ``record`` reads them after our checks; this reads them before, for
    an op that PyTorch records (or builds from ops that record) where ours records
    nothing, and for an argument error met before ``record``. Tensors in a list or tuple
    (``cat``'s) count too."""
    if STATE.mode:
        return
    ts = [t for a in inputs for t in (a if isinstance(a, (list, tuple)) else (a,)) if isinstance(t, Tensor)]
    if any(t.requires_grad for t in ts):
        for t in ts:
            if t._vbase is not None and t._vc[0] != t._view_ver:
                t._view_changed()                     # (may refuse)


def self_first(t: Any) -> None:
    """An in-place op's own refusal of ``self`` (a leaf that requires grad, ...) comes before
    PyTorch reads the other inputs' histories: raise it if there is one."""
    if isinstance(t, Tensor):
        from ._core import check_inplace
        check_inplace(t)


def first_error(self: Any, *others: Any) -> BaseException | None:
    """The error PyTorch would have raised before the op's own: ``self``'s in-place refusal
    (``self`` None: not in place), then a changed view among the inputs; None if neither.
    (Returned, not raised, so the wrapper raises it ``from None``: a traceback chained to
    the op's own error would start inside the library, hiding the user's line.)"""
    try:
        if self is not None:
            self_first(self)
        read_histories(*others)
    except RuntimeError as e:
        return e
    return None


def _saved_call(fn: Callable, *args: Any, **kwargs: Any) -> BaseException | None:
    return saved_first(fn, args, kwargs)


def histories_first(fn: Callable, inplace: bool = False) -> Callable:
    """``fn`` as an op whose argument errors (RuntimeError, IndexError, ValueError) come
    after ``read_histories``. In place (``inplace``), the op's own check of ``self``
    comes first, as in PyTorch: only the other inputs' histories are read. The wrapper
    is written with ``fn``'s own parameters, passed on as they came: a call costs one
    plain frame, where ``*args, **kwargs`` would pack and unpack them on every call
    (three times the cost)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = None
    if params is None or any(p.kind is p.POSITIONAL_ONLY or p.name.startswith("_") for p in params):
        def op(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except (RuntimeError, IndexError, ValueError):
                first = first_error(args[0] if inplace and args else None, *args[inplace:], *kwargs.values())
                if first is None and not inplace:
                    first = saved_first(fn, args, kwargs)
                if first is not None:
                    raise first from None
                raise
    else:
        head, call, read = _parameters(params)
        name = fn.__name__ if fn.__name__.isidentifier() else "op"
        own = "None"
        if inplace:
            own, read = read[0], read[1:]
        numpy = _numpy_prologue(fn, params, head)     # (x.sum(axis=0): see _numpy_names)
        src = (f"def {name}({', '.join(head)}):\n" + numpy +
               f"    try:\n"
               f"        return _fn({', '.join(call)})\n"
               f"    except (RuntimeError, IndexError, ValueError):\n"
               f"        first = _first({', '.join([own] + read)})\n"
               + ("" if inplace else f"        if first is None:\n"
                                     f"            first = _saved(_fn, {', '.join(call)})\n") +
               f"        if first is not None:\n"
               f"            raise first from None\n"
               f"        raise\n")
        op = _compiled(fn, name, src, params, {"_first": first_error, "_saved": _saved_call})
    op.__name__, op.__qualname__, op.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    op.__wrapped__ = fn                               # (help() and inspect see fn's parameters)
    return op


def numpy_names_too(fn: Callable) -> Callable:
    """``fn`` as a method that also takes NumPy's names for ``dim`` and ``keepdim`` (for the
    ops of ``KERNEL_FIRST``, which get no ``histories_first`` wrapper); ``fn`` itself when
    it has neither."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return fn
    if not fn.__name__.isidentifier() or any(p.kind is p.POSITIONAL_ONLY or p.name.startswith("_")
                                             for p in params):
        return fn
    head, call, _ = _parameters(params)
    numpy = _numpy_prologue(fn, params, head)
    if not numpy:
        return fn
    src = f"def {fn.__name__}({', '.join(head)}):\n" + numpy + f"    return _fn({', '.join(call)})\n"
    op = _compiled(fn, fn.__name__, src, params, {})
    op.__name__, op.__qualname__, op.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    op.__wrapped__ = fn
    return op


def _parameters(params: list) -> tuple[list, list, list]:
    """A generated wrapper's parameter list (``head``, defaults named ``_d<i>``), the call
    passing them on as they came (``call``) and the values to read histories of (``read``)."""
    head, call, read, star = [], [], [], False
    for i, p in enumerate(params):
        default = "" if p.default is p.empty else f"=_d{i}"
        if p.kind is p.VAR_POSITIONAL:
            head.append(f"*{p.name}"), call.append(f"*{p.name}"), read.append(f"*{p.name}")
            star = True
        elif p.kind is p.VAR_KEYWORD:
            head.append(f"**{p.name}"), call.append(f"**{p.name}"), read.append(f"*{p.name}.values()")
        elif p.kind is p.KEYWORD_ONLY:
            if not star:
                head.append("*")
                star = True
            head.append(p.name + default), call.append(f"{p.name}={p.name}"), read.append(p.name)
        else:
            head.append(p.name + default), call.append(p.name), read.append(p.name)
    return head, call, read


def _compiled(fn: Callable, name: str, src: str, params: list, scope: dict) -> Callable:
    scope = {"_fn": fn, "_req": _REQUIRED, "_take": take_aliases, "_missing": _missing, **scope,
             **{f"_d{i}": p.default for i, p in enumerate(params)}}
    # (named as a file of the package: notebook tracebacks hide the frame with the others)
    where = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"<method {name}>")
    exec(compile(src, where, "exec"), scope)          # noqa: S102 - our own source, built above
    return scope[name]


_REQUIRED = object()                                  # (a required parameter not given yet)


def _numpy_prologue(fn: Callable, params: list, head: list) -> str:
    """The first lines of a generated method that also takes NumPy's names for ``dim`` and
    ``keepdim`` (``_numpy_names``), or "" for an op without them. ``head`` (the parameter
    list being written) gains ``**_np``; the required parameters from the first of them on
    get a stand-in default, so that ``x.softmax(axis=1)`` reaches the body, which says
    what is still missing as Python would."""
    names = method_aliases(fn, fn.__name__)
    if not names:
        return ""
    first = min(i for i, p in enumerate(params) if p.name in names)
    required = []
    for i, p in enumerate(params):
        if i >= first and p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD:
            head[i] = f"{p.name}=_req"
            required.append(p.name)
    head.append("**_np")
    index = {p.name: i for i, p in enumerate(params)}
    pairs = ", ".join(f"({n!r}, {n}, {'_req' if n in required else f'_d{index[n]}'})" for n in names)
    lines = f"    if _np:\n        {', '.join(names)}, = _take({fn.__name__!r}, _np, {pairs})\n"
    if required:                                      # (a plain test first: a call costs more)
        lines += (f"    if {' or '.join(f'{n} is _req' for n in required)}:\n"
                  f"        _missing({fn.__name__!r}, {', '.join(f'({n!r}, {n})' for n in required)})\n")
    return lines


def _missing(name: str, *given: tuple) -> None:
    """Python's error for required arguments still not given (after the NumPy names)."""
    gone = [repr(n) for n, v in given if v is _REQUIRED]
    if gone:
        listed = gone[0] if len(gone) == 1 else " and ".join(gone) if len(gone) == 2 else \
            ", ".join(gone[:-1]) + ", and " + gone[-1]
        raise TypeError(f"{name}() missing {len(gone)} required positional argument{'s' * (len(gone) > 1)}: "
                        f"{listed}")


# ---------------------------------------------------------------------------
# what PyTorch's autograd layer saves before the kernel runs
# ---------------------------------------------------------------------------
#
# PyTorch's generated autograd kernel of an op (``VariableType``, written by
# tools/autograd/gen_variable_type.py) runs in this order: ``check_inplace(self)``; the
# node and its edges (``collect_next_edges``: the inputs' histories); the op's *inputs*
# saved (``grad_fn->other_ = SavedVariable(other, false)``, each under
# ``should_compute_output(i)`` of an input whose formula reads it; an in-place op saves
# ``self.clone()``); only then the kernel (argument checks, broadcasting, dtypes); then the
# result's history and the saved outputs. Our ops check their arguments first and save in
# ``record``, after the kernel. ``saved_first`` tells what that early saving would have
# refused, from the node class the op records (its ``saved_names`` and the formulas of
# its docstring): an inference tensor ("Inference tensors cannot be saved for backward")
# or, in place, a copy of an integer ``self`` that has a history (the copy is refused:
# "Autograd not support dtype").

_FORMULA = re.compile(r"^grad_(\w+) = (.+)$", re.M)
_CLASSES: dict = {}


def _content(cell: Any) -> Any:
    try:
        return cell.cell_contents
    except ValueError:                                # (a cell not filled yet)
        return None


def recorded_classes(fn: Callable, _depth: int = 0) -> tuple:
    """The node classes the op function ``fn`` records: those it declares
    (``fn.records``, a tuple), else those its code or closure names (``record(data,
    MulBackward0, ...)``, a family's factory ``_unary("abs", "abs", AbsBackward0, ...)``),
    else those of the op functions it wraps or calls (its closure, ``__wrapped__``,
    the functions its code names: ``square`` is ``pow``)."""
    got = _CLASSES.get(fn)
    if got is not None:
        return got
    from ._core import OpNode
    declared = getattr(fn, "records", None)
    if isinstance(declared, tuple):
        return declared
    code = getattr(fn, "__code__", None)
    names = code.co_names if code is not None else ()
    scope = getattr(fn, "__globals__", {})
    cells = [_content(c) for c in (getattr(fn, "__closure__", None) or ())]
    found = [v for v in (*(scope.get(n) for n in names), *cells) if isinstance(v, type) and issubclass(v, OpNode)]
    if not found and _depth < 2:
        inner = [c for c in cells if inspect.isfunction(c)]
        inner += [v for v in (getattr(fn, "__wrapped__", None),) if v is not None]
        inner += [v for v in (scope.get(n) for n in names) if inspect.isfunction(v) and v is not fn]
        found = [c for f in inner for c in recorded_classes(f, _depth + 1)]
    got = tuple(dict.fromkeys(found))
    if _depth == 0:
        _CLASSES[fn] = got
    return got


@functools.cache
def _rule(cls: type) -> dict[str, set[str]] | None:
    """``{input: names its gradient reads}`` from the ``grad_<input> = ...`` lines of the
    class's docstring (see ``OpNode``); None if it states none."""
    doc = inspect.cleandoc(cls.__dict__.get("__doc__") or "")
    pairs = _FORMULA.findall(doc)
    return {a: set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", b)) for a, b in pairs} or None


def _bound(fn: Callable, args: tuple, kwargs: dict) -> dict[str, Any]:
    """``{PyTorch's argument name: value}``: the first parameter is ``self`` (``input``
    too), the others keep their names."""
    try:
        ba = inspect.signature(fn).bind_partial(*args, **kwargs)
    except (TypeError, ValueError):
        return {}
    out: dict[str, Any] = {}
    for i, (name, value) in enumerate(ba.arguments.items()):
        out[name] = value
        if i == 0:
            out["self"] = out["input"] = value
    return out


def _tensor_args(fn: Callable, args: tuple, kwargs: dict) -> list:
    """The tensor arguments of ``fn(*args, **kwargs)`` in its parameters' order."""
    try:
        ba = inspect.signature(fn).bind_partial(*args, **kwargs)
    except (TypeError, ValueError):
        return []
    return [v for v in ba.arguments.values() if isinstance(v, Tensor)]


def _has_edge(t: Tensor) -> bool:
    """Does a node get an edge to ``t`` (``pointwise.has_edge``; imported late: the
    pointwise ops import this module)?"""
    from .pointwise import has_edge
    return has_edge(t)


def saved_first(fn: Callable, args: tuple, kwargs: dict, inplace: bool = False) -> BaseException | None:
    """The error PyTorch's autograd layer raises when it saves the inputs of ``fn(*args,
    **kwargs)`` before the kernel runs (see above), or None. ``inplace``: ``args[0]`` is
    the ``self`` an in-place op changes (saved as a copy)."""
    if STATE.mode:
        return None
    values = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]
    if not any(t.requires_grad for t in values) or all(t._is_inference for t in values):
        return None                                   # (no node; or autograd never sees the op)
    self = args[0] if inplace and args else None
    if not any(t._is_inference for t in values) and not (
            self is not None and self._data.dtype.kind not in "fc" and self.requires_grad):
        return None
    bound = _bound(fn, args, kwargs)
    tensors = _tensor_args(fn, args, kwargs)
    classes = recorded_classes(fn)
    # the class recorded for this many tensor inputs, its inputs being ours in order (the
    # order ``record`` gets them: ``matmul(x, t)`` records MmBackward0, whose self, mat2
    # are x, t); else all of them, by name
    exact = [c for c in classes if (r := _rule(c)) is not None and len(r) == len(tensors)]
    for cls in exact or classes:
        rule = _rule(cls)
        inputs = list(rule or ())
        named = dict(zip(inputs, tensors)) if cls in exact else bound
        # (should_compute_output: the input has an edge; a view made under no_grad of a leaf
        # that requires grad has none, so nothing is saved for it)
        needs = [isinstance(named.get(i), Tensor) and _has_edge(named[i]) for i in inputs]
        uses = getattr(cls, "saved_for", None)        # (declared: the inputs whose gradient uses each)
        for k, name in enumerate(cls.saved_names):
            v = named.get(name)
            if not isinstance(v, Tensor):
                continue
            if uses is not None and k < len(uses) and inputs:
                if not any(needs[i] for i in uses[k] if i < len(needs)):
                    continue                          # (no gradient that needs it is computed)
            elif rule is not None and not any(name in rule[i] and needs[j] for j, i in enumerate(inputs)):
                continue
            if self is not None and name == (inputs[0] if inputs else "self"):   # in place: a copy of self
                if v._data.dtype.kind not in "fc" and v.requires_grad:
                    from ._core import DTYPE_WORDS
                    return RuntimeError(f"Autograd not support dtype: {DTYPE_WORDS[v._data.dtype.name]}")
            elif v._is_inference:
                from ..autograd.node import save
                try:
                    save(v, None)
                except RuntimeError as e:
                    return e
    return None
