"""Convolutions shape by shape: autograd_nb's conv2d next to PyTorch's, in one process.

``python -m benchmarks.conv_shapes [--threads N] [--repeat R] [--out-dir DIR] [--no-plot]``

The suite's conv-net rows say how a whole training step compares; this table says
where, across shape classes, the conv kernel itself stands: channels 3..64, spatial
8..64, batch 1..64, kernel 1/3/5, stride 1/2 (padding ``k // 2``, float32). Per shape
it times

* ``forward``: ``F.conv2d(x, w, b)`` with nothing requiring grad;
* ``step``: forward with input and weight requiring grad, then ``backward`` (all three
  products: output, input gradient, weight gradient).

Both libraries are timed in the SAME process, alternately, call after call, so a busy
machine slows both alike; each figure is the best of ``repeat`` x 3 calls (on a shared
machine the minimum is the figure other processes disturb least) and the ratio is
autograd_nb's best over torch's best. Results: ``conv_shapes.md``,
``conv_shapes.json`` and ``conv_shapes.png`` (ratio per shape) in the output folder.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

if __package__ in (None, ""):                      # run as a file: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

# (batch, in channels, out channels, spatial, kernel, stride): every class of the issue
SHAPES: tuple[tuple[int, int, int, int, int, int], ...] = (
    (1, 3, 16, 64, 3, 1), (8, 3, 16, 10, 3, 1), (8, 16, 32, 10, 3, 1), (64, 3, 16, 32, 3, 1),
    (64, 16, 32, 32, 3, 1), (32, 64, 64, 8, 3, 1), (1, 64, 64, 64, 3, 1), (16, 64, 64, 16, 1, 1),
    (64, 32, 64, 8, 1, 1), (16, 32, 64, 16, 5, 1), (32, 16, 16, 32, 5, 1), (4, 3, 16, 64, 5, 2),
    (64, 16, 32, 32, 3, 2), (16, 64, 64, 16, 3, 2), (2, 8, 8, 64, 3, 2), (16, 32, 64, 16, 1, 2),
)
QUICK = SHAPES[1:3] + SHAPES[12:13]


def label(shape: tuple[int, ...]) -> str:
    n, c, o, s, k, st = shape
    return f"N{n} C{c}->{o} {s}x{s} k{k} s{st}"


def _best_of(fn: Callable[[], Any], n: int = 3) -> float:
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def cases(T: Any, shape: tuple[int, ...]) -> dict[str, Callable[[], Any]]:
    """The two timed calls of one shape for a library ``T`` (torch or autograd_nb)."""
    n, c, o, s, k, st = shape
    T.manual_seed(0)
    x, w, b = T.randn(n, c, s, s), T.randn(o, c, k, k) * 0.1, T.randn(o)
    xg, wg = x.clone().requires_grad_(), w.clone().requires_grad_()
    conv = T.nn.functional.conv2d

    def step() -> None:
        conv(xg, wg, b, stride=st, padding=k // 2).sum().backward()
        xg.grad = wg.grad = None

    return {"forward": lambda: conv(x, w, b, stride=st, padding=k // 2), "step": step}


def measure(shapes: Any, repeat: int) -> list[dict[str, Any]]:
    import torch

    import autograd_nb
    rows = []
    for shape in shapes:
        libs = {"autograd_nb": cases(autograd_nb, shape), "torch": cases(torch, shape)}
        row: dict[str, Any] = {"shape": list(shape), "label": label(shape)}
        for what in ("forward", "step"):
            for fn in (libs["autograd_nb"][what], libs["torch"][what]):
                fn()                                            # warm up
            times: dict[str, list[float]] = {"autograd_nb": [], "torch": []}
            for _ in range(repeat):                             # alternate, call after call
                for lib in times:
                    times[lib].append(_best_of(libs[lib][what]))
            row[what] = {lib: min(v) for lib, v in times.items()}
            row[what]["ratio"] = row[what]["autograd_nb"] / row[what]["torch"]
        rows.append(row)
        print(f"{row['label']:<28} forward {row['forward']['ratio']:.2f}x  step {row['step']['ratio']:.2f}x",
              flush=True)
    return rows


def _ms(v: float) -> str:
    return f"{v * 1e3:.3f} ms"


def markdown(rows: list[dict[str, Any]], info: str) -> str:
    lines = ["# conv2d shape by shape: autograd_nb / torch", "", info, "",
             "| shape | forward anb | forward torch | ratio | step anb | step torch | ratio |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        f, s = r["forward"], r["step"]
        lines.append(f"| {r['label']} | {_ms(f['autograd_nb'])} | {_ms(f['torch'])} | {f['ratio']:.2f}x "
                     f"| {_ms(s['autograd_nb'])} | {_ms(s['torch'])} | {s['ratio']:.2f}x |")
    return "\n".join(lines) + "\n"


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(rows) + 1.2))
    ys = range(len(rows))
    ax.barh([y - 0.2 for y in ys], [r["forward"]["ratio"] for r in rows], 0.4, label="forward")
    ax.barh([y + 0.2 for y in ys], [r["step"]["ratio"] for r in rows], 0.4, label="forward + backward")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_yticks(list(ys), [r["label"] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("autograd_nb time / torch time (lower is better)")
    ax.set_title("conv2d, float32, same process")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=0, help="pin torch and BLAS to N threads (0: default)")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="three shapes only")
    ap.add_argument("--out-dir", default=str(Path(__file__).parent / "results"))
    ap.add_argument("--no-plot", action="store_true")
    args = ap.parse_args(argv)
    if args.threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
        import torch
        torch.set_num_threads(args.threads)
    rows = measure(QUICK if args.quick else SHAPES, args.repeat)
    info = (f"- load average {os.getloadavg()[0]:.2f}, threads: {args.threads or 'default'}, "
            f"{args.repeat} paired repeats per figure, padding k // 2, float32")
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "conv_shapes.md").write_text(markdown(rows, info))
    (out / "conv_shapes.json").write_text(json.dumps({"info": info, "rows": rows}, indent=1))
    if not args.no_plot:
        plot(rows, out / "conv_shapes.png")
    print(f"wrote {out / 'conv_shapes.md'}")


if __name__ == "__main__":
    main()
