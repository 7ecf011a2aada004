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
    Known("the in-place error names the overload (ClampMax1, Min1): node.py's short names", "engine",
          r"which is output \d+ of (\w+)\d, is at version .* vs RuntimeError: .*which is output \d+ of \1,"),
    Known("a .grad set by create_graph backward is an expanded read-only array, then added to in place",
          "engine", r"ours raised ValueError: output array is read-only @ .*backward"),
    # --- the Tensor class (autograd_nb/_tensor.py) ----------------------------------------
    Known("detach_() on a view is accepted (PyTorch: Can't detach views in-place)", "tensor",
          r"torch raised RuntimeError: Can't detach views in-place"),
    Known("reading is_leaf/grad_fn of a no_grad view changed in place raises", "tensor",
          r"^is_leaf: v\d+: True vs RuntimeError: A view was created in no_grad mode"),
    # --- nn.functional (autograd_nb/nn/_losses.py) ----------------------------------------
    Known("kl_div accepts integer inputs (PyTorch: Integral inputs not supported)", "nn",
          r"kl_div: Integral inputs not supported"),
    Known("cosine_similarity: broadcasting of the operands and its dtype error", "nn",
          r"@ \{g\}F\.cosine_similarity|expected common dtype to be floating point"),
    Known("cross_entropy's label_smoothing error prints 2.0 where PyTorch prints 2", "nn",
          r"label_smoothing must be between 0.0 and 1.0. Got: (\d+) vs .*Got: \1\.0"),
    Known("cross_entropy checks label_smoothing before the target's dtype", "nn",
          r"Expected floating point type for target with class probabilities, got \w+ vs RuntimeError: "
          r"label_smoothing"),
    Known("kl_div(reduction='batchmean') of a 0-d input records DivBackward0 (PyTorch: SumBackward0)", "nn",
          r"^grad_fn: v\d+: SumBackward0 vs DivBackward0 @ .*kl_div"),
    # --- ops still open --------------------------------------------------------------------
    Known("copy_ (ops/convert.py, not changed here): broadcast and overlap errors", "ops",
          r"output with shape \[[\d, ]*\] doesn't match the broadcast shape .* vs (RuntimeError: The size|"
          r"ValueError: cannot broadcast)"),
    Known("an in-place op on a view of a split/unbind output: the base keeps its node in PyTorch", "ops",
          r"^grad_fn: v\d+: \w+Backward\d vs CopySlices"),
    Known("masked assignment of a NaN into an integer tensor: PyTorch's overflow error", "ops",
          r"value cannot be converted to type int64_t without overflow"),
]


def classify(kind: str, detail: str, label: str = "") -> Known | None:
    """The known cause of a mismatch, searched in ``"kind: detail @ label"``."""
    text = f"{kind}: {detail} @ {label}"
    for k in KNOWN:
        if k.matches(text):
            return k
    return None
