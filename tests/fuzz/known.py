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
    # --- PyTorch's own quirks (not ours to copy) --------------------------------------------
    Known("PyTorch: a 0-d loss result indexed with -1 says 'select() cannot be applied'", "torch",
          r"select\(\) cannot be applied to a 0-dim tensor\. vs IndexError: index -?\d+ is out of bounds"),
    Known("PyTorch: internal assert on a bool number base (pow(False, x))", "torch",
          r"INTERNAL ASSERT FAILED"),
    Known("PyTorch: backward(inputs=...) of a 0-d mean raises an out= error", "torch",
          r"functions with out=\.\.\. arguments don't support automatic differentiation"),
    Known("PyTorch: gelu(inf) is nan", "torch", r"^value: .*\bnan\b.* vs .*\binf\b.* @ \{g\}F\.gelu"),
    Known("PyTorch: gelu near float32's largest value overflows to inf in its vector kernel", "torch",
          r"^value: .*\binf\b.* vs .*3\.40282\d*e\+38.* @ \{g\}F\.gelu"),
    Known("PyTorch: index_fill_ of an empty tensor at index 0 fails inside (setStorage ... out of bounds)", "torch",
          r"setStorage: sizes \[[\d, ]*\], strides .* out of bounds for storage of size 0( vs IndexError| @ )"),
    # --- ops still open --------------------------------------------------------------------
    Known("an inference tensor saved by an op whose arguments are also wrong (x.pow_(t) with t an inference "
          "tensor of another shape, huber_loss(t, x, delta=-1)): PyTorch saves an op's inputs before its kernel "
          "checks the arguments, so it names the inference tensor first; our ops check first and save when they "
          "record (what a node saves is declared with the node only: issue #19 will let the check run first)",
          "ops", r"^error-(message|type): RuntimeError: Inference tensors cannot be saved for backward.* vs "),
    Known("an in-place op on an integer or bool tensor that has a history (after b.gt_(x) with x requiring "
          "grad): PyTorch's in-place autograd kernel saves a copy of self (self.clone()) for ops whose gradient "
          "reads self (mul_, abs_, ...), and that copy, an integer result with history, raises 'Autograd not "
          "support dtype' before the op's own checks; we raise the op's error", "ops",
          r"^(error-(message|type): |no-error: torch raised )RuntimeError: Autograd not support dtype: \w+( vs | @ )"),
    Known("var/std of float32 values near float32's largest: PyTorch's kernel overflows to inf, ours (which "
          "accumulates in double) does not", "ops",
          r"^value: v\d+: inf vs [0-9.e+]+ @ \{g\}(T\.)?(std|var)\("),
    Known("the node an op with a number records when its only tensor input is an inference tensor: the number "
          "op never reaches autograd there, and PyTorch's fallback calls the Tensor form with the number wrapped "
          "(x.remainder(2) records RemainderBackward1, 2 - x SubBackward0, 5 % x saves x and refuses it); we "
          "record the number form's node", "ops",
          r"^grad_fn: v\d+: (RemainderBackward1|FmodBackward1|SubBackward0) vs (RemainderBackward0|FmodBackward0|"
          r"RsubBackward1)|^no-error: torch raised RuntimeError: Inference tensors cannot be saved for backward.* @ "
          r"\{g\}\{s\} % \{a\}"),
]


def classify(kind: str, detail: str, label: str = "") -> Known | None:
    """The known cause of a mismatch, searched in ``"kind: detail @ label"``."""
    text = f"{kind}: {detail} @ {label}"
    for k in KNOWN:
        if k.matches(text):
            return k
    return None
