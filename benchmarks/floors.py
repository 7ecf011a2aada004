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


def _im2col(padded: Any, h: int, w: int, xp: Any = np) -> Any:
    """Patches of a padded NHWC buffer as rows ``(N*H*W, 3*3*C)``, ordered (kh, kw, c).

    The patches are a strided view of the buffer (N, H, W, kh, kw, C: one window per
    output pixel); the reshape copies them out in one pass.
    """
    n, c = padded.shape[0], padded.shape[3]
    sn, sh, sw, sc = padded.strides
    win = xp.lib.stride_tricks.as_strided(padded, (n, h, w, 3, 3, c), (sn, sh, sw, sh, sw, sc))
    return win.reshape(n * h * w, 9 * c)


class ConvNetFloor:
    """Conv(3,16,3,p1)-ReLU-Conv(16,32,3,p1)-ReLU-Flatten-Linear, no biases (seed 003).

    Activations are kept channels-last (NHWC) so that im2col copies contiguous runs,
    conv weights as ``(9*C_in, C_out)`` matrices and the linear weight in (h, w, c)
    order, so that every layer is one matmul.
    """

    def __init__(self, w1: np.ndarray, w2: np.ndarray, w3: np.ndarray, hw: tuple[int, int],
                 lr: float, xp: Any = np) -> None:
        self.xp = xp
        self.h, self.w = hw
        self.c1, self.c2 = w1.shape[0], w2.shape[0]
        self.k = w3.shape[0]
        self.W1 = self._conv_matrix(w1)
        self.W2 = self._conv_matrix(w2)
        self.W3 = xp.asarray(np.ascontiguousarray(
            np.asarray(w3, np.float32).reshape(self.k, self.c2, self.h, self.w)
            .transpose(2, 3, 1, 0).reshape(-1, self.k)))
        self.lr = np.float32(lr)
        self._buf: dict = {}

    def _conv_matrix(self, w: np.ndarray) -> Any:
        o, i = w.shape[:2]
        return self.xp.asarray(np.ascontiguousarray(
            np.asarray(w, np.float32).transpose(2, 3, 1, 0).reshape(9 * i, o)))

    def _padded(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Zero-bordered NHWC input buffers of both convs (reused: borders stay 0)."""
        if n not in self._buf:
            xp = self.xp
            self._buf[n] = (xp.zeros((n, self.h + 2, self.w + 2, 3), np.float32),
                            xp.zeros((n, self.h + 2, self.w + 2, self.c1), np.float32))
        return self._buf[n]

    def _forward(self, x: np.ndarray) -> tuple:
        n, h, w = x.shape[0], self.h, self.w
        xp1, xp2 = self._padded(n)
        xp1[:, 1:-1, 1:-1, :] = x.transpose(0, 2, 3, 1)
        cols1 = _im2col(xp1, h, w, self.xp)
        z1 = cols1 @ self.W1                                   # (NHW, c1)
        a1 = xp2[:, 1:-1, 1:-1, :]
        self.xp.maximum(z1.reshape(n, h, w, self.c1), 0, out=a1)   # ReLU into conv2's input
        cols2 = _im2col(xp2, h, w, self.xp)
        a2 = cols2 @ self.W2                                   # (NHW, c2)
        self.xp.maximum(a2, 0, out=a2)
        flat = a2.reshape(n, -1)                               # (h, w, c) order
        return cols1, a1, cols2, a2, flat, flat @ self.W3

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self._forward(x)[-1]

    def _grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        n, h, w = x.shape[0], self.h, self.w
        cols1, a1, cols2, a2, flat, logits = self._forward(x)
        loss, g = cross_entropy(logits, y, self.xp)
        g3 = flat.T @ g                                        # (HWC, k)
        dz2 = (g @ self.W3.T).reshape(n * h * w, self.c2)
        dz2 *= a2 > 0
        g2 = cols2.T @ dz2                                     # (9*c1, c2)
        # col2im fused with its matmul: each kernel offset's share of d cols is one
        # (NHW, c2) @ (c2, c1) product added at its shift (faster than building all of
        # d cols and then scattering it)
        w2 = self.W2.reshape(3, 3, self.c1, self.c2)
        dxp = self.xp.zeros((n, h + 2, w + 2, self.c1), np.float32)
        for kh in range(3):
            for kw in range(3):
                dxp[:, kh:kh + h, kw:kw + w, :] += (dz2 @ w2[kh, kw].T).reshape(n, h, w, self.c1)
        dz1 = dxp[:, 1:-1, 1:-1, :]
        dz1 *= a1 > 0
        g1 = cols1.T @ dz1.reshape(n * h * w, self.c1)         # (27, c1); no dx for the input
        return loss, g1, g2, g3

    def torch_layout(self, m1: Any, m2: Any, m3: Any) -> list:
        """Three arrays in this floor's matrix layout (its weights, or their gradients)
        back in PyTorch's layouts: (out, in, kh, kw) for the convs, (k, c*h*w) for the linear."""
        def conv(m: Any, i: int) -> Any:
            return m.reshape(3, 3, i, -1).transpose(3, 2, 0, 1)
        lin = m3.reshape(self.h, self.w, self.c2, self.k).transpose(3, 2, 0, 1).reshape(self.k, -1)
        return [conv(m1, 3), conv(m2, self.c1), lin]

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
