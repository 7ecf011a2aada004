"""Room on a picture for gradients written later: what the backward stepper fills in.

A drawing made with ``grad_slots=True`` has an empty ``<text id="...edgegrad-<k>">``
beside each backward edge and a ``.grad`` line in each leaf that requires grad
(``gradline-<tensor id>``). The stepper sends, per event, the text of each slot:
the gradient that edge carried (``grad_text``), each leaf's ``.grad`` (``grad_line``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .primitives import ROW, SMALL, Text
from .summary import clip, shape_text, text_width, value_summary

__all__ = ["GRAD_TEXT", "GRAD_SLOT_CHARS", "SLOT_W", "grad_text", "grad_line", "grad_slot",
           "grad_slot_lr"]

GRAD_TEXT = "#a0005a"                # the colour of gradients written on a picture
GRAD_SLOT_CHARS = 30                 # the longest gradient text a slot shows


def grad_text(data: Any) -> str:
    """A gradient short enough to write on a picture: the numbers of a small one
    (``[[0.75, 0.75], [0.75, 0.75]]``), the shape and size of a bigger one
    (``[8, 8], norm 0.0123``)."""
    if data is None:
        return "None"
    arr = np.asarray(data)
    if arr.size <= 4:
        return value_summary(arr)
    norm = float(np.linalg.norm(arr.astype(np.float64, copy=False)))
    return f"{shape_text(list(arr.shape))}, norm {norm:.3g}"


def grad_line(value: str | None) -> str:
    """The text of a leaf's ``.grad`` line: ``.grad = [4.5, 4.5]`` or ``.grad = None``."""
    return clip(".grad = " + ("None" if value is None else value), GRAD_SLOT_CHARS + 8)


SLOT_W = text_width("m" * GRAD_SLOT_CHARS, SMALL)      # the widest text a slot holds


def grad_slot_lr(k: int, pts: list[tuple[float, float]], rank: int) -> Text:
    """The same slot in a left-to-right picture: centred above the middle of the last
    piece of the edge (parallel edges one line apart)."""
    (x0, y0), (x1, y1) = pts[-2], pts[-1]
    return Text((x0 + x1) / 2, (y0 + y1) / 2 - 4 - ROW * rank, "", SMALL, GRAD_TEXT, bold=True,
                anchor="middle", id=f"edgegrad-{k}")


def grad_slot(k: int, pts: list[tuple[float, float]], rank: int, left: bool) -> Text:
    """An empty text beside edge ``k``, near its end: the stepper writes the gradient
    sent along that edge into it (``edgegrad-k``).

    ``left``: the text goes on the edge's left (the caller says so for the leftmost of
    several edges entering one node), when there is room; else on its right, ``rank``
    lines down for the later of parallel edges (``y * y`` sends two).
    """
    # three quarters along the last piece of the curve (where edges leaving one node
    # have spread apart towards their own targets): the point of the cubic that
    # ``svg.path_data`` draws there, at t = 0.75
    (x0, y0), (x1, y1) = pts[-2], pts[-1]
    x, y = 0.15625 * x0 + 0.84375 * x1, 0.296875 * y0 + 0.703125 * y1 + 3
    if left and x - 5 - SLOT_W >= 0:
        return Text(x - 5, y, "", SMALL, GRAD_TEXT, bold=True, anchor="end", id=f"edgegrad-{k}")
    return Text(x + 5, y + ROW * max(rank - 1, 0), "", SMALL, GRAD_TEXT, bold=True,
                id=f"edgegrad-{k}")
