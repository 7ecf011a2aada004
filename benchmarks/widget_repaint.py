"""Click-to-repaint time of the backward stepper in a real browser (JupyterLab + Chromium).

What is timed, inside the page: ``performance.now()`` just before the Next button's
``click()``, until the stepper's graph has its new highlight classes (the first class
mutation under the graph view, seen by a ``MutationObserver``) and the following
animation frame. That is the whole round trip: browser -> kernel (the engine runs one
event, the stepper records it) -> widget messages -> DOM -> paint. The SVG of the graph
(about 300 KB for 200 nodes) is sent once when the stepper is displayed; a click only
sends the new highlight classes and the text panels.

Run it alone (needs ``jupyterlab``, ``playwright`` and a system Chromium, e.g.
``apt-get install chromium``; never ``playwright install``)::

    python benchmarks/widget_repaint.py [--clicks 30]

``tests/test_browser_e2e.py`` uses the same helpers (and reports the same numbers);
the results are written up in ``benchmarks/widget_repaint.md``.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "tests" / "notebooks" / "widgets_e2e.ipynb"
TOKEN = "agnb-e2e-token"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic"]

__all__ = ["find_chromium", "jupyter_lab", "open_notebook", "measure_repaint", "summary", "main"]


def find_chromium() -> str | None:
    """The system's Chromium (or Chrome) executable, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyter_lab(root: Path, timeout: float = 90.0) -> Iterator[str]:
    """Start JupyterLab on 127.0.0.1 serving ``root`` (token ``TOKEN``); yield its URL."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="agnb-jupyter-") as cfg:
        labconfig = Path(cfg, "config", "labconfig")
        labconfig.mkdir(parents=True)
        (labconfig / "page_config.json").write_text(json.dumps(        # no "news?" toast
            {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(Path(cfg, "config")),
                   JUPYTER_RUNTIME_DIR=str(Path(cfg, "runtime")),
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
               "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
               f"--IdentityProvider.token={TOKEN}", "--LabApp.expose_app_in_browser=True",
               "--LabApp.extension_manager=readonly", f"--ServerApp.root_dir={root}",
               # kernels talk over unix sockets in the private runtime dir: no TCP ports
               # that a kernel started beside this one (a parallel test) could take first
               "--KernelManager.transport=ipc"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        log = open(Path(cfg, "server.log"), "w")
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError("JupyterLab exited: " + Path(cfg, "server.log").read_text()[-2000:])
                try:
                    with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("JupyterLab did not start in time") from None
                    time.sleep(0.3)
            yield url
        except BaseException:                      # say what the server said, then fail
            log.flush()
            sys.stderr.write("--- JupyterLab log (tail) ---\n"
                             + Path(cfg, "server.log").read_text()[-3000:] + "\n")
            raise
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            log.close()


def open_notebook(page: Any, url: str, name: str, timeout_ms: int = 90_000) -> None:
    """Open ``name`` in JupyterLab, wait for an idle kernel, run all cells."""
    page.goto(f"{url}/lab/tree/{name}?token={TOKEN}&reset", timeout=timeout_ms)
    page.wait_for_function(
        "window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel?.status"
        " === 'idle'", timeout=timeout_ms)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")


REPAINT_JS = """
async ({index, clicks}) => {
  const root = document.querySelectorAll('.agnb-stepper')[index];
  const next = [...root.querySelectorAll('button')].find(b => b.textContent.includes('Next'));
  const graph = root.querySelector('.agnb-graphview');
  const times = [];
  for (let i = 0; i < clicks; i++) {
    const took = await new Promise((resolve) => {
      let t0 = 0;
      const timer = setTimeout(() => { obs.disconnect(); resolve(null); }, 10000);
      const obs = new MutationObserver(() => {
        obs.disconnect();
        clearTimeout(timer);
        requestAnimationFrame(() => resolve(performance.now() - t0));
      });
      obs.observe(graph, {attributes: true, subtree: true, attributeFilter: ['class']});
      t0 = performance.now();
      next.click();
    });
    times.push(took);
    await new Promise((r) => setTimeout(r, 40));   // let the text panels settle
  }
  return {times, nodes: graph.querySelectorAll('g.node').length};
}
"""


def measure_repaint(page: Any, index: int, clicks: int = 20) -> dict:
    """Click Next ``clicks`` times on stepper number ``index``; times in milliseconds."""
    out = page.evaluate(REPAINT_JS, {"index": index, "clicks": clicks})
    return {"nodes": out["nodes"], "times_ms": out["times"]}


def summary(times: list) -> dict:
    ok = sorted(t for t in times if t is not None)
    if not ok:
        return {"clicks": len(times), "missed": len(times)}
    return {"clicks": len(times), "missed": len(times) - len(ok),
            "median_ms": round(statistics.median(ok), 1), "min_ms": round(ok[0], 1),
            "p90_ms": round(ok[int(0.9 * (len(ok) - 1))], 1), "max_ms": round(ok[-1], 1)}


def main(argv: list[str] | None = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=30)
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium found (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory() as root:
        shutil.copy(NOTEBOOK, root)
        with jupyter_lab(Path(root)) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            open_notebook(page, url, NOTEBOOK.name)
            page.wait_for_function("document.querySelectorAll('.agnb-stepper').length >= 2",
                                   timeout=90_000)
            res = measure_repaint(page, 1, args.clicks)
            browser.close()
    print(json.dumps({"graph_nodes": res["nodes"], **summary(res["times_ms"])}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
