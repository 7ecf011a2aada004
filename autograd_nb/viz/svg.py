"""Write a scene as SVG text: no system binary, no dependency, same graph -> same bytes.

Every element id starts with a per-drawing prefix, so several drawings on one page
(a notebook shows many) never share an id. Styles are written as attributes, not in a
``<style>`` sheet, because a page-wide stylesheet from one drawing would restyle the
others (and GitHub strips ``<style>`` from notebooks).
"""
from __future__ import annotations

import hashlib
from typing import Any
from xml.sax.saxutils import escape

from .primitives import MONO, Path, Rect, Scene, Text

__all__ = ["to_svg", "path_data", "arrow_head", "default_prefix"]

ARROW = 7.0            # arrow head length in pixels


def _f(v: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros (stable text)."""
    r = round(v, 2)
    if r == int(r):
        return str(int(r))
    return repr(r)                       # the shortest text of a 2-decimal value


def arrow_head(points: list[tuple[float, float]], horizontal: bool = False
               ) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Shorten a route by the arrow's length; return (route, triangle).

    Routes end vertically (curves leave and enter nodes straight up or down), so
    the head points up or down; in a left-to-right picture (``horizontal``) they end
    sideways and the head points left or right.
    """
    (x0, y0), (x1, y1) = points[-2], points[-1]
    if horizontal or abs(y1 - y0) < 1e-6:        # horizontal end
        d = 1.0 if x1 >= x0 else -1.0
        tip = (x1, y1)
        base = x1 - d * ARROW
        return points[:-1] + [(base, y1)], [tip, (base, y1 - 3.5), (base, y1 + 3.5)]
    d = 1.0 if y1 >= y0 else -1.0
    base = y1 - d * ARROW
    return points[:-1] + [(x1, base)], [(x1, y1), (x1 - 3.5, base), (x1 + 3.5, base)]


def path_data(points: list[tuple[float, float]], curved: bool, horizontal: bool = False
              ) -> list[tuple[str, list[tuple[float, float]]]]:
    """The route as commands: ("M", [p]), ("L", [p]) or ("C", [c1, c2, p]).

    Between points at different x a cubic curve leaves and enters vertically, the way
    ``dot`` draws its splines; points straight above each other are joined by a line.
    ``horizontal``: a left-to-right picture, whose curves leave and enter sideways.
    """
    cmds: list[tuple[str, list[tuple[float, float]]]] = [("M", [points[0]])]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if not curved or abs(x1 - x0) < 0.5 or abs(y1 - y0) < 0.5:
            cmds.append(("L", [(x1, y1)]))
        elif horizontal:
            xm = (x0 + x1) / 2
            cmds.append(("C", [(xm, y0), (xm, y1), (x1, y1)]))
        else:
            ym = (y0 + y1) / 2
            cmds.append(("C", [(x0, ym), (x1, ym), (x1, y1)]))
    return cmds


def _d(cmds: list[tuple[str, list[tuple[float, float]]]]) -> str:
    return " ".join(op + " ".join(f"{_f(x)},{_f(y)}" for x, y in pts) for op, pts in cmds)


def _rect(r: Rect, prefix: str) -> str:
    attrs = (f'x="{_f(r.x)}" y="{_f(r.y)}" width="{_f(r.w)}" height="{_f(r.h)}" '
             f'fill="{r.fill}" stroke="{r.stroke}" stroke-width="{_f(r.width)}"')
    if r.rx:
        attrs += f' rx="{_f(r.rx)}"'
    if r.dash:
        attrs += f' stroke-dasharray="{r.dash}"'
    if r.id:
        attrs = f'id="{prefix}{r.id}" ' + attrs
    if r.cls:
        attrs = f'class="{r.cls}" ' + attrs
    return f"<rect {attrs}/>"


def _text(t: Text, prefix: str = "") -> str:
    attrs = (f'x="{_f(t.x)}" y="{_f(t.y)}" font-size="{_f(t.size)}" fill="{t.color}"')
    if t.id:
        attrs = f'id="{prefix}{t.id}" ' + attrs
    if t.anchor != "start":
        attrs += f' text-anchor="{t.anchor}"'
    if t.bold:
        attrs += ' font-weight="bold"'
    if t.italic:
        attrs += ' font-style="italic"'
    if t.strike:
        attrs += ' text-decoration="line-through"'
    return f"<text {attrs}>{escape(t.text)}</text>"


def _path(p: Path) -> str:
    if len(p.points) < 2:
        return ""
    pts, head = (arrow_head(p.points, p.horizontal) if p.arrow else (p.points, None))
    out = (f'<path d="{_d(path_data(pts, p.curved, p.horizontal))}" fill="none" stroke="{p.stroke}" '
           f'stroke-width="{_f(p.width)}"' + (f' stroke-dasharray="{p.dash}"' if p.dash else "")
           + "/>")
    if head:
        out += ('<polygon points="' + " ".join(f"{_f(x)},{_f(y)}" for x, y in head)
                + f'" fill="{p.stroke}"/>')
    return out


def default_prefix(scene: Scene) -> str:
    """A prefix derived from the picture itself: stable, and different per graph."""
    h = hashlib.sha1()
    for item in scene.items:
        h.update(item.id.encode())
        h.update(item.title.encode())
    h.update(f"{scene.width}x{scene.height}".encode())
    return "agv" + h.hexdigest()[:8] + "-"


def to_svg(scene: Scene, prefix: str | None = None, *, scale: float = 1.0) -> str:
    """The scene as a standalone SVG document (a string)."""
    if prefix is None:
        prefix = default_prefix(scene)
    w, h = scene.width, scene.height
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" id="{prefix}svg" class="autograd-graph" '
           f'width="{_f(w * scale)}" height="{_f(h * scale)}" viewBox="0 0 {_f(w)} {_f(h)}" '
           f'font-family="{MONO}">',
           f'<rect id="{prefix}background" x="0" y="0" width="{_f(w)}" height="{_f(h)}" fill="#ffffff"/>']
    for item in scene.items:
        out.append(f'<g id="{prefix}{item.id}" class="{item.cls}">'
                   f"<title>{escape(item.title)}</title>")
        for part in item.parts:
            out.append(_part(part, prefix))
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _part(part: Any, prefix: str) -> str:
    if isinstance(part, Rect):
        return _rect(part, prefix)
    if isinstance(part, Text):
        return _text(part, prefix)
    if isinstance(part, Path):
        return _path(part)
    raise TypeError(f"unknown scene part {type(part).__name__}")     # pragma: no cover

