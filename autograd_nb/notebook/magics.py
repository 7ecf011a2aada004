"""``%%autograd`` and ``%autograd``: run a cell and see what autograd built.

The cell runs in the notebook's own namespace, the way ``%%time`` runs it: its
variables stay defined afterwards, its last expression is shown as ``Out[n]``, and an
exception propagates (so "Run All" stops there). Then the magic shows, labelled with
the cell's variable names, the tensors it created or changed, the graph behind them,
the buffers the graph saved (with bytes) and the live saved-bytes total.

Every option is checked before the cell runs; a bad one is a one-line ``UsageError``
and nothing runs. The grad mode a cell runs under is always restored, also when the
cell raises.

Once the extension is loaded, every failing cell (with or without the magic) that
raised one of autograd's errors also shows a plain-language explanation under the
traceback (see ``explain.py``).
"""
from __future__ import annotations

import ast
import contextlib
import io
import sys
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from .._tensor import Tensor
from . import alias, collect, compare, report
from .explain import error_line, explain
from .panels import Report

__all__ = ["AutogradMagics", "register", "unregister", "MODES", "PANELS"]

MODES = ("grad", "no_grad", "enable_grad", "inference_mode")
PANELS = ("tensors", "graph", "buffers", "grads", "compare")


def _mode_context(mode: str | None) -> contextlib.AbstractContextManager:
    """The grad mode a cell runs under (None: leave the current mode alone)."""
    from ..autograd import enable_grad, inference_mode, no_grad
    if mode is None:
        return contextlib.nullcontext()
    if mode == "grad":                       # the default mode: recording on, inference off
        stack = contextlib.ExitStack()
        stack.enter_context(inference_mode(False))
        stack.enter_context(enable_grad())
        return stack
    return {"no_grad": no_grad, "enable_grad": enable_grad, "inference_mode": inference_mode}[mode]()


class _Tee(io.TextIOBase):
    """Writes through to the real stdout and keeps a copy (for --compare-torch)."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.copy = io.StringIO()

    def write(self, s: str) -> int:
        self.copy.write(s)
        return self.target.write(s)

    def flush(self) -> None:
        self.target.flush()


@magics_class
class AutogradMagics(Magics):
    """The magics; one instance per shell, holding the last error for ``%autograd explain``."""

    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self.last_error: BaseException | None = None
        self.reports = 0                     # numbers each report's SVG ids (deterministic)

    # ------------------------------------------------------------------ the magic
    @magic_arguments()
    @argument("-m", "--mode", choices=MODES,
              help="run the cell under this grad mode (restored afterwards)")
    @argument("--backward", metavar="NAME",
              help="after the cell, run NAME.backward() and show the gradients")
    @argument("--retain-graph", action="store_true",
              help="with --backward: keep the graph's saved buffers")
    @argument("--show", metavar="PANELS",
              help="comma-separated panels to show: tensors,graph,buffers,grads,compare")
    @argument("--step", action="store_true",
              help="with --backward: open the backward stepper (prints the events without ipywidgets)")
    @argument("--compare-torch", action="store_true",
              help="run the cell under real PyTorch too (fresh process) and compare")
    @argument("--anomaly", action="store_true",
              help="run with anomaly detection (explanations point at the creating line)")
    @argument("--quiet", action="store_true", help="show no panels")
    @line_cell_magic
    def autograd(self, line: str, cell: str | None = None) -> Any:
        """Run a cell and show what autograd built; or, as a line magic, a command.

        ``%%autograd [options]`` runs the cell; see the options below.
        ``%autograd status``: grad mode, inference mode, live saved bytes, device.
        ``%autograd explain``: explain the last error again.
        ``%autograd torch on|off``: make ``import torch`` give autograd_nb (or not).
        """
        if cell is None:
            return self._line(line)
        __tracebackhide__ = True                         # noqa: F841  (IPython reads it)
        return self._cell(line, cell)

    # ------------------------------------------------------------------ %autograd
    def _line(self, line: str) -> Any:
        words = line.split()
        cmd = words[0] if words else "status"
        if cmd == "status" and len(words) <= 1:
            return report.status_panel()
        if cmd == "explain" and len(words) == 1:
            err = self.last_error
            if err is None:
                print("No error yet in this session.")
                return None
            exp = explain(err, self.shell.user_ns)
            if exp is None:
                print(f"No explanation for the last error ({error_line(err)}).")
            return exp
        if cmd == "torch" and len(words) == 2 and words[1] in ("on", "off"):
            if words[1] == "on":
                try:
                    alias.install()
                except alias.AliasError as exc:
                    raise UsageError(str(exc)) from None
                print("import torch now gives autograd_nb in this kernel "
                      "(%autograd torch off to undo).")
            else:
                alias.uninstall()
                print("import torch imports PyTorch again; names already bound (such as torch) "
                      "still refer to autograd_nb until imported again.")
            return None
        raise UsageError(f"%autograd {line.strip()}: unknown command; use %autograd status, "
                         "%autograd explain or %autograd torch on|off (%%autograd for cells)")

    # ------------------------------------------------------------------ %%autograd
    def _options(self, line: str) -> Any:
        """Parse and check every option before anything runs (UsageError on a bad one)."""
        opts = parse_argstring(self.autograd, line)
        if opts.show is None:
            panels = ["tensors", "graph", "buffers"]
            panels += ["grads"] if opts.backward else []
            panels += ["compare"] if opts.compare_torch else []
        else:
            panels = [p.strip() for p in opts.show.split(",") if p.strip()]
            bad = [p for p in panels if p not in PANELS]
            if bad or not panels:
                raise UsageError(f"--show {opts.show}: unknown panel {', '.join(bad) or '(none)'}"
                                 f"; choose from {','.join(PANELS)}")
        opts.panels = panels
        if (opts.step or opts.retain_graph) and not opts.backward:
            flag = "--step" if opts.step else "--retain-graph"
            raise UsageError(f"{flag} needs --backward NAME (the tensor to run backward from)")
        if opts.backward and not all(p.isidentifier() for p in opts.backward.split(".")):
            raise UsageError(f"--backward {opts.backward}: give a variable name, e.g. "
                             "--backward loss")
        if opts.anomaly:
            from .. import autograd
            if not hasattr(autograd, "set_detect_anomaly"):
                raise UsageError("--anomaly: anomaly detection is not available yet "
                                 "(autograd_nb.autograd.set_detect_anomaly is missing)")
        return opts

    def _compile(self, cell: str) -> tuple[str, Any, Any]:
        """(source, body code, last-expression code or None), as %%time compiles a cell."""
        shell = self.shell
        src = shell.transform_cell(cell)
        tree = shell.transform_ast(shell.compile.ast_parse(src))
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        filename = shell.compile.cache(src, shell.execution_count)
        body = shell.compile(tree, filename, "exec")
        return src, body, None if last is None else shell.compile(last, filename, "eval")

    def _cell(self, line: str, cell: str) -> None:
        __tracebackhide__ = True                         # noqa: F841
        opts = self._options(line)
        shell = self.shell
        ns = shell.user_ns
        hidden = set(shell.user_ns_hidden)
        src, body, last = self._compile(cell)
        modules: dict[str, str] = {}
        if opts.compare_torch:
            if not compare.torch_available():
                raise UsageError("--compare-torch: PyTorch is not installed in this environment "
                                 "(pip install torch), so there is nothing to compare with")
            visible = {k: v for k, v in ns.items() if k not in hidden}
            earlier, modules = compare.earlier_variables(src, visible)
            if earlier:
                raise UsageError(
                    f"--compare-torch: the cell uses {', '.join(earlier)} from earlier cells, but "
                    "the PyTorch side runs the cell alone; define them in this cell")

        before = collect.snapshot(ns, hidden)
        tee = _Tee(sys.stdout) if opts.compare_torch else None
        try:
            self._run(opts, src, body, last, ns, hidden, tee)
        except UsageError:
            raise
        except Exception as exc:
            if tee is not None:                  # show PyTorch's side of the failure too
                mine = compare.ours(ns, [], tee.copy.getvalue(), error_line(exc))
                theirs = compare.run_torch(src, modules, opts.mode, opts.backward,
                                           opts.retain_graph)
                display(Report([compare.compare_panel(mine, theirs)]))
            raise
        after = collect.snapshot(ns, hidden)
        names = collect.changed(before, after)
        del before                   # tensors the cell replaced: their graphs may go now,
                                     # before the buffers panel counts the live bytes
        if opts.quiet:
            return None
        panels = self._panels(opts, ns, names, after)
        if opts.compare_torch and "compare" in opts.panels:
            theirs = compare.run_torch(src, modules, opts.mode, opts.backward, opts.retain_graph)
            mine = compare.ours(ns, names, tee.copy.getvalue(), None)
            panels.append(compare.compare_panel(mine, theirs))
        display(Report(panels))
        return None

    def _run(self, opts: Any, src: str, body: Any, last: Any, ns: dict, hidden: set,
             tee: _Tee | None) -> None:
        """Run the cell (and --backward) under the chosen modes; show its value as Out."""
        __tracebackhide__ = True                         # noqa: F841
        with contextlib.ExitStack() as stack:
            if opts.anomaly:
                from ..autograd import set_detect_anomaly
                stack.enter_context(set_detect_anomaly(True))
            value = None
            with contextlib.redirect_stdout(tee) if tee is not None else contextlib.nullcontext():
                with _mode_context(opts.mode):
                    exec(body, ns)
                    if last is not None:
                        value = eval(last, ns)
            if value is not None:
                if tee is not None:
                    tee.copy.write(f"Out: {value!r}\n")
                if not self.shell.displayhook.semicolon_at_end_of_expression(src):
                    self.shell.displayhook(value)        # Out[n], unless the cell ends in ;
            if opts.backward:
                self._backward(opts, ns, hidden)

    def _target(self, name: str, ns: dict) -> Tensor:
        __tracebackhide__ = True                         # noqa: F841
        obj: Any = ns
        for i, part in enumerate(name.split(".")):
            try:
                obj = obj[part] if i == 0 else getattr(obj, part)
            except (KeyError, AttributeError):
                raise UsageError(f"--backward {name}: there is no {name} after the cell") from None
        if not isinstance(obj, Tensor):
            raise UsageError(f"--backward {name}: {name} is a {type(obj).__name__}, not a tensor")
        if obj.numel() != 1:
            raise UsageError(
                f"--backward {name}: {name} has shape {list(obj.shape)}, but backward() without "
                f"a gradient needs a single number (try {name}.sum() or {name}.mean())")
        return obj

    def _backward(self, opts: Any, ns: dict, hidden: set) -> None:
        __tracebackhide__ = True                         # noqa: F841
        t = self._target(opts.backward, ns)
        if not opts.step:
            t.backward(retain_graph=True if opts.retain_graph else None)
            return
        tensors = collect.tensors_in(ns, hidden)
        from ..widgets._common import widgets_available
        if widgets_available():                          # the backward stepper dashboard
            from ..widgets import step
            names = {k: v for k, v in ns.items() if k not in hidden and not k.startswith("_")}
            display(step(t, retain_graph=bool(opts.retain_graph), names=names))
            return
        from ..autograd.engine import run_backward
        from ..autograd.functional import make_seeds
        roots, seeds = make_seeds((t,), None)
        labels = collect.node_labels(collect.graph_nodes([t]), tensors)
        by_id = {id(v): k for k, v in tensors.items()}
        print(f"backward from {opts.backward}, event by event:")
        for i, ev in enumerate(run_backward(roots, seeds, bool(opts.retain_graph)), 1):
            print(report.event_line(i, ev, labels, by_id))

    def _panels(self, opts: Any, ns: dict, names: list[str], after: dict) -> list:
        from ..autograd.graph import saved_bytes
        tensors = {n: t for n, (t, _) in after.items()}
        roots = [tensors[n] for n in names if tensors[n]._requires_grad]
        nodes = collect.graph_nodes(roots)
        labels = collect.node_labels(nodes, tensors)
        panels = []
        for p in opts.panels:
            if p == "tensors":
                panels.append(report.tensors_panel(names, tensors))
            elif p == "graph":
                self.reports += 1
                panels.append(report.graph_panel(roots, nodes, labels, ns,
                                                 id_prefix=f"agnb{self.reports}-"))
            elif p == "buffers":
                panels.append(report.buffers_panel(nodes, labels, tensors, saved_bytes()))
            elif p == "grads" and opts.backward:
                panels.append(report.grads_panel(opts.backward, names, tensors))
        return panels

    # ------------------------------------------------------------------ explanations
    def post_run_cell(self, result: Any) -> None:
        """After every cell: remember its error and explain it if the catalog knows it."""
        err = getattr(result, "error_in_exec", None)
        if err is None:
            return
        self.last_error = err
        exp = explain(err, self.shell.user_ns)
        if exp is not None:
            display(exp)


def _instance(ip: Any) -> AutogradMagics | None:
    return ip.magics_manager.registry.get(AutogradMagics.__name__)


def register(ip: Any) -> AutogradMagics:
    """Register the magics and the explanation hook on ``ip`` (once; idempotent)."""
    inst = _instance(ip)
    if inst is None:
        inst = AutogradMagics(ip)
        ip.register_magics(inst)
        ip.events.register("post_run_cell", inst.post_run_cell)
    return inst


def unregister(ip: Any) -> None:
    """Remove everything :func:`register` added (IPython has no public API for magics)."""
    inst = _instance(ip)
    if inst is None:
        return
    for kind in ("line", "cell"):
        table = ip.magics_manager.magics[kind]
        if table.get("autograd") is not None and getattr(table["autograd"], "__self__", None) is inst:
            del table["autograd"]
    del ip.magics_manager.registry[AutogradMagics.__name__]
    try:
        ip.events.unregister("post_run_cell", inst.post_run_cell)
    except ValueError:
        pass
