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


# Every op's node states its rule in its docstring (``rule_of_class``); the one node that
# is not an op's, the leaf's AccumulateGrad, is described here.
RULES: dict[str, Rule] = {
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
    classes = [] if isinstance(node, str) else list(type(node).__mro__)   # (a subclass: its parent's)
    if name in NODE_CLASSES:
        classes.append(NODE_CLASSES[name])
    rule = next((r for r in map(rule_of_class, classes) if r is not None), None)
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
