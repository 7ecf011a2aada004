"""The numpy floors: forward, backward and SGD written out by hand.

A floor is the fastest plain-numpy formulation of a training step we can write: no
graph, no tensor objects, buffers reused, layouts chosen for speed (the conv net keeps
its activations channels-last and its weights as ready-made matrices). autograd_nb
runs the same numpy kernels underneath, so ``autograd_nb / floor`` is the price of the
autograd machinery itself. ``tests/test_benchmarks_smoke.py`` checks each floor's
gradients against PyTorch.

Weights come in and gradients go out in PyTorch's layouts (``Linear.weight`` is
``(out, in)``, ``Conv2d.weight`` is ``(out, in, kh, kw)``); ``grads()`` converts.

Each floor takes the array module it runs on (``xp``): numpy, or CuPy for the floor of
the GPU workload (``benchmarks/gpu.py``), the same code on device arrays.
"""
from __future__ import annotations

from typing import Any

import numpy as np


def cross_entropy(logits: Any, target: Any, xp: Any = np) -> tuple[Any, Any]:
    """Mean cross entropy of ``logits`` (N, K) against class indices, and d loss / d logits.

    The loss is a 0-d array (``float()`` it to read it: on a GPU that waits for the step).
    """
    n = logits.shape[0]
    rows = xp.arange(n)
    z = logits - logits.max(axis=1, keepdims=True)
    e = xp.exp(z)
    s = e.sum(axis=1, keepdims=True)
    loss = xp.log(s).mean() - z[rows, target].mean()
    e /= s                                   # softmax, in place
    e[rows, target] -= 1.0
    e *= 1.0 / n
    return loss, e


class MLPFloor:
    """Linear layers with ReLU between them; weights ``(out, in)`` as in PyTorch."""

    def __init__(self, weights: list[np.ndarray], biases: list[np.ndarray], lr: float,
                 xp: Any = np) -> None:
        self.xp = xp
        self.W = [xp.array(w, dtype=np.float32) for w in weights]
        self.b = [xp.array(b, dtype=np.float32) for b in biases]
        self.lr = np.float32(lr)

    def _acts(self, x: np.ndarray) -> list[np.ndarray]:
        """The input and every layer's output (ReLU applied in place), logits last."""
        acts = [x]
        last = len(self.W) - 1
        for i, (w, b) in enumerate(zip(self.W, self.b)):
            h = acts[-1] @ w.T
            h += b
            if i < last:
                self.xp.maximum(h, 0, out=h)
            acts.append(h)
        return acts

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self._acts(x)[-1]

    def _grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, list, list]:
        acts = self._acts(x)
        last = len(self.W) - 1
        loss, g = cross_entropy(acts[-1], y, self.xp)
        gW: list = [None] * len(self.W)
        gb: list = [None] * len(self.W)
        for i in range(last, -1, -1):
            a = acts[i]
            gW[i] = g.T @ a
            gb[i] = g.sum(axis=0)
            if i:
                g = g @ self.W[i]
                g *= a > 0                           # ReLU: a is the layer's output
        return loss, gW, gb

    def grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, list, list]:
        """Loss (a float) and gradients (PyTorch layouts) without updating."""
        loss, gW, gb = self._grads(x, y)
        return float(loss), gW, gb

    def step(self, x: Any, y: Any) -> Any:
        """One SGD step: forward, cross entropy, backward, ``p -= lr * grad``."""
        loss, gW, gb = self._grads(x, y)
        lr = self.lr
        for w, b, dw, db in zip(self.W, self.b, gW, gb):
            dw *= lr
            w -= dw
            db *= lr
            b -= db
        return loss


CHUNK_BYTES = 1 << 21     # as autograd_nb's patches.CHUNK_BYTES: columns built a cache-sized chunk at a time


class GridConv:
    """3x3 convolutions (padding 1) on images flattened on their zero-bordered grid of
    width ``W + 2``: there a kernel offset (a, b) moves every window by one constant
    shift ``a * (W + 2) + b``, so each offset's view of all windows is one slice.
    The products are autograd_nb's (``patches.shifted_product``), a cache-sized chunk of
    images at a time: many channels (16+) take one product per offset straight from
    the slice, few copy the 9 slices into columns for one product. Each output row
    carries 2 extra entries (windows wrapping around the row's end)."""

    def __init__(self, hw: tuple[int, int], xp: Any = np) -> None:
        self.xp = xp
        self.h, self.w = hw
        self.wp = self.w + 2                                    # the grid's width
        self.length = self.h * self.wp                          # one channel's grid, flattened
        self.shifts = [a * self.wp + b for a in range(3) for b in range(3)]

    def _chunks(self, n: int, channels: int) -> list[slice]:
        """Slices of the batch whose columns (``channels`` deep) fit ``CHUNK_BYTES``."""
        step = min(n, max(1, CHUNK_BYTES // (channels * 9 * self.length * 4)))
        return [slice(s, s + step) for s in range(0, n, step)]

    def _conv(self, src: Any, wm: Any, out: Any, shifts: list[int]) -> None:
        """``out = sum over offsets t of wm[:, :, t] @ src[:, :, shift_t : shift_t + L]``,
        chunk by chunk, by autograd_nb's two routes (``patches.shifted_product``): few
        channels (conv1's 3) copy the 9 slices into columns for one product; many (16,
        32) take one product per offset straight from the slice, added up."""
        xp, L, c = self.xp, self.length, src.shape[1]
        wk = wm.reshape(wm.shape[0], c, 9)
        for sl in self._chunks(src.shape[0], c):
            part = src[sl]
            if c < 16:
                cols = xp.empty((part.shape[0], c, 9, L), np.float32)
                for t, sh in enumerate(shifts):
                    cols[:, :, t] = part[:, :, sh:sh + L]
                xp.matmul(wm, cols.reshape(part.shape[0], -1, L), out=out[sl])
                continue
            tmp = None
            for t, sh in enumerate(shifts):
                if t == 0:
                    xp.matmul(wk[:, :, 0], part[:, :, sh:sh + L], out=out[sl])
                else:
                    tmp = xp.matmul(wk[:, :, t], part[:, :, sh:sh + L], out=tmp)
                    out[sl] += tmp

    def _weight_grad(self, g: Any, src: Any) -> Any:
        """Per offset t, ``sum over images of g @ src[:, :, shift_t : shift_t + L]^T``: small
        ``(O x C)`` products read straight from the slices (g is 0 under the extras)."""
        L, c = self.length, src.shape[1]
        acc = self.xp.zeros((g.shape[1], c, 9), np.float32)
        for sl in self._chunks(g.shape[0], c):
            for t, sh in enumerate(self.shifts):
                acc[:, :, t] += self.xp.matmul(g[sl], src[sl, :, sh:sh + L].swapaxes(1, 2)).sum(0)
        return acc.reshape(g.shape[1], -1)


class Conv2dFloor(GridConv):
    """One 3x3 conv, padding 1, no bias, ``(N, C, H, W) -> (N, O, H, W)`` (the forward-alone
    row): the input copied onto its bordered grid, the products, the extra entries cut off."""

    def __init__(self, w: np.ndarray, hw: tuple[int, int], xp: Any = np) -> None:
        super().__init__(hw, xp)
        self.W = xp.asarray(np.asarray(w, np.float32).reshape(w.shape[0], -1).copy())
        self._buf: dict = {}

    def __call__(self, x: Any) -> Any:
        (n, c), h, w, wp = x.shape[:2], self.h, self.w, self.wp
        if n not in self._buf:
            self._buf[n] = (self.xp.zeros((n, c, (h + 2) * wp + 2), np.float32),
                            self.xp.empty((n, self.W.shape[0], self.length), np.float32))
        src, out = self._buf[n]
        src[:, :, :(h + 2) * wp].reshape(n, c, h + 2, wp)[:, :, 1:-1, 1:-1] = x
        self._conv(src, self.W, out, self.shifts)
        return self.xp.ascontiguousarray(out.reshape(n, -1, h, wp)[..., :w])


class ConvNetFloor(GridConv):
    """Conv(3,16,3,p1)-ReLU-Conv(16,32,3,p1)-ReLU-Flatten-Linear, no biases (seed 003).

    autograd_nb's conv formulation (``patches.correlate``, here ``GridConv``) written out
    for this net, every activation kept on its bordered grid between layers. The extra
    entries of each output row are zeroed; then

    * conv1's output drops into conv2's bordered input as ONE contiguous block (its extra
      entries land exactly on the border);
    * the linear weight is stored on the grid too, zeros under the extra entries, so
      nothing is ever cropped;
    * conv2's input gradient is its output gradient correlated with the flipped kernel:
      the same shifted products, shifted the other way;
    * the weight gradients are per-offset products of the gradient with the same slices.

    Weights are kept as matrices (``(O, C*9)`` is PyTorch's ``(O, C, 3, 3)`` flattened).
    """

    def __init__(self, w1: np.ndarray, w2: np.ndarray, w3: np.ndarray, hw: tuple[int, int],
                 lr: float, xp: Any = np) -> None:
        super().__init__(hw, xp)
        self.c1, self.c2 = w1.shape[0], w2.shape[0]
        self.k = w3.shape[0]
        self.W1 = xp.asarray(np.asarray(w1, np.float32).reshape(self.c1, -1).copy())
        self.W2 = xp.asarray(np.asarray(w2, np.float32).reshape(self.c2, -1).copy())
        lin = np.zeros((self.k, self.c2, self.h, self.wp), np.float32)
        lin[..., :self.w] = np.asarray(w3, np.float32).reshape(self.k, self.c2, self.h, self.w)
        self.W3 = xp.asarray(lin.reshape(self.k, -1))
        self.lr = np.float32(lr)
        self._buf: dict = {}

    def _buffers(self, n: int) -> dict:
        """Work arrays for a batch of ``n``, reused step after step (borders stay 0)."""
        if n not in self._buf:
            xp, L, f = self.xp, self.length, np.float32
            size = (self.h + 2) * self.wp + 2                   # bordered grid + the last shift's tail
            self._buf[n] = {
                "x1": xp.zeros((n, 3, size), f), "x2": xp.zeros((n, self.c1, size), f),
                "z1": xp.empty((n, self.c1, L), f), "z2": xp.empty((n, self.c2, L), f),
                "gpad": xp.zeros((n, self.c2, L + 2 * self.wp + 2), f),
                "dx2": xp.empty((n, self.c1, L), f)}
        return self._buf[n]

    def _forward(self, x: Any) -> tuple:
        n, h, w, wp, L = x.shape[0], self.h, self.w, self.wp, self.length
        b = self._buffers(n)
        b["x1"][:, :, :(h + 2) * wp].reshape(n, 3, h + 2, wp)[:, :, 1:-1, 1:-1] = x
        self._conv(b["x1"], self.W1, b["z1"], self.shifts)
        z1 = b["z1"]
        z1.reshape(n, self.c1, h, wp)[..., w:] = 0                 # the wrapped windows
        a1 = b["x2"][:, :, wp + 1:wp + 1 + L]                      # conv2's input, inside the border
        self.xp.maximum(z1, 0, out=a1)                             # ReLU straight into it
        self._conv(b["x2"], self.W2, b["z2"], self.shifts)
        a2 = b["z2"]
        self.xp.maximum(a2, 0, out=a2)
        a2.reshape(n, self.c2, h, wp)[..., w:] = 0
        flat = a2.reshape(n, -1)                                   # (c, h, grid width) order
        return a1, a2, flat, flat @ self.W3.T

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self._forward(x)[-1]

    def _grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, Any, Any, Any]:
        n, wp, L = x.shape[0], self.wp, self.length
        a1, a2, flat, logits = self._forward(x)
        b = self._buffers(n)
        loss, g = cross_entropy(logits, y, self.xp)
        g3 = g.T @ flat                                            # (k, c2 * L), 0 under the extras
        dz2 = (g @ self.W3).reshape(n, self.c2, L)
        dz2 *= a2 > 0
        g2 = self._weight_grad(dz2, b["x2"])                       # (c2, c1 * 9)
        # conv2's input gradient: dz2 (bordered) correlated with the flipped kernel; the
        # matrix is W2 with its channel axes swapped, the flip is in the shifts
        gpad = b["gpad"]
        gpad[:, :, wp + 1:wp + 1 + L] = dz2
        flipped = [(2 - a) * wp + (2 - c) for a in range(3) for c in range(3)]
        wf = self.W2.reshape(self.c2, self.c1, 9).transpose(1, 0, 2).reshape(self.c1, -1)
        self._conv(gpad, wf, b["dx2"], flipped)
        dz1 = b["dx2"]
        dz1 *= a1 > 0                                              # (0 under the extras too)
        g1 = self._weight_grad(dz1, b["x1"])                       # (c1, 27); no dx for the input
        return loss, g1, g2, g3

    def torch_layout(self, m1: Any, m2: Any, m3: Any) -> list:
        """Three arrays in this floor's matrix layout (its weights, or their gradients)
        back in PyTorch's layouts: (out, in, kh, kw) for the convs, (k, c*h*w) for the linear."""
        lin = m3.reshape(self.k, self.c2, self.h, self.wp)[..., :self.w].reshape(self.k, -1)
        return [m1.reshape(self.c1, 3, 3, 3), m2.reshape(self.c2, self.c1, 3, 3), lin]

    def grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, list]:
        """Loss and gradients of the three weights in PyTorch's layouts."""
        loss, g1, g2, g3 = self._grads(x, y)
        return float(loss), self.torch_layout(g1, g2, g3)

    def step(self, x: Any, y: Any) -> Any:
        loss, g1, g2, g3 = self._grads(x, y)
        lr = self.lr
        for p, g in ((self.W1, g1), (self.W2, g2), (self.W3, g3)):
            g *= lr
            p -= g
        return loss
