"""Jupyter Server extension: WebSocket messages leave at once (TCP_NODELAY).

Tornado leaves Nagle's algorithm on for WebSocket connections. A kernel
sends ``status: busy`` and then ``execute_input`` as two small messages; the
second waits for the client's delayed ACK of the first, so every execution
takes about 40 ms more than it needs, for every client of the kernel (the
JupyterLab page included). This extension turns Nagle off on each WebSocket
connection the server accepts (kernels, terminals, events, collaboration).

Opt out with ``--McpBridge.websocket_nodelay=False`` (or
``c.McpBridge.websocket_nodelay = False`` in ``jupyter_server_config.py``),
or disable the extension:
``jupyter server extension disable jupyterlab_mcp_bridge``.
"""

from __future__ import annotations

from typing import Any

from tornado.ioloop import IOLoop
from tornado.routing import RuleRouter
from tornado.websocket import WebSocketHandler
from traitlets import Bool
from traitlets.config import Configurable

_MARK = "_mcp_bridge_nodelay"


class McpBridge(Configurable):
    """Server-side settings of jupyterlab-mcp-bridge."""

    websocket_nodelay = Bool(
        True,
        config=True,
        help=(
            "Send WebSocket messages at once (TCP_NODELAY) instead of letting "
            "Nagle's algorithm hold small messages back (about 40 ms per kernel "
            "execution)."
        ),
    )


def _no_delay(handler: type[WebSocketHandler]) -> type[WebSocketHandler]:
    """A subclass of ``handler`` whose connections send at once."""

    def open(self: WebSocketHandler, *args: Any, **kwargs: Any) -> Any:
        self.set_nodelay(True)
        return handler.open(self, *args, **kwargs)

    return type(handler.__name__, (handler,), {"open": open, _MARK: True})


def _wrap_router(router: RuleRouter) -> int:
    """Replace the WebSocket handlers of ``router`` (and nested routers)."""
    count = 0
    for rule in router.rules:
        target = rule.target
        if isinstance(target, RuleRouter):
            count += _wrap_router(target)
        elif (
            isinstance(target, type)
            and issubclass(target, WebSocketHandler)
            and not getattr(target, _MARK, False)
        ):
            rule.target = _no_delay(target)
            count += 1
    return count


def load(serverapp: Any) -> None:
    """Wrap the server's WebSocket handlers once every extension added its own."""
    settings = McpBridge(parent=serverapp)
    if not settings.websocket_nodelay:
        serverapp.log.info("jupyterlab_mcp_bridge: WebSocket Nagle left on (websocket_nodelay=False)")
        return

    def wrap() -> None:
        count = _wrap_router(serverapp.web_app.default_router)
        serverapp.log.info(
            "jupyterlab_mcp_bridge: %d WebSocket handlers send at once (TCP_NODELAY); "
            "turn off with --McpBridge.websocket_nodelay=False",
            count,
        )

    # Extensions loaded after this one add their handlers later; the loop
    # starts once all are loaded and before any request is served.
    IOLoop.current().add_callback(wrap)
