"""A differential program fuzzer: random straight-line programs run under torch and
under autograd_nb, compared after every statement (see runner.py), shrunk to a minimal
replayable script when they differ.

    python -m tests.fuzz --seeds 0-9 --programs 10000      # a campaign
    python -m tests.fuzz --replay prog.py                  # compare a saved script again
"""
from .program import Draw, Stmt, TEMPLATES
from .runner import Mismatch, Run, generate, run, script, shrink

__all__ = ["Draw", "Stmt", "TEMPLATES", "Mismatch", "Run", "generate", "run", "script", "shrink"]
