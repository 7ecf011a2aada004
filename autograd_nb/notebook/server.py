"""Quick dashboard replies: the kernel's websocket sends without waiting (no Nagle delay).

A click on a dashboard (the stepper's Next, a lab's button) goes browser -> Jupyter
server -> kernel, and the kernel's answer comes back as a few small messages: "busy",
the widget's new state, "idle". The Jupyter server writes each one to the browser's
websocket as it arrives. By default TCP holds a small write back while an earlier one
is still unacknowledged (Nagle's algorithm), and the browser acknowledges late on
purpose (delayed ACK, 40 ms on Linux): so the widget's update, which follows "busy",
often waits about 40 ms for nothing. Measured in a real browser
(``benchmarks/widget_repaint.py``): medians of 32-55 ms per click with the server's
default, 21-25 ms with this class.

:class:`QuickConnection` is Jupyter server's own kernel websocket connection with one
change: it turns the delay off (``TCP_NODELAY``, which Tornado's documentation
recommends for interactive websockets) when a notebook connects to its kernel. It is
a server setting, so it is used where we start the server::

    jupyter lab --ServerApp.kernel_websocket_connection_class=autograd_nb.notebook.server.QuickConnection

``python -m autograd_nb course`` passes that option (``kernel.SERVER_OPTION``). The module
is also a Jupyter server extension that selects the class when the server starts (unless
the server is configured with another one, or talks to a gateway):
``install-kernel --sys-prefix`` (what Binder runs) enables it in the environment's Jupyter
configuration (``kernel.install_server_config``), as ``jupyter server extension enable
--sys-prefix autograd_nb.notebook.server`` would.
"""
from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

__all__ = ["QuickConnection"]



class QuickConnection(ZMQChannelsWebsocketConnection):
    """The kernel websocket connection, sending every message at once (``TCP_NODELAY``)."""

    def connect(self) -> Any:
        self.websocket_handler.set_nodelay(True)
        return super().connect()


# --- as a Jupyter server extension ---------------------------------------------------

def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": __name__}]


def _link_jupyter_server_extension(serverapp: Any) -> None:
    """Select :class:`QuickConnection` (linking runs before the server builds its web
    application, which reads the setting), unless the server was told otherwise."""
    if "kernel_websocket_connection_class" in serverapp.config.get("ServerApp", {}):
        return
    gateway = getattr(serverapp, "gateway_config", None)
    if gateway is not None and gateway.gateway_enabled:
        return
    serverapp.kernel_websocket_connection_class = QuickConnection


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Nothing more to do once linked (no handlers, no settings)."""
