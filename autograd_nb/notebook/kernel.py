"""The teaching kernel: "Python 3 (autograd_nb)", an ipykernel that preloads the extension.

It is an ordinary ipykernel kernelspec whose command line adds
``--ext=autograd_nb.notebook``, so ``%%autograd`` works from the first cell. It
imports nothing else: learners still write ``import autograd_nb as torch`` (or switch
the ``import torch`` alias on) themselves.

Why ``autograd_nb.notebook`` and not ``autograd_nb``: course notebooks begin with an
explicit ``%load_ext autograd_nb`` so that they also run on a plain Python kernel.
IPython prints "The autograd_nb extension is already loaded" when a name is loaded
twice, and that line would end up in stored outputs (and break nbval's comparison
between kernels). Preloading under the subpackage's name keeps the two names apart;
our load function is idempotent, so the second load registers nothing new and prints
nothing.

Install with ``python -m autograd_nb install-kernel [--user | --sys-prefix | --prefix P]``;
``jupyter kernelspec list`` then shows ``autograd-nb``.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

__all__ = ["KERNEL_NAME", "DISPLAY_NAME", "kernel_spec", "kernels_dir", "install"]

KERNEL_NAME = "autograd-nb"
DISPLAY_NAME = "Python 3 (autograd_nb)"


def kernel_spec(executable: str | None = None, display_name: str = DISPLAY_NAME) -> dict[str, Any]:
    """The ``kernel.json`` contents: ipykernel with our extension preloaded."""
    return {
        "argv": [executable or sys.executable, "-m", "ipykernel_launcher",
                 "-f", "{connection_file}", "--ext=autograd_nb.notebook"],
        "display_name": display_name,
        "language": "python",
        "metadata": {"debugger": True},
    }


def _user_data_dir() -> Path:
    try:
        from jupyter_core.paths import jupyter_data_dir
        return Path(jupyter_data_dir())
    except ImportError:                      # the same default jupyter_core uses on Linux
        base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
        return Path(base) / "jupyter"


def kernels_dir(user: bool = False, sys_prefix: bool = False, prefix: str | None = None) -> Path:
    """Where kernelspecs go for the chosen scope.

    ``prefix``: ``<prefix>/share/jupyter/kernels``; ``sys_prefix``: the same under this
    Python's ``sys.prefix`` (a virtual environment, a conda env, Binder); ``user``: the
    user's Jupyter data directory. With none given: ``sys.prefix`` inside a virtual
    environment, else the user's directory.
    """
    root = _environment(user, sys_prefix, prefix)
    if root is not None:
        return root / "share" / "jupyter" / "kernels"
    return _user_data_dir() / "kernels"


def _environment(user: bool, sys_prefix: bool, prefix: str | None) -> Path | None:
    """The prefix the chosen scope installs into, or None for the user's own folders."""
    if sum([bool(user), bool(sys_prefix), prefix is not None]) > 1:
        raise ValueError("choose one of user, sys_prefix and prefix")
    if prefix is not None:
        return Path(prefix)
    if sys_prefix or (not user and sys.prefix != sys.base_prefix):
        return Path(sys.prefix)
    return None


def _copy_logos(dest: Path) -> None:
    """ipykernel's Python logos, so launchers show a familiar icon (if ipykernel is here)."""
    try:
        from ipykernel.kernelspec import RESOURCES
    except ImportError:
        return
    for name in ("logo-32x32.png", "logo-64x64.png", "logo-svg.svg"):
        src = Path(RESOURCES) / name
        if src.exists():
            shutil.copyfile(src, dest / name)


def install(user: bool = False, sys_prefix: bool = False, prefix: str | None = None,
            name: str = KERNEL_NAME, display_name: str = DISPLAY_NAME,
            executable: str | None = None) -> Path:
    """Write the kernelspec; returns its directory (replaces an older one of that name)."""
    dest = kernels_dir(user, sys_prefix, prefix) / name
    dest.mkdir(parents=True, exist_ok=True)
    spec = kernel_spec(executable, display_name)
    (dest / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    _copy_logos(dest)
    return dest


#: Jupyter server's kernel websocket without Nagle's delay (``server.QuickConnection``:
#: dashboard clicks answered about 25 ms sooner), as a server option and as an extension.
SERVER_CLASS = "autograd_nb.notebook.server.QuickConnection"
SERVER_OPTION = f"--ServerApp.kernel_websocket_connection_class={SERVER_CLASS}"
SERVER_EXTENSION = "autograd_nb.notebook.server"


def install_server_config(user: bool = False, sys_prefix: bool = False, prefix: str | None = None) -> Path | None:
    """Enable the server extension ``autograd_nb.notebook.server`` (which selects
    ``server.QuickConnection``) in the Jupyter configuration of the same scope as
    :func:`install`: ``<prefix>/etc/jupyter/jupyter_server_config.d/autograd_nb.json``.
    Returns the file, or None where nothing is written.

    Written only into an environment (``sys_prefix``, ``prefix``, or the default inside a
    virtual environment), never into the user's folder, which servers of other
    environments read too: one that cannot import autograd_nb would log an error.
    """
    root = _environment(user, sys_prefix, prefix)
    if root is None:
        return None
    dest = root / "etc" / "jupyter" / "jupyter_server_config.d" / "autograd_nb.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    config = {"ServerApp": {"jpserver_extensions": {SERVER_EXTENSION: True}}}
    dest.write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
    return dest
