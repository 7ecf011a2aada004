"""matplotlib helpers the course uses (matplotlib is imported inside each function).

* ``plot_curves``: loss and accuracy per step or epoch;
* ``plot_heatmap``: a parameter's values or gradient as a coloured grid;
* ``plot_grad_histograms``: how big the gradients of each layer are;
* ``GradRecorder`` + ``plot_grad_timeline``: a leaf's ``.grad`` after each backward
  call, to *see* that gradients accumulate until you zero them.

Each returns the matplotlib Axes (or Figure) it drew on, so a notebook can adjust it
and end the cell with ``plt.show()``.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .mpl import require_matplotlib
from .snapshot import _array, is_module, is_tensor

__all__ = ["plot_curves", "plot_heatmap", "plot_grad_histograms", "GradRecorder",
           "plot_grad_timeline"]


def _pyplot() -> Any:
    require_matplotlib()
    import matplotlib.pyplot as plt
    return plt


def _float(v: Any) -> float:
    if v is None:
        return math.nan
    if is_tensor(v):
        return float(np.asarray(_array(v)).reshape(-1)[0]) if _numel(v) else math.nan
    return float(v)


def _numel(t: Any) -> int:
    n = 1
    for s in t.shape:
        n *= int(s)
    return n


def _np(t: Any) -> np.ndarray:
    """A tensor, array or nested list as a float numpy array."""
    if is_tensor(t):
        return np.asarray(_array(t), dtype=np.float64)
    return np.asarray(t, dtype=np.float64)


# --------------------------------------------------------------------- curves
def plot_curves(history: Mapping[str, Sequence[Any]] | None = None, *, ax: Any = None,
                xlabel: str = "step", title: str | None = None, **series: Sequence[Any]) -> Any:
    """Training curves: ``plot_curves(loss=losses, val_loss=val, accuracy=accs)``.

    Each series is a sequence of numbers (Python floats, or 0-d tensors such as the
    ``loss`` you appended each step). Names containing ``acc`` are drawn against a
    second y axis on the right, so a loss of 2.3 and an accuracy of 0.9 both show; the
    key then sits above the plot, where it covers neither line. Returns the (left) Axes.
    """
    data = dict(history or {})
    data.update(series)
    if not data:
        raise ValueError("plot_curves() needs at least one series, e.g. plot_curves(loss=losses)")
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.6))
    acc_ax = None
    handles = []
    for i, (name, values) in enumerate(data.items()):
        ys = [_float(v) for v in values]
        xs = list(range(1, len(ys) + 1))
        label = name.replace("_", " ")
        if "acc" in name.lower():
            if acc_ax is None:
                acc_ax = ax.twinx()
                acc_ax.set_ylabel("accuracy")
            (h,) = acc_ax.plot(xs, ys, linestyle="--", marker="." if len(ys) < 40 else None,
                               color=f"C{i}", label=label)
        else:
            (h,) = ax.plot(xs, ys, marker="." if len(ys) < 40 else None, color=f"C{i}",
                           label=label)
        handles.append(h)
    if acc_ax is not None:
        finite = [y for h in handles if h.axes is acc_ax for y in h.get_ydata() if y == y]
        if finite and 0 <= min(finite) and max(finite) <= 1:
            acc_ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    if acc_ax is None:
        ax.legend(handles=handles, loc="best", fontsize="small")
        if title:
            ax.set_title(title)
    else:
        # "best" only avoids the lines of its own axes, so inside the plot the key would
        # land on the accuracy line: it goes above the plot, in one row, under the title
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0),
                  ncol=len(handles), fontsize="small", frameon=False, borderaxespad=0.2)
        if title:
            ax.set_title(title, pad=22)
    return ax


# --------------------------------------------------------------------- heatmap
def plot_heatmap(tensor: Any, *, which: str = "auto", ax: Any = None, title: str | None = None,
                 cmap: str = "RdBu_r") -> Any:
    """A parameter (``which="value"``) or its gradient (``which="grad"``) as a grid.

    ``which="auto"`` shows ``.grad`` when there is one. Colours are centred on zero
    (blue negative, red positive). A vector is one row; a tensor with more than two
    dimensions is shown as ``shape[0]`` rows of everything else (a conv weight
    ``[out, in, kh, kw]`` gives one row per output channel). Returns the Axes.
    """
    if which not in ("auto", "grad", "value"):
        raise ValueError(f"which must be 'auto', 'grad' or 'value', got {which!r}")
    if not is_tensor(tensor):
        arr, what = _np(tensor), "value"
    else:
        grad = getattr(tensor, "_grad", None)
        if which == "grad" and grad is None:
            raise ValueError("this tensor has no .grad yet: run backward first, or pass which='value'")
        use_grad = which == "grad" or (which == "auto" and grad is not None)
        arr, what = (_np(grad), "grad") if use_grad else (_np(tensor), "value")
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr.reshape(1, -1)
    elif arr.ndim > 2:
        arr = arr.reshape(arr.shape[0], -1)
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(min(2 + arr.shape[1] * 0.35, 9), min(1.5 + arr.shape[0] * 0.35, 7)))
    finite = arr[np.isfinite(arr)]
    lim = float(np.abs(finite).max()) if finite.size else 1.0
    lim = lim or 1.0
    image = ax.imshow(arr, cmap=cmap, vmin=-lim, vmax=lim, aspect="auto", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_title(title or what)
    return ax


# --------------------------------------------------------------------- histograms
def _named(params: Any) -> list[tuple[str, Any]]:
    if is_module(params):
        return list(params.named_parameters())
    if is_tensor(params):
        return [("tensor", params)]
    if isinstance(params, Mapping):
        return list(params.items())
    out = []
    for i, item in enumerate(params):
        if isinstance(item, tuple) and len(item) == 2:
            out.append((str(item[0]), item[1]))
        elif is_tensor(item):
            out.append((f"param {i}", item))
        else:
            raise TypeError(f"expected tensors or (name, tensor) pairs, got {type(item).__name__}")
    return out


def plot_grad_histograms(params: Any, *, bins: int = 30, ax: Any = None, log: bool = False) -> Any:
    """One histogram of gradient values per parameter ("per layer").

    ``params``: a module, ``named_parameters()``, a dict or a list of tensors. With
    ``ax`` all histograms are overlaid on it (returns the Axes); without, one small
    plot per parameter (returns the Figure). Parameters without ``.grad`` are
    listed in the title instead of being drawn.
    """
    named = _named(params)
    with_grad = [(n, _np(p._grad).ravel()) for n, p in named if getattr(p, "_grad", None) is not None]
    missing = [n for n, p in named if getattr(p, "_grad", None) is None]
    if not with_grad:
        raise ValueError("no parameter has a .grad yet: run backward first")
    plt = _pyplot()
    note = f" (no grad: {', '.join(missing)})" if missing else ""
    if ax is not None:
        for name, g in with_grad:
            ax.hist(g, bins=bins, histtype="step", log=log, label=name)
        ax.set_xlabel("gradient value")
        ax.legend(fontsize="small")
        ax.set_title("gradients per layer" + note)
        return ax
    cols = min(3, len(with_grad))
    rows = math.ceil(len(with_grad) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.6 * rows), squeeze=False)
    for k, (name, g) in enumerate(with_grad):
        a = axes[k // cols][k % cols]
        a.hist(g, bins=bins, log=log, color=f"C{k % 10}")
        a.set_title(f"{name}\nmean |g| {np.abs(g).mean():.3g}", fontsize="small")
    for k in range(len(with_grad), rows * cols):
        axes[k // cols][k % cols].set_axis_off()
    fig.suptitle("gradients per layer" + note)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------- grad timeline
class GradRecorder:
    """Keep a copy of ``tensor.grad`` after every backward that reaches the leaf.

    ::

        rec = viz.GradRecorder(w)
        for _ in range(3):
            loss = (w * x).sum()
            loss.backward()          # no zero_grad: the grads add up
        rec.plot()                   # 3 points per element, climbing
        rec.remove()

    It uses the leaf's post-accumulate-grad hook (autograd calls it); it also works as
    a context manager (the hook is removed on exit).
    """

    def __init__(self, tensor: Any, name: str | None = None) -> None:
        if not is_tensor(tensor):
            raise TypeError(f"GradRecorder needs a tensor, got {type(tensor).__name__}")
        self.tensor = tensor
        self.name = name
        self.values: list[np.ndarray] = []
        self._handle = tensor.register_post_accumulate_grad_hook(self._record)

    def _record(self, t: Any) -> None:
        self.values.append(np.array(_np(t._grad), copy=True))

    def record(self) -> None:
        """Add the current ``.grad`` by hand (None, after ``zero_grad(set_to_none)``, is NaN)."""
        g = getattr(self.tensor, "_grad", None)
        self.values.append(np.full(tuple(self.tensor.shape), np.nan) if g is None
                           else np.array(_np(g), copy=True))

    def remove(self) -> None:
        self._handle.remove()

    def __enter__(self) -> "GradRecorder":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        return plot_grad_timeline(self, ax=ax, name=self.name, **kwargs)


def plot_grad_timeline(history: Any, *, ax: Any = None, name: str | None = None,
                       max_elements: int = 8) -> Any:
    """``.grad`` across backward calls: one line per element (or the norm, if large).

    ``history``: a ``GradRecorder`` or a list of gradients (tensors or arrays), one
    per backward call. Returns the Axes.
    """
    values: Iterable[Any] = history.values if isinstance(history, GradRecorder) else history
    arrays = [_np(v) for v in values]
    if not arrays:
        raise ValueError("no gradients recorded yet: run backward while recording")
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.4))
    xs = list(range(1, len(arrays) + 1))
    label = name or "grad"
    if arrays[0].size <= max_elements:
        stacked = np.stack([a.reshape(-1) for a in arrays])
        for j in range(stacked.shape[1]):
            ax.plot(xs, stacked[:, j], marker="o", label=f"{label}[{j}]" if stacked.shape[1] > 1 else label)
        ax.set_ylabel(".grad value")
    else:
        ax.plot(xs, [float(np.linalg.norm(a)) for a in arrays], marker="o", label=f"‖{label}‖")
        ax.set_ylabel(".grad norm")
    ax.set_xlabel("backward call")
    if len(xs) <= 20:
        ax.set_xticks(xs)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(f"{label} after each backward")
    return ax
