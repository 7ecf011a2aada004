"""Each backward node's local rule, in words and as a formula, for the stepper.

A node receives ``grad`` (the gradient of the final result with respect to the node's
output) and sends one gradient along each ``next_functions`` edge, one per input of
the forward op. The names are PyTorch's: ``self`` is the first input, ``other`` the
second; ``result`` is the op's own output. The formulas say what the rule in
``autograd_nb/ops/`` computes (before the engine sums a broadcast gradient back to the
input's shape).
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any

from ..autograd.node import NODE_CLASSES
from ..viz.summary import node_label

__all__ = ["Rule", "rule_for", "RULES"]


@dataclass(frozen=True)
class Rule:
    """``words``: the idea; ``inputs``: PyTorch's name of each forward input (in
    ``next_functions`` order); ``formulas``: one ``grad_<input> = ...`` per input."""

    words: str
    inputs: tuple[str, ...]
    formulas: tuple[str, ...]


def _r(words: str, *pairs: tuple[str, str]) -> Rule:
    return Rule(words, tuple(p[0] for p in pairs), tuple(f"grad_{a} = {b}" for a, b in pairs))


_UNARY_SAME = "The derivative of {f} is {d}, so the incoming gradient is multiplied by it."

RULES: dict[str, Rule] = {
    "AddBackward0": _r("Addition passes the gradient through unchanged to both inputs "
                       "(the second one scaled by alpha, usually 1).",
                       ("self", "grad"), ("other", "grad * alpha")),
    "SubBackward0": _r("Subtraction passes the gradient to the first input and its "
                       "negative to the second.", ("self", "grad"), ("other", "-grad * alpha")),
    "RsubBackward1": _r("number - self: the gradient comes back negated.",
                        ("self", "-grad * alpha")),
    "MulBackward0": _r("Product rule: each input gets the gradient times the other input "
                       "(saved during the forward pass for this purpose).",
                       ("self", "grad * other"), ("other", "grad * self")),
    "MulBackward1": _r("Multiplying by a number scales the gradient by that number.",
                       ("self", "grad * other")),
    "DivBackward0": _r("Quotient rule: d(a/b)/da = 1/b and d(a/b)/db = -a/b².",
                       ("self", "grad / other"), ("other", "-grad * self / other²")),
    "DivBackward1": _r("Dividing by a number divides the gradient by that number.",
                       ("self", "grad / other")),
    "NegBackward0": _r("Negation negates the gradient.", ("self", "-grad")),
    "PowBackward0": _r("Power rule: d(xⁿ)/dx = n·xⁿ⁻¹.",
                       ("self", "grad * exponent * self^(exponent - 1)")),
    "PowBackward1": _r("Power rule for the base; for the exponent d(aᵇ)/db = aᵇ·ln a.",
                       ("self", "grad * exponent * self^(exponent - 1)"),
                       ("exponent", "grad * result * log(self)")),
    "PowBackward2": _r("number ** exponent: d(cᵇ)/db = cᵇ·ln c.",
                       ("exponent", "grad * result * log(self)")),
    "ExpBackward0": _r("exp is its own derivative, so the saved result is reused.",
                       ("self", "grad * result")),
    "LogBackward0": _r(_UNARY_SAME.format(f="log x", d="1/x"), ("self", "grad / self")),
    "SqrtBackward0": _r(_UNARY_SAME.format(f="√x", d="1/(2√x)"), ("self", "grad / (2 * result)")),
    "SinBackward0": _r(_UNARY_SAME.format(f="sin x", d="cos x"), ("self", "grad * cos(self)")),
    "CosBackward0": _r(_UNARY_SAME.format(f="cos x", d="-sin x"), ("self", "-grad * sin(self)")),
    "TanhBackward0": _r(_UNARY_SAME.format(f="tanh x", d="1 - tanh²x"),
                        ("self", "grad * (1 - result²)")),
    "SigmoidBackward0": _r(_UNARY_SAME.format(f="σ(x)", d="σ(x)(1 - σ(x))"),
                           ("self", "grad * result * (1 - result)")),
    "ReluBackward0": _r("ReLU lets the gradient through where the output was positive and "
                        "blocks it elsewhere.", ("self", "grad * (result > 0)")),
    "AbsBackward0": _r(_UNARY_SAME.format(f="|x|", d="sign(x)"), ("self", "grad * sign(self)")),
    "ReciprocalBackward0": _r(_UNARY_SAME.format(f="1/x", d="-1/x²"),
                              ("self", "-grad * result²")),
    "SumBackward0": _r("Every element contributed once to the sum, so each gets the "
                       "(scalar) gradient: it is expanded back to the input's shape.",
                       ("self", "grad.expand(self.shape)")),
    "SumBackward1": _r("Summing over dims: the gradient is expanded back along those dims.",
                       ("self", "grad.unsqueeze(dim).expand(self.shape)")),
    "MeanBackward0": _r("Each of the N elements contributed 1/N of the mean.",
                        ("self", "grad.expand(self.shape) / N")),
    "MeanBackward1": _r("Mean over dims: expanded back along those dims, divided by their size.",
                        ("self", "grad.unsqueeze(dim).expand(self.shape) / N")),
    "MmBackward0": _r("Matrix product C = A·B: dA = dC·Bᵀ and dB = Aᵀ·dC.",
                      ("self", "grad @ mat2.T"), ("mat2", "self.T @ grad")),
    "MvBackward0": _r("Matrix-vector product y = A·v: dA = dy·vᵀ and dv = Aᵀ·dy.",
                      ("self", "outer(grad, vec)"), ("vec", "self.T @ grad")),
    "DotBackward0": _r("Dot product: each vector gets the gradient times the other vector.",
                       ("self", "grad * tensor"), ("tensor", "grad * self")),
    "AddmmBackward0": _r("Linear layer out = bias + x·Wᵀ (addmm): the bias gets the gradient "
                         "summed over the batch, the matrices get the matrix-product rule.",
                         ("self", "beta * grad (summed to the bias's shape)"),
                         ("mat1", "alpha * grad @ mat2.T"), ("mat2", "alpha * mat1.T @ grad")),
    "TBackward0": _r("Transposing: the gradient is transposed back.", ("self", "grad.t()")),
    "TransposeBackward0": _r("Transposing: the gradient is transposed back.",
                             ("self", "grad.transpose(dim0, dim1)")),
    "PermuteBackward0": _r("Permuting dims: the gradient is permuted back.",
                           ("self", "grad.permute(inverse of dims)")),
    "ViewBackward0": _r("A view only reshapes, so the gradient is reshaped back.",
                        ("self", "grad.reshape(self.shape)")),
    "ReshapeAliasBackward0": _r("A reshape: the gradient is reshaped back.",
                                ("self", "grad.reshape(self.shape)")),
    "UnsafeViewBackward0": _r("A reshape: the gradient is reshaped back.",
                              ("self", "grad.reshape(self.shape)")),
    "ExpandBackward0": _r("An expanded input was used several times, so the gradient is "
                          "summed over the expanded dims.", ("self", "grad.sum_to_size(self.shape)")),
    "CloneBackward0": _r("A copy: the gradient passes unchanged.", ("self", "grad")),
    "MseLossBackward0": _r("Mean squared error: d/dx mean((x - t)²) = 2(x - t)/N.",
                           ("self", "grad * 2 * (self - target) / N"),
                           ("target", "-grad * 2 * (self - target) / N")),
    "AccumulateGrad": Rule("The end of a path: the gradient is added into the leaf's .grad "
                           "(the first time it is stored as a copy).", (),
                           ("leaf.grad += grad   (the first time: leaf.grad = grad.clone())",)),
}


_FORMULA = re.compile(r"^grad_(\w+) = (.+)$")


def rule_of_class(cls: type) -> Rule | None:
    """The rule a node class declares in its docstring, or None if it declares none.

    The format (see ``OpNode``): the first paragraph says the idea in words; then one
    line ``grad_<input> = <formula>`` per forward input, in ``next_functions`` order.
    Other lines (``out = self * other``) are for the reader of the source only.
    """
    doc = inspect.cleandoc(cls.__dict__.get("__doc__") or "")
    pairs = [m.groups() for m in map(_FORMULA.match, doc.splitlines()) if m]
    if not pairs:
        return None
    words = " ".join(doc.split("\n\n")[0].split()).replace("``", "")
    return Rule(words, tuple(a for a, _ in pairs), tuple(f"grad_{a} = {b}" for a, b in pairs))


def rule_for(node: Any) -> Rule:
    """The rule of ``node`` (a Node or its class name); a pointer to the source otherwise."""
    name = node if isinstance(node, str) else node_label(node)
    cls = NODE_CLASSES.get(name) if isinstance(node, str) else type(node)
    rule = None if cls is None else rule_of_class(cls)
    if rule is None:
        rule = RULES.get(name)
    if rule is not None:
        return rule
    where = "autograd_nb/ops/"
    if not isinstance(node, str):
        mod = type(node).__module__
        where = mod.replace(".", "/") + ".py"
    n = 1 if isinstance(node, str) else max(len(node.next_functions), 1)
    return Rule(f"The rule is {name}.backward in {where} (read it: it sits next to the "
                "forward op).", tuple(f"input{i}" for i in range(n)), ())
