"""Plain-language explanations of autograd's errors.

PyTorch's error messages are precise but terse. When a cell fails, the notebook layer
keeps the original exception (same type, same words as PyTorch) and shows, under it,
an :class:`Explanation`: what happened, why autograd refuses, and the usual fixes.

There is one catalog (``catalog.CATALOG``), keyed on the error's message: each entry
matches PyTorch's wording with a regular expression, and the pieces it captures (a
shape, a version number, a node name) are put into the explanation's text. The
widgets use the same catalog through :func:`explain`. When the error comes from
inside backward, the explanation also names the node whose rule failed and, if the
graph was recorded in anomaly mode, the line of code that created that node.

    >>> try:
    ...     y.backward()            # a second time
    ... except RuntimeError as e:
    ...     print(explain(e))
"""
from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass
from typing import Any, Mapping

from .catalog import CATALOG, Entry  # noqa: F401  (re-exported)

__all__ = ["Explanation", "Entry", "CATALOG", "explain", "user_line", "error_line"]


@dataclass(frozen=True)
class Explanation:
    """What a learner reads under a failed cell.

    ``title`` one line; ``what`` happened; ``why`` autograd refuses; ``fixes`` the usual
    ways out; ``error`` the original exception's type and first line; ``node`` the
    backward node that failed (when the error came from inside backward); ``origin``
    the line of code that created that node (recorded in anomaly mode).
    """

    key: str
    title: str
    what: str
    why: str
    fixes: tuple[str, ...]
    error: str
    node: str | None = None
    origin: str | None = None

    def __str__(self) -> str:
        lines = [f"What went wrong: {self.title}", "", f"What happened: {self.what}"]
        if self.node:
            lines.append(f"Where: backward failed in {self.node}.")
        if self.origin:
            lines.append(f"That node was created by: {self.origin}")
        lines += ["", f"Why autograd refuses: {self.why}", "", "Usual fixes:"]
        lines += [f"  - {fix}" for fix in self.fixes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        e = html.escape
        where = ""
        if self.node:
            where += f"<p><b>Where:</b> backward failed in <code>{e(self.node)}</code>.</p>"
        if self.origin:
            where += f"<p><b>That node was created by:</b> <code>{e(self.origin)}</code></p>"
        fixes = "".join(f"<li>{e(f)}</li>" for f in self.fixes)
        return (
            '<div class="agnb-explain" style="border-left:4px solid #d9534f;padding:4px 10px;'
            'margin:4px 0">'
            f"<p><b>What went wrong:</b> {e(self.title)}</p>"
            f"<p><b>What happened:</b> {e(self.what)}</p>{where}"
            f"<p><b>Why autograd refuses:</b> {e(self.why)}</p>"
            f"<p><b>Usual fixes:</b></p><ul>{fixes}</ul></div>")


def _engine_node(exc: BaseException) -> Any:
    """The node whose backward rule was running when ``exc`` was raised, if any."""
    from ..autograd import engine
    tb = exc.__traceback__
    node = None
    while tb is not None:                    # the innermost engine frame with a `node`
        if tb.tb_frame.f_code.co_filename == engine.__file__ and "node" in tb.tb_frame.f_locals:
            node = tb.tb_frame.f_locals["node"]
        tb = tb.tb_next
    return node


_FRAME = re.compile(r'  File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<fn>[^\n]+)\n'
                    r'(?:    (?P<code>[^\n]*)\n)?')


def user_line(trace: str) -> str | None:
    """The innermost line of a formatted stack that is not autograd_nb's own code."""
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found = None
    for m in _FRAME.finditer(trace):
        path = m["file"]
        if os.path.abspath(path).startswith(pkg + os.sep):
            continue
        found = m
    if found is None:
        return None
    code = (found["code"] or "").strip()
    return f"line {found['line']}: {code}" if code else f"line {found['line']} of {found['file']}"


def error_line(exc: BaseException) -> str:
    """``"RuntimeError: <first line of the message>"``."""
    lines = str(exc).splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"


def _label(node: Any, names: Mapping[str, Any] | None) -> str:
    label = type(node).__name__
    if names:
        for name, value in names.items():
            if not name.startswith("_") and getattr(value, "_gfn", None) is node:
                return f"{label} (the node that computed {name})"
    return label


def explain(exc: BaseException, names: Mapping[str, Any] | None = None) -> Explanation | None:
    """The catalog's explanation of ``exc``, or None when it is not an error we know.

    ``names`` (e.g. the notebook's namespace) lets the explanation name the variable
    computed by the failing node.
    """
    for entry in CATALOG:
        m = entry.match(exc)
        if m is None:
            continue
        groups = {k: v for k, v in m.groupdict().items() if v is not None}
        if entry.fill is not None:
            groups = entry.fill(dict(groups))
        fmt = _Fields(groups)
        node = _engine_node(exc)
        origin = None
        node_text = None
        if node is not None:
            node_text = _label(node, names)
            trace = getattr(node, "_trace", None)
            if trace:
                origin = user_line(trace)
        fixes = [f.format_map(fmt) for f in entry.fixes]
        if origin:                                   # anomaly mode already did its job
            fixes = [f for f in fixes if "--anomaly" not in f]
        return Explanation(
            key=entry.key, title=entry.title, what=entry.what.format_map(fmt),
            why=entry.why.format_map(fmt), fixes=tuple(fixes),
            error=error_line(exc), node=node_text, origin=origin)
    return None


class _Fields(dict):
    """format_map helper: a field the message did not provide reads as '?'."""

    def __missing__(self, key: str) -> str:
        return "?"
