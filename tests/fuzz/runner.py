"""Run a program under torch and autograd_nb side by side; compare after every statement.

After each statement every variable is compared: its value (NaN-aware, with a tolerance
per dtype), dtype, shape, ``requires_grad``, ``is_leaf``, ``grad_fn`` name, inference
flag, ``.grad`` (where torch lets one read it), and the statement's exception (type and
first line of message).

What is *not* counted, because torch itself gives no promise there:

* ties: which index ``sort``/``topk``/``argmax``/``max(dim)``/``median``/``kthvalue``
  return among equal values (or NaNs), and so every gradient that flows back through
  such a result; likewise the gradient of ``hardtanh``/``relu6`` at NaN, which torch
  computes differently in its vector blocks and in their scalar tail;
* amplified rounding: a statement whose inputs already differ in the last bits (numpy's
  ``exp`` is not torch's) may legitimately give different results (``floor``, ``//``,
  comparisons, kinks of ``relu``...). Such a mismatch is only excused when torch, run
  on *our* inputs, gives *our* result (or, where a statement cannot be re-run alone,
  such as a backward, when its inputs were inexact);
* the last float32 bit of transcendental functions (exp, log, sigmoid...), which torch takes
  from vector libraries (SLEEF, MKL) and we from numpy: a float64 result computed from float32
  data is held to float32's tolerance; and the sign of a zero where torch's scalar and vector
  paths differ (``maximum(0.0, -0.0)`` keeps the first in the scalar path, the second in a
  vector): a result that differs only so is inexact, and what follows is judged as above;
* rounding noise of a backward: a gradient within a few ulps of the largest gradient the
  backward carried (seen in torch by node hooks) is below the rounding of the arithmetic
  that made it -- gradients of 1e8 that cancel to 1e-9 (kl_div of a distribution with
  itself, then a cosine_similarity whose clamped norm multiplies by 1e8) keep only the
  last bits of PyTorch's compiled kernels (fused multiply-adds, vector sums);
* anything computed from a variable already excused ("tainted").

A mismatch that is counted ends the program (what follows would be its echo).
"""
from __future__ import annotations

import math
import random
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

import autograd_nb

from .known import Known, classify
from .program import RANDOM, TIES, Draw, Stmt

_VAR = re.compile(r"\bv\d+\b")
# ops whose gradient at NaN depends on torch's SIMD path (hardtanh's backward: 0 inside full
# vector blocks, the upstream gradient in the scalar tail), so on the machine's vector width
_SIMD_NAN = re.compile(r"hardtanh|relu6")
RTOL = {"torch.float32": 1e-4, "torch.float64": 1e-9, "torch.float16": 1e-2}
ATOL = {"torch.float32": 1e-5, "torch.float64": 1e-12, "torch.float16": 1e-3}


def fresh(lib: Any) -> dict[str, Any]:
    return {"T": lib, "F": lib.nn.functional, "nan": math.nan, "inf": math.inf,
            "__builtins__": __builtins__}


def variables(ns: dict[str, Any]) -> list[str]:
    return sorted((k for k in ns if _VAR.fullmatch(k)), key=lambda k: int(k[1:]))


def parse(src: str, label: str = "?") -> Stmt:
    """A ``Stmt`` from one line of source (for replayed scripts)."""
    body = src.split(": ", 1)[1] if src.startswith("with ") else src
    m = re.match(r"\s*((?:v\d+\s*,\s*)*v\d+\s*,?)\s*=[^=]", body)
    defs = tuple(_VAR.findall(m.group(1))) if m else ()
    rest = body[m.end() - 1:] if m else body
    uses = tuple(dict.fromkeys(_VAR.findall(rest)))
    kind = "backward" if ("backward(" in src or "autograd.grad" in src or ".grad" in src) else \
        ("op" if defs else "inplace")
    return Stmt(src, label, uses, defs, kind)


# ---------------------------------------------------------------------------
# observing and comparing
# ---------------------------------------------------------------------------

def _is_tensor(v: Any) -> bool:
    return isinstance(v, (torch.Tensor, autograd_nb.Tensor))


def _values(v: Any) -> np.ndarray:
    """A copy of the tensor's numbers (a torch ZeroTensor, which some of torch's backward
    formulas hand out for a zero gradient, refuses ``numpy()``: its zeros)."""
    t = v.detach().cpu()
    if isinstance(t, torch.Tensor) and t._is_zerotensor():
        return np.zeros(tuple(t.shape), dtype=str(t.dtype).replace("torch.", ""))
    return np.array(t.numpy(), copy=True)


def look(v: Any, depth: int = 0) -> Any:
    """A plain description of ``v`` (a tensor as a dict of its visible state)."""
    if _is_tensor(v):
        d: dict[str, Any] = {
            "shape": tuple(v.shape), "dtype": str(v.dtype), "requires_grad": v.requires_grad,
            "is_leaf": _attr(v, "is_leaf"), "inference": v.is_inference(),
            "grad_fn": _attr(v, "grad_fn"),
            "value": _values(v)}
        if not isinstance(d["grad_fn"], str) and d["grad_fn"] is not None:
            d["grad_fn"] = type(d["grad_fn"]).__name__
        if depth == 0 and d["is_leaf"] is True or v.retains_grad:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                g = v.grad
            d["grad"] = None if g is None else look(g, 1)
        return ("tensor", d)
    if isinstance(v, (tuple, list)) and not hasattr(v, "_fields") or type(v).__name__ == "Size":
        return (type(v).__name__ if type(v).__name__ != "Size" else "Size", tuple(look(x, depth) for x in v))
    if hasattr(v, "_fields"):                         # (values, indices) named tuples
        return ("namedtuple", tuple(look(x, depth) for x in v))
    if isinstance(v, (bool, int, float, str, type(None))):
        return (type(v).__name__, v)
    if "dtype" in type(v).__name__:
        return ("dtype", str(v))
    return ("object", None)                           # hook handles, ...


def _attr(v: Any, name: str) -> Any:
    """An attribute, or the error reading it raised (views changed in place may refuse)."""
    try:
        return getattr(v, name)
    except Exception as e:                           # noqa: BLE001 - compared across libraries
        return error_line(e)


# the precision a statement's float results can be held to: a float64 result computed from
# float32 data went through float32 exp/log/sigmoid on the way, whose last bit numpy and
# torch's vector libraries (SLEEF, MKL) do not share, so it is compared as float32 (set per
# statement by Pair.step)
_FLOOR: list[str | None] = [None]


def _values_differ(a: np.ndarray, b: np.ndarray, dtype: str) -> str | None:
    if a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}"
    if a.dtype.kind in "fc":
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        if np.array_equal(a64, b64, equal_nan=True):
            return None
        floor = _FLOOR[0]
        rtol, atol = RTOL.get(dtype, 1e-4), ATOL.get(dtype, 1e-5)
        if floor is not None:
            rtol, atol = max(rtol, RTOL[floor]), max(atol, ATOL[floor])
        if not np.allclose(a64, b64, rtol=rtol, atol=atol, equal_nan=True):
            return f"{a.tolist()} vs {b.tolist()}"
        return None
    if not np.array_equal(a, b):
        return f"{a.tolist()} vs {b.tolist()}"
    return None


def differences(t: Any, o: Any, where: str) -> list[tuple[str, str]]:
    """``[(kind, detail), ...]`` between torch's description ``t`` and ours ``o``."""
    if t[0] != o[0] and not {t[0], o[0]} <= {"tuple", "list", "namedtuple", "Size"}:
        return [("type", f"{where}: {t[0]} vs {o[0]}")]
    if t[0] == "tensor":
        out = []
        a, b = t[1], o[1]
        for k in ("shape", "dtype", "requires_grad", "is_leaf", "grad_fn", "inference"):
            if a[k] != b[k]:
                out.append((k, f"{where}: {a[k]} vs {b[k]}"))
        if a["shape"] == b["shape"]:
            d = _values_differ(a["value"], b["value"], a["dtype"])
            if d:
                out.append(("value", f"{where}: {d}"))
        if "grad" in a or "grad" in b:
            ga, gb = a.get("grad"), b.get("grad")
            if (ga is None) != (gb is None):
                out.append(("grad", f"{where}.grad: {'None' if ga is None else 'tensor'} vs "
                                    f"{'None' if gb is None else 'tensor'}"))
            elif ga is not None:
                out += [("grad." + k, d) for k, d in differences(ga, gb, where + ".grad")]
        return out
    if t[0] in ("tuple", "list", "namedtuple", "Size"):
        if len(t[1]) != len(o[1]):
            return [("len", f"{where}: {len(t[1])} vs {len(o[1])}")]
        out = []
        for i, (x, y) in enumerate(zip(t[1], o[1])):
            out += differences(x, y, f"{where}[{i}]")
        return out
    if t[0] == "float":
        if not (t[1] == o[1] or (math.isnan(t[1]) and math.isnan(o[1]))
                or math.isclose(t[1], o[1], rel_tol=1e-5, abs_tol=1e-7)):
            return [("value", f"{where}: {t[1]} vs {o[1]}")]
        return []
    if t != o:
        return [("value", f"{where}: {t[1]!r} vs {o[1]!r}")]
    return []


def bit_equal(t: Any, o: Any) -> bool:
    """Identical down to the last bit (values and grads)."""
    if t[0] == "tensor" and o[0] == "tensor":
        a, b = t[1], o[1]
        if a["value"].shape != b["value"].shape or a["value"].dtype != b["value"].dtype:
            return False
        if not np.array_equal(a["value"], b["value"], equal_nan=a["value"].dtype.kind in "fc"):
            return False
        if a["value"].dtype.kind == "f" and not np.array_equal(np.signbit(a["value"]), np.signbit(b["value"])):
            return False              # (0.0 and -0.0: which one min/max keep is torch's SIMD choice)
        ga, gb = a.get("grad"), b.get("grad")
        if ga is not None and gb is not None:
            return bit_equal(ga, gb)
        return True
    if t[0] in ("tuple", "list", "namedtuple") and t[0] == o[0] and len(t[1]) == len(o[1]):
        return all(bit_equal(x, y) for x, y in zip(t[1], o[1]))
    return t == o


def error_line(e: BaseException | None) -> str | None:
    if e is None:
        return None
    msg = str(e).strip()
    return f"{type(e).__name__}: {msg.splitlines()[0] if msg else ''}"


def execute(src: str, ns: dict[str, Any]) -> BaseException | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(src, ns)
        except Exception as e:                       # noqa: BLE001 - compared across libraries
            return e
    return None


# ---------------------------------------------------------------------------
# one run
# ---------------------------------------------------------------------------

@dataclass
class Mismatch:
    index: int            # the statement after which it shows
    label: str
    kind: str
    detail: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.label, self.kind)

    @property
    def known(self) -> Known | None:
        """The documented, still-open cause this mismatch comes from (known.py), if any."""
        return classify(self.kind, self.detail, self.label)


@dataclass
class Run:
    stmts: list[Stmt] = field(default_factory=list)
    mismatch: Mismatch | None = None
    excused: int = 0          # mismatches not counted (ties, amplified rounding)
    draw_errors: int = 0      # statements the generator failed to draw (a fuzzer bug)


# a backward's gradient that differs from torch's by at most this many ulps of the largest
# gradient the backward carried is rounding noise (``Pair._rounding_noise``)
_NOISE_ULPS = 64


class _FlowWatch:
    """The largest finite gradient magnitude torch's backward carries through the graphs of
    ``roots`` (every node's gradient inputs and outputs, seen by node hooks, removed when
    the statement is done): the scale of the backward's rounding."""

    def __init__(self, roots: Any) -> None:
        self.flow = 0.0
        self.handles: list[Any] = []
        seen: set[int] = set()
        todo = [_grad_fn(r) for r in roots if isinstance(r, torch.Tensor)]
        while todo and len(seen) < 2000:
            node = todo.pop()
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            try:
                self.handles.append(node.register_hook(self._hook))
            except Exception:                        # noqa: BLE001 - a node that takes no hook
                pass
            todo.extend(n for n, _ in node.next_functions)

    def _hook(self, grad_inputs: Any, grad_outputs: Any) -> None:
        for g in (*grad_inputs, *grad_outputs):
            if isinstance(g, torch.Tensor) and g.is_floating_point() and g.numel():
                a = g.detach().abs()
                a = a[torch.isfinite(a)]
                if a.numel():
                    self.flow = max(self.flow, float(a.max()))

    def close(self) -> float:
        for h in self.handles:
            h.remove()
        self.handles = []
        return self.flow


def _grad_fn(t: torch.Tensor) -> Any:
    """``t.grad_fn``, or None where reading it raises (a view that may no longer be used:
    the statement itself will meet that error)."""
    try:
        return t.grad_fn
    except Exception:                                # noqa: BLE001 - any refusal
        return None


def _value_pairs(t: Any, o: Any, grads: bool) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """torch's and our arrays of a variable (its ``.grad`` with ``grads``), paired."""
    ts, os_ = (list(x) if isinstance(x, (tuple, list)) else [x] for x in (t, o))
    if len(ts) != len(os_):
        return None
    out = []
    for a, b in zip(ts, os_):
        if grads:
            a, b = getattr(a, "grad", None), getattr(b, "grad", None)
        if a is None and b is None:
            continue
        if not (isinstance(a, torch.Tensor) and _is_tensor(b)):
            return None
        out.append((a.detach().numpy(), np.asarray(b.detach().cpu().numpy())))
    return out


class Pair:
    """The two namespaces of a program and what is known about their variables."""

    def __init__(self) -> None:
        torch.manual_seed(0)                          # random ops draw the same numbers
        autograd_nb.manual_seed(0)
        self.t = fresh(torch)
        self.o = fresh(autograd_nb)
        self.tainted: set[str] = set()
        self.inexact: set[str] = set()
        self.coarse: set[str] = set()      # variables computed from float32 data (see _FLOOR)
        self.flow = 0.0                    # the largest gradient the last backward carried (torch)

    def step(self, st: Stmt, i: int) -> tuple[Mismatch | None, int]:
        watch = _FlowWatch(self.t[u] for u in st.uses if u in self.t) if st.kind == "backward" else None
        try:
            et = execute(st.src, self.t)
        finally:
            self.flow = watch.close() if watch is not None else 0.0
        eo = execute(st.src, self.o)
        reads_taint = bool(set(st.uses) & self.tainted)
        floor = self._floor(st)
        ties = any(tok in st.src for tok in TIES) and self._has_ties(st) or \
            _SIMD_NAN.search(st.src) is not None and self._has_nan(st)
        found: list[tuple[str, str, str]] = []       # (var, kind, detail)
        lt, lo = error_line(et), error_line(eo)
        if lt != lo:
            if lt is None:
                found.append(("", "error", f"ours raised {lo}"))
            elif lo is None:
                found.append(("", "no-error", f"torch raised {lt}"))
            elif lt.split(":")[0] != lo.split(":")[0]:
                found.append(("", "error-type", f"{lt} vs {lo}"))
            else:
                found.append(("", "error-message", f"{lt} vs {lo}"))
        if floor is not None:
            self._mark_coarse(st)
        for name in sorted(set(variables(self.t)) | set(variables(self.o)), key=lambda k: int(k[1:])):
            if name in self.tainted:
                continue
            _FLOOR[0] = "torch.float32" if name in self.coarse else None
            if (name in self.t) != (name in self.o):
                found.append((name, "defined", f"{name} defined only under "
                                               f"{'torch' if name in self.t else 'autograd_nb'}"))
                continue
            a, b = look(self.t[name]), look(self.o[name])
            for kind, detail in differences(a, b, name):
                found.append((name, kind, detail))
            if name in st.defs and set(st.uses) & self.inexact or not bit_equal(a, b):
                self.inexact.add(name)
        if ties or reads_taint:
            # (what is computed from a tainted variable is tainted too, even where it agrees)
            # which of the equal values torch picks is its own choice: the values agree, but
            # the graph behind them (the index a backward scatters to) need not
            self.tainted.update(st.defs)
        _FLOOR[0] = floor
        if not found:
            return None, 0
        counted = [f for f in found if not self.excused(st, f, reads_taint)]
        if st.kind == "backward" and counted and all(self._rounding_noise(*f) for f in counted):
            counted = []                             # (all of them: the values of a backward)
        if not found[0][0] and found[0] not in counted:
            # one side raised and that is excused (inexact inputs): what the statement left
            # behind on the other side (a .grad filled, a variable defined) is its echo
            counted = []
        for name, _, _ in found:
            if name:
                self.tainted.add(name)
        for name in st.defs:                         # an error excused: its names unknown
            if not counted and (name not in self.t or name not in self.o):
                self.tainted.add(name)
        if not counted:
            return None, len(found)
        name, kind, detail = counted[0]
        return Mismatch(i, st.label, kind, detail), len(found) - len(counted)

    def excused(self, st: Stmt, f: tuple[str, str, str], reads_taint: bool) -> bool:
        name, kind, detail = f
        if reads_taint:
            return True
        if any(tok in st.src for tok in TIES) and self._has_ties(st):
            return True
        if kind in ("value", "grad.value", "no-error", "error", "error-message") and \
                set(st.uses) & self.inexact:
            if st.kind != "op":
                return True
            return self._replays_ours(st)
        return False

    def _rounding_noise(self, name: str, kind: str, detail: str) -> bool:
        """Is the gradient value that differs (``kind`` value or grad.value) rounding noise:
        within a few ulps of the largest gradient the backward carried (``self.flow``)? A
        backward whose gradients nearly cancel (log_softmax's at a distribution's own
        optimum, through a node whose gradient is 1e8) leaves a result below the rounding of
        its arithmetic, which PyTorch's compiled kernels round otherwise (fused
        multiply-adds, vector sums); its last bits are no op's formula."""
        if kind not in ("value", "grad.value") or not self.flow:
            return False
        pairs = _value_pairs(self.t.get(name), self.o.get(name), kind == "grad.value")
        if not pairs:
            return False
        for a, b in pairs:
            if a.shape != b.shape or a.dtype.kind != "f":
                return False
            fin = np.isfinite(a) & np.isfinite(b)
            if not np.array_equal(np.isnan(a), np.isnan(b)) or not np.array_equal(a[~fin], b[~fin]):
                return False
            if np.abs(a[fin] - b[fin]).max(initial=0.0) > _NOISE_ULPS * np.finfo(a.dtype).eps * self.flow:
                return False
        return True

    def _floor(self, st: Stmt) -> str | None:
        """float32 when the statement reads float32 (or float16) data, or a variable computed
        from such data, or, for a backward, when some float32 tensor that requires grad may
        lie in the graph it runs."""
        names = st.uses if st.kind != "backward" else variables(self.t)
        low = "torch.float32" if set(st.uses) & self.coarse else None
        for n in names:
            v = self.t.get(n)
            if isinstance(v, torch.Tensor) and v.dtype in (torch.float32, torch.float16) and \
                    (st.kind != "backward" or n in st.uses or v.requires_grad):
                low = "torch.float16" if v.dtype == torch.float16 else (low or "torch.float32")
        return low

    def _mark_coarse(self, st: Stmt) -> None:
        """The variables a statement that read float32 data defined or changed: its results,
        and for an in-place op every tensor sharing the changed memory (views), for a
        backward every variable (their gradients)."""
        names = set(st.defs)
        if st.kind == "backward":
            names.update(variables(self.t))
        elif st.kind == "inplace":
            ptrs = {v.untyped_storage().data_ptr() for v in (self.t.get(u) for u in st.uses)
                    if isinstance(v, torch.Tensor)}
            names.update(n for n in variables(self.t) if isinstance(self.t[n], torch.Tensor)
                         and self.t[n].untyped_storage().data_ptr() in ptrs)
        self.coarse.update(names)

    def _has_nan(self, st: Stmt) -> bool:
        return any(isinstance(v, torch.Tensor) and v.is_floating_point() and bool(v.detach().isnan().any())
                   for v in (self.t.get(u) for u in st.uses))

    def _has_ties(self, st: Stmt) -> bool:
        for u in st.uses:
            v = self.t.get(u)
            if isinstance(v, torch.Tensor) and v.numel() > 1:
                flat = v.detach().reshape(-1).double()
                if flat.isnan().any() or flat.unique().numel() < flat.numel():
                    return True
        return False

    def _replays_ours(self, st: Stmt) -> bool:
        """Does torch, given our (slightly different) inputs, compute what we computed?
        (Not asked of a random op: running it again would move both random streams.)"""
        if any(tok in st.src for tok in RANDOM):
            return False
        ns = fresh(torch)
        for u in st.uses:
            v = self.o.get(u)
            if not _is_tensor(v):
                return False
            t = torch.tensor(np.array(v.detach().cpu().numpy()), dtype=getattr(torch, str(v.dtype)[6:]))
            if v.requires_grad and t.is_floating_point():
                t.requires_grad_()
            ns[u] = t
        e = execute(st.src, ns)
        if e is not None:
            return error_line(e) == error_line(execute(st.src, _copy_ns(self.o, st)))
        for d in st.defs:
            if d not in self.o or d not in ns:
                return False
            if any(k == "value" for k, _ in differences(look(ns[d]), look(self.o[d]), d)):
                return False
        return True


def _copy_ns(ns: dict[str, Any], st: Stmt) -> dict[str, Any]:
    out = fresh(autograd_nb)
    for u in st.uses:
        v = ns.get(u)
        out[u] = v.detach().clone() if _is_tensor(v) else v
    return out


def run(stmts: list[Stmt]) -> Run:
    """Run a given program; stop at the first counted mismatch."""
    pair, out = Pair(), Run(list(stmts))
    for i, st in enumerate(stmts):
        m, excused = pair.step(st, i)
        out.excused += excused
        if m is not None:
            out.mismatch = m
            out.stmts = out.stmts[: i + 1]
            break
    return out


def generate(seed: int, index: int, length: int = 14) -> Run:
    """Draw and run program ``index`` of ``seed`` (drawing looks at torch's results)."""
    rng = random.Random(seed * 1_000_003 + index)
    pair, out = Pair(), Run()
    draw = Draw(rng, pair.t, [0])
    tries = 0
    while len(out.stmts) < length and tries < 4 * length:
        tries += 1
        try:
            st = draw.statement()
        except Exception:                            # noqa: BLE001 - counted, reported by the CLI/CI
            out.draw_errors += 1
            continue
        if st is None:
            continue
        out.stmts.append(st)
        m, excused = pair.step(st, len(out.stmts) - 1)
        out.excused += excused
        if m is not None:
            out.mismatch = m
            break
    return out


# ---------------------------------------------------------------------------
# shrinking and printing
# ---------------------------------------------------------------------------

def shrink(stmts: list[Stmt], key: tuple[str, str]) -> list[Stmt]:
    """Drop statements while the same (label, kind) mismatch still shows."""
    cur = list(stmts)
    changed = True
    while changed:
        changed = False
        for i in range(len(cur) - 2, -1, -1):
            if i >= len(cur) - 1:
                continue
            trial = cur[:i] + cur[i + 1:]
            r = run(trial)
            if r.mismatch is not None and r.mismatch.key == key:
                cur = r.stmts
                changed = True
    return cur


def script(stmts: list[Stmt], m: Mismatch | None, title: str = "") -> str:
    """A replayable script: ``python FILE torch`` / ``python FILE`` (autograd_nb), or
    ``python -m tests.fuzz --replay FILE`` to compare the two statement by statement."""
    head = [f"# {title}" if title else "# autograd_nb fuzz program"]
    if m is not None:
        head.append(f"# mismatch after statement {m.index + 1}: {m.kind} ({m.label})")
        head.append(f"#   torch vs autograd_nb: {m.detail}")
    head += ["import sys", "if sys.argv[1:2] == ['torch']:", "    import torch as T", "else:",
             "    import autograd_nb as T", "F = T.nn.functional", "nan, inf = float('nan'), float('inf')",
             "T.manual_seed(0)", "# --- program ---"]
    body = [s.src for s in stmts]
    tail = ["# --- end ---"]
    shown = [n for n in (stmts[-1].defs or stmts[-1].uses)] if stmts else []
    for n in shown:
        tail.append(f"print({n!r}, {n}, getattr({n}, 'grad', None) if getattr({n}, 'is_leaf', False) else '')")
    return "\n".join(head + body + tail) + "\n"


def read_script(text: str) -> list[Stmt]:
    lines = text.splitlines()
    try:
        a, b = lines.index("# --- program ---"), lines.index("# --- end ---")
        lines = lines[a + 1:b]
    except ValueError:
        pass
    return [parse(l) for l in lines if l.strip() and not l.startswith("#")]
