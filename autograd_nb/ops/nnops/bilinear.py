"""The bilinear form behind ``nn.Bilinear``: ``out[n, k] = x1[n] . W[k] . x2[n]``.

PyTorch computes it with its general ``_trilinear`` op (node ``TrilinearBackward0``);
here the one case ``nn.Bilinear`` needs is written out. Each input's gradient
contracts the other two factors with the output gradient ``g``:

    grad_x1[n, i] = sum_k g[n, k] (W[k] @ x2[n])[i]
    grad_W[k]     = sum_n g[n, k] outer(x1[n], x2[n])
    grad_x2[n, j] = sum_k g[n, k] (x1[n] @ W[k])[j]

all with tensor ops, so higher order works.
"""
from __future__ import annotations

from ... import _backend as B
from ..._tensor import Tensor
from .._core import OpNode, record


class TrilinearBackward0(OpNode):
    """out[n, k] = x1[n] . W[k] . x2[n]: each factor's gradient contracts the other two
    with the output gradient (the fields say how PyTorch's _trilinear lays the three out).

    grad_i1 = sum over k of grad[n, k] * (W[k] @ x2[n])
    grad_i2 = sum over n of grad[n, k] * outer(x1[n], x2[n])
    grad_i3 = sum over k of grad[n, k] * (x1[n] @ W[k])
    """
    saved_names = ("i1", "i2", "i3")
    fields = ("expand1", "expand2", "expand3", "sumdim")

    def backward(self, g):
        x1, w, x2 = (s.unpack() for s in self._saved)
        need = [e[0] is not None for e in self.next_functions]
        gk = g.t()                                          # (K, N)
        g1 = g2 = g3 = None
        if need[0]:
            g1 = (w.matmul(x2.t()) * gk.unsqueeze(1)).sum(0).t()        # (K, I, N) -> (N, I)
        if need[1]:
            g2 = (gk.unsqueeze(2) * x1.unsqueeze(0)).transpose(1, 2).matmul(x2)   # (K, I, J)
        if need[2]:
            g3 = (x1.matmul(w) * gk.unsqueeze(2)).sum(0)                  # (K, N, J) -> (N, J)
        return g1, g2, g3


def bilinear_2d(x1: Tensor, weight: Tensor, x2: Tensor) -> Tensor:
    """``(N, I), (K, I, J), (N, J) -> (N, K)``."""
    xp = B.xp_of(x1._data)
    # (K, N, J): x1 through each W[k], then the dot product with x2
    out = (xp.matmul(x1._data, weight._data) * x2._data).sum(axis=2, dtype=x1._data.dtype).T   # (int32 stays)
    return record(xp.ascontiguousarray(out), TrilinearBackward0, (x1, weight, x2), saved=(x1, weight, x2),
                  expand1=(1, 3), expand2=(0,), expand3=(1, 2), sumdim=(2, 3))
