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
before they call the ops that record (``reshape``, ``flatten``, ``narrow``...):
``KERNEL_FIRST``.
"""
from __future__ import annotations

import inspect
import os
from typing import Any, Callable

from .._tensor import Tensor
from ..autograd.grad_mode import STATE

KERNEL_FIRST = frozenset("""
    __getitem__ __setitem__ __eq__ __ne__ __lt__ __le__ __gt__ __ge__ eq ne lt le gt ge
    eq_ ne_ lt_ le_ gt_ ge_ greater_ greater_equal_ less_ less_equal_ not_equal_
    argmax argmin all any count_nonzero nonzero isnan isinf signbit allclose equal histc histogram
    logical_and logical_or logical_xor logical_not logical_and_ logical_or_ logical_xor_ logical_not_
    bool byte char short int long cpu cuda storage_offset
    reshape reshape_as flatten unflatten narrow chunk unsafe_chunk diff movedim moveaxis
    repeat_interleave sum_to_size cross outer matrix_power logdet prelu
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
            if t._base is not None and t._vc[0] != t._view_ver:
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
                if first is not None:
                    raise first from None
                raise
    else:
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
        name = fn.__name__ if fn.__name__.isidentifier() else "op"
        own = "None"
        if inplace:
            own, read = read[0], read[1:]
        src = (f"def {name}({', '.join(head)}):\n"
               f"    try:\n"
               f"        return _fn({', '.join(call)})\n"
               f"    except (RuntimeError, IndexError, ValueError):\n"
               f"        first = _first({', '.join([own] + read)})\n"
               f"        if first is not None:\n"
               f"            raise first from None\n"
               f"        raise\n")
        scope = {"_fn": fn, "_first": first_error, **{f"_d{i}": p.default for i, p in enumerate(params)}}
        # (named as a file of the package: notebook tracebacks hide the frame with the others)
        where = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"<method {name}>")
        exec(compile(src, where, "exec"), scope)      # noqa: S102 - our own source, built above
        op = scope[name]
    op.__name__, op.__qualname__, op.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    op.__wrapped__ = fn                               # (help() and inspect see fn's parameters)
    return op
