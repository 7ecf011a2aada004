"""The dashboards in a real browser: JupyterLab on 127.0.0.1 with a token, headless Chromium
(the system's, e.g. ``apt-get install chromium``) driven by Python Playwright.

It opens ``tests/notebooks/widgets_e2e.ipynb``, runs it, clicks the stepper's Next until
the end and checks the highlighted node and the gradients shown, toggles the grad-mode
lab and tries its backward, measures click-to-repaint on a 200-node graph (reported,
not asserted: see ``benchmarks/widget_repaint.md``) and saves the screenshots used in
the README (``docs/img/stepper.png``, ``docs/img/gradmode_lab.png``).

Skipped only where no Chromium can be found.
"""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import widget_repaint as harness  # noqa: E402

IMG = ROOT / "docs" / "img"


@pytest.fixture(scope="module")
def lab_page(tmp_path_factory):
    chromium = harness.find_chromium()
    if chromium is None:
        pytest.skip("no Chromium found on PATH (install the system package: apt-get install "
                    "chromium); the browser test needs a real browser")
    from playwright.sync_api import sync_playwright
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(harness.NOTEBOOK, root)
    with harness.jupyter_lab(root) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=harness.CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1800})
        page.set_default_timeout(60_000)
        harness.open_notebook(page, url, harness.NOTEBOOK.name)
        page.wait_for_function(
            "document.querySelectorAll('.agnb-stepper').length >= 2 && "
            "document.querySelector('.agnb-gradmode') !== null")
        yield page
        browser.close()


def test_stepper_next_until_the_end(lab_page):
    from playwright.sync_api import expect
    page = lab_page
    stepper = page.locator(".agnb-stepper").nth(0)
    status = stepper.locator(".agnb-status")
    expect(status).to_contain_text("event 0 of")
    expect(stepper.locator("svg g.node")).to_have_count(9)          # 5 grad_fns + x, y, z, out
    next_button = stepper.locator("button", has_text="Next")
    clicks = 0
    while next_button.is_enabled():
        next_button.click()
        clicks += 1
        expect(status).to_contain_text(f"event {clicks} of")
        assert clicks < 40
    assert clicks == 13
    expect(status).to_contain_text("every .grad is what backward() gives")
    current = stepper.locator("g.node.ag-current")
    expect(current).to_have_count(1)
    assert current.locator("title").text_content().startswith("AccumulateGrad")
    details = stepper.locator(".agnb-details")
    expect(details).to_contain_text("[[4.5, 4.5], [4.5, 4.5]]")      # x.grad, as backward()
    expect(stepper.locator("g.node.ag-done")).to_have_count(4)
    # back to the moment MulBackward0 (z) hands its gradient on, for the README picture
    for _ in range(8):
        stepper.locator("button", has_text="Back").click()
    expect(status).to_contain_text("event 5 of 13")
    expect(details).to_contain_text("grad_self = grad * other")
    expect(details).to_contain_text("[[0.75, 0.75], [0.75, 0.75]]")
    expect(stepper.locator("g.edge.ag-flow")).to_have_count(1)
    stepper.locator("g.node text", has_text=re.compile("^MulBackward0$")).first.click()
    expect(stepper.locator(".agnb-node")).to_contain_text("selected: MulBackward0")
    IMG.mkdir(parents=True, exist_ok=True)
    stepper.screenshot(path=str(IMG / "stepper.png"))


def test_grad_mode_lab_toggles_and_explains(lab_page):
    from playwright.sync_api import expect
    page = lab_page
    lab = page.locator(".agnb-gradmode")
    expect(lab).to_contain_text("ExpBackward0")
    lab.locator("button", has_text="no_grad").first.click()
    expect(lab).to_contain_text("with torch.no_grad():")
    expect(lab).to_contain_text("changed since the previous run")
    lab.locator("button", has_text="Try: backward()").click()
    expect(lab).to_contain_text("element 0 of tensors does not require grad")
    expect(lab).to_contain_text("Usual fixes")
    IMG.mkdir(parents=True, exist_ok=True)
    lab.screenshot(path=str(IMG / "gradmode_lab.png"))


def test_click_to_repaint_on_a_200_node_graph(lab_page):
    """Reported, not asserted (timings depend on the machine): see the printed summary."""
    res = harness.measure_repaint(lab_page, 1, clicks=20)
    stats = harness.summary(res["times_ms"])
    print(f"\nclick-to-repaint, {res['nodes']}-node picture: {stats}")
    assert res["nodes"] >= 200
    assert stats["missed"] == 0                          # every click repainted the graph
