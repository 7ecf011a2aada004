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


def outcome(fn: Callable[[Any], Any], lib: Any, first_line: bool = False, quiet: bool = False) -> tuple:
    """What ``fn(lib)`` gives: ``("ok", value)``, or the type and message of what it raised
    (only the message's first line with ``first_line``; warnings silenced with ``quiet``)."""
    import warnings
    try:
        with warnings.catch_warnings():
            if quiet:
                warnings.simplefilter("ignore")
            return ("ok", fn(lib))
    except Exception as exc:             # noqa: BLE001 - compared as data
        msg = str(exc)
        return (type(exc).__name__, msg.split("\n")[0] if first_line else msg)


def same_outcome(fn: Callable[[Any], Any], torch: Any, **how: Any) -> tuple:
    """``fn(lib)`` under autograd_nb and torch: the same outcome (returned)."""
    import autograd_nb as anb
    ours, theirs = outcome(fn, anb, **how), outcome(fn, torch, **how)
    assert ours == theirs
    return ours
