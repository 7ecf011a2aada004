"""A check the parity test files share: a call raises the same error in autograd_nb as
in PyTorch (the exception's type and its whole message)."""
from __future__ import annotations

from typing import Any, Callable


def error_of(fn: Callable[[], Any]) -> tuple[str, str] | None:
    """``(type name, message)`` of what ``fn()`` raises, None if it returns; our tensor
    class is named as PyTorch's (``autograd_nb.Tensor`` reads ``torch.Tensor``)."""
    try:
        fn()
    except Exception as e:               # noqa: BLE001 - the type and message are compared
        return type(e).__name__, str(e).replace("autograd_nb.Tensor", "torch.Tensor")
    return None


def assert_same_error(call: Callable[[Any, Any], Any], torch: Any) -> None:
    """``call(F, lib)`` (``F`` the library's ``nn.functional``) fails alike in both libraries."""
    import autograd_nb as anb
    assert error_of(lambda: call(anb.nn.functional, anb)) == error_of(lambda: call(torch.nn.functional, torch))
