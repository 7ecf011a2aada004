"""The panels ``%%autograd`` shows: plain HTML tables (no JavaScript) with a text twin.

Every panel renders the same in JupyterLab, Notebook 7, VS Code, on GitHub and under
nbval, and its output is deterministic: no addresses, timestamps or random ids. Each
also has a plain-text form (its ``repr``), which is what a terminal IPython or the
``text/plain`` part of a stored notebook shows.

* :class:`Table` -- a titled table; cells listed in ``marks`` are highlighted (``<mark>``
  in HTML, ``*`` after the value in text).
* :class:`Section` -- a title, a body of HTML/text (e.g. a graph picture) and a note.
* :class:`Report` -- several panels shown as one output.
"""
from __future__ import annotations

import html
from typing import Any, Iterable, Sequence

__all__ = ["Panel", "Table", "Section", "Report"]

_esc = html.escape


class Panel:
    """Base: anything with a title, an HTML form and a text form."""

    title = ""

    def html(self) -> str:                            # pragma: no cover - abstract
        raise NotImplementedError

    def text(self) -> str:                            # pragma: no cover - abstract
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text())


class Table(Panel):
    """A titled table of strings.

    ``rows`` are lists of strings (one per column); ``marks`` holds ``(row, column)``
    pairs to highlight; ``note`` is a line of text under the table. Multi-line cells are
    shown in ``<pre>`` in HTML and continue on the next lines (same column) in text.
    """

    def __init__(self, title: str, columns: Sequence[str], rows: Iterable[Sequence[str]],
                 note: str = "", marks: Iterable[tuple[int, int]] = ()) -> None:
        self.title = title
        self.columns = list(columns)
        self.rows = [list(r) for r in rows]
        self.note = note
        self.marks = set(marks)

    def column(self, name: str) -> list[str]:
        """All values of one column (by its header), top to bottom."""
        i = self.columns.index(name)
        return [r[i] for r in self.rows]

    def row(self, first: str) -> list[str]:
        """The row whose first cell is ``first``."""
        for r in self.rows:
            if r[0] == first:
                return r
        raise KeyError(first)

    def html(self) -> str:
        head = "".join(f'<th style="text-align:left">{_esc(c)}</th>' for c in self.columns)
        body = []
        for i, r in enumerate(self.rows):
            cells = []
            for j, v in enumerate(r):
                v = f"<pre style=\"margin:0\">{_esc(v)}</pre>" if "\n" in v else _esc(v)
                if (i, j) in self.marks:
                    v = f"<mark>{v}</mark>"
                cells.append(f'<td style="text-align:left">{v}</td>')
            body.append(f"<tr>{''.join(cells)}</tr>")
        note = f"<p><small>{_esc(self.note)}</small></p>" if self.note else ""
        rows = "".join(body) if body else \
            f'<tr><td colspan="{len(self.columns)}">(none)</td></tr>'
        return (f'<div class="agnb-panel"><p><b>{_esc(self.title)}</b></p>'
                f'<table class="agnb-table"><thead><tr>{head}</tr></thead>'
                f"<tbody>{rows}</tbody></table>{note}</div>")

    def text(self) -> str:
        # a multi-line cell continues on the next lines, in its own column
        cells = [[self._cell(i, j, v).split("\n") for j, v in enumerate(r)]
                 for i, r in enumerate(self.rows)]
        widths = [len(c) for c in self.columns]
        for r in cells:
            for j, lines in enumerate(r):
                widths[j] = max([widths[j], *map(len, lines)])
        out = [self.title, self._line(self.columns, widths)]
        for r in cells:
            for k in range(max(len(lines) for lines in r)):
                out.append(self._line([lines[k] if k < len(lines) else "" for lines in r],
                                      widths))
        if not self.rows:
            out.append("(none)")
        if self.note:
            out.append(self.note)
        return "\n".join(out)

    def _cell(self, i: int, j: int, v: str) -> str:
        if (i, j) not in self.marks:
            return v
        first, sep, rest = v.partition("\n")
        return first + " *" + sep + rest

    @staticmethod
    def _line(values: Sequence[str], widths: Sequence[int]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()


class Section(Panel):
    """A titled block: ready-made HTML (e.g. an SVG picture) with its text twin."""

    def __init__(self, title: str, html_body: str, text_body: str, note: str = "") -> None:
        self.title = title
        self.html_body = html_body
        self.text_body = text_body
        self.note = note

    def html(self) -> str:
        note = f"<p><small>{_esc(self.note)}</small></p>" if self.note else ""
        return (f'<div class="agnb-panel"><p><b>{_esc(self.title)}</b></p>'
                f"{self.html_body}{note}</div>")

    def text(self) -> str:
        parts = [self.title, self.text_body]
        if self.note:
            parts.append(self.note)
        return "\n".join(p for p in parts if p)


class Report(Panel):
    """Several panels shown as one output, in order."""

    def __init__(self, panels: Sequence[Panel], title: str = "") -> None:
        self.panels = list(panels)
        self.title = title

    def __getitem__(self, title: str) -> Panel:
        """The panel whose title starts with ``title``."""
        for p in self.panels:
            if p.title.startswith(title):
                return p
        raise KeyError(title)

    def titles(self) -> list[str]:
        return [p.title for p in self.panels]

    def html(self) -> str:
        return '<div class="agnb-report">' + "".join(p.html() for p in self.panels) + "</div>"

    def text(self) -> str:
        return "\n\n".join(p.text() for p in self.panels)
