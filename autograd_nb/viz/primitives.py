"""The drawing primitives of a scene (boxes, texts, lines) and the picture's constants.

``scene.py`` builds a ``Scene`` out of these from a snapshot; ``svg.py`` and ``mpl.py``
draw it. Sizes are pixels, y grows downwards; fonts are monospace so a text's width is
known without a font library (``summary.text_width``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .layout import Layout

__all__ = ["Rect", "Text", "Path", "Item", "Scene", "PALETTE", "EDGE_STYLE", "FONT", "SMALL",
           "LINE", "SMALL_LINE", "ROW", "PAD", "MONO", "TEXT", "MUTED"]

FONT, SMALL = 12.0, 10.0
LINE, SMALL_LINE, ROW = 16.0, 13.0, 15.0
PAD = 7.0
MONO = "DejaVu Sans Mono, Menlo, Consolas, monospace"

PALETTE = {
    "leaf_grad": ("#dff3e4", "#2e7d32"),
    "leaf": ("#ffffff", "#8a8a8a"),
    "nonleaf": ("#e3eefa", "#1f5fa8"),
    "grad_fn": ("#f1f1f1", "#555555"),
    "accumulate_grad": ("#efe5f7", "#6a1b9a"),
    "module": ("#fff3e0", "#e65100"),
    "saved_live": ("#fff8d6", "#b8960c"),
    "saved_freed": ("#eeeeee", "#b0b0b0"),
    "saved_stale": ("#fde4e4", "#c62828"),
    "grad": ("#fff0e0", "#e66a00"),
}
EDGE_STYLE = {                       # colour, dash, arrow head, width
    "next": ("#444444", None, True, 1.3),
    "grad_fn": ("#1f5fa8", "5,3", True, 1.0),
    "variable": ("#6a1b9a", "5,3", True, 1.0),
    "saved": ("#b8960c", "1.5,2.5", False, 1.2),
}
TEXT = "#222222"
MUTED = "#5f5f5f"


# --------------------------------------------------------------------- primitives
@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str
    width: float = 1.0
    rx: float = 0.0
    dash: str | None = None
    id: str | None = None
    cls: str | None = None


@dataclass
class Text:
    x: float
    y: float                         # baseline
    text: str
    size: float = FONT
    color: str = TEXT
    bold: bool = False
    italic: bool = False
    strike: bool = False
    anchor: str = "start"            # start | middle | end
    id: str | None = None            # set where a dashboard rewrites the text per step


@dataclass
class Path:
    points: list[tuple[float, float]]
    stroke: str
    width: float = 1.2
    dash: str | None = None
    arrow: bool = True
    curved: bool = True
    horizontal: bool = False         # a left-to-right picture: curves leave sideways


@dataclass
class Item:
    """One element of the picture (a node, an edge, the legend): one SVG ``<g>``."""

    id: str
    cls: str
    title: str
    parts: list[Any] = field(default_factory=list)


@dataclass
class Scene:
    width: float
    height: float
    items: list[Item]
    layout: Layout | None = None
