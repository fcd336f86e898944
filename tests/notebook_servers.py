"""What the notebook tests and benchmarks/notebook.py share: a real JupyterLab or marimo server on a
free loopback port, in a scratch folder, stopped with every process it started (its kernels
too), and a Python client on a JupyterLab notebook's own kernel."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

TOKEN = "diffplay-test"
# JupyterLab asks about news on first start; a test page has no use for the question.
PAGE_CONFIG = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
# Every cell in the page, not only those scrolled into view (the tests find widgets by scene);
# the notebook's kernel starts without asking (a slow server's kernel list made it ask).
NOTEBOOK_SETTINGS = {"windowingMode": "none", "autoStartDefaultKernel": True}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid):
    """Pids of every process below `pid` (from /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def wait_for(url, seconds, process, log):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server ended (status {process.returncode}); its log:\n{Path(log).read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.25)
    raise AssertionError(f"{url} did not answer within {seconds} s; the server's log:\n{Path(log).read_text()[-3000:]}")


@contextmanager
def server(command, url, folder, env=None, seconds=120):
    """Run a server in `folder` until `url` answers; yield it; then stop it and all it started."""
    log = folder / "server.log"
    process = subprocess.Popen(command, cwd=folder, stdout=log.open("w"), stderr=subprocess.STDOUT,
                               env={**os.environ, **(env or {})}, start_new_session=True)
    try:
        wait_for(url, seconds, process, log)
        yield process
    finally:
        started = descendants(process.pid)
        process.send_signal(signal.SIGTERM)   # JupyterLab and marimo shut their kernels down on it
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for pid in started:   # whatever did not go with it (a kernel that hung)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@contextmanager
def jupyterlab(folder):
    """JupyterLab serving `folder`; yields its base URL (with the token, use lab_url())."""
    port = free_port()
    config = folder / ".jupyter"
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    (config / "labconfig" / "page_config.json").write_text(json.dumps(PAGE_CONFIG))
    settings = folder / ".settings"
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True, exist_ok=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(json.dumps(NOTEBOOK_SETTINGS))
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={folder}", "--ServerApp.open_browser=False",
               *(["--allow-root"] if os.geteuid() == 0 else [])]
    env = {"JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(folder / ".runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(settings)}
    base = f"http://127.0.0.1:{port}/"
    with server(command, f"{base}api/status?token={TOKEN}", folder, env):
        yield base


def lab_url(base, notebook):
    return f"{base}lab/tree/{notebook}?token={TOKEN}"


def kernel_of(base, folder, notebook):
    """A client on the kernel of the open notebook `notebook` (it shares it with the page)."""
    import jupyter_client

    with urllib.request.urlopen(f"{base}api/sessions?token={TOKEN}", timeout=10) as response:
        sessions = json.loads(response.read())
    kernel = next(s["kernel"]["id"] for s in sessions if s["path"].endswith(notebook))
    client = jupyter_client.BlockingKernelClient(connection_file=str(folder / ".runtime" / f"kernel-{kernel}.json"))
    client.load_connection_file()
    client.start_channels()
    # ready when it answers; not wait_for_ready(), whose last act drains IOPub until it is quiet for
    # 0.2 s, which it never is while a widget on the page streams its frames (it waited forever)
    client.kernel_info(reply=True, timeout=60)
    return client


def run_in(client, code, seconds=60):
    """Execute code in the kernel; what it printed."""
    out = []
    reply = client.execute_interactive(code, timeout=seconds, output_hook=lambda m: out.append(m["content"].get("text", "")))
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(out)


@contextmanager
def marimo(folder, app):
    """`marimo run app` (the app as its readers see it); yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "marimo", "run", app, "--headless", "--no-token", "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}/"
    with server(command, url, folder, {"MARIMO_SKIP_UPDATE_CHECK": "1"}):
        yield url


def notebook_file(path, cells):
    """Write a notebook of code cells (no outputs) for JupyterLab to open."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, path)
