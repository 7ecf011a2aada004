"""The server side of quick dashboards: ``QuickConnection`` turns Nagle's delay off on the
kernel websocket, and the ways we start Jupyter select it (``course``, ``install-kernel``,
the browser tests' harness)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_nb.notebook import kernel

REPO = Path(__file__).resolve().parents[1]
pytest.importorskip("jupyter_server")


class _Handler:
    def __init__(self) -> None:
        self.nodelay: list[bool] = []

    def set_nodelay(self, value: bool) -> None:
        self.nodelay.append(value)


def test_connect_turns_the_delay_off_before_connecting(monkeypatch):
    from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

    from autograd_nb.notebook.server import QuickConnection
    handler = _Handler()
    seen = []
    monkeypatch.setattr(ZMQChannelsWebsocketConnection, "connect",
                        lambda self: seen.append(list(handler.nodelay)) or "connected")
    conn = QuickConnection.__new__(QuickConnection)          # no kernel manager needed
    monkeypatch.setattr(QuickConnection, "websocket_handler", handler, raising=False)
    assert conn.connect() == "connected"
    assert seen == [[True]]                                   # before the server's connect


def test_the_class_name_imports_as_jupyter_server_will():
    from traitlets.utils.importstring import import_item

    from autograd_nb.notebook.server import QuickConnection
    assert import_item(kernel.SERVER_CLASS) is QuickConnection
    assert kernel.SERVER_OPTION.endswith("=" + kernel.SERVER_CLASS)


def test_server_config_goes_into_environments_only(tmp_path, monkeypatch):
    path = kernel.install_server_config(prefix=str(tmp_path))
    assert path == tmp_path / "etc" / "jupyter" / "jupyter_server_config.d" / "autograd_nb.json"
    assert json.loads(path.read_text()) == {"ServerApp": {"jpserver_extensions":
                                                          {kernel.SERVER_EXTENSION: True}}}
    assert kernel.install_server_config(user=True) is None   # other environments read it too


def _server_class(tmp_path: Path, *args: str) -> str:
    """The websocket connection class a real Jupyter server ends up with (initialised on
    the config folder ``tmp_path/etc/jupyter``, not started)."""
    code = ("import sys; from jupyter_server.serverapp import ServerApp; app = ServerApp(); "
            "app.initialize(sys.argv[1:], new_httpserver=False); "
            "print(app.web_app.settings['kernel_websocket_connection_class'].__name__)")
    env = {"JUPYTER_CONFIG_PATH": str(tmp_path / "etc" / "jupyter"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"), "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "run"), "PYTHONPATH": str(REPO),
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code, "--ServerApp.ip=127.0.0.1",
                          "--ServerApp.port=0", "--allow-root", *args], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


def test_a_real_server_takes_the_setting_from_that_config(tmp_path):
    """The config install-kernel writes enables the extension, which selects the class;
    a class given on the command line still wins."""
    assert _server_class(tmp_path) == "ZMQChannelsWebsocketConnection"
    kernel.install_server_config(prefix=str(tmp_path))
    assert _server_class(tmp_path) == "QuickConnection"
    assert _server_class(tmp_path, "--ServerApp.kernel_websocket_connection_class="
                         "jupyter_server.services.kernels.connection.channels."
                         "ZMQChannelsWebsocketConnection") == "ZMQChannelsWebsocketConnection"


def test_the_command_line_option_selects_it(tmp_path):
    assert _server_class(tmp_path, kernel.SERVER_OPTION) == "QuickConnection"
