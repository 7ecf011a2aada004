"""Tracebacks in the notebook stop at the learner's own line (``notebook/tracebacks.py``).

The frames of autograd_nb's own files are left out (one line says how many), errors
that never went through the library are shown exactly as IPython shows them, and
``show_library_frames()`` brings the full traceback back.
"""
from __future__ import annotations

import sys

import pytest
from test_notebook_magics import _shell          # the shell those tests share

import autograd_nb as anb
from autograd_nb.notebook import tracebacks


def _raise_inside_library():
    x = anb.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()                       # second time: raised deep in the engine


def _frames(tb):
    out = []
    while tb is not None:
        out.append(tb.tb_frame.f_code.co_filename)
        tb = tb.tb_next
    return out


def test_library_frames_are_dropped_and_counted():
    with pytest.raises(RuntimeError) as info:
        _raise_inside_library()
    tb = info.value.__traceback__
    before = _frames(tb)
    assert sum(f.startswith(tracebacks.LIBRARY_DIR) for f in before) >= 2
    short, hidden = tracebacks.without_library_frames(tb)
    after = _frames(short)
    assert hidden == len(before) - len(after) >= 2
    assert not any(f.startswith(tracebacks.LIBRARY_DIR) for f in after)
    assert after[-1] == __file__                       # the learner's line is the last


def test_a_traceback_without_library_frames_is_left_alone():
    try:
        {}["missing"]
    except KeyError as exc:
        tb = exc.__traceback__
    short, hidden = tracebacks.without_library_frames(tb)
    assert hidden == 0 and short is tb


def test_the_shell_shows_the_short_traceback(capsys):
    ip = _shell()
    if getattr(ip, "custom_exceptions", ()) not in ((), None) and \
            not getattr(ip, "_agnb_short_tracebacks", False):
        pytest.skip("another custom exception handler is installed in this shell")
    ip.user_ns["torch"] = anb
    code = ("x = torch.tensor([1.0], requires_grad=True)\ny = (x * 3).sum()\n"
            "y.backward()\ny.backward()\n")
    try:
        assert tracebacks.install(ip)
        res = ip.run_cell(code)
        out = capsys.readouterr().out
        assert isinstance(res.error_in_exec, RuntimeError)        # still an error for nbclient
        assert "Trying to backward through the graph a second time" in out
        assert "inside autograd_nb hidden" in out
        assert "engine.py" not in out and "_tensor.py" not in out
        tracebacks.show_library_frames(True)
        ip.run_cell(code)
        full = capsys.readouterr().out
        assert "hidden" not in full and ("engine.py" in full or "_tensor.py" in full)
        tracebacks.show_library_frames(False)
        ip.run_cell("undefined_name_here")                       # not the library's: as usual
        plain = capsys.readouterr().out
        assert "NameError" in plain and "hidden" not in plain
    finally:
        tracebacks.show_library_frames(False)
        tracebacks.uninstall(ip)
        ip.user_ns.pop("torch", None)
        for k in ("x", "y"):
            ip.user_ns.pop(k, None)
    assert ip.custom_exceptions == ()
    assert sys.exc_info()[0] is None
