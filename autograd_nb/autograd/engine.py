"""THE backward engine, written as a generator of events.

``run_backward`` walks the graph from the roots to the leaves and yields one small
event per step, in the order the work happens:

* ``NodeStarted(node, grads)``: a node is ready; ``grads`` are the summed gradients
  of its outputs.
* ``GradAccumulated(node, tensor, grad)``: an ``AccumulateGrad`` node added ``grad``
  into ``tensor.grad`` (or an ``inputs=`` tensor captured it).
* ``NodeFinished(node, grads)``: the local rule ran; ``grads`` holds one gradient per
  ``next_functions`` edge (None where nothing flows).
* ``BuffersFreed(node, nbytes)``: the node's saved buffers were released.

``Tensor.backward()`` and ``autograd.grad()`` exhaust the generator; the backward
stepper widget pulls it one event at a time, so what a learner steps through is the
real engine. Grad mode is set around each local rule and restored before every
``yield``, so the generator may stay paused for as long as the learner likes.

Order: a node runs once every node that feeds it a gradient has run (dependency
counting). Among ready nodes an ``AccumulateGrad`` runs first (PyTorch gives it the
largest sequence number there is), then the most recently created node; ready
``AccumulateGrad`` nodes run in the order they became ready. Everything is
iterative: graphs of 100 000 nodes need no recursion.
"""
from __future__ import annotations

import heapq
import itertools
import sys
import threading
from typing import Any, Callable, Iterator, Sequence

from . import node as _node
from .grad_mode import STATE
from .node import ANOMALY, HOOK_STACK, AccumulateGrad, GradientEdge, Node

__all__ = ["run_backward", "NodeStarted", "NodeFinished", "GradAccumulated", "BuffersFreed",
           "BackwardState", "GraphTask", "current_task", "queue_callback"]


class GraphTask:
    """One run of the engine, as user code running inside it (hooks, custom backwards)
    sees it: which nodes this run will execute, and the callbacks to call at its end.

    ``current_task()`` gives the run whose hook or rule is executing on this thread (a
    backward started inside a custom backward, a *reentrant* backward, has its own).
    """

    __slots__ = ("will_run", "callbacks", "keep_graph", "multi_hooks", "node")

    def __init__(self, will_run: Any, keep_graph: bool) -> None:
        self.will_run = will_run              # the nodes this run executes (a dict or set)
        self.callbacks: list[Callable[[], Any]] = []
        self.keep_graph = keep_graph
        self.multi_hooks: dict = {}           # register_multi_grad_hook's state per run
        self.node: Node | None = None         # the node whose rule runs now (anomaly mode)


_TLS = threading.local()


def current_task() -> GraphTask | None:
    """The engine run executing user code on this thread now (None outside backward)."""
    return getattr(_TLS, "task", None)


def queue_callback(callback: Callable[[], Any]) -> None:
    """Call ``callback()`` once the backward now running has finished (all its nodes).

    PyTorch's ``Variable._execution_engine.queue_callback``: only valid inside a hook or
    a custom backward. A callback may queue further callbacks; they run too.
    """
    task = current_task()
    if task is None:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    task.callbacks.append(callback)


def will_execute(node: Node) -> bool:
    """True when the backward now running (in a hook or rule) will run ``node``."""
    task = current_task()
    if task is None:
        raise RuntimeError("_will_engine_execute_node should only be called during the backward pass")
    return node in task.will_run


class Event:
    """Base of the engine's events (plain records, compared by their fields)."""

    __slots__ = ()
    kind = "event"

    def __repr__(self) -> str:
        fields = ", ".join(f"{s}={getattr(self, s)!r}" for s in self.__slots__)
        return f"{type(self).__name__}({fields})"


class NodeStarted(Event):
    __slots__ = ("node", "grads")
    kind = "start"

    def __init__(self, node: Node, grads: tuple) -> None:
        self.node, self.grads = node, grads


class NodeFinished(Event):
    __slots__ = ("node", "grads")
    kind = "finish"

    def __init__(self, node: Node, grads: tuple) -> None:
        self.node, self.grads = node, grads


class GradAccumulated(Event):
    __slots__ = ("node", "tensor", "grad")
    kind = "accumulate"

    def __init__(self, node: Node, tensor: Any, grad: Any) -> None:
        self.node, self.tensor, self.grad = node, tensor, grad


class BuffersFreed(Event):
    __slots__ = ("node", "nbytes")
    kind = "free"

    def __init__(self, node: Node, nbytes: int) -> None:
        self.node, self.nbytes = node, nbytes


class BackwardState:
    """A read-only window on the engine's bookkeeping, for viewers (the backward stepper).

    Pass one as ``run_backward(..., watch=BackwardState())``; the generator fills it in
    and keeps it current, so between two events a viewer can read

    * ``deps``: node -> how many gradients it still waits for (0 once it may run);
    * ``ready``: the nodes that may run now, as the engine's heap of
      ``(priority, arrival, node)`` (``ready_nodes()`` lists them in the order they
      will run);
    * ``buffers``: node -> the gradients it has received so far (one slot per output).

    Viewers must not change these objects. Nothing is copied, so passing no state (what
    ``backward()`` does) costs nothing.
    """

    __slots__ = ("deps", "ready", "buffers")

    def __init__(self) -> None:
        self.deps: dict = {}
        self.ready: list = []
        self.buffers: dict = {}

    def ready_nodes(self) -> list:
        """The nodes that may run now, first to run first."""
        return [e[2] for e in sorted(self.ready)]

    def waiting(self) -> list:
        """``(node, outstanding)`` for nodes that got some gradient but wait for more."""
        return [(n, self.deps.get(n, 0)) for n in self.buffers if self.deps.get(n, 0) > 0]


# The ready queue's order (a min-heap): an AccumulateGrad before anything else, then
# the newest node. PyTorch numbers both AccumulateGrad and NotImplemented nodes 2**64 - 1,
# the largest there is: ties among them go by arrival.
_FIRST = -((1 << 64) - 1)

# What PyTorch's engine asserts of every gradient it sends along an edge: an integer tensor
# that got a history (written in place with a float value that requires grad, as in
# ``int_x.fill_(v)``) gets an integer gradient, which PyTorch refuses with this internal
# assertion's text (engine.cpp's validate_outputs).
_INTEGER_GRAD = ('isDifferentiableType(grad.scalar_type()) INTERNAL ASSERT FAILED at '
                 '"/__w/pytorch/pytorch/torch/csrc/autograd/engine.cpp":998, please report a bug to PyTorch. ')


def priority(node: Node) -> int:
    """Where ``node`` goes in the ready queue: the smaller, the sooner it runs."""
    return _FIRST if node.__class__ is AccumulateGrad else -node._seq


# Checks run before every backward pass, each given the pass's root nodes; one may refuse
# the pass by raising. The engine does not know who adds them (the backward stepper widget
# refuses a graph it is paused over: widgets/stepper.py).
BEFORE_RUN: list[Callable[[list[Node]], None]] = []


def _dependencies(roots: Sequence[Node]) -> dict[Node, int]:
    """How many gradients each reachable node waits for (iterative walk)."""
    deps: dict[Node, int] = {}
    stack = list(dict.fromkeys(roots))             # several roots may share a node (split)
    start = set(stack)
    count = deps.get
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None:
                n = count(nxt)
                if n is None:                      # reached for the first time: visit it
                    deps[nxt] = 1
                    if nxt not in start:
                        stack.append(nxt)
                else:
                    deps[nxt] = n + 1
    return deps


def _prune(roots: Sequence[Node], targets: set) -> set:
    """Nodes from which some target node can be reached (only those must run)."""
    needed: set = set()
    order: list[Node] = []
    stack = list(roots)
    seen = set(stack)
    while stack:                                   # collect in DFS pre-order
        fn = stack.pop()
        order.append(fn)
        for nxt, _ in fn.next_functions:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    changed = True
    while changed:                                 # propagate "reaches a target" upward
        changed = False
        for fn in reversed(order):
            if fn in needed:
                continue
            if fn in targets or any(n in needed for n, _ in fn.next_functions if n is not None):
                needed.add(fn)
                changed = True
    return needed


def _add(a: Any, b: Any) -> Any:
    """Sum two gradients flowing into the same place (never in place)."""
    if a is None:
        return b
    if b is None:
        return a
    return a + b


_refcount = sys.getrefcount


def _add_into(buf: list, nr: int, g: Any, grad_off: int) -> None:
    """Add the gradient ``g`` into ``buf[nr]``, which holds one already.

    As PyTorch's input buffers do: with grad mode off (no ``create_graph``), a dense
    gradient that only the buffer holds, memory included (``_sole_owner``), is added to
    in place, and its version counts the add (``autograd.grad`` of ``x * x`` gives a
    gradient at version 1); else the sum is a new tensor.
    """
    if grad_off and _sole_owner(buf, nr):             # (checked first: a local name would count)
        old = buf[nr]
        d, gd = old._data, g._data
        if old.__class__ is g.__class__ and not old._requires_grad and d.shape == gd.shape \
                and d.dtype == gd.dtype and d.__class__ is gd.__class__ \
                and (d.flags.c_contiguous or d.flags.f_contiguous):
            d += gd
            old._vc[0] += 1
            return
    buf[nr] = buf[nr] + g


def _sole_owner(grads: list, i: int = 0) -> bool:
    """True when nobody but ``grads`` can see ``grads[i]`` or the memory of its array.

    Then the leaf may keep that array as ``.grad`` instead of copying it (PyTorch steals
    such a gradient too). Whatever else holds the tensor or its memory (the caller's
    ``gradient=``, a hook, a saved buffer, another view) shows up in the reference
    counts, and the gradient is copied. Counted references below: the holder, the local
    name and the argument of ``getrefcount``.
    """
    g = grads[i]
    if g is None or _refcount(g) != 3:               # grads, g, argument
        return False
    d = g._data
    if _refcount(d) != 3 or not d.flags.writeable:   # g._data, d, argument; a read-only
        return False                                  # (stride-0) spread is never kept
    base = d.base              # numpy often returns a product as a view of its own buffer
    if base is None:
        return g._vbase is None
    if base.__class__ is not d.__class__ or base.base is not None:
        return False
    holders = 3                                       # d.base, base, argument
    root = g._vbase             # a gradient made by a view op (TBackward0's transpose)
    if root is not None:
        if root._vbase is not None or _refcount(root) != 3:    # g._vbase, root, argument
            return False
        rd = root._data
        if rd is base:
            holders += 1                              # root._data
        elif rd.base is base and _refcount(rd) == 3:  # root._data, rd, argument
            holders += 1                              # rd.base
        else:
            return False
    return _refcount(base) == holders


def _hook_name(hook: Any) -> str:
    name = getattr(hook, "__name__", None)
    return name if isinstance(name, str) else "<unknown>"


def checked(hook: Any, before: Any, after: Any) -> Any:
    """The gradient ``after`` that ``hook`` returned in place of ``before`` (None: keep
    ``before``), refused as PyTorch refuses it when it is no tensor, or a tensor of another
    dtype, device or shape than the gradient it replaces."""
    if after is None:
        return before
    if before is None:
        raise RuntimeError("can't replace a None gradient with a non-None value")
    if not isinstance(after, _node.Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(after).__name__}'")
    if after._data.dtype != before._data.dtype or type(after._data) is not type(before._data):
        from .._tensor import type_label
        raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the type of value (was "
                           f"{type_label(before)} got {type_label(after)})")
    if after._data.shape != before._data.shape:
        raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the size of value")
    return after


def checked_all(hook: Any, before: tuple, after: Any) -> tuple:
    """A node hook's tuple of gradients in place of ``before``: as many, each checked
    (a None in it stands: that gradient becomes None)."""
    if not isinstance(after, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(after).__name__}'")
    if len(after) != len(before):
        raise RuntimeError(f"hook '{_hook_name(hook)}' has returned an incorrect number of values "
                           f"(got {len(after)}, but expected {len(before)})")
    for b, a in zip(before, after):
        if a is not None:
            checked(hook, b, a)
    return after


def _run_tensor_prehooks(x: Any, grads: list) -> None:
    """Hooks registered with ``tensor.register_hook`` on a node's outputs, then retain_grad.

    An output that received no gradient (another output of ``unbind`` was used) still
    has its hooks called, with None, as in PyTorch.
    """
    for store in (x.tensor_prehooks, x.retain_prehooks):
        if not store:
            continue
        for nr, hooks in store.items():
            for fn in list(hooks.values()):
                grads[nr] = checked(fn, grads[nr], fn(grads[nr]))


def run_backward(roots: Sequence[tuple[Node, int]], grad_roots: Sequence[Any],
                 retain_graph: bool = False, create_graph: bool = False,
                 inputs: Sequence[Any] | None = None, accumulate: bool = True,
                 captured: list | None = None, events: bool = True,
                 watch: BackwardState | None = None) -> Iterator[Event]:
    """Run backward from ``roots`` (``(grad_fn, output_nr)`` edges) seeded with ``grad_roots``.

    ``inputs``: when given, only these tensors receive gradients; with
    ``accumulate=False`` (``autograd.grad``) their gradients are written into
    ``captured`` (one slot per input) instead of ``.grad``. With ``events=False`` the
    same walk runs without building event records (what ``backward()`` uses).
    ``watch``: a ``BackwardState`` the generator keeps current (the ready queue and the
    dependency counts), for viewers that pause between events.
    """
    root_nodes = [n for n, _ in roots]
    for check in BEFORE_RUN:
        check(root_nodes)
    deps = _dependencies(root_nodes)

    # Where to capture or stop: {node: [(output_nr or None, input index)]}
    capture: dict[Node, list[tuple[int | None, int]]] = {}
    needed = None
    if inputs is not None:
        for i, t in enumerate(inputs):
            if isinstance(t, GradientEdge):          # an edge: capture what flows into it
                node = t.node
                nr = None if node.__class__ is AccumulateGrad else t.output_nr
                capture.setdefault(node, []).append((nr, i))
            elif t._gfn is not None:
                capture.setdefault(t._gfn, []).append((t._output_nr, i))
            else:
                acc = t._grad_accumulator(create=False)
                if acc is not None:
                    capture.setdefault(acc, []).append((None, i))
        needed = _prune(root_nodes, set(capture))
        deps = {n: 0 for n in deps if n in needed}
        for fn in needed:
            for nxt, _ in fn.next_functions:
                if nxt is not None and nxt in deps:
                    deps[nxt] += 1

    buffers: dict[Node, list] = {}
    ready: list = []
    arrival = itertools.count()                       # ties in the ready queue: first come
    hooks_only = None
    for (node, nr), g in zip(roots, grad_roots):
        if needed is not None and node not in needed:
            if len(roots) != 1:
                continue
            # a lone root leading to no input still gets its gradient: the hooks of the tensor
            # (register_hook, retain_grad) run, nothing else does (PyTorch starts at that node)
            hooks_only = node
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node.num_outputs
            if deps.get(node, 0) == 0:
                heapq.heappush(ready, (priority(node), next(arrival), node))
        buf[nr] = _add(buf[nr], g)
    if watch is not None:
        watch.deps, watch.ready, watch.buffers = deps, ready, buffers

    task = GraphTask(set(deps).union(n for n in root_nodes if needed is None or n in needed),
                     retain_graph)
    hooks_before = list(HOOK_STACK)   # saved_tensors_hooks entered inside backward end with it
    state = STATE
    # Without events there is no yield, so the grad mode (and the current task) can be
    # set once for the whole walk; with events they are set around each rule and hook
    # and never held across a yield.
    hold = not events
    outer = state.mode
    outer_task = current_task()
    if hold:
        state.mode = (outer & 2) | (0 if create_graph else 1)
        _TLS.task = task
    try:
        yield from _walk(ready, arrival, buffers, deps, capture, inputs, captured, accumulate,
                         retain_graph, create_graph, events, hold, task, hooks_only)
        callbacks = task.callbacks                    # queue_callback: at the very end
        while callbacks:
            callback = callbacks.pop(0)
            if hold:
                callback()
            else:
                _TLS.task = task
                try:
                    callback()
                finally:
                    _TLS.task = outer_task
    finally:
        if hold:
            state.mode = outer
            _TLS.task = outer_task
        if HOOK_STACK != hooks_before:
            HOOK_STACK[:] = hooks_before


def _walk(ready: list, arrival: Iterator[int], buffers: dict, deps: dict, capture: dict,
          inputs: Any, captured: Any, accumulate: bool, retain_graph: bool, create_graph: bool,
          events: bool, hold: bool, task: GraphTask, hooks_only: Node | None = None) -> Iterator[Event]:
    """The main loop of ``run_backward``: run each ready node, pass its grads on
    (``hooks_only``: a node that only runs its tensors' hooks)."""
    state = STATE
    tls = _TLS
    run_mode = 0 if create_graph else 1                # grad mode of rules and hooks
    heappop, heappush, acc_cls = heapq.heappop, heapq.heappush, AccumulateGrad
    free = not retain_graph

    def call(fn: Callable, *args: Any) -> Any:
        """Run a hook in the backward's grad mode (held already when ``hold``)."""
        if hold:
            return fn(*args)
        prev, prev_task = state.mode, getattr(tls, "task", None)
        state.mode = (prev & 2) | run_mode
        tls.task = task
        try:
            return fn(*args)
        finally:
            state.mode = prev
            tls.task = prev_task

    while ready:
        node = heappop(ready)[2]
        grads = buffers.pop(node)
        if events:
            yield NodeStarted(node, tuple(grads))
        # PyTorch's order: the tensor's hooks (register_hook; on a leaf they belong to the
        # tensor, not to its AccumulateGrad), retain_grad, capture for inputs=, then the
        # node's own pre-hooks, its rule, its post-hooks
        x = node._x                                   # hooks live here (None: no hooks)
        is_acc = node.__class__ is acc_cls
        if is_acc and node.variable._hooks:
            g = grads[0]
            for hook in list(node.variable._hooks.values()):
                g = checked(hook, g, call(hook, g))
            grads[0] = g
        before = None
        if x is not None and (x.tensor_prehooks or x.retain_prehooks):
            # autograd.grad captures the gradient of a node that goes on running (it leads to
            # another input) before the node's tensor hooks, which then run with the node;
            # a node that stops there has its hooks run first (PyTorch's evaluate_function)
            if capture and not accumulate and not is_acc and node in capture and any(
                    n is not None and n in deps for n, _ in node.next_functions):
                before = list(grads)
            call(_run_tensor_prehooks, x, grads)

        stop_here = node is hooks_only
        if capture and node in capture:
            seen = grads if before is None else before
            for nr, i in capture[node]:
                g = seen[0 if nr is None else nr]
                if accumulate:          # a non-leaf input retains its grad (make_seeds asked it
                    t = inputs[i]       # to), so its hook above filled .grad already
                    if nr is not None and events and not isinstance(t, GradientEdge):
                        yield GradAccumulated(node, t, g)
                else:
                    captured[i] = _add(captured[i], g)
                    if nr is None and events:
                        yield GradAccumulated(node, inputs[i], g)
            # autograd.grad: a captured node runs only if it leads on to another input (a
            # leaf's accumulator never: gradients go to the result, not to .grad)
            stop_here = not accumulate and (is_acc or not any(
                n is not None and n in deps for n, _ in node.next_functions))

        if x is not None and x.prehooks and not stop_here:
            for hook in list(x.prehooks.values()):
                out = call(hook, tuple(grads))
                if out is not None:
                    grads = list(checked_all(hook, tuple(grads), out))

        nexts = node.next_functions
        if stop_here or (grads[0] is None if len(grads) == 1 else all(g is None for g in grads)) \
                and not node.runs_without_grad:      # (a NotImplemented node raises even then)
            if not stop_here and node._saved:        # PyTorch's node unpacks what it saved even
                node.check_saved()                    # then: a freed or changed buffer still fails
            out_grads: tuple = (None,) * len(nexts)
        else:
            if is_acc and node.variable._gfn is not None:   # x.add_(y) made the leaf x a non-leaf
                raise RuntimeError("leaf variable has been moved into the graph interior")
            if not hold:
                prev, prev_task = state.mode, getattr(tls, "task", None)
                state.mode = (prev & 2) | run_mode
                tls.task = task
            first = is_acc and node.variable._grad is None
            task.node = node
            try:
                if is_acc and run_mode and _sole_owner(grads):
                    out_grads = node.take(grads[0])
                else:
                    out_grads = node.apply(*grads)
            except Exception as exc:
                _annotate(node, exc)
                raise
            finally:
                task.node = None
                if not hold:
                    state.mode = prev
                    tls.task = prev_task
            if ANOMALY[0] and ANOMALY[1]:
                _check_nan(node, out_grads)
            if is_acc and events:
                yield GradAccumulated(node, node.variable, grads[0])
            if len(out_grads) != len(nexts):
                raise RuntimeError(
                    f"function {node.name()} returned an incorrect number of gradients "
                    f"(expected {len(nexts)}, got {len(out_grads)})")
            if x is not None and x.hooks:
                if first and node.variable._grad is not None:
                    grads = [node.variable._grad]     # the new .grad is that gradient (stolen)
                for hook in list(x.hooks.values()):
                    res = call(hook, out_grads, tuple(grads))
                    if res is not None:
                        out_grads = checked_all(hook, out_grads, res)

        if free and not stop_here and (node._saved or node.releasable):   # (only what ran)
            if events:
                nbytes = sum(s.nbytes for s in node._saved if s is not None and not s.freed)
                node.release()
                yield BuffersFreed(node, nbytes)
            else:
                node.release()
        if events:
            yield NodeFinished(node, out_grads)

        # Each gradient is handed on and let go (PyTorch moves it into the next buffer), so
        # a buffer that alone holds its gradient can add the next one in place (_add_into).
        grads = None
        outs = list(out_grads)
        out_grads = None
        for i, (nxt, nr) in enumerate(nexts):
            g = outs[i]
            outs[i] = None
            if nxt is None:
                continue
            if g is not None and g._data.dtype.kind != "f":
                raise RuntimeError(_INTEGER_GRAD)
            left = deps.get(nxt)
            if left is None:                          # pruned: leads to no input
                continue
            buf = buffers.get(nxt)
            if buf is None:
                buf = buffers[nxt] = [None] * nxt.num_outputs
            if g is not None:
                if buf[nr] is None:
                    buf[nr] = g
                else:
                    _add_into(buf, nr, g, run_mode)
            left -= 1
            deps[nxt] = left
            if not left:
                heappush(ready, (priority(nxt), next(arrival), nxt))
        g = None                     # hold no gradient between nodes (see _sole_owner)


def _annotate(node: Node, exc: Exception) -> None:
    """With anomaly mode on, point at the forward line that created the failing node (and,
    for a node made by another node's backward, at that node's forward line too)."""
    if not ANOMALY[0]:
        return
    import warnings
    first, n = True, node
    while n is not None:
        trace = None if n._x is None else n._x.trace
        if first:
            msg = f"Error detected in {n.name()}. " + (
                f"Traceback of forward call that caused the error:\n{trace}" if trace else
                "No forward pass information available. Enable detect anomaly during forward pass "
                "for more information.")
        else:
            msg = (f"\n\nPrevious calculation was induced by {n.name()}. Traceback of forward call "
                   f"that induced the previous calculation:\n{trace}")
        try:
            warnings.warn(msg, UserWarning, stacklevel=3)
        except Warning as w:              # warnings turned into errors: the error stays the
            print(w, file=sys.stderr)     # backward's own, the warning goes to stderr
        if trace:
            try:
                exc.add_note(f"(anomaly mode) {n.name()} was created here:\n{trace}")
            except AttributeError:
                pass
        first, n = False, (None if n._x is None else n._x.parent)


def _check_nan(node: Node, out_grads: tuple) -> None:
    """Anomaly mode's NaN check on the gradients a node just produced."""
    import numpy as np
    for i, g in enumerate(out_grads):
        if g is not None and g._data.dtype.kind == "f" and bool(np.isnan(g._data).any()):
            exc = RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
            _annotate(node, exc)
            raise exc
