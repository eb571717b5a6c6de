"""jupyterlab-mcp-bridge: an MCP server inside JupyterLab (prebuilt extension)."""

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("jupyterlab_mcp_bridge")
except PackageNotFoundError:  # a source checkout, not installed
    __version__ = "0.0.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-mcp-bridge-extension"}]
