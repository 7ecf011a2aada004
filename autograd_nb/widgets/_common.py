"""Small helpers shared by the dashboards: text for values, HTML bits, grad backups.

Nothing here imports ipywidgets: the dashboards' logic (and these helpers) run in a
plain Python process, which is how the tests drive them.
"""
from __future__ import annotations

import contextlib
import html
import itertools
from typing import Any, Iterable, Iterator, Mapping

import numpy as np

from ..autograd.grad_mode import STATE
from ..viz.summary import bytes_text, value_summary

__all__ = ["summary", "esc", "table", "next_prefix", "keep_caller_mode", "GradBackup",
           "leaves_of", "tensor_names", "graph_nodes", "explained", "widgets_available", "bundle",
           "bytes_text", "STYLE", "BOX", "Dashboard"]

# Per-process counters give every dashboard its own, deterministic SVG id prefix
# (the same notebook run twice gives the same prefixes, so saved outputs stay stable).
_counters: dict[str, Iterator[int]] = {}


def next_prefix(kind: str) -> str:
    """``'agst1-'``, ``'agst2-'``, ...: a fresh id prefix for one drawing."""
    it = _counters.setdefault(kind, itertools.count(1))
    return f"{kind}{next(it)}-"


def summary(value: Any) -> str:
    """One short line for a tensor, an array, a number or None."""
    if value is None:
        return "None"
    data = getattr(value, "_data", value)
    return value_summary(data)


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


BOX = "line-height:1.45;font-size:13px"     # JupyterLab gives widget HTML a 28px line height

STYLE = ("font-family:DejaVu Sans Mono,Menlo,Consolas,monospace;font-size:12px;"
         "border-collapse:collapse;margin:2px 0")


def table(head: Iterable[str], rows: Iterable[Iterable[Any]], marks: set | None = None,
          raw: bool = False) -> str:
    """A small HTML table; cells whose (row, col) is in ``marks`` are highlighted.

    ``raw=True``: cells are already HTML (not escaped).
    """
    cell = "border:1px solid #ccc;padding:1px 6px;text-align:left;vertical-align:top"
    out = [f'<table style="{STYLE}"><tr>']
    out += [f'<th style="{cell};background:#f4f4f4">{esc(h)}</th>' for h in head]
    out.append("</tr>")
    for r, row in enumerate(rows):
        out.append("<tr>")
        for c, v in enumerate(row):
            text = str(v) if raw else esc(v)
            style = cell + (";background:#fff3b0" if marks and (r, c) in marks else "")
            out.append(f'<td style="{style}">{text}</td>')
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


@contextlib.contextmanager
def keep_caller_mode() -> Iterator[None]:
    """Whatever runs inside, the grad mode and inference mode are put back afterwards.

    The dashboards wrap every step in this, so no mode is ever held across a pause.
    """
    before = (STATE.grad_enabled, STATE.inference)
    try:
        yield
    finally:
        STATE.grad_enabled, STATE.inference = before


def graph_nodes(roots: Iterable[Any]) -> list[Any]:
    """Every backward node reachable from ``roots`` (tensors or nodes), iteratively."""
    stack = []
    for r in roots:
        fn = getattr(r, "grad_fn", None) if hasattr(r, "_data") else r
        if fn is not None:
            stack.append(fn)
    seen: set[int] = {id(n) for n in stack}
    out = []
    while stack:
        fn = stack.pop()
        out.append(fn)
        for nxt, _ in fn.next_functions:
            if nxt is not None and id(nxt) not in seen:
                seen.add(id(nxt))
                stack.append(nxt)
    return out


def tensor_names(namespace: Mapping[str, Any]) -> dict[int, str]:
    """id(tensor) -> its variable name; a module's parameters as ``model.0.weight``."""
    out: dict[int, str] = {}
    for k, v in namespace.items():
        if not isinstance(k, str) or k.startswith("_"):
            continue
        if hasattr(v, "_data"):
            out.setdefault(id(v), k)
        elif callable(getattr(type(v), "named_parameters", None)):
            for pname, p in v.named_parameters():
                out.setdefault(id(p), f"{k}.{pname}")
    return out


def leaves_of(roots: Iterable[Any]) -> list[Any]:
    """The leaf tensors whose ``.grad`` a backward from ``roots`` would fill."""
    return [n.variable for n in graph_nodes(roots) if hasattr(type(n), "variable")]


class GradBackup:
    """Remember some tensors' ``.grad`` and put exactly that back later.

    A gradient that existed is restored *in place* when the tensor still holds the same
    gradient object (so a reference a learner kept sees the old numbers again).
    """

    def __init__(self, tensors: Iterable[Any]) -> None:
        self.saved: list[tuple[Any, Any, np.ndarray | None]] = []
        for t in tensors:
            g = t._grad
            self.saved.append((t, g, None if g is None else np.array(g._data, copy=True)))

    def restore(self) -> None:
        from .._tensor import Tensor
        for t, g, data in self.saved:
            if g is None:
                t._grad = None
            elif t._grad is g and g._data.shape == data.shape:
                g._data[...] = data
                g._vc[0] += 1
            else:
                t._grad = Tensor._wrap(data.copy())


def explained(exc: BaseException, names: Mapping[str, Any] | None = None) -> dict:
    """The error's first line and, when the catalog knows it, its explanation."""
    from ..notebook.explain import error_line, explain
    exp = explain(exc, names)
    return {"error": error_line(exc), "explanation": exp}


def error_html(info: dict) -> str:
    """An error (and its explanation) as HTML."""
    out = (f'<div style="color:#b71c1c;font-family:monospace;white-space:pre-wrap">'
           f"{esc(info['error'])}</div>")
    exp = info.get("explanation")
    if exp is not None:
        out += exp._repr_html_()
    return out


def widgets_available() -> bool:
    """True when ipywidgets 8 can be imported (the interactive dashboards need it)."""
    try:
        import ipywidgets
    except Exception:                                   # pragma: no cover - env without it
        return False
    return int(ipywidgets.__version__.split(".")[0]) >= 8


def bundle(widget: Any, static_html: str, text: str) -> dict:
    """A mimebundle: the live widget (when there is one), static HTML and plain text.

    The HTML is what a saved notebook shows on GitHub or nbviewer and what nbval
    compares; it must be deterministic (no addresses, no timings).
    """
    data = {"text/plain": text, "text/html": static_html}
    if widget is not None:
        live = widget._repr_mimebundle_()
        if isinstance(live, tuple):                     # (data, metadata)
            live = live[0]
        if live:
            for k, v in live.items():
                if k not in ("text/plain", "text/html"):
                    data[k] = v
    return data


class Dashboard:
    """Mixin for the labs: in a notebook, the live widget plus a static copy.

    Subclasses name their view (``_view_name``: a class in ``labviews``) and provide
    ``static_html()`` and a deterministic ``__repr__``.
    """

    _view_name = ""

    def view(self) -> Any:
        """The ipywidgets dashboard, made on first use (None without ipywidgets)."""
        if not widgets_available():
            return None
        view = getattr(self, "_view", None)
        if view is None:
            from . import labviews
            view = self._view = getattr(labviews, self._view_name)(self)
        return view

    def static_html(self) -> str:                       # pragma: no cover - abstract
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        view = self.view()
        return bundle(view.widget if view is not None else None, self.static_html(), repr(self))
