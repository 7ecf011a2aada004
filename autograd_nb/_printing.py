"""How a tensor turns into text, exactly as PyTorch writes it.

``repr(torch.tensor([1.0, 2.5]))`` gives ``tensor([1.0000, 2.5000])``. That short
line hides a handful of rules, and this module spells them out using nothing
but numpy, so it can be read (and tested) on its own:

1. **One style for all elements.** Before writing anything, the formatter looks
   at every finite, nonzero value once and picks a single style for the whole
   tensor:

   * *integer style* -- every value is a whole number: ``4.`` (the dot says
     "this is a float"), no decimals;
   * *fixed style* -- ``precision`` decimals: ``2.5000``;
   * *scientific style* -- ``1.0000e-05``, chosen when the largest magnitude is
     more than 1000 times the smallest, above ``1e8``, or below ``1e-4``
     (``set_printoptions(sci_mode=...)`` can force it on or off).

   Integer tensors print their values; bool tensors print ``True``/``False``.
2. **One width for all elements.** Every element is right-aligned to the width
   of the widest one, so columns line up.
3. **Nesting.** Each dimension adds a bracket and one space of indentation,
   aligned under the opening ``tensor(``. Between the blocks of a 3-d tensor
   there is one blank line, two for 4-d, and so on.
4. **Wrapping.** A long row breaks after as many elements as fit in
   ``linewidth`` (80) characters.
5. **Summarising.** Above ``threshold`` (1000) elements, only ``edgeitems`` (3)
   entries are kept at each end of every dimension, with ``...`` between.
6. **Suffixes.** Things the values cannot show are appended: ``device=``,
   ``size=``, ``dtype=``, then the caller's extras (``requires_grad=True`` or
   ``grad_fn=<MulBackward0>``). A suffix that would pass ``linewidth`` starts a
   new line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

__all__ = ["format_tensor", "set_printoptions", "get_printoptions", "printoptions"]


@dataclasses.dataclass
class _PrintOptions:
    """The global knobs, with PyTorch's defaults."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTIONS = _PrintOptions()

# Each profile resets these four options; sci_mode is left to its own argument.
_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Change how tensors are printed, like ``torch.set_printoptions``.

    Args:
        precision: decimals shown in fixed and scientific style (default 4).
        threshold: a tensor with more elements than this is summarised with
            ``...`` (default 1000).
        edgeitems: entries kept at each end of a dimension when summarising
            (default 3).
        linewidth: characters per line before a row wraps (default 80).
        profile: ``"default"``, ``"short"`` (precision 2, edgeitems 2) or
            ``"full"`` (never summarise). Applied first, so the other arguments
            override it. An unknown name is ignored, as in PyTorch.
        sci_mode: ``True`` always uses scientific style, ``False`` never does,
            ``None`` lets each tensor decide.

    Note the PyTorch quirk kept here: ``sci_mode`` is *always* assigned, so a
    call that does not mention it resets it to ``None`` (automatic).

    >>> set_printoptions(precision=2)     # tensor([1.12]) instead of 1.1235
    >>> set_printoptions(profile="default")
    """
    if profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(_OPTIONS, name, value)
    given = {"precision": precision, "threshold": threshold,
             "edgeitems": edgeitems, "linewidth": linewidth}
    for name, value in given.items():
        if value is not None:
            setattr(_OPTIONS, name, value)
    _OPTIONS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Return the current options as a dict you can pass back to ``set_printoptions``."""
    return dataclasses.asdict(_OPTIONS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Use other print options inside a ``with`` block, then restore the old ones."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


class _ElementFormatter:
    """Picks one style and one width for every element of a tensor.

    It is built from the elements that will actually be shown (the edges only,
    when summarising), and then writes any single value with :meth:`format`.
    """

    def __init__(self, shown: np.ndarray, opts: _PrintOptions) -> None:
        self.is_float = shown.dtype.kind == "f"
        self.precision = opts.precision
        self.int_mode = True   # floats that are all whole numbers print as "4."
        self.sci_mode = False
        self.width = 1
        flat = shown.reshape(-1)
        if self.is_float:
            # Only finite, nonzero values vote: 0, nan and inf fit any style.
            flat = flat[np.isfinite(flat) & (flat != 0)]
            if flat.size == 0:
                return
            self.int_mode = bool(np.all(flat == np.ceil(flat)))
            magnitudes = np.abs(flat.astype(np.float64))
            smallest, largest = float(magnitudes.min()), float(magnitudes.max())
            if opts.sci_mode is None:
                self.sci_mode = (largest / smallest > 1000.0
                                 or largest > 1.0e8 or smallest < 1.0e-4)
            else:
                self.sci_mode = bool(opts.sci_mode)
        for value in flat.tolist():
            self.width = max(self.width, len(self._text(value)))

    def _text(self, value: Any) -> str:
        """The value written in the chosen style, without padding."""
        if not self.is_float:
            return str(value)                      # 3, -20, True, False
        if self.sci_mode:
            return f"{value:.{self.precision}e}"   # 1.0000e-05
        if self.int_mode:
            text = f"{value:.0f}"                  # 4 -> "4." ; nan stays "nan"
            return text if math.isnan(value) or math.isinf(value) else text + "."
        return f"{value:.{self.precision}f}"       # 2.5000

    def format(self, value: Any) -> str:
        """The value right-aligned to the common width."""
        return self._text(value).rjust(self.width)


def _edges(values: np.ndarray, edgeitems: int) -> np.ndarray:
    """Keep only what a summary shows: ``edgeitems`` at each end of every long axis."""
    if values.ndim == 0:
        return values
    if edgeitems <= 0:
        return values[(slice(0, 0),) * values.ndim]  # only "..." is shown
    keep = []
    for n in values.shape:
        if n > 2 * edgeitems:
            keep.append(np.r_[0:edgeitems, n - edgeitems:n])
        else:
            keep.append(np.arange(n))
    return values[np.ix_(*keep)]


def _row_text(row: np.ndarray, indent: int, summarize: bool,
              fmt: _ElementFormatter, opts: _PrintOptions) -> str:
    """Write a 1-d row, wrapping after as many elements as fit in the line."""
    # Each element costs its width plus ", ".
    per_line = max(1, math.floor((opts.linewidth - indent) / (fmt.width + 2)))
    edge = opts.edgeitems
    if summarize and not edge:
        items = ["..."]
    elif summarize and row.shape[0] > 2 * edge:
        items = ([fmt.format(v) for v in row[:edge].tolist()] + [" ..."]
                 + [fmt.format(v) for v in row[-edge:].tolist()])
    else:
        items = [fmt.format(v) for v in row.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_text(values: np.ndarray, indent: int, summarize: bool,
                 fmt: _ElementFormatter, opts: _PrintOptions) -> str:
    """Write any number of dimensions by writing each sub-array one level deeper."""
    if values.ndim == 0:
        return fmt.format(values.item())
    if values.ndim == 1:
        return _row_text(values, indent, summarize, fmt, opts)
    n, edge = values.shape[0], opts.edgeitems
    if summarize and n > 2 * edge:
        picked = [*range(edge), None, *range(n - edge, n)]   # None marks the "..."
    else:
        picked = list(range(n))
    blocks = ["..." if i is None else _nested_text(values[i], indent + 1, summarize, fmt, opts)
              for i in picked]
    # Sub-blocks of a k-d tensor are separated by k-2 blank lines.
    separator = "," + "\n" * (values.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(blocks) + "]"


def _with_suffixes(text: str, suffixes: Sequence[str], indent: int, linewidth: int) -> str:
    """Append ``, suffix`` items and the closing parenthesis, wrapping long lines."""
    pieces = [text]
    # PyTorch's bookkeeping of the current line length, kept exactly (it counts
    # two characters more than the line really has).
    line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_len + len(suffix) + 2 > linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            line_len = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            line_len += len(suffix) + 2
    return "".join(pieces) + ")"


def format_tensor(values: np.ndarray, *, dtype_name: str, default_dtype: bool,
                  device: str | None = None, extra: Sequence[str] = (),
                  prefix: str = "tensor(") -> str:
    """Return the text ``repr(tensor)`` gives in PyTorch for these values.

    Args:
        values: the tensor's values as a numpy array (float16/32/64, the int
            types, uint8 or bool), any shape, including 0-d and empty.
        dtype_name: PyTorch's name of the dtype, e.g. ``"torch.float64"``.
        default_dtype: whether PyTorch would leave ``dtype=`` out. That is the
            case for the default float dtype (``torch.float32`` unless changed
            with ``set_default_dtype``), ``torch.int64`` and ``torch.bool``.
            Empty tensors are the exception, handled here: with no values to
            hint at the type, only the default *float* dtype is left out.
        device: ``None`` for the CPU, else e.g. ``"cuda:0"``.
        extra: finished suffixes added last, in order, e.g.
            ``("requires_grad=True",)`` or ``("grad_fn=<MulBackward0>",)``.
        prefix: the opening text; continuation lines are indented by its length.

    Suffixes always come in this order: ``device=``, ``size=`` (for empty
    tensors that are not 1-d, or for all tensors when ``edgeitems`` is 0),
    ``dtype=``, then ``extra``.

    >>> format_tensor(np.array([1e-5, 1.0], dtype=np.float32),
    ...               dtype_name="torch.float32", default_dtype=True)
    'tensor([1.0000e-05, 1.0000e+00])'
    >>> format_tensor(np.ones((2, 0)), dtype_name="torch.float64", default_dtype=False)
    'tensor([], size=(2, 0), dtype=torch.float64)'
    """
    values = np.asarray(values)
    opts = _OPTIONS
    indent = len(prefix)
    suffixes = []
    if device is not None:
        suffixes.append(f"device='{device}'")
    if values.size == 0:
        if values.ndim != 1:
            suffixes.append(f"size={tuple(values.shape)}")
        if not (default_dtype and values.dtype.kind == "f"):
            suffixes.append(f"dtype={dtype_name}")
        body = "[]"
    else:
        if not opts.edgeitems:
            suffixes.append(f"size={tuple(values.shape)}")
        if not default_dtype:
            suffixes.append(f"dtype={dtype_name}")
        summarize = values.size > opts.threshold
        shown = _edges(values, opts.edgeitems) if summarize else values
        fmt = _ElementFormatter(shown, opts)
        body = _nested_text(values, indent, summarize, fmt, opts)
    suffixes.extend(extra)
    return _with_suffixes(prefix + body, suffixes, indent, opts.linewidth)
