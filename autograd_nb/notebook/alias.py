"""``import torch`` that gives autograd_nb: run PyTorch tutorial code unchanged.

:func:`install` makes ``import torch``, ``import torch.nn as nn``,
``from torch.utils.data import DataLoader`` ... resolve to autograd_nb in this Python
process. Two pieces do it:

* ``sys.modules`` entries for ``torch`` and the common submodules (``torch.nn``,
  ``torch.nn.functional``, ``torch.optim``, ``torch.autograd``, ``torch.utils.data``),
* a meta path finder, first in ``sys.meta_path``, that maps any other ``torch.X`` to
  ``autograd_nb.X`` (or says that autograd_nb does not implement it yet).

A name autograd_nb lacks raises ``AttributeError: autograd_nb does not implement
torch.X yet`` (the package's module ``__getattr__`` does that).

If real PyTorch is already imported in the process, :func:`install` refuses: the
objects already made by PyTorch would mix with ours. :func:`uninstall` takes the alias
away; names already bound (``torch`` in a notebook) keep pointing at autograd_nb until
they are imported again.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from typing import Any

__all__ = ["install", "uninstall", "is_installed", "AliasError", "ALIASED"]

ALIASED = ("torch", "torch.nn", "torch.nn.functional", "torch.optim", "torch.autograd",
           "torch.utils", "torch.utils.data")


class AliasError(RuntimeError):
    """The alias cannot be installed (real PyTorch is already imported)."""


def _target(fullname: str) -> str:
    return "autograd_nb" + fullname[len("torch"):]


def _is_torch_name(name: str) -> bool:
    return name == "torch" or name.startswith("torch.")


def _ours(module: Any) -> bool:
    name = getattr(module, "__name__", "") or ""
    return name == "autograd_nb" or name.startswith("autograd_nb.")


class _AliasLoader(importlib.abc.Loader):
    """Hands out an already imported autograd_nb module under a ``torch...`` name."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.spec = getattr(module, "__spec__", None)

    def create_module(self, spec: Any) -> Any:
        return self.module

    def exec_module(self, module: Any) -> None:
        # the import system stamped the alias spec onto the module: give it its own back
        if self.spec is not None:
            module.__spec__ = self.spec


class TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Finds ``torch.X`` as ``autograd_nb.X``."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if not _is_torch_name(fullname):
            return None
        real = _target(fullname)
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as exc:
            if exc.name is not None and (real == exc.name or real.startswith(exc.name + ".")):
                raise ModuleNotFoundError(
                    f"autograd_nb does not implement {fullname} yet", name=fullname) from None
            raise
        return importlib.util.spec_from_loader(fullname, _AliasLoader(module))

    def __repr__(self) -> str:
        return "<autograd_nb torch alias finder>"


def _finder() -> TorchAliasFinder | None:
    for f in sys.meta_path:
        if isinstance(f, TorchAliasFinder):
            return f
    return None


def is_installed() -> bool:
    """True while ``import torch`` gives autograd_nb."""
    return _finder() is not None


def _real_torch_modules() -> list[str]:
    return sorted(k for k, v in list(sys.modules.items()) if _is_torch_name(k) and not _ours(v))


def install() -> None:
    """Make ``import torch`` (and ``torch.X``) resolve to autograd_nb in this process.

    Raises :class:`AliasError` if real PyTorch is already imported. Calling it twice is
    harmless.
    """
    real = _real_torch_modules()
    if real:
        where = getattr(sys.modules.get(real[0]), "__file__", None) or "an unknown place"
        raise AliasError(
            f"real PyTorch is already imported in this Python process ({real[0]} from {where}), "
            "so `import torch` cannot be redirected to autograd_nb. Restart the kernel and "
            "switch the alias on (%autograd torch on, or autograd_nb.install_as_torch()) "
            "before any `import torch`.")
    if _finder() is None:
        sys.meta_path.insert(0, TorchAliasFinder())
    for name in ALIASED:
        try:
            sys.modules[name] = importlib.import_module(_target(name))
        except ImportError:
            pass                 # not written yet: the finder reports it when imported


def uninstall() -> None:
    """Take the alias away: ``import torch`` imports PyTorch again (if installed)."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, TorchAliasFinder)]
    for name, module in list(sys.modules.items()):
        if _is_torch_name(name) and _ours(module):
            del sys.modules[name]
