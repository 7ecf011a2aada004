"""``nn.AdaptiveLogSoftmaxWithLoss``: a softmax over many classes, paid for by the frequent ones.

With a vocabulary of 100,000 words, a full softmax multiplies every hidden vector by a
100,000-row matrix, although most targets are a few thousand frequent words. The
adaptive softmax (Grave et al., 2016, "Efficient softmax approximation for GPUs")
splits the classes, sorted by frequency, at ``cutoffs``:

* the **head** scores the frequent classes ``[0, cutoffs[0])`` plus one extra
  "class" per rarer cluster: ``head = Linear(in_features, cutoffs[0] + n_clusters)``;
* cluster ``i`` (classes ``[cutoffs[i], cutoffs[i+1])``) has its own small **tail**:
  ``Sequential(Linear(in_features, hsz, bias=False), Linear(hsz, osz, bias=False))``
  whose hidden size ``hsz = in_features // div_value ** (i + 1)`` shrinks for rarer
  clusters (less capacity where there is less data).

The probability of a rare class ``c`` in cluster ``i`` is a chain:
``P(c) = P(cluster i | head) * P(c | cluster i)``, so its log-probability is the sum
of two log-softmaxes. ``forward(input, target)`` computes only the terms the targets
need: for each cluster, the rows whose target falls in it go through that cluster's
tail (``index_select``), and their within-cluster log-probabilities are written into
the output (``index_copy_``); then every row adds the head's log-probability of its
target (a frequent class, or the cluster it belongs to). ``loss`` is the mean of
``-output``. ``log_prob(input)`` builds the full ``(N, n_classes)`` table and
``predict(input)`` its argmax. The graph recorded is PyTorch's, node for node.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Sequence

from .._tensor import Tensor
from . import functional as F
from .containers import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Efficient softmax over ``n_classes`` classes sorted by frequency (frequent first).

    ``cutoffs`` (increasing, each in ``1 .. n_classes - 1``) split the classes into a
    shortlist ``[0, cutoffs[0])`` scored by ``head`` and clusters scored by the
    ``tail`` projections (see the module docstring). ``forward(input, target)`` returns
    ``_ASMoutput(output, loss)``: ``output[i]`` is the log-probability of
    ``target[i]``, ``loss`` the mean negative log-likelihood.

    >>> asm = nn.AdaptiveLogSoftmaxWithLoss(16, 100, cutoffs=[10, 40])
    >>> out, loss = asm(torch.randn(8, 16), torch.randint(0, 100, (8,)))
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int], div_value: float = 4.0,
                 head_bias: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        ok = (cutoffs == sorted(cutoffs) and min(cutoffs) > 0 and max(cutoffs) <= n_classes - 1
              and len(set(cutoffs)) == len(cutoffs) and all(int(c) == c for c in cutoffs))
        if not ok:
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]               # each cluster ends where the next begins
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        # (created in this order so that a seeded run draws the same weights as PyTorch)
        self.head = Linear(in_features, self.head_size, bias=head_bias, device=device, dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, device=device, dtype=dtype),
                                        Linear(hidden, size, bias=False, device=device, dtype=dtype)))

    def reset_parameters(self) -> None:
        """Draw fresh weights, as ``__init__`` did (head first, then each tail in order)."""
        self.head.reset_parameters()
        for projection in self.tail:
            for layer in projection:
                layer.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        if target_.dim() == 1:
            if input_.size(0) != target_.size(0):
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input_.dim() != 2:
                raise RuntimeError("1D target tensor expects 2D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        elif target_.dim() == 0:
            if input_.dim() != 1:
                raise RuntimeError("0D target tensor expects 1D input tensors, but found inputs with size "
                                   f"{input_.size()}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = target_.dim() > 0
        input = input_ if batched else input_.unsqueeze(0)
        target = target_ if batched else target_.unsqueeze(0)

        n = target.size(0)
        output = input.new_zeros(n)                        # log P(target | its cluster), 0 for the shortlist
        head_target = target.new_empty(n)                  # what the head must score for each row
        covered = 0
        bounds = [0] + self.cutoffs
        for i, (low, high) in enumerate(zip(bounds[:-1], bounds[1:])):
            in_range = (target >= low) & (target < high)
            rows = in_range.nonzero().squeeze()
            if rows.numel() == 0:
                continue
            if i == 0:                                     # shortlist: the head scores the class itself
                head_target.index_copy_(0, rows, target[in_range])
            else:                                          # cluster i - 1: the head scores the cluster
                head_target.index_fill_(0, rows, self.shortlist_size + i - 1)
                logits = self.tail[i - 1](input.index_select(0, rows))
                within = F.log_softmax(logits, dim=1).gather(1, (target[in_range] - low).unsqueeze(1))
                output.index_copy_(0, rows, within.squeeze(1))
            covered += rows.numel()
        if covered != n:
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{target.min().item()}, {target.max().item()}] were found. ")
        head_logprob = F.log_softmax(self.head(input), dim=1)
        output += head_logprob.gather(1, head_target.unsqueeze(1)).squeeze()
        loss = (-output).mean()
        if not batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        """``(N, n_classes)``: the shortlist's log-probabilities from the head, each cluster's
        as ``log P(cluster) + log P(class | cluster)``."""
        out = input.new_empty((head_output.size(0), self.n_classes))
        head_logprob = F.log_softmax(head_output, dim=1)
        out[:, :self.shortlist_size] = head_logprob[:, :self.shortlist_size]
        for i, (start, stop) in enumerate(zip(self.cutoffs[:-1], self.cutoffs[1:])):
            within = F.log_softmax(self.tail[i](input), dim=1)
            out[:, start:stop] = within + head_logprob[:, self.shortlist_size + i].unsqueeze(1)
        return out

    def log_prob(self, input: Tensor) -> Tensor:
        """Log-probabilities of all ``n_classes`` classes for each row of ``(N, in_features)``."""
        return self._full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """The most probable class of each row (``log_prob(input).argmax(1)``, computed only
        for the rows whose head prefers a cluster over every shortlist class)."""
        head_output = self.head(input)
        best = head_output.argmax(dim=1)
        rare = best >= self.shortlist_size
        if not rare.any():
            return best
        if rare.all():
            return self._full_log_prob(input, head_output).argmax(dim=1)
        best[rare] = self._full_log_prob(input[rare], head_output[rare]).argmax(dim=1)
        return best
