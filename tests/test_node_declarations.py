"""Each node class is the whole declaration of its op's backward (issue #19).

For every built-in node class (``OpNode``): its docstring states the rule (words, then
one ``grad_<input> = ...`` line per forward input), which the stepper shows; every
``_saved_<name>`` PyTorch shows on its node of the same name is declared by the class
(a saved tensor in ``saved_names``, a kept value in ``fields``, or a property written by
hand); and the rule reads named fields, never an untyped ``extra``.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

import autograd_nb.ops
from torch_saved import TORCH_SAVED
from autograd_nb.ops._core import OpNode
from autograd_nb.widgets.rules import rule_of_class


def _all_op_nodes() -> list[type]:
    for info in pkgutil.walk_packages(autograd_nb.ops.__path__, "autograd_nb.ops."):
        importlib.import_module(info.name)
    importlib.import_module("autograd_nb._random_tensors")
    importlib.import_module("autograd_nb._compat")
    importlib.import_module("autograd_nb.nn._backward_hooks")
    seen, todo = [], list(OpNode.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls not in seen:
            seen.append(cls)
            todo.extend(cls.__subclasses__())
    return sorted((c for c in seen if c.__module__.startswith("autograd_nb.")),
                  key=lambda c: (c.__module__, c.__name__))


NODES = _all_op_nodes()
IDS = [f"{c.__module__.removeprefix('autograd_nb.')}.{c.__name__}" for c in NODES]


@pytest.mark.parametrize("cls", NODES, ids=IDS)
def test_the_docstring_states_the_rule(cls):
    rule = rule_of_class(cls)
    assert rule is not None, f"{cls.__name__}: no 'grad_<input> = ...' line in its docstring"
    assert rule.words and "*" not in rule.words.replace("**", ""), rule.words


@pytest.mark.parametrize("cls", NODES, ids=IDS)
def test_every_saved_name_torch_shows_is_declared(cls):
    declared = set(cls.saved_names) | {f for k in cls.__mro__ for f in k.__dict__.get("fields", ())}
    by_hand = {name[len("_saved_"):] for k in cls.__mro__ for name, v in k.__dict__.items()
               if name.startswith("_saved_") and isinstance(v, property)
               and not getattr(v, "_generated", False)}
    from autograd_nb.autograd.node import _GENERATED
    by_hand = {n for n in by_hand
               if not any(k.__dict__.get("_saved_" + n) in _GENERATED for k in cls.__mro__
                          if "_saved_" + n in k.__dict__)}
    missing = [n for n in TORCH_SAVED.get(cls.__name__, ()) if n not in declared | by_hand]
    assert not missing, f"{cls.__name__}: declare {missing} (fields or saved_names)"


@pytest.mark.parametrize("cls", NODES, ids=IDS)
def test_the_rule_reads_named_fields(cls):
    src = "".join(inspect.getsource(v) for k, v in cls.__dict__.items() if inspect.isfunction(v))
    assert not re.search(r"\bself\.extra\b", src), f"{cls.__name__} reads self.extra"
    assert "_extra_saved" not in cls.__dict__, f"{cls.__name__} maps extra by hand (_extra_saved)"
