"""Shorter tracebacks: the learner's own lines, not the library's insides.

An error raised deep inside autograd_nb (say, PyTorch's "backward through the graph a
second time" from the engine) would show five to seven frames of library source before
the explanation box. What a learner needs is the line of *their* cell that went wrong,
the error and the explanation; so, while the extension is loaded, frames from files of
the ``autograd_nb`` package are left out of the traceback and one line says how many
were hidden.

IPython offers exactly this hook: ``shell.set_custom_exc(exceptions, handler)`` makes
``handler`` show the traceback of those exceptions. Ours rebuilds the traceback chain
without the library's frames (``types.TracebackType``) and hands it to IPython's usual
formatter, so colours, context lines and the error output that nbclient and nbval read
stay the same. Errors that never went through the library (a ``NameError`` in the cell,
a ``SyntaxError``) are shown exactly as IPython would.

``show_library_frames(True)`` turns the full tracebacks back on (for those who read the
library's code, or report a bug in it).
"""
from __future__ import annotations

import os
import types
from typing import Any

__all__ = ["install", "uninstall", "show_library_frames", "without_library_frames",
           "LIBRARY_DIR"]

LIBRARY_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # .../autograd_nb
_SHOW_ALL = [False]


def show_library_frames(flag: bool = True) -> None:
    """Show (True) or hide (False, the default) autograd_nb's own frames in tracebacks."""
    _SHOW_ALL[0] = bool(flag)


def _is_library(tb: types.TracebackType) -> bool:
    path = os.path.abspath(tb.tb_frame.f_code.co_filename)
    return path.startswith(LIBRARY_DIR + os.sep)


def without_library_frames(tb: types.TracebackType | None) -> tuple[types.TracebackType | None, int]:
    """The traceback chain ``tb`` minus the frames in autograd_nb's files, and how many
    were dropped. When *every* frame is the library's, nothing is dropped (the error is
    then about the library itself, and its frames are all there is to read)."""
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    kept = [t for t in frames if not _is_library(t)]
    if not kept or len(kept) == len(frames):
        return (frames[0] if frames else None), 0
    chain = None
    for t in reversed(kept):
        chain = types.TracebackType(chain, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return chain, len(frames) - len(kept)


def _handler(shell: Any, etype: type, value: BaseException, tb: Any,
             tb_offset: int | None = None) -> list[str]:
    """IPython's custom exception handler: show the traceback, shortened."""
    short, hidden = (tb, 0) if _SHOW_ALL[0] else without_library_frames(tb)
    if not hidden or issubclass(etype, SyntaxError):
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return []
    stb = shell.InteractiveTB.structured_traceback(etype, value, short, tb_offset=tb_offset)
    note = (f"[{hidden} frame{'s' if hidden != 1 else ''} inside autograd_nb hidden; "
            "autograd_nb.notebook.show_library_frames() shows them]")
    stb = list(stb)
    stb.insert(max(len(stb) - 1, 0), note)
    shell._showtraceback(etype, value, stb)
    return []


def install(shell: Any) -> bool:
    """Shorten tracebacks in ``shell`` (False, and nothing changed, when another
    custom handler is already installed: we never replace someone else's)."""
    if getattr(shell, "custom_exceptions", ()) not in ((), None):
        return getattr(shell, "_agnb_short_tracebacks", False)
    shell.set_custom_exc((Exception,), _handler)
    shell._agnb_short_tracebacks = True
    return True


def uninstall(shell: Any) -> None:
    """Put IPython's own traceback display back (only if ours is installed)."""
    if getattr(shell, "_agnb_short_tracebacks", False):
        shell.set_custom_exc((), None)
        shell.custom_exceptions = ()
        shell._agnb_short_tracebacks = False
