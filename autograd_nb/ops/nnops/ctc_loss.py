"""Connectionist temporal classification: the loss of a label sequence over all its alignments.

``log_probs`` ``(T, N, C)`` scores each class at each time step; a target ``l`` of
length ``S`` may be emitted over ``T >= S`` steps in many ways (repeats merged, ``blank``
between). Put a blank around every label (``l'``, length ``2S + 1``); the forward
variable ``alpha[t, s]`` is the log probability of all alignments of ``l'[:s+1]`` over
steps ``0..t``:

    alpha[t, s] = logsumexp(alpha[t-1, s], alpha[t-1, s-1], alpha[t-1, s-2] if l'[s] is a
                  label other than l'[s-2]) + log_probs[t, l'[s]]

and the loss is ``-logsumexp(alpha[T-1, 2S], alpha[T-1, 2S-1])``. The backward variable
``beta`` runs the same recursion from the end; PyTorch's gradient (``CtcLossBackward0``,
made for log-softmax inputs) is, for ``t`` within the input length,

    grad[t, c] = exp(log_probs[t, c]) - exp(logsumexp_{s: l'[s] = c}(alpha + beta)[t, s]
                                            + loss - log_probs[t, c])

The recursions loop over the time steps only, every sample and position at once.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..._tensor import Tensor
from .._core import OpNode, record
from ..pointwise import NoDerivative as _NoDerivative


def _extended(targets: Any, lengths: Any, blank: int) -> tuple[Any, Any]:
    """``l'`` per sample, ``(N, 2 S_max + 1)`` (blank-padded), and where ``l'[s]`` may be
    reached from ``s - 2`` (a label different from the one two back)."""
    n, s_max = lengths.shape[0], int(lengths.max(initial=0))
    ext = np.full((n, 2 * s_max + 1), blank, dtype=np.int64)
    for i in range(n):                                 # (a row per sample: the targets' layout)
        ext[i, 1:2 * lengths[i] + 1:2] = targets[i][:lengths[i]]
    skip = np.zeros(ext.shape, dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    return ext, skip


def _shift(a: Any, k: int) -> Any:
    """``a[..., s - k]`` at position ``s`` (-inf before the start); k < 0 looks ahead."""
    out = np.full(a.shape, -np.inf, dtype=a.dtype)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


def _lse(*parts: Any) -> Any:
    acc = parts[0]
    for p in parts[1:]:
        acc = np.logaddexp(acc, p)
    return acc


class CtcLossBackward0(OpNode):
    """PyTorch's gradient for log-softmax inputs: the probability of each class at each
    step minus its share of the alignments (alpha, kept from the forward, and beta, run
    back from the end), times the loss's gradient; none past a sample's input length.
    PyTorch defines no second derivative (a NotImplemented node).

    grad_log_probs = grad * (exp(log_probs) - exp(logsumexp over s with l'[s] = c of (alpha + beta) + loss - log_probs))
    """
    saved_names = ("log_probs", "targets", "result0", "result1")
    fields = ("blank", "input_lengths", "target_lengths", "zero_infinity", "_ext", "_skip")
    # (_ext: the blank-padded targets l' per sample; _skip: where l'[s] may follow l'[s - 2])

    def backward(self, g):
        blank, zero_inf, ext, skip = self.blank, self.zero_infinity, self._ext, self._skip
        in_len = np.asarray(self.input_lengths, dtype=np.int64)
        tg_len = np.asarray(self.target_lengths, dtype=np.int64)
        lp = self._saved[0].unpack()._data
        nll = self._saved[2].unpack()._data
        alpha = self._saved[3].unpack()._data
        t_max, n, _ = lp.shape
        rows = np.arange(n)
        lab = lp.transpose(1, 0, 2)[rows[:, None, None], np.arange(t_max)[None, :, None], ext[:, None, :]]
        length = 2 * tg_len + 1
        beta = np.full(alpha.shape, -np.inf, dtype=lp.dtype)             # (N, T, L)
        valid = np.arange(ext.shape[1])[None, :] < length[:, None]
        ends = np.arange(ext.shape[1])[None, :] >= length[:, None] - 2
        skip_ahead = np.zeros(skip.shape, dtype=bool)                   # s may go on to s + 2
        skip_ahead[:, :-2] = skip[:, 2:]
        for t in range(t_max - 1, -1, -1):
            last = (in_len - 1 == t)[:, None]
            nxt = beta[:, t + 1] if t + 1 < t_max else np.full(ext.shape, -np.inf, dtype=lp.dtype)
            step = _lse(nxt, _shift(nxt, -1), np.where(skip_ahead, _shift(nxt, -2), -np.inf))
            beta[:, t] = np.where(valid & (t < in_len)[:, None],
                                  np.where(last, np.where(ends, lab[:, t], -np.inf), step + lab[:, t]), -np.inf)
        lcab = np.full((n, t_max, lp.shape[2]), -np.inf, dtype=lp.dtype)
        ab = alpha + beta
        np.logaddexp.at(lcab, (rows[:, None, None], np.arange(t_max)[None, :, None], ext[:, None, :]), ab)
        lpn = lp.transpose(1, 0, 2)
        grad = np.exp(lpn) - np.exp(lcab + nll[:, None, None] - lpn)
        keep = (np.arange(t_max)[None, :] < in_len[:, None])[..., None]
        if zero_inf:
            keep = keep & np.isfinite(nll)[:, None, None]
        grad = np.where(keep, grad * g._data.reshape(n, 1, 1), 0).transpose(1, 0, 2)
        return record(np.ascontiguousarray(grad), _NoDerivative, (g, self._saved[0].unpack()),
                      _op="_ctc_loss_backward")


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any, blank: int,
             zero_infinity: bool) -> Tensor:
    """The loss per sample, ``(N,)`` (``nn.functional.ctc_loss`` reduces and checks)."""
    lp = log_probs._data
    t_max, n, _ = lp.shape
    tg = targets._data
    if tg.ndim == 1:                                   # concatenated targets: cut them per sample
        starts = np.concatenate([[0], np.cumsum(target_lengths)[:-1]]).astype(np.int64)
        rows = [tg[s:s + length] for s, length in zip(starts, target_lengths)]
    else:
        rows = list(tg)
    ext, skip = _extended(rows, target_lengths, blank)
    length = 2 * target_lengths + 1
    lab = lp.transpose(1, 0, 2)[np.arange(n)[:, None, None], np.arange(t_max)[None, :, None], ext[:, None, :]]
    alpha = np.full((n, t_max, ext.shape[1]), -np.inf, dtype=lp.dtype)
    first = np.arange(ext.shape[1])[None, :] < np.minimum(2, length)[:, None]
    alpha[:, 0] = np.where(first, lab[:, 0], -np.inf)
    valid = np.arange(ext.shape[1])[None, :] < length[:, None]
    for t in range(1, t_max):
        prev = alpha[:, t - 1]
        step = _lse(prev, _shift(prev, 1), np.where(skip, _shift(prev, 2), -np.inf))
        alpha[:, t] = np.where(valid & (t < input_lengths)[:, None], step + lab[:, t], -np.inf)
    end = alpha[np.arange(n), input_lengths - 1]
    last = np.take_along_axis(end, (length - 1)[:, None], 1)[:, 0]
    before = np.where(length > 1, np.take_along_axis(end, np.maximum(length - 2, 0)[:, None], 1)[:, 0], -np.inf)
    nll = -np.logaddexp(last, before)
    nll = nll.astype(lp.dtype, copy=False)           # (zero_infinity's zeros come after, as a where)
    return record(nll, CtcLossBackward0, (log_probs,), saved=(log_probs, targets, Tensor._wrap(nll), Tensor._wrap(alpha)),
                  blank=blank, input_lengths=tuple(int(v) for v in input_lengths),
                  target_lengths=tuple(int(v) for v in target_lengths), zero_infinity=zero_infinity, _ext=ext,
                  _skip=skip)
