"""``state_dict`` / ``load_state_dict``: a Module's tensors by dotted name, and back.

``model.state_dict()`` flattens the tree into an ordered dict such as
``{"fc.weight": ..., "fc.bias": ..., "bn.running_mean": ...}``: every parameter and
every *persistent* buffer, each module's own entries first, then its children's.
``load_state_dict`` copies such a dict into a model of the same architecture; in
strict mode (the default) any missing or unexpected key is an error that lists them.
"""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Any, Mapping

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from .parameter import Parameter

__all__ = ["StateDictMixin"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it could not match."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, unexpected_keys={self.unexpected_keys!r})"

    __str__ = __repr__


class StateDictMixin:
    """The state_dict methods of ``nn.Module``."""

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()

    def state_dict(self, *args: Any, destination: Any = None, prefix: str = "",
                   keep_vars: bool = False) -> "OrderedDict[str, Tensor]":
        """Every parameter and persistent buffer by dotted name, in registration order.

        The tensors are detached but share memory with the module: copy them
        (``{k: v.clone() ...}``) to keep a snapshot that later training cannot change.
        """
        if args:                                      # legacy positional (destination, prefix, keep_vars)
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
            if len(args) > 2:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        meta = getattr(destination, "_metadata", None)
        if meta is not None:
            meta[prefix[:-1]] = {"version": self._version}
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, mod in self._modules.items():
            if mod is not None:
                mod.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def _load_own(self, state_dict: Mapping, prefix: str, missing: list, unexpected: list,
                  errors: list, assign: bool) -> None:
        local = {n: p for n, p in self._parameters.items() if p is not None}
        local.update((n, b) for n, b in self._buffers.items()
                     if b is not None and n not in self._non_persistent_buffers_set)
        for name, current in local.items():
            key = prefix + name
            if key not in state_dict:
                missing.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                errors.append(f'While copying the parameter named "{key}", expected torch.Tensor or '
                              f"Tensor-like object from checkpoint but received {type(value)}")
                continue
            if value.shape != current.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape {value.shape} from "
                              f"checkpoint, the shape in current model is {current.shape}.")
                continue
            with no_grad():
                if assign and name in self._parameters:
                    new = value if isinstance(value, Parameter) else Parameter(value, current.requires_grad)
                    self._parameters[name] = new
                elif assign:
                    self._buffers[name] = value
                else:
                    current.copy_(value)
        for key in state_dict:
            if key.startswith(prefix):
                first = key[len(prefix):].split(".", 1)[0]
                if first not in self._modules and first not in local:
                    unexpected.append(key)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy the tensors of ``state_dict`` into this module's parameters and buffers.

        With ``strict=True`` (default) every key must match: missing or unexpected keys
        raise a RuntimeError listing them. Shapes must match in any case.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []
        for prefix, mod in self.named_modules():
            mod._load_own(state_dict, prefix + "." if prefix else "", missing, unexpected, errors, assign)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                self._get_name(), "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)
