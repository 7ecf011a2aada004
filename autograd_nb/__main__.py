"""``python -m autograd_nb``: a short worked example, or one of the sub-commands.

    python -m autograd_nb            # leaves, backward and accumulation (seed 001)
    python -m autograd_nb demo       # the same
    python -m autograd_nb run script.py [args...]
                                     # run a PyTorch script with `import torch` -> autograd_nb
    python -m autograd_nb install-kernel [--user | --sys-prefix | --prefix P]
                                     # the Jupyter kernel "Python 3 (autograd_nb)"
    python -m autograd_nb course [--dir D] [jupyter lab options...]
                                     # JupyterLab on the course notebooks, teaching kernel ready
"""
from __future__ import annotations

import sys
from pathlib import Path


def demo() -> None:
    """Print seed 001's lesson: who is a leaf, what backward fills, how grads add up."""
    import autograd_nb as torch

    print("autograd_nb demo: leaves, backward and gradient accumulation\n")
    x = torch.tensor([1.0], requires_grad=True)
    y = torch.tensor([2.0])
    z = x * y
    print(">>> x = torch.tensor([1.0], requires_grad=True); y = torch.tensor([2.0]); z = x * y")
    print(f"x.is_leaf={x.is_leaf}  y.is_leaf={y.is_leaf}  z.is_leaf={z.is_leaf}")
    print(f"z = {z}")
    print(f"z.grad_fn.next_functions = {tuple((type(f).__name__ if f else None, i) for f, i in z.grad_fn.next_functions)}")
    z.backward(retain_graph=True)
    print(f"\nafter z.backward(retain_graph=True):  x.grad = {x.grad}   (dz/dx = y = 2)")
    z.backward(retain_graph=True)
    print(f"after a second backward:              x.grad = {x.grad}   (gradients accumulate)")
    x.grad = None
    z.backward()
    print(f"after x.grad = None and backward():   x.grad = {x.grad}")
    try:
        z.backward()
    except RuntimeError as e:
        print(f"\na third backward fails, the graph was freed:\nRuntimeError: {str(e)[:75]}...")
    print(f"\ny.grad = {y.grad}   (y does not require grad, so nothing flows into it)")
    print(f"saved bytes alive now: {torch.autograd.graph.saved_bytes()}")


def run(argv: list[str]) -> int:
    """Run a PyTorch script unchanged, with ``import torch`` giving autograd_nb."""
    import os
    import runpy

    from .notebook import alias
    if not argv:
        print("usage: python -m autograd_nb run script.py [args...]", file=sys.stderr)
        return 2
    script = argv[0]
    if not os.path.isfile(script):
        print(f"python -m autograd_nb run: no such file: {script}", file=sys.stderr)
        return 2
    try:
        alias.install()
    except alias.AliasError as exc:
        print(f"python -m autograd_nb run: {exc}", file=sys.stderr)
        return 1
    old_argv, here = sys.argv[:], os.path.dirname(os.path.abspath(script))
    sys.argv = list(argv)
    sys.path.insert(0, here)                 # as `python script.py` would
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    finally:
        sys.argv = old_argv
        if here in sys.path:
            sys.path.remove(here)
        alias.uninstall()
    return 0


def install_kernel(argv: list[str]) -> int:
    """Install the kernelspec "Python 3 (autograd_nb)" (the extension preloaded)."""
    import argparse

    from .notebook import kernel
    parser = argparse.ArgumentParser(
        prog="python -m autograd_nb install-kernel",
        description=f"Install the Jupyter kernel '{kernel.DISPLAY_NAME}'.")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="for this user only")
    where.add_argument("--sys-prefix", action="store_true",
                       help="into this Python's environment (sys.prefix); the default in a venv")
    where.add_argument("--prefix", metavar="P", help="into P/share/jupyter/kernels")
    parser.add_argument("--name", default=kernel.KERNEL_NAME, help="kernelspec directory name")
    parser.add_argument("--display-name", default=kernel.DISPLAY_NAME,
                        help="the name shown in Jupyter's launcher")
    opts = parser.parse_args(argv)
    dest = kernel.install(user=opts.user, sys_prefix=opts.sys_prefix, prefix=opts.prefix,
                          name=opts.name, display_name=opts.display_name)
    print(f"Installed kernelspec {opts.name} ('{opts.display_name}') in {dest}")
    config = kernel.install_server_config(user=opts.user, sys_prefix=opts.sys_prefix, prefix=opts.prefix)
    if config is not None:
        print(f"Dashboard clicks answered without the websocket's delay: {config}")
    if opts.prefix:
        print(f"(Jupyter finds it if {opts.prefix}/share/jupyter is on its path, e.g. "
              "JUPYTER_PATH, or the prefix is the server's own.)")
    return 0


def course_dir() -> Path | None:
    """The course's ``notebooks/`` folder: beside the package in a source checkout (or an
    editable install), else ``./notebooks`` if it holds the course; None if neither."""
    here = Path(__file__).resolve().parent.parent / "notebooks"
    for candidate in (here, Path.cwd() / "notebooks"):
        if candidate.is_dir() and any(candidate.glob("00_*.ipynb")):
            return candidate
    return None


def course(argv: list[str]) -> int:
    """Start JupyterLab on the course notebooks with the teaching kernel installed.

    Installs no package: it writes the kernelspec (as ``install-kernel`` does, into this
    environment or the user's Jupyter folder) and runs ``python -m jupyterlab`` on the
    notebooks folder; any other option is passed to JupyterLab (``--no-browser``,
    ``--port 8899``...).
    """
    import argparse
    import importlib.util
    import subprocess

    from .notebook import kernel
    parser = argparse.ArgumentParser(
        prog="python -m autograd_nb course",
        description="Open the course notebooks in JupyterLab with the teaching kernel.",
        allow_abbrev=False)                  # --debug etc. go to JupyterLab, not to --dir
    parser.add_argument("--dir", metavar="D", help="the notebooks folder (default: the course's)")
    opts, lab_args = parser.parse_known_args(argv)
    folder = Path(opts.dir) if opts.dir else course_dir()
    if folder is None or not folder.is_dir():
        where = opts.dir or "beside the package or in ./notebooks"
        print(f"autograd-nb course: no course notebooks found ({where}). The notebooks come "
              "with the source repository: clone it and run this from its root, or pass "
              "--dir path/to/notebooks.", file=sys.stderr)
        return 2
    if importlib.util.find_spec("jupyterlab") is None:
        print("autograd-nb course: JupyterLab is not installed in this environment "
              f"({sys.executable}).\nInstall it with:  python -m pip install "
              "'autograd_nb[notebook]'   (or: python -m pip install jupyterlab)",
              file=sys.stderr)
        return 1
    dest = kernel.install()
    print(f"Teaching kernel '{kernel.DISPLAY_NAME}' is installed in {dest}")
    print(f"Starting JupyterLab on {folder} (Ctrl+C to stop)")
    cmd = [sys.executable, "-m", "jupyterlab", str(folder), *lab_args]
    if not any(a.startswith("--ServerApp.kernel_websocket_connection_class") for a in lab_args):
        cmd.append(kernel.SERVER_OPTION)            # dashboards answer clicks at once
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    cmd = args[0] if args else "demo"
    if cmd == "demo":
        demo()
        return 0
    if cmd == "run":
        return run(args[1:])
    if cmd == "install-kernel":
        return install_kernel(args[1:])
    if cmd == "course":
        return course(args[1:])
    if cmd in ("-h", "--help"):
        print(__doc__)
        return 0
    print(f"unknown command {cmd!r}; try: python -m autograd_nb demo | run script.py | "
          "install-kernel | course", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
