"""jupyterlab-mcp-bridge: an MCP server inside JupyterLab (prebuilt extension).

The wheel holds the prebuilt JupyterLab extension and a small Jupyter Server
extension that sends WebSocket messages at once (see ``nodelay``).
"""

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("jupyterlab_mcp_bridge")
except PackageNotFoundError:  # a source checkout, not installed
    __version__ = "0.0.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-mcp-bridge-extension"}]


def _jupyter_server_extension_points():
    return [{"module": "jupyterlab_mcp_bridge"}]


def _load_jupyter_server_extension(serverapp):
    from .nodelay import load

    load(serverapp)
