"""The dashboards as a learner meets them: JupyterLab on 127.0.0.1, headless Chromium (the
system's, e.g. ``apt-get install chromium``) driven by Python Playwright.

* ``tests/notebooks/widgets_e2e.ipynb`` is run with Run All, then each dashboard is
  driven by clicks: the stepper on a small graph (gradients written on the picture,
  tensor boxes not selectable, Done leaves nothing to click that does nothing), the
  grad-mode lab after a later cell set its mode from code, the accumulation lab after
  later cells rebound the names its function reads, the buffer inspector after an
  in-place change, and the stepper on a 102-event MLP in a 1200 px window (the current
  node stays in view, the details panel stays readable);
* every course notebook is run with Run All, after which every dashboard must still be
  usable from its first state, no picture may hide inside an inner scroll box, and no
  traceback may show the library's own frames;
* click-to-update times are measured and printed (the benchmark,
  ``benchmarks/widget_repaint.py``, measures the same; nothing is asserted on time).

Screenshots of every dashboard go to ``docs/img/`` (the README shows them) when run with
``AUTOGRAD_NB_SCREENSHOTS=1``, else to the test's temporary folder.

Skipped only where no Chromium can be found.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import widget_repaint as harness  # noqa: E402

IMG = ROOT / "docs" / "img"          # rewritten only with AUTOGRAD_NB_SCREENSHOTS=1
CHROMIUM = harness.find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium found on PATH (install the system package: apt-get "
    "install chromium); the browser tests need a real browser")


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One JupyterLab for the module, serving copies of the test notebook and the course."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(harness.NOTEBOOK, root)
    shutil.copy(harness.NOTEBOOK, root / "timing.ipynb")     # a kernel of its own each
    shutil.copy(harness.NOTEBOOK, root / "mlp.ipynb")
    course = root / "course"
    shutil.copytree(harness.COURSE, course, ignore=shutil.ignore_patterns("_*", "*.cfg"))
    with harness.jupyter_lab(root) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import expect, sync_playwright
    expect.set_options(timeout=30_000)                 # a busy 2-core CI machine is slow
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=harness.CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where screenshots go: the README's folder when asked for, else a temp dir."""
    if os.environ.get("AUTOGRAD_NB_SCREENSHOTS") == "1":
        IMG.mkdir(parents=True, exist_ok=True)
        return IMG
    return tmp_path_factory.mktemp("shots")


def _new_page(browser, width=1500, height=1400):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.set_default_timeout(60_000)
    return page


@pytest.fixture(scope="module")
def dashboards(server, browser, tmp_path_factory):
    """widgets_e2e.ipynb after Run All, in one page shared by the tests of this module
    (each test drives its own dashboards of it)."""
    page = _new_page(browser)
    state = harness.run_all(page, server, harness.NOTEBOOK.name)
    assert state["failed"] < 0, f"cell {state['failed']} of the test notebook failed"
    harness.wait_dashboards(page)
    yield page
    page.close()


@pytest.fixture
def failure_shot(tmp_path):
    """A full-page screenshot of the pages the test registered, taken at its end (its
    path is printed: pytest shows it with the output of a failed test)."""
    pages = []
    yield pages.append
    for i, page in enumerate(pages):
        if page.is_closed():
            continue
        path = tmp_path / f"last{i}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"screenshot at the end of the test: {path}")
        except Exception as exc:                    # pragma: no cover - a dead page
            print(f"no screenshot: {exc}")


def _stepper(page, k):
    return page.locator(".agnb-stepper").nth(k)


def _button(root, text):
    return root.locator("button", has_text=re.compile(f"^\\s*{re.escape(text)}\\s*$"))


# ---------------------------------------------------------------------- the stepper
def test_stepper_small_graph(dashboards, shots, failure_shot):
    """Next to the end on seed 002; gradients written on the edges and the leaf's .grad
    line; a tensor box cannot be selected; after Done nothing clickable does nothing."""
    from playwright.sync_api import expect
    page = dashboards
    failure_shot(page)
    stepper = _stepper(page, 0)
    status = stepper.locator(".agnb-status")
    expect(status).to_contain_text("event 0 of 13")
    expect(stepper.locator("svg g.node")).to_have_count(9)          # 5 grad_fns + x, y, z, out
    expect(stepper.locator(".agnb-legend")).to_contain_text("gradient just sent")
    grad_line = stepper.locator("svg text[id$='gradline-t3'], svg text[id*='gradline-']").first
    expect(grad_line).to_have_text(".grad = None")
    next_button = _button(stepper, "Next")
    for clicks in range(1, 14):                      # (the status changes before the button's
        next_button.click()                          # disabled state: test the count, then it)
        expect(status).to_contain_text(f"event {clicks} of")
    expect(next_button).to_be_disabled()
    expect(status).to_contain_text("every .grad is what backward() gives")
    current = stepper.locator("g.node.ag-current")
    expect(current).to_have_count(1)
    assert current.locator("title").text_content().startswith("AccumulateGrad")
    expect(stepper.locator(".agnb-details")).to_contain_text("[[4.5, 4.5], [4.5, 4.5]]")
    expect(grad_line).to_have_text(".grad = [[4.5, 4.5], [4.5, 4.5]]")   # on the picture
    expect(stepper.locator("g.node.ag-done")).to_have_count(4)
    # every backward edge that carried a gradient has it written beside it
    edge_texts = stepper.locator("svg text[id*='edgegrad-']")
    written = [t for t in edge_texts.all_text_contents() if t.strip()]
    assert len(written) == 6 and "[[0.75, 0.75], [0.75, 0.75]]" in written     # 5 next edges
    assert "+= [[4.5, 4.5], [4.5, 4.5]]" in written              # and AccumulateGrad -> x
    # each state has its own colour: current, ready, done, updated and flow all differ
    colours = page.evaluate("""() => {
        const root = document.querySelectorAll('.agnb-stepper')[0];
        const look = (sel, prop) => { const e = root.querySelector(sel);
            return e ? getComputedStyle(e)[prop] : null; };
        return {current: look('g.ag-current > rect', 'stroke'),
                done: look('g.ag-done > rect', 'stroke')}; }""")
    assert colours["current"] and colours["done"] and colours["current"] != colours["done"]

    # back to the moment MulBackward0 (z) hands its gradient on: the README picture
    for _ in range(8):
        _button(stepper, "Back").click()
    expect(status).to_contain_text("event 5 of 13")
    expect(stepper.locator(".agnb-details")).to_contain_text("grad_self = grad * other")
    expect(stepper.locator("g.edge.ag-flow")).to_have_count(1)
    flow_text = stepper.locator("g.edge.ag-flow text[id*='edgegrad-']")
    expect(flow_text).to_have_text("[[0.75, 0.75], [0.75, 0.75]]")
    stepper.locator("g.node text", has_text=re.compile("^MulBackward0$")).first.click()
    expect(stepper.locator(".agnb-node")).to_contain_text("selected: MulBackward0")
    # a tensor box is not a node: clicking it keeps the selection, and it does not look
    # clickable
    tensor = stepper.locator("g.node.tensor").first
    assert tensor.evaluate("e => getComputedStyle(e).cursor") != "pointer"
    tensor.locator("rect").first.click()
    page.wait_for_timeout(300)
    expect(stepper.locator(".agnb-node")).to_contain_text("selected: MulBackward0")
    stepper.screenshot(path=str(shots / "stepper.png"))

    # Done: the graph is freed; Next and Run to end cannot do anything any more
    _button(stepper, "Run to end").click()
    expect(status).to_contain_text("event 13 of 13")
    _button(stepper, "Done").click()
    expect(status).to_contain_text("Re-run the cell to start again")
    for name in ("Next", "Run to end", "Reset", "Done"):
        expect(_button(stepper, name)).to_be_disabled()
    expect(_button(stepper, "Back")).to_be_enabled()       # the record can still be replayed


def test_stepper_on_a_100_event_graph_at_1200px(browser, server, shots, failure_shot):
    """A 7-layer MLP (102 events) in a 1200 px window: the current node stays inside the
    picture's scroll box at every event, the details panel keeps a readable width and
    is not cut off; "fit width" shrinks the picture into its box."""
    from playwright.sync_api import expect
    page = _new_page(browser, width=1200, height=900)
    failure_shot(page)
    state = harness.run_all(page, server, "mlp.ipynb")
    assert state["failed"] < 0
    harness.wait_dashboards(page)
    stepper = _stepper(page, 1)
    status = stepper.locator(".agnb-status")
    expect(status).to_contain_text("event 0 of 102")
    stepper.scroll_into_view_if_needed()
    seen = page.evaluate(STEP_ALL_JS, {"k": 1, "events": 102})
    assert seen["reached"] == 102, seen
    outside = [(k, w) for k, w in enumerate(seen["where"], 1) if not w["inside"]]
    assert not outside, f"current node out of view at events {outside[:3]}"
    expect(status).to_contain_text("event 102 of 102")
    geometry = page.evaluate("""() => {
        const root = document.querySelectorAll('.agnb-stepper')[1];
        const side = root.querySelector('.agnb-stepper-side').getBoundingClientRect();
        const details = root.querySelector('.agnb-details');
        return {width: side.width, right: side.right, page: document.documentElement.clientWidth,
                clipped: details.scrollWidth > details.clientWidth + 2}; }""")
    assert geometry["width"] >= 340, geometry
    assert geometry["right"] <= geometry["page"], geometry
    assert not geometry["clipped"], geometry
    # (a taller window for the pictures only: JupyterLab clips an output taller than it)
    page.set_viewport_size({"width": 1200, "height": 1500})
    stepper.scroll_into_view_if_needed()
    _button(stepper, "Back").click()                        # a moment with a gradient sent
    expect(status).to_contain_text("event 101 of 102")
    stepper.screenshot(path=str(shots / "stepper_mlp_100_events.png"))
    _button(stepper, "fit width").click()
    fit = page.evaluate("""() => {
        const box = document.querySelectorAll('.agnb-stepper')[1].querySelector('.agnb-graph-scroll');
        return {svg: box.querySelector('svg').getBoundingClientRect().width, box: box.clientWidth}; }""")
    assert fit["svg"] <= fit["box"], fit
    stepper.screenshot(path=str(shots / "stepper_mlp_fit_width.png"))
    # left to right: the same picture turned, the highlight and the texts carried over
    _button(stepper, "100%").click()
    _button(stepper, "left to right").click()
    page.wait_for_function("""() => {
        const svg = document.querySelectorAll('.agnb-stepper')[1].querySelector('.agnb-graph-scroll svg');
        return svg && +svg.getAttribute('width') > +svg.getAttribute('height'); }""")
    expect(stepper.locator("g.node.ag-current")).to_have_count(1)
    written = [t for t in stepper.locator("svg text[id*='edgegrad-']").all_text_contents() if t]
    assert len(written) > 20
    where = page.evaluate(FOLLOW_JS, 1)
    assert where["inside"], where
    stepper.screenshot(path=str(shots / "stepper_mlp_left_to_right.png"))
    page.close()


# Click Next on stepper k until the given event, waiting for each answer, and after
# each one note whether the current node lies inside the picture's scroll box.
STEP_ALL_JS = """
async ({k, events}) => {
  const root = document.querySelectorAll('.agnb-stepper')[k];
  const next = [...root.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Next');
  const status = () => root.querySelector('.agnb-status').textContent;   // replaced per update
  const where = [];
  let reached = 0;
  for (let i = 1; i <= events; i++) {
    next.click();
    const t0 = performance.now();
    while (!status().includes('event ' + i + ' of')) {
      if (performance.now() - t0 > 15000) return {reached, where, stuck: status()};
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    reached = i;
    const box = root.querySelector('.agnb-graph-scroll').getBoundingClientRect();
    const node = root.querySelector('g.ag-current') || root.querySelector('g.ag-updated');
    if (!node) { where.push({inside: true, none: true}); continue; }
    const r = node.getBoundingClientRect();
    where.push({inside: r.top >= box.top - 1 && r.bottom <= box.bottom + 1 &&
                        r.left >= box.left - 1 && r.right <= box.right + 1,
                node: [r.top, r.bottom, r.left, r.right], box: [box.top, box.bottom]});
  }
  return {reached, where};
}
"""

FOLLOW_JS = """
(k) => {
  const root = document.querySelectorAll('.agnb-stepper')[k];
  const box = root.querySelector('.agnb-graph-scroll').getBoundingClientRect();
  const node = root.querySelector('g.ag-current') || root.querySelector('g.ag-updated');
  if (!node) return {inside: true, none: true};
  const r = node.getBoundingClientRect();
  return {inside: r.top >= box.top - 1 && r.bottom <= box.bottom + 1 &&
                  r.left >= box.left - 1 && r.right <= box.right + 1,
          node: [r.top, r.bottom], box: [box.top, box.bottom]};
}
"""


# ---------------------------------------------------------------------- the labs
def _active(group):
    return group.locator("button.mod-active").inner_text().strip()


def test_grad_mode_lab_buttons_follow_a_mode_set_from_code(dashboards, shots, failure_shot):
    """A later cell ran ``lab.set_mode("inference_mode", outer="no_grad")``: the buttons
    show that, and clicking "grad" really switches back."""
    from playwright.sync_api import expect
    page = dashboards
    failure_shot(page)
    lab = page.locator(".agnb-gradmode").nth(0)
    mode, outer = (lab.locator(".widget-toggle-buttons").nth(i) for i in (0, 1))
    expect(lab.locator(".agnb-results")).to_contain_text("with torch.inference_mode():")
    assert _active(mode) == "inference_mode"
    assert _active(outer) == "no_grad"
    expect(lab).to_contain_text("outer block")                 # and what it means
    expect(lab).to_contain_text("a second block around it")
    _button(mode, "grad").click()
    expect(lab.locator(".agnb-results pre")).not_to_contain_text("inference_mode")
    assert _active(mode) == "grad"
    _button(outer, "none").click()
    expect(lab.locator(".agnb-results pre")).not_to_contain_text("no_grad")
    expect(lab.locator(".agnb-results")).to_contain_text("ExpBackward0")
    _button(mode, "no_grad").click()
    # (wait for this run's own results: the previous run also said "changed since")
    expect(lab.locator(".agnb-results pre")).to_contain_text("with torch.no_grad():")
    expect(lab.locator(".agnb-results")).to_contain_text("changed since the previous run")
    _button(lab, "Try: backward()").click()
    expect(lab).to_contain_text("element 0 of tensors does not require grad")
    expect(lab).to_contain_text("Usual fixes")
    lab.screenshot(path=str(shots / "gradmode_lab.png"))


def test_accumulation_lab_after_later_cells_rebind_its_names(dashboards, shots, failure_shot):
    """``AccumulationLab(lambda: a * b)``, then ``a = torch.tensor([1., 2., 3.])`` and
    ``b = a ** 3``: rebuild and backward still work on the a and b it was built with."""
    from playwright.sync_api import expect
    page = dashboards
    failure_shot(page)
    lab = page.locator(".agnb-accumulation").nth(0)
    rows = lab.locator(".agnb-timeline table tr")
    expect(rows).to_have_count(2)                              # header + "start"
    _button(lab, "rebuild graph").click()
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("live")                # a fresh graph, not freed
    _button(lab, "backward()").click()
    expect(rows).to_have_count(4)
    last = rows.nth(3)
    expect(last).to_contain_text("ok")
    expect(last).to_contain_text("freed")
    expect(last).to_contain_text("[2.]")                       # a.grad of the a it was built with
    expect(lab).not_to_contain_text("implicitly created only for scalar outputs")
    _button(lab, "rebuild graph").click()
    for _ in range(2):
        _button(lab, "backward(retain_graph=True)").click()
    expect(rows).to_have_count(7)
    expect(rows.nth(6)).to_contain_text("[6.]")                # 2 -> 4 -> 6
    _button(lab, "grad = None").click()
    expect(rows).to_have_count(8)
    svg = lab.locator(".agnb-timeline svg")
    expect(svg).to_contain_text("a.grad")
    expect(svg).to_contain_text(".grad is None")
    expect(svg).to_contain_text("move #")
    lab.screenshot(path=str(shots / "accumulation_lab.png"))


def test_buffer_inspector_shows_changes(dashboards, shots, failure_shot):
    """An in-place change shows on the picture (stale, with the new version); Refresh
    says what changed; the two byte counts say what they count; a legend is there."""
    from playwright.sync_api import expect
    page = dashboards
    failure_shot(page)
    ins = page.locator(".agnb-buffers").nth(0)
    expect(ins.locator(".agnb-legend")).to_contain_text("stale")
    expect(ins).to_contain_text("a tensor saved by two nodes is listed twice")
    expect(ins).to_contain_text("each storage once")
    _button(ins, "Refresh").click()
    expect(ins.locator(".agnb-log")).to_contain_text("refresh #1: nothing changed")
    ins.locator("select").first.select_option("r")
    _button(ins, "Apply").click()
    expect(ins.locator(".agnb-log")).to_contain_text("r._version is now 1")
    stale_row = ins.locator("svg text", has_text="stale!")
    expect(stale_row).to_have_count(1)                         # the picture, not only the table
    expect(ins.locator("svg rect.ag-stale")).to_have_count(1)
    node = ins.locator("select").nth(2)
    label = next(o for o in node.locator("option").all_inner_texts() if o.startswith("SumBackward0"))
    node.select_option(label=label)
    _button(ins, "check gradient").click()
    expect(ins.locator(".agnb-log")).to_contain_text("did not keep that value")
    expect(ins.locator(".agnb-log")).not_to_contain_text("names=")
    ins.screenshot(path=str(shots / "buffer_inspector.png"))


def test_tracebacks_stop_at_the_learners_line(dashboards):
    page = dashboards
    err = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").last
    text = err.inner_text()
    assert "Trying to backward through the graph a second time" in text
    assert "inside autograd_nb hidden" in text
    assert "engine.py" not in text and "_tensor.py" not in text


# ---------------------------------------------------------------------- the course
COURSE_NOTEBOOKS = sorted(p.name for p in harness.COURSE.glob("[0-9][0-9]_*.ipynb"))

USABLE_JS = """
() => {
  const out = [];
  const text = (e) => (e ? e.textContent : '');
  const enabled = (root, name) => { const b = [...root.querySelectorAll('button')]
      .find((b) => b.textContent.trim() === name); return !!b && !b.disabled; };
  document.querySelectorAll('.agnb-stepper').forEach((e, i) => out.push({kind: 'stepper', i,
      status: text(e.querySelector('.agnb-status')), next: enabled(e, 'Next'),
      reset: enabled(e, 'Reset')}));
  document.querySelectorAll('.agnb-gradmode').forEach((e, i) => {
    const groups = e.querySelectorAll('.widget-toggle-buttons');
    out.push({kind: 'gradmode', i, mode: text(groups[0].querySelector('.mod-active')).trim(),
              code: text(e.querySelector('.agnb-results pre'))}); });
  document.querySelectorAll('.agnb-accumulation').forEach((e, i) => out.push({kind: 'accumulation',
      i, rows: e.querySelectorAll('.agnb-timeline table tr').length}));
  document.querySelectorAll('.agnb-buffers').forEach((e, i) => out.push({kind: 'buffers', i}));
  const tall = [...document.querySelectorAll('div.autograd-graph')]
      .filter((d) => d.scrollHeight > d.clientHeight + 2).length;
  const broken = document.body.innerText.includes('Error displaying widget');
  const stderr = [...document.querySelectorAll(
      ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")]
      .map((e) => e.innerText).filter((t) => /autograd_nb[\\\\/](autograd|ops|nn)[\\\\/]/.test(t));
  return {dashboards: out, tall, broken, library_frames: stderr.length};
}
"""


def test_course_run_all_leaves_every_dashboard_usable(server, browser, failure_shot):
    """Run All on every course notebook, then: each dashboard answers a click, the
    first stepper of a notebook is at its first event, a finished or closed one says
    what to do, the grad-mode lab's buttons match its code, no picture sits in an inner
    scroll box, no widget failed to render and no traceback shows the library's frames."""
    from playwright.sync_api import expect
    assert COURSE_NOTEBOOKS, "no course notebooks found"
    page = _new_page(browser, width=1400, height=1000)
    failure_shot(page)
    seen = {"stepper": 0, "gradmode": 0, "accumulation": 0, "buffers": 0}
    for name in COURSE_NOTEBOOKS:
        state = harness.run_all(page, server, f"course/{name}", timeout_s=300)
        assert state["failed"] < 0, f"{name}: cell {state['failed']} failed after Run All"
        assert state["done"] == state["cells"], f"{name}: Run All stopped early: {state}"
        page.wait_for_timeout(500)
        facts = page.evaluate(USABLE_JS)
        assert not facts["broken"], f"{name}: a widget failed to render"
        assert facts["tall"] == 0, f"{name}: a picture sits in an inner scroll box"
        assert facts["library_frames"] == 0, f"{name}: a traceback shows autograd_nb's frames"
        if name.startswith("01_"):             # no dashboard holds memory the lesson counts
            text = page.locator(".jp-Notebook").inner_text()
            for mode in ("no_grad", "inference_mode"):
                assert re.search(mode + r"\s+[\d.]+ ms per forward\s+0 bytes saved", text), \
                    f"{name}: {mode} should save 0 bytes"
        steppers = [d for d in facts["dashboards"] if d["kind"] == "stepper"]
        if steppers:
            assert "event 0 of" in steppers[0]["status"], f"{name}: {steppers[0]['status']}"
        for d in facts["dashboards"]:
            seen[d["kind"]] += 1
            where = f"{name}: {d['kind']} {d['i']}"
            if d["kind"] == "stepper":
                _check_stepper_usable(page, d, where)
            elif d["kind"] == "gradmode":
                _check_gradmode_usable(page, d, where)
            elif d["kind"] == "accumulation":
                root = page.locator(".agnb-accumulation").nth(d["i"])
                _button(root, "backward(retain_graph=True)").click()
                expect(root.locator(".agnb-timeline table tr")).to_have_count(d["rows"] + 1)
            else:
                root = page.locator(".agnb-buffers").nth(d["i"])
                _button(root, "Refresh").click()
                expect(root.locator(".agnb-log")).to_contain_text("refresh #")
        page.evaluate("window.jupyterapp.commands.execute('kernelmenu:shutdown')")
        page.wait_for_timeout(300)
    assert all(seen.values()), f"the course should show every kind of dashboard: {seen}"
    page.close()


def _check_stepper_usable(page, d, where):
    from playwright.sync_api import expect
    root = _stepper(page, d["i"])
    status = root.locator(".agnb-status")
    if "closed" in d["status"]:
        assert "Re-run the cell to start again" in d["status"], where
        return
    assert d["next"] or d["reset"], f"{where}: nothing to click ({d['status']})"
    if d["next"]:
        before = status.inner_text()
        _button(root, "Next").click()
        expect(status).not_to_have_text(before)
    else:                                          # at the end: Reset starts again
        _button(root, "Reset").click()
        expect(status).to_contain_text("event 0 of")


def _check_gradmode_usable(page, d, where):
    from playwright.sync_api import expect
    root = page.locator(".agnb-gradmode").nth(d["i"])
    inner = f"with torch.{d['mode']}():" if d["mode"] != "grad" else None
    if inner:
        assert inner in d["code"], f"{where}: buttons say {d['mode']}, code says {d['code']!r}"
    target = "no_grad" if d["mode"] != "no_grad" else "grad"
    _button(root.locator(".widget-toggle-buttons").nth(0), target).click()
    if target == "grad":
        expect(root.locator(".agnb-results pre")).not_to_contain_text("with torch.no_grad():")
    else:
        expect(root.locator(".agnb-results pre")).to_contain_text("with torch.no_grad():")


ADD_CELL_JS = """
async (code) => {
  const app = window.jupyterapp;
  const nb = app.shell.currentWidget.content;
  nb.activeCellIndex = nb.widgets.length - 1;
  await app.commands.execute('notebook:insert-cell-below');
  nb.activeCell.model.sharedModel.setSource(code);
  await app.commands.execute('notebook:run-cell');
}
"""

# one right and one wrong hand gradient of y = sum(b * a**2): dy/da = 2 b a (the wrong
# one forgets the 2), dy/db = a**2
CHECKER_CELL = """a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = (b * a ** 2).sum()
display(torch.check_grads(y, {"da": 2 * b * a, "db": a ** 2}))
display(torch.check_grads(y, {"da": b * a, "db": a ** 2}))"""


def test_notebook_07_checker_colours_wrong_red_and_right_green(server, browser, failure_shot):
    """Notebook 07 after Run All: a learner's cell checks hand gradients; the right ones
    show green (table and graph), the wrong one red, with the note that says why."""
    from playwright.sync_api import expect
    name = next(n for n in COURSE_NOTEBOOKS if n.startswith("07_"))
    page = _new_page(browser, width=1400, height=1000)
    failure_shot(page)
    state = harness.run_all(page, server, f"course/{name}", timeout_s=300)
    assert state["failed"] < 0 and state["done"] == state["cells"], state
    page.evaluate(ADD_CELL_JS, CHECKER_CELL)
    last = page.locator(".jp-Notebook .jp-CodeCell").last
    checks = last.locator("div.autograd-check-grads")
    expect(checks).to_have_count(2, timeout=60_000)
    green, red = "rgb(46, 125, 50)", "rgb(198, 40, 40)"          # checkgrads.VERDICT_COLOURS
    right, wrong = checks.nth(0), checks.nth(1)
    verdicts = [right.locator("tbody tr td:last-child").nth(i) for i in range(2)]
    for cell in verdicts:
        expect(cell).to_have_text("equal")
        expect(cell).to_have_css("color", green)
    expect(wrong.locator("td", has_text=re.compile(r"^\s*wrong\s*$"))).to_have_css("color", red)
    expect(wrong.locator("td", has_text=re.compile(r"^\s*equal\s*$"))).to_have_css("color", green)
    def strokes(check, colour):                   # (the legend shows each colour once)
        return check.locator(f"svg [stroke='{colour}']").count()
    assert strokes(right, "#2e7d32") >= strokes(wrong, "#2e7d32") + 1     # both leaves green
    assert strokes(wrong, "#c62828") >= strokes(right, "#c62828") + 1     # the wrong one red
    page.evaluate("window.jupyterapp.commands.execute('kernelmenu:shutdown')")
    page.close()


# ---------------------------------------------------------------------- timing (reported)
def test_click_to_update_times_are_reported(browser, server, capsys):
    """Every control's click-to-update time, printed as the benchmark does (not asserted
    against a limit: see benchmarks/widget_repaint.md); every click must update."""
    page = _new_page(browser)
    state = harness.run_all(page, server, "timing.ipynb")
    assert state["failed"] < 0
    harness.wait_dashboards(page)
    lines = []
    for control in harness.CONTROLS:
        clicks = 10
        res = harness.measure_clicks(page, control, clicks)
        stats = harness.summary(res["times_ms"])
        lines.append(f"{control}: {stats}")
        assert stats["missed"] == 0, f"{control}: a click did not update the dashboard"
    page.close()
    with capsys.disabled():
        print("\nclick-to-update (ms):\n  " + "\n  ".join(lines))
