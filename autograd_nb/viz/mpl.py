"""Draw a scene with matplotlib patches (for PNG files and matplotlib users).

The same boxes, text and routes as the SVG, drawn in pixel coordinates on an axes
without frame, so ``drawing.save("graph.png")`` looks like the SVG. matplotlib is
optional: it is imported when a figure is asked for.
"""
from __future__ import annotations

from typing import Any

from .primitives import Path, Rect, Scene, Text
from .summary import text_width
from .svg import arrow_head, path_data

__all__ = ["require_matplotlib", "scene_figure", "save_png"]


def require_matplotlib() -> Any:
    """``matplotlib`` itself, or an ImportError that says how to get it."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            "this needs matplotlib, which is not installed: run `pip install matplotlib` "
            "(or `pip install autograd_nb[notebook]`). SVG output needs nothing: "
            "use drawing.save('graph.svg').") from None
    return matplotlib


def _dash(dash: str | None) -> Any:
    if not dash:
        return "solid"
    return (0, tuple(float(v) for v in dash.split(",")))


def scene_figure(scene: Scene, dpi: float = 100.0, ax: Any = None) -> Any:
    """A matplotlib Figure showing ``scene`` (or draw into ``ax``)."""
    require_matplotlib()
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch, PathPatch, Polygon
    from matplotlib.path import Path as MPath

    if ax is None:
        fig = Figure(figsize=(scene.width / dpi, scene.height / dpi), dpi=dpi)
        ax = fig.add_axes((0, 0, 1, 1))
    else:
        fig = ax.figure
        dpi = fig.dpi
    ax.set_xlim(0, scene.width)
    ax.set_ylim(scene.height, 0)
    ax.set_axis_off()
    pt = 72.0 / dpi                          # pixels -> points (font sizes, line widths)
    codes = {"M": MPath.MOVETO, "L": MPath.LINETO, "C": MPath.CURVE4}

    for item in scene.items:
        for part in item.parts:
            if isinstance(part, Rect):
                style = f"round,pad=0,rounding_size={part.rx}" if part.rx else "square,pad=0"
                ax.add_patch(FancyBboxPatch((part.x, part.y), part.w, part.h, boxstyle=style,
                                            facecolor=part.fill, edgecolor=part.stroke,
                                            linewidth=part.width * pt,
                                            linestyle=_dash(part.dash)))
            elif isinstance(part, Text):
                ha = {"start": "left", "middle": "center", "end": "right"}[part.anchor]
                ax.text(part.x, part.y, part.text, fontsize=part.size * pt, color=part.color,
                        family="monospace", fontweight="bold" if part.bold else "normal",
                        fontstyle="italic" if part.italic else "normal", ha=ha, va="baseline")
                if part.strike:
                    w = text_width(part.text, part.size)
                    ym = part.y - part.size * 0.3
                    ax.plot([part.x, part.x + w], [ym, ym], color=part.color,
                            linewidth=0.8 * pt)
            elif isinstance(part, Path) and len(part.points) >= 2:
                pts, head = (arrow_head(part.points, part.horizontal) if part.arrow
                             else (part.points, None))
                verts: list[tuple[float, float]] = []
                kinds: list[int] = []
                for op, ps in path_data(pts, part.curved, part.horizontal):
                    verts.extend(ps)
                    kinds.extend([codes[op]] * len(ps))
                ax.add_patch(PathPatch(MPath(verts, kinds), facecolor="none",
                                       edgecolor=part.stroke, linewidth=part.width * pt,
                                       linestyle=_dash(part.dash)))
                if head:
                    ax.add_patch(Polygon(head, closed=True, facecolor=part.stroke,
                                         edgecolor="none"))
    return fig


def save_png(scene: Scene, path: Any, dpi: float = 100.0, scale: float = 1.0) -> None:
    """Write ``scene`` as a PNG file (``scale=2`` for a sharper image)."""
    fig = scene_figure(scene, dpi=dpi)
    fig.savefig(path, dpi=dpi * scale, facecolor="white")
