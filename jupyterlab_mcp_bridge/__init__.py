"""jupyterlab-mcp-bridge: an MCP server inside JupyterLab (prebuilt extension)."""

__version__ = "0.1.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyterlab-mcp-bridge"}]
