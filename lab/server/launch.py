#!/usr/bin/python3
"""Serve the JupyterLab 4.6.3 host in ../build with Debian's jupyter_server.

Run with /usr/bin/python3 (Debian's interpreter: it sees python3-jupyter-server,
python3-jupyterlab-server, python3-ipykernel and python3-terminado).

    /usr/bin/python3 lab/server/launch.py --port 8888 --root-dir /tmp/nb \
        --token secret [--labextensions-dir DIR ...] [--state-dir DIR] \
        [--disable-plugin ID ...] [--base-url /]

When the server listens it prints exactly one line to stdout:

    LAB_READY http://127.0.0.1:<port>/lab?token=<token>

Everything the server writes (runtime files, settings, workspaces, data dir,
IPython dir) goes under the state dir (a fresh temp dir unless --state-dir is
given, removed on exit in that case). No user or system Jupyter config is read.

A --labextensions-dir DIR holds prebuilt extensions as
DIR/<package-name>/package.json (or DIR/@scope/<name>/package.json) with the
built assets next to it (static/remoteEntry.*.js, schemas/, ...), i.e. what
`jupyter labextension build` / @jupyter/builder writes to its outputDir. If DIR
is named `labextensions` its parent is put on JUPYTER_PATH (exactly how
`<prefix>/share/jupyter/labextensions` works for a pip-installed extension);
otherwise DIR is added to LabServerApp.extra_labextensions_path.
If DIR itself has a package.json (it is one built extension, e.g. the
`jupyterlab.outputDir` of a package), it is symlinked as
<state>/share/jupyter/labextensions/<package-name> and that prefix is put on
JUPYTER_PATH, like `jupyter labextension develop`.
"""

import argparse
import re
import atexit
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LAB_DIR = os.path.dirname(HERE)
BUILD_DIR = os.path.join(LAB_DIR, "build")

# Plugins disabled in every page. Each one either calls a server endpoint this
# host does not have or needs a service no bundled plugin provides.
DISABLED_PLUGINS = [
    # Fetches /lab/api/news (jupyterlab python package only); the resulting
    # 404 also trips the jupyterlab_server NotFoundHandler bug.
    "@jupyterlab/apputils-extension:announcements",
    # Need ILSPDocumentConnectionManager (lsp-extension polls /lsp/status of
    # jupyter-lsp, which is not installed).
    "@jupyterlab/notebook-extension:language-server",
    "@jupyterlab/fileeditor-extension:language-server",
    # Needs the plugin manager / extension manager server APIs.
    "@jupyterlab/pluginmanager-extension:plugin",
    "@jupyterlab/extensionmanager-extension:plugin",
]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--root-dir", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--labextensions-dir", action="append", default=[])
    p.add_argument("--state-dir", default=None)
    p.add_argument("--disable-plugin", action="append", default=[])
    p.add_argument("--base-url", default="/")
    p.add_argument("--log-level", default="WARN")
    # Default settings of plugins, as JupyterLab's overrides.json:
    # {"<plugin id>": {"<setting>": value}}.
    p.add_argument("--settings-overrides", default=None, metavar="JSON_FILE")
    p.add_argument(
        "--websocket-nagle",
        action="store_true",
        help="leave Nagle's algorithm on for WebSockets (tornado's default; see websocket_no_delay)",
    )
    # Any --<Configurable>.<trait>=<value> (e.g. --ServerApp.iopub_data_rate_limit=1e10)
    # is passed on to the server as it is.
    args, extra = p.parse_known_args(argv)
    unknown = [a for a in extra if not re.match(r"^--[A-Z][A-Za-z]*\.[A-Za-z_]+=", a)]
    if unknown:
        p.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.server_options = extra
    return args


ARGS = parse_args(sys.argv[1:])

ROOT_DIR = os.path.abspath(ARGS.root_dir)
if not os.path.isdir(ROOT_DIR):
    sys.exit(f"launch.py: root dir {ROOT_DIR} does not exist")
if not os.path.isfile(os.path.join(BUILD_DIR, "templates", "index.html")):
    sys.exit(f"launch.py: no build in {BUILD_DIR}; run `npm run build` in {LAB_DIR}")

if ARGS.state_dir:
    STATE_DIR = os.path.abspath(ARGS.state_dir)
    os.makedirs(STATE_DIR, exist_ok=True)
else:
    STATE_DIR = tempfile.mkdtemp(prefix="lab-host-")
    atexit.register(shutil.rmtree, STATE_DIR, True)


def state(*parts):
    path = os.path.join(STATE_DIR, *parts)
    os.makedirs(path, exist_ok=True)
    return path


EXTRA_LABEXTENSIONS = []
JUPYTER_PATH = []
LINKED = None  # <state>/share/jupyter/labextensions, for single extension dirs
for d in ARGS.labextensions_dir:
    d = os.path.abspath(d)
    if not os.path.isdir(d):
        sys.exit(f"launch.py: labextensions dir {d} does not exist")
    pkg_file = os.path.join(d, "package.json")
    if os.path.isfile(pkg_file):
        # A single built extension (e.g. <python_pkg>/labextension, a
        # jupyterlab.outputDir): symlink it as labextensions/<name>, which is
        # what `jupyter labextension develop` does.
        with open(pkg_file, encoding="utf-8") as f:
            name = json.load(f)["name"]
        if LINKED is None:
            LINKED = state("share", "jupyter", "labextensions")
            JUPYTER_PATH.append(os.path.dirname(LINKED))
        link = os.path.join(LINKED, name)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(d, link)
    elif os.path.basename(d) == "labextensions":
        JUPYTER_PATH.append(os.path.dirname(d))
    else:
        EXTRA_LABEXTENSIONS.append(d)

# Isolation: must happen before jupyter_core/jupyter_server are imported.
os.environ["JUPYTER_NO_CONFIG"] = "1"
# With JUPYTER_NO_CONFIG, jupyter_core makes a /tmp/jupyter-clean-cfg-* dir per
# process (server and every kernel) and never removes it: keep those in the
# state dir.
os.environ["TMPDIR"] = state("tmp")
tempfile.tempdir = os.environ["TMPDIR"]
os.environ["JUPYTER_CONFIG_DIR"] = state("config")
os.environ["JUPYTER_DATA_DIR"] = state("data")
os.environ["JUPYTER_RUNTIME_DIR"] = state("runtime")
os.environ["IPYTHONDIR"] = state("ipython")
os.environ["MPLCONFIGDIR"] = state("matplotlib")
os.environ["JUPYTER_PATH"] = os.pathsep.join(JUPYTER_PATH)
os.environ.pop("JUPYTER_CONFIG_PATH", None)
os.environ["SHELL"] = "/bin/bash"  # terminado spawns $SHELL
os.environ.setdefault("TERM", "xterm-256color")
os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # quiet ipykernel debugger
os.chdir(ROOT_DIR)

from jupyter_server.base.handlers import APIHandler, JupyterHandler  # noqa: E402
from jupyter_server.base.zmqhandlers import WebSocketMixin  # noqa: E402
from jupyterlab_server import LabServerApp  # noqa: E402
from jupyterlab_server.handlers import LabHandler, NotFoundHandler  # noqa: E402
from tornado import web, websocket  # noqa: E402
from traitlets import Unicode  # noqa: E402


def websocket_no_delay():
    """Send every WebSocket message at once (TCP_NODELAY).

    Tornado leaves Nagle's algorithm on for WebSockets. The kernel channel
    sends small messages back to back (status busy, then execute_input): the
    second waits in the server until the client acknowledges the first,
    and clients delay that acknowledgement (Linux: 40 ms). Every execution
    took about 42 ms more than the kernel needs, for the page and any other
    client alike. Tornado offers no setting for it, so each WebSocket
    handler calls set_nodelay(True) when it opens: kernel channels and the
    events socket (jupyter_server's WebSocketMixin) and terminals
    (terminado's TermSocket).
    """
    from jupyter_server.base.zmqhandlers import WebSocketMixin as Mixin
    from terminado.websocket import TermSocket

    for cls in (Mixin, TermSocket):
        original = cls.open

        def open(self, *args, _original=original, **kwargs):
            self.set_nodelay(True)
            return _original(self, *args, **kwargs)

        cls.open = open


if not ARGS.websocket_nagle:
    websocket_no_delay()


def kernel_model_while_starting():
    """Describe a kernel that is still starting instead of failing on it.

    jupyter_server 1.23 puts a kernel in its table, awaits its start, and only
    then gives it ``execution_state`` and ``last_activity``. A request in that
    window that describes the kernel (``GET /api/kernels``, which JupyterLab
    polls, or a session model) answers 500 with ``AttributeError:
    'AsyncIOLoopKernelManager' object has no attribute 'last_activity'``.
    Later releases set both when the kernel is created; here such a kernel is
    described as "starting", active now, as they do.
    """
    from jupyter_server._tz import isoformat, utcnow
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager

    original = MappingKernelManager.kernel_model

    def kernel_model(self, kernel_id):
        kernel = self._kernels.get(kernel_id)
        if kernel is None or hasattr(kernel, "last_activity"):
            return original(self, kernel_id)
        return {
            "id": kernel_id,
            "name": kernel.kernel_name,
            "last_activity": isoformat(utcnow()),
            "execution_state": getattr(kernel, "execution_state", "starting"),
            "connections": self._kernel_connections.get(kernel_id, 0),
        }

    MappingKernelManager.kernel_model = kernel_model


kernel_model_while_starting()


class IdentityHandler(APIHandler):
    """GET /api/me (jupyter_server >= 2): who the frontend user is."""

    @web.authenticated
    def get(self):
        permissions = {}
        raw = self.get_argument("permissions", "{}")
        try:
            requested = json.loads(raw)
        except ValueError:
            requested = {}
        if isinstance(requested, dict):
            for resource, actions in requested.items():
                if isinstance(actions, list):
                    permissions[resource] = [a for a in actions if isinstance(a, str)]
        self.finish(
            json.dumps(
                {
                    "identity": {
                        "username": "lab-host",
                        "name": "Lab Host",
                        "display_name": "Lab Host",
                        "initials": "LH",
                        "avatar_url": None,
                        "color": None,
                    },
                    "permissions": permissions,
                }
            )
        )


class EventsHandler(APIHandler):
    """POST /api/events (jupyter_server >= 2): accept and drop."""

    @web.authenticated
    def post(self):
        self.set_status(204)
        self.finish()


class EventsSocketHandler(WebSocketMixin, websocket.WebSocketHandler, JupyterHandler):
    """/api/events/subscribe (jupyter_server >= 2): open and never emit."""

    def set_default_headers(self):
        pass

    async def get(self, *args, **kwargs):
        if self.get_current_user() is None:
            raise web.HTTPError(403)
        await super().get(*args, **kwargs)

    def on_message(self, message):
        pass


class PageConfigCopyNotFoundHandler(LabHandler):
    """jupyterlab_server 2.16's NotFoundHandler writes notFoundUrl into the page
    config dict shared by every handler, so after one unknown /lab/... URL all
    pages show "Path Not Found". Work on a copy instead."""

    def get_page_config(self):
        page_config = dict(super().get_page_config())
        page_config["notFoundUrl"] = self.request.path
        return page_config


class LabHostApp(LabServerApp):
    name = "lab"
    app_name = "JupyterLab host"
    load_other_extensions = False
    extension_url = "/lab"
    default_url = "/lab"
    file_url_prefix = "/lab/tree"

    def initialize_handlers(self):
        super().initialize_handlers()
        self.handlers = [
            (h[0], PageConfigCopyNotFoundHandler, *h[2:]) if h[1] is NotFoundHandler else h
            for h in self.handlers
        ]
        # Before the /lab fall-through handler.
        self.handlers[:0] = [
            (r"/api/me/?", IdentityHandler),
            (r"/api/events/subscribe", EventsSocketHandler),
            (r"/api/events/?", EventsHandler),
        ]

    app_version = Unicode("4.6.3")


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": LabHostApp}]


def write_app_settings():
    app_settings = state("app-settings")
    with open(os.path.join(app_settings, "page_config.json"), "w") as f:
        json.dump({"disabledExtensions": DISABLED_PLUGINS + ARGS.disable_plugin}, f, indent=2)
    overrides = os.path.join(app_settings, "overrides.json")
    if ARGS.settings_overrides:
        shutil.copyfile(ARGS.settings_overrides, overrides)
    elif os.path.exists(overrides):
        os.remove(overrides)
    return app_settings


def main():
    app_settings = write_app_settings()
    cls = LabHostApp.__name__
    argv = [
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={ARGS.port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={ROOT_DIR}",
        f"--ServerApp.preferred_dir={ROOT_DIR}",
        f"--ServerApp.token={ARGS.token}",
        f"--ServerApp.base_url={ARGS.base_url}",
        "--ServerApp.password=",
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_root=True",
        "--ServerApp.terminals_enabled=True",
        "--ServerApp.use_redirect_file=False",
        f"--ServerApp.log_level={ARGS.log_level}",
        *ARGS.server_options,
        "--KernelSpecManager.ensure_native_kernel=True",
        f"--{cls}.static_dir={os.path.join(BUILD_DIR, 'static')}",
        f"--{cls}.templates_dir={os.path.join(BUILD_DIR, 'templates')}",
        f"--{cls}.schemas_dir={os.path.join(BUILD_DIR, 'schemas')}",
        f"--{cls}.themes_dir={os.path.join(BUILD_DIR, 'themes')}",
        f"--{cls}.app_settings_dir={app_settings}",
        f"--{cls}.user_settings_dir={state('user-settings')}",
        f"--{cls}.workspaces_dir={state('workspaces')}",
        f"--{cls}.cache_files=False",
    ]
    if EXTRA_LABEXTENSIONS:
        argv.append(f"--{cls}.extra_labextensions_path={json.dumps(EXTRA_LABEXTENSIONS)}")
    serverapp = LabHostApp.initialize_server(argv=argv)
    url = f"http://127.0.0.1:{serverapp.port}{serverapp.base_url}lab?token={ARGS.token}"

    def announce():
        # The HTTP server is bound during initialize; this runs once the loop does.
        sys.stdout.write(f"LAB_READY {url}\n")
        sys.stdout.flush()

    serverapp.io_loop.add_callback(announce)
    serverapp.start()


if __name__ == "__main__":
    main()
