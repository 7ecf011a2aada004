"""Differences the fuzzer knows about and does not count as new.

Each entry is one cause, matched by a regular expression on the mismatch's
``kind: detail`` text (the detail holds torch's and our error messages or values), with
who owns it: ``engine`` (autograd_nb/autograd/: another engineer's work in progress) or
``ops`` (open op-level causes, still to fix). A campaign prints known causes apart from
new ones; the CI test fails only on new ones, so every entry here is a documented,
still-open difference -- remove an entry when its cause is fixed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Known:
    name: str
    owner: str
    pattern: str

    def matches(self, text: str) -> bool:
        return re.search(self.pattern, text) is not None


KNOWN: list[Known] = [
    # --- engine (autograd_nb/autograd/) ------------------------------------------------
    Known("autograd.grad checks the outputs before the inputs", "engine",
          r"element 0 of tensors does not require grad and does not have a grad_fn vs "
          r"RuntimeError: One of the differentiated Tensors does not require grad"),
    Known("create_graph builds primitive ops where torch records *BackwardBackward nodes", "engine",
          r"^grad(\.grad)?_fn: .*(Backward\d*Backward\d|CopyBackwards|LogSoftmaxBackwardData|"
          r"SoftmaxBackwardData|BackwardBackward)"),
    Known("a graph is freed too eagerly (nodes the first pass never ran)", "engine",
          r"ours raised RuntimeError: Trying to backward through the graph a second time"),
    Known("autograd.grad does not fill a retained .grad", "engine", r"^grad: v\d+\.grad: tensor vs None"),
    Known("create_graph: gradients of relu/clamp/hardtanh come back not requiring grad", "engine",
          r"^requires_grad: v\d+: True vs False @ .*create_graph=True"),
]


def classify(kind: str, detail: str, label: str = "") -> Known | None:
    """The known cause of a mismatch, searched in ``"kind: detail @ label"``."""
    text = f"{kind}: {detail} @ {label}"
    for k in KNOWN:
        if k.matches(text):
            return k
    return None
