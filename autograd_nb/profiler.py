"""``torch.profiler``: where does the time go, op by op and node by node?

    with torch.profiler.profile() as prof:
        loss = model(x).sum()
        loss.backward()
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))

While the block runs, every op (``aten::mul``, ``aten::matmul``, ...) and every backward
node (``autograd::engine::evaluate_function: MulBackward0`` around ``MulBackward0``) is
timed; ``record_function("name")`` adds a labelled span of your own. The table is laid
out as PyTorch lays it out: *self* time is a row's own time, *total* includes the ops
it called. The times are autograd_nb's (numpy's), not PyTorch's -- compare grad mode
with ``no_grad`` here and the lesson is the same: no graph, fewer and cheaper rows.

How it works: entering ``profile`` wraps the ops (the ``torch.*`` functions, the
``Tensor`` methods and operators, ``torch.nn.functional``) and the nodes' ``apply`` in
timing wrappers; leaving puts the originals back. Nothing is slowed outside the block.
"""
from __future__ import annotations

import enum
import functools
import json
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Iterator

__all__ = ["profile", "record_function", "ProfilerActivity", "EventList", "FunctionEvent"]


class ProfilerActivity(enum.Enum):
    """What to profile: ``CPU`` (everything autograd_nb runs); ``CUDA`` adds nothing here."""
    CPU = 0
    CUDA = 1


class FunctionEvent:
    """One timed span: ``name``, start and end in microseconds, and the spans inside it."""

    def __init__(self, name: str, start_us: float, parent: "FunctionEvent | None") -> None:
        self.name = self.key = name
        self.start_us = start_us
        self.end_us = start_us
        self.children: list[FunctionEvent] = []
        self.parent = parent

    @property
    def cpu_time_total(self) -> float:
        return self.end_us - self.start_us

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.children)

    def __repr__(self) -> str:
        return f"<FunctionEvent name={self.name} cpu_time_total={self.cpu_time_total:.3f}us>"


class FunctionEventAvg:
    """All events of one name added up: ``count``, ``cpu_time_total``, ``self_cpu_time_total``
    (microseconds) and ``cpu_time`` (the average)."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0

    def add(self, e: FunctionEvent) -> None:
        self.count += 1
        self.cpu_time_total += e.cpu_time_total
        self.self_cpu_time_total += e.self_cpu_time_total

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total / max(self.count, 1)

    def __repr__(self) -> str:
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total:.3f}us "
                f"cpu_time={self.cpu_time:.3f}us count={self.count}>")


def _format_time(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


class EventList(list):
    """A list of events (or of averages, from ``key_averages``) that prints as a table."""

    def key_averages(self, group_by_input_shape: bool = False) -> "EventList":
        avgs: "OrderedDict[str, FunctionEventAvg]" = OrderedDict()
        for e in self:
            avgs.setdefault(e.key, FunctionEventAvg(e.key)).add(e)
        return EventList(avgs.values())

    def table(self, sort_by: str | None = None, row_limit: int = 100, max_name_column_width: int = 55,
              header: str | None = None, top_level_events_only: bool = False, **_: Any) -> str:
        """PyTorch's table: name, self and total CPU time (and their shares), average, calls."""
        rows = list(self)
        total_self = sum(r.self_cpu_time_total for r in rows)
        if sort_by is not None:
            attr = {"cpu_time_total": "cpu_time_total", "self_cpu_time_total": "self_cpu_time_total",
                    "cpu_time": "cpu_time", "count": "count", "cpu_time_avg": "cpu_time"}.get(sort_by)
            if attr is None:
                raise AttributeError(f"'FunctionEventAvg' object has no attribute '{sort_by}'")
            rows.sort(key=lambda r: getattr(r, attr), reverse=True)
        if row_limit is not None and row_limit > 0:
            rows = rows[:row_limit]
        width = min(max([len(r.key) for r in self] + [4]) + 4, max_name_column_width)
        heads = ["Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
        line = "-" * width + "  " + "  ".join("-" * 12 for _ in heads) + "  "
        out = [line, f"{'Name':>{width}}  " + "  ".join(f"{h:>12}" for h in heads) + "  ", line]
        pct = lambda v: f"{100 * v / total_self:.2f}%" if total_self else "0.00%"  # noqa: E731
        for r in rows:
            name = r.key if len(r.key) <= width else r.key[:width - 3] + "..."
            cells = [pct(r.self_cpu_time_total), _format_time(r.self_cpu_time_total),
                     pct(r.cpu_time_total), _format_time(r.cpu_time_total), _format_time(r.cpu_time),
                     str(r.count)]
            out.append(f"{name:>{width}}  " + "  ".join(f"{c:>12}" for c in cells) + "  ")
        out += [line, f"Self CPU time total: {_format_time(total_self)}", ""]
        return ("" if header is None else header + "\n") + "\n".join(out)

    def __str__(self) -> str:
        return self.table()


# ---------------------------------------------------------------------------------------
# recording
# ---------------------------------------------------------------------------------------

_TLS = threading.local()
_ACTIVE: list["profile"] = []
_DUNDER = {"__add__": "add", "__radd__": "add", "__iadd__": "add_", "__sub__": "sub", "__rsub__": "rsub",
           "__isub__": "sub_", "__mul__": "mul", "__rmul__": "mul", "__imul__": "mul_", "__truediv__": "div",
           "__rtruediv__": "div", "__itruediv__": "div_", "__floordiv__": "floor_divide",
           "__rfloordiv__": "floor_divide", "__mod__": "remainder", "__rmod__": "remainder",
           "__matmul__": "matmul", "__rmatmul__": "matmul", "__pow__": "pow", "__rpow__": "pow",
           "__neg__": "neg", "__abs__": "abs", "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge",
           "__eq__": "eq", "__ne__": "ne", "__and__": "bitwise_and", "__or__": "bitwise_or",
           "__xor__": "bitwise_xor", "__invert__": "bitwise_not", "__setitem__": "copy_"}
# Tensor methods that are not ops (no kernel runs): never wrapped
_NOT_OPS = {"backward", "register_hook", "register_post_accumulate_grad_hook", "retain_grad", "item",
            "tolist", "numpy", "size", "dim", "ndimension", "numel", "nelement", "stride", "data_ptr",
            "element_size", "is_contiguous", "is_floating_point", "is_complex", "is_inference", "type",
            "requires_grad_", "get_device", "storage_offset", "untyped_storage", "dim_order", "is_signed",
            "is_set_to", "is_shared", "is_pinned", "share_memory_", "new_tensor", "__len__", "__iter__",
            "__bool__", "__float__", "__int__", "__index__", "__repr__", "__str__", "__format__",
            "__hash__", "__array__", "__reduce_ex__", "__deepcopy__", "__getstate__", "__setstate__",
            "__contains__", "__dlpack__", "__dlpack_device__", "cpu", "cuda", "to", "detach", "detach_"}


def _stack() -> list[FunctionEvent]:
    st = getattr(_TLS, "stack", None)
    if st is None:
        st = _TLS.stack = []
    return st


def _now_us() -> float:
    return time.perf_counter() * 1e6


class _Span:
    """Times one named span into every active profiler (nesting through a thread-local stack)."""

    __slots__ = ("name", "event")

    def __init__(self, name: str) -> None:
        self.name = name
        self.event: FunctionEvent | None = None

    def __enter__(self) -> "_Span":
        if _ACTIVE:
            st = _stack()
            parent = st[-1] if st else None
            self.event = FunctionEvent(self.name, _now_us(), parent)
            if parent is not None:
                parent.children.append(self.event)
            for prof in _ACTIVE:
                prof._events.append(self.event)
            st.append(self.event)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.event is not None:
            self.event.end_us = _now_us()
            st = _stack()
            if st and st[-1] is self.event:
                st.pop()


class record_function:
    """Label a span of your code in the profile: ``with record_function("forward"): ...``."""

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name = name
        self._span = _Span(name)

    def __enter__(self) -> "record_function":
        self._span.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._span.__exit__(*exc)

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with record_function(self.name):
                return fn(*args, **kwargs)
        return wrapper


def _timed(fn: Callable, name: str) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _Span(name):
            return fn(*args, **kwargs)
    wrapper.__wrapped_by_profiler__ = fn  # type: ignore[attr-defined]
    return wrapper


def _timed_getitem(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(self: Any, key: Any) -> Any:
        kind = "select" if isinstance(key, int) else "slice" if isinstance(key, slice) else "index"
        with _Span("aten::" + kind):
            return fn(self, key)
    return wrapper


def _timed_apply(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(node: Any, *grads: Any) -> Any:
        name = node.name() if callable(getattr(node, "name", None)) else type(node).__name__
        with _Span("autograd::engine::evaluate_function: " + name), _Span(name):
            return fn(node, *grads)
    return wrapper


def _targets() -> Iterator[tuple[Any, str, Callable, Callable]]:
    """(owner, attribute, original, wrapped) for everything a profile times."""
    import inspect

    import autograd_nb
    from . import _functions
    from ._tensor import Tensor
    from .autograd.node import Node
    from .nn import functional as F
    for name in list(_functions.__all__) + ["zeros", "ones", "empty", "full", "tensor", "arange", "rand",
                                            "randn", "randint", "randperm", "zeros_like", "ones_like"]:
        fn = getattr(autograd_nb, name, None)
        if callable(fn) and not inspect.isclass(fn):
            yield autograd_nb, name, fn, _timed(fn, "aten::" + name)
    for name in dir(F):
        fn = getattr(F, name)
        if not name.startswith("_") and inspect.isfunction(fn):
            yield F, name, fn, _timed(fn, "aten::" + name)
    for cls in Tensor.__mro__[:-1]:
        for name, fn in list(vars(cls).items()):
            if not inspect.isfunction(fn) or name in _NOT_OPS:
                continue
            if name == "__getitem__":
                yield Tensor, name, getattr(Tensor, name), _timed_getitem(getattr(Tensor, name))
            elif name in _DUNDER:
                yield Tensor, name, getattr(Tensor, name), _timed(getattr(Tensor, name), "aten::" + _DUNDER[name])
            elif not name.startswith("_"):
                yield Tensor, name, getattr(Tensor, name), _timed(getattr(Tensor, name), "aten::" + name)
    seen: set[type] = set()
    todo = [Node]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
        for method in ("apply", "take"):             # (AccumulateGrad may take its gradient)
            if method in vars(cls):
                yield cls, method, vars(cls)[method], _timed_apply(vars(cls)[method])


class profile:
    """Time every op and backward node run inside the ``with`` block.

    Accepts PyTorch's arguments (``activities``, ``record_shapes``, ``profile_memory``,
    ``with_stack``, ``schedule``, ...); autograd_nb records names and CPU times only.
    """

    def __init__(self, activities: Any = None, schedule: Any = None, on_trace_ready: Any = None,
                 record_shapes: bool = False, profile_memory: bool = False, with_stack: bool = False,
                 with_flops: bool = False, with_modules: bool = False, enabled: bool = True,
                 use_cuda: bool = False, **kwargs: Any) -> None:
        self.enabled = enabled
        self.on_trace_ready = on_trace_ready
        self._events: list[FunctionEvent] = []
        self._patched: list[tuple[Any, str, Any, bool]] = []

    def __enter__(self) -> "profile":
        if not self.enabled:
            return self
        if not _ACTIVE:                              # the first profile installs the wrappers
            for owner, name, original, wrapped in _targets():
                own = name in vars(owner)
                self._patched.append((owner, name, vars(owner).get(name), own))
                setattr(owner, name, wrapped)
        _ACTIVE.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        if not self.enabled or self not in _ACTIVE:
            return
        _ACTIVE.remove(self)
        for owner, name, original, own in reversed(self._patched):
            if own:
                setattr(owner, name, original)
            else:
                delattr(owner, name)
        self._patched.clear()
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    start = __enter__

    def stop(self) -> None:
        self.__exit__(None, None, None)

    def step(self) -> None:
        """Marks a training step (schedules are not implemented: everything is recorded)."""

    def events(self) -> EventList:
        """Every recorded span, in the order they started."""
        return EventList(self._events)

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0) -> EventList:
        """The spans added up by name: one row per op or node name."""
        return self.events().key_averages(group_by_input_shape)

    def export_chrome_trace(self, path: str) -> None:
        """Write the spans as a Chrome trace (open it in chrome://tracing or Perfetto)."""
        t0 = min((e.start_us for e in self._events), default=0.0)
        trace = [{"name": e.name, "ph": "X", "ts": e.start_us - t0, "dur": e.cpu_time_total, "pid": 0,
                  "tid": 0, "cat": "cpu_op"} for e in self._events]
        with open(path, "w") as f:
            json.dump({"traceEvents": trace}, f)
