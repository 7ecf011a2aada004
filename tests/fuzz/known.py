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
    Known("PyTorch: addcmul near float64's largest value: its compiled kernel fuses value * t1 * t2 + self "
          "(a fused multiply-add where the CPU has one), so the product may exceed the largest float without "
          "overflowing; numpy rounds the product first (inf). CPU- and build-dependent", "torch",
          r"^value: v\d+: .*e\+308.* vs .*\binf\b.* @ \{g\}T\.addcmul\("),
    Known("PyTorch: a 0-d result of max/min(dim) indexed out of bounds names size 1 (it is made as a squeezed "
          "view of a 1-element result); other 0-d tensors, ours included, say size 0", "torch",
          r"^error-message: IndexError: index -?\d+ is out of bounds for dimension 0 with size 1 vs IndexError: "
          r"index -?\d+ is out of bounds for dimension 0 with size 0"),
    Known("PyTorch: remainder/fmod of a float64 whose quotient overflows (-1.8e308 % 0.25) is nan in its "
          "vector kernel (8 doubles at a time on AVX-512, 4 on AVX2) but the exact fmod (-0.0) in its scalar "
          "tail loop, so the result depends on the element's position and the CPU; ours is always the exact "
          "fmod", "torch",
          r"^value: v\d+: .*\bnan\b.* vs (?!.*\bnan\b).* @ \{g\}(\{a\} % |\{s\} % |T\.remainder|\{a\}\.remainder|T\.fmod|\{a\}\.fmod)"),
    Known("BLAS: a matrix product whose terms overflow (float32's largest values times each other): "
          "whether the sum of +inf and -inf terms comes out nan or one inf depends on the BLAS kernel "
          "(its order and fused multiply-adds: numpy's OpenBLAS accumulates with FMA, torch's kernel does "
          "not); platform- and library-dependent", "torch",
          r"^value: v\d+: .*\bnan\b.* vs .*\binf\b.* @ \{g\}(\{A\} @ \{A\}|T\.(matmul|mm|mv|dot)\()"),
    Known("PyTorch: add/sub with alpha computes self + alpha * other as one fused multiply-add where the "
          "CPU has FMA (its vector kernel's fmadd; the scalar loop as the compiler contracts it), so "
          "alpha * other may exceed the largest float without overflowing (-inf - 2 * -3.4e38 is -inf); "
          "numpy rounds the product first (inf - inf = nan). CPU- and build-dependent", "torch",
          r"^value: v\d+: .*\binf\b.* vs .*\bnan\b.* @ \{g\}T\.(add|sub)\(\{a\}, \{[bx]\}, alpha="),
    # --- ops still open --------------------------------------------------------------------
    Known("second order of prod along a dim holding a zero: PyTorch's prod_safe_zeros_backward builds the "
          "products of the others from exclusive cumprods (cat/flip/cumprod: CumprodBackward0 nodes), whose "
          "backward spreads a NaN of the slice onto the zero's second-order gradient; ours multiplies the rows "
          "out with where/prod (there is no cumprod op yet), so the zero's gradient stays finite", "ops",
          r"^grad\.value: v\d+\.grad: \[.*\bnan\b.*\] vs \[(?!.*\bnan\b).*\] @ "),
]


def classify(kind: str, detail: str, label: str = "") -> Known | None:
    """The known cause of a mismatch, searched in ``"kind: detail @ label"``."""
    text = f"{kind}: {detail} @ {label}"
    for k in KNOWN:
        if k.matches(text):
            return k
    return None
