"""Click-to-update time of every dashboard in a real browser (JupyterLab + Chromium).

What is timed, inside the page: ``performance.now()`` just before a button's
``click()``, until the part of the dashboard that only the kernel can change has
changed (a ``MutationObserver`` on it: the stepper's graph gets new highlight classes,
a lab's table or timeline new HTML) and the following animation frame has run. That is
the whole round trip: browser -> kernel (the engine runs one event, or a lab runs its
code) -> widget messages -> DOM -> paint. Nothing is laid out again: the SVG of a
graph is sent once, when the dashboard is displayed.

Controls measured (``tests/notebooks/widgets_e2e.ipynb``):

* the backward stepper's **Next**, on the small graph of seed 002, on a 7-layer MLP
  (102 events) and on a 200-node chain;
* the grad-mode lab's mode buttons (``no_grad`` / ``grad``, alternately);
* the accumulation lab's **backward(retain_graph=True)**;
* the buffer inspector's **Refresh**.

Run it alone (needs ``jupyterlab``, ``playwright`` and a system Chromium, e.g.
``apt-get install chromium``; never ``playwright install``)::

    python benchmarks/widget_repaint.py [--clicks 30] [--json out.json]

``tests/test_browser_e2e.py`` uses the same helpers (server, notebook, clicks) for its
checks and screenshots; the results are written up in ``benchmarks/widget_repaint.md``.
Timings are reported, never asserted (a shared CI machine is too noisy for that).
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
COURSE = ROOT / "notebooks"
TOKEN = "agnb-e2e-token"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic"]

__all__ = ["find_chromium", "jupyter_lab", "open_notebook", "run_all", "measure_clicks",
           "measure_repaint", "summary", "CONTROLS", "main"]


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


def _settings(cfg: Path) -> dict[str, str]:
    """A private Jupyter configuration: no "news?" toast, every cell kept in the page
    (JupyterLab 4 otherwise detaches cells scrolled out of view, and a test looks for
    dashboards all over a long notebook), and the teaching kernel installed."""
    if str(ROOT) not in sys.path:                  # this checkout's package, as the kernel's
        sys.path.insert(0, str(ROOT))
    from autograd_nb.notebook import kernel
    labconfig = cfg / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    tracker = cfg / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    kernel.install(prefix=str(cfg / "prefix"))     # "Python 3 (autograd_nb)", as `course` does
    return {"JUPYTER_CONFIG_DIR": str(cfg / "config"),
            "JUPYTER_RUNTIME_DIR": str(cfg / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(cfg / "settings"),
            "JUPYTER_PATH": str(cfg / "prefix" / "share" / "jupyter")}


@contextlib.contextmanager
def jupyter_lab(root: Path, timeout: float = 90.0) -> Iterator[str]:
    """Start JupyterLab on 127.0.0.1 serving ``root`` (token ``TOKEN``); yield its URL."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="agnb-jupyter-") as cfg:
        env = dict(os.environ, **_settings(Path(cfg)),
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
               "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
               f"--IdentityProvider.token={TOKEN}", "--LabApp.expose_app_in_browser=True",
               "--LabApp.extension_manager=readonly", f"--ServerApp.root_dir={root}",
               # kernels talk over unix sockets in the private runtime dir: no TCP ports
               # that a kernel started beside this one (a parallel test) could take first
               "--KernelManager.transport=ipc",
               # the kernel websocket without Nagle's delay, as `autograd-nb course` starts it
               "--ServerApp.kernel_websocket_connection_class=autograd_nb.notebook.server.QuickConnection"]
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


def open_notebook(page: Any, url: str, name: str, timeout_ms: int = 90_000,
                  run: bool = True) -> None:
    """Open ``name`` in JupyterLab, wait for an idle kernel, (by default) run all cells."""
    page.goto(f"{url}/lab/tree/{name}?token={TOKEN}&reset", timeout=timeout_ms)
    page.wait_for_function(
        "window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel?.status"
        " === 'idle'", timeout=timeout_ms)
    if run:
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")


RUN_STATE_JS = """
() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel?.sessionContext?.session?.kernel;
  const cells = panel.content.widgets.filter((c) => c.model.type === 'code');
  const done = cells.filter((c) => c.model.executionCount !== null).length;
  const failed = cells.findIndex((c) => c.model.outputs.toJSON().some((o) =>
      o.output_type === 'error') && !(c.model.getMetadata('tags') || []).includes('raises-exception'));
  return {status: kernel ? kernel.status : 'none', cells: cells.length, done, failed,
          running: document.querySelectorAll('.jp-InputPrompt').length &&
                   [...document.querySelectorAll('.jp-InputPrompt')].some((p) => p.textContent.includes('*'))};
}
"""


def run_all(page: Any, url: str, name: str, timeout_s: float = 240.0) -> dict:
    """Open ``name``, clear its stored outputs, Run All as a learner would, and wait
    until every code cell ran (or a cell not tagged ``raises-exception`` failed).
    Returns the final state ``{cells, done, failed, seconds}``."""
    open_notebook(page, url, name, run=False)
    page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    t0 = time.monotonic()
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    state: dict = {}
    while time.monotonic() - t0 < timeout_s:
        page.wait_for_timeout(400)
        state = page.evaluate(RUN_STATE_JS)
        if state["failed"] >= 0 or (state["status"] == "idle" and not state["running"]
                                    and state["done"] == state["cells"]):
            break
    state["seconds"] = round(time.monotonic() - t0, 1)
    return state


# ---------------------------------------------------------------------- click timing
CLICK_JS = """
async ({root, index, buttons, watch, clicks, pause}) => {
  const box = document.querySelectorAll(root)[index];
  if (!box) return {error: 'no ' + root + ' number ' + index};
  const find = (text) => [...box.querySelectorAll('button')].find(
      (b) => b.textContent.trim() === text);
  const target = watch ? box.querySelector(watch) : box;
  if (!target) return {error: 'nothing matches ' + watch};
  const times = [];
  for (let i = 0; i < clicks; i++) {
    const button = find(buttons[i % buttons.length]);
    if (!button) return {error: 'no button ' + buttons[i % buttons.length], times};
    const took = await new Promise((resolve) => {
      let t0 = 0;
      const timer = setTimeout(() => { obs.disconnect(); resolve(null); }, 10000);
      const obs = new MutationObserver(() => {
        obs.disconnect();
        clearTimeout(timer);
        requestAnimationFrame(() => resolve(performance.now() - t0));
      });
      obs.observe(target, {attributes: true, childList: true, characterData: true, subtree: true});
      t0 = performance.now();
      button.click();
    });
    times.push(took);
    await new Promise((r) => setTimeout(r, pause));   // let the other panels settle
  }
  return {times, nodes: box.querySelectorAll('svg g.node').length};
}
"""

# name -> (dashboard root selector, its index in the page, buttons clicked in turn,
#          what the kernel's answer changes); indexes follow widgets_e2e.ipynb
CONTROLS: dict[str, tuple[str, int, list[str], str]] = {
    "stepper Next, seed 002 (9 boxes, 13 events)": (".agnb-stepper", 0, ["Next"], ".agnb-graphview svg"),
    "stepper Next, 7-layer MLP (102 events)": (".agnb-stepper", 1, ["Next"], ".agnb-graphview svg"),
    "stepper Next, 200-node chain": (".agnb-stepper", 2, ["Next"], ".agnb-graphview svg"),
    "grad-mode lab: no_grad / grad": (".agnb-gradmode", 0, ["no_grad", "grad"], ".agnb-results"),
    "accumulation lab: backward(retain_graph=True)": (".agnb-accumulation", 0,
                                                      ["backward(retain_graph=True)"], ".agnb-timeline"),
    "buffer inspector: Refresh": (".agnb-buffers", 0, ["Refresh"], ".agnb-log"),
}


def measure_clicks(page: Any, control: str, clicks: int = 20, pause_ms: int = 40) -> dict:
    """Click one of ``CONTROLS`` ``clicks`` times; each click's time in milliseconds
    (None: nothing changed within 10 s)."""
    root, index, buttons, watch = CONTROLS[control]
    out = page.evaluate(CLICK_JS, {"root": root, "index": index, "buttons": buttons,
                                   "watch": watch, "clicks": clicks, "pause": pause_ms})
    if "error" in out:
        raise RuntimeError(f"{control}: {out['error']}")
    return {"nodes": out["nodes"], "times_ms": out["times"]}


def measure_repaint(page: Any, index: int, clicks: int = 20) -> dict:
    """Click Next ``clicks`` times on stepper number ``index`` (kept for older callers)."""
    name = [k for k, v in CONTROLS.items() if v[0] == ".agnb-stepper" and v[1] == index][0]
    return measure_clicks(page, name, clicks)


def summary(times: list) -> dict:
    ok = sorted(t for t in times if t is not None)
    if not ok:
        return {"clicks": len(times), "missed": len(times)}
    return {"clicks": len(times), "missed": len(times) - len(ok),
            "median_ms": round(statistics.median(ok), 1), "min_ms": round(ok[0], 1),
            "p90_ms": round(ok[int(0.9 * (len(ok) - 1))], 1), "max_ms": round(ok[-1], 1)}


def wait_dashboards(page: Any, timeout_ms: int = 120_000) -> None:
    """Wait until widgets_e2e.ipynb has drawn all its dashboards."""
    page.wait_for_function(
        "document.querySelectorAll('.agnb-stepper').length >= 3 && "
        "document.querySelectorAll('.agnb-gradmode').length >= 1 && "
        "document.querySelectorAll('.agnb-accumulation').length >= 1 && "
        "document.querySelectorAll('.agnb-buffers').length >= 1", timeout=timeout_ms)


def main(argv: list[str] | None = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=30)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium found (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright
    results = {}
    with tempfile.TemporaryDirectory() as root:
        shutil.copy(NOTEBOOK, root)
        with jupyter_lab(Path(root)) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            state = run_all(page, url, NOTEBOOK.name)
            if state["failed"] >= 0:
                print(f"cell {state['failed']} of {NOTEBOOK.name} failed", file=sys.stderr)
                return 1
            wait_dashboards(page)
            for control in CONTROLS:
                clicks = min(args.clicks, 12) if "seed 002" in control else args.clicks
                res = measure_clicks(page, control, clicks)
                results[control] = {"graph_nodes": res["nodes"], **summary(res["times_ms"])}
            browser.close()
    print(json.dumps(results, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
