"""Every exercise's check cell rejects wrong answers and accepts the right one.

An exercise in the course (``notebooks/_src/__init__.py``: ``exercise``) is four cells:
the task, the learner's cell (tag ``exercise-answer``, shipped with ``...``
placeholders), the check cell (tag ``exercise-check``) and the solution folded in a
``<details>`` block. For each notebook this test runs the notebook as built from its
source on a real kernel, and after each check cell it runs, each followed by the same
check cell again: every wrong answer listed below, other right answers, then the
folded solution. The check must print "Not yet" for the untouched prompt and for every
wrong answer, and "Correct" for every right answer and the solution.

The wrong answers are the ones a learner (or issue 23) found the old checks accepting,
and the usual slips; each must be plausible code that runs without error.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"

# (notebook prefix, exercise number in that notebook) -> wrong answers
WRONG = {
    ("00", 0): [
        # the forward only, no backward
        "x = torch.tensor(2.0, requires_grad=True)\nf = x ** 3 - 4 * x\n",
        "x = torch.tensor(2.0, requires_grad=True)\nf = x ** 3 + 4 * x\nf.backward()\n",
        "x = torch.tensor(3.0, requires_grad=True)\nf = x ** 3 - 4 * x\nf.backward()\n",
    ],
    ("01", 0): [
        # issue 23: the output detached, the forward recorded all the same
        "def evaluate(model, data):\n    return model(data).detach()\n\n\npreds = evaluate(net, batch)\n",
        "def evaluate(model, data):\n    return model(data)\n\n\npreds = evaluate(net, batch)\n",
        # the mode switched on only after the forward pass ran
        "def evaluate(model, data):\n    out = model(data)\n    with torch.no_grad():\n"
        "        return out * 1\n\n\npreds = evaluate(net, batch)\n",
    ],
    ("01", 1): [
        # issue 23: backward without freezing, then the last layer's grads set to None
        "torch.manual_seed(0)\nclf = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))\n"
        "inputs = torch.randn(3, 4)\nout = clf(inputs).sum()\nout.backward()\n"
        "clf[2].weight.grad = None\nclf[2].bias.grad = None\n"
        "got_grad = [n for n, p in clf.named_parameters() if p.grad is not None]\n",
        # frozen only after the forward pass recorded the edges
        "torch.manual_seed(0)\nclf = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))\n"
        "inputs = torch.randn(3, 4)\nout = clf(inputs).sum()\nclf[2].requires_grad_(False)\n"
        "out.backward()\nclf[2].weight.grad = None\nclf[2].bias.grad = None\n"
        "got_grad = [n for n, p in clf.named_parameters() if p.grad is not None]\n",
        # the first layer frozen instead
        "torch.manual_seed(0)\nclf = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))\n"
        "inputs = torch.randn(3, 4)\nclf[0].requires_grad_(False)\nout = clf(inputs).sum()\n"
        "out.backward()\ngot_grad = [n for n, p in clf.named_parameters() if p.grad is not None]\n",
    ],
    ("02", 0): [
        "x = torch.tensor([1., 2., 3.], requires_grad=True)\ny = x ** 3\ny.sum().backward()\n",
        "x = torch.tensor([1., 2., 3.], requires_grad=True)\ny = x ** 3\n"
        "y.backward(torch.tensor([2., 0., 1.]))\n",
    ],
    ("02", 1): [
        # issue 23: one backward with gradient 3
        "u = torch.tensor(1.0, requires_grad=True)\nz = 5 * u\npasses = []\n"
        "z.register_hook(lambda grad: passes.append(grad))\nz.backward(torch.tensor(3.))\n",
        # issue 23: z rebuilt before each backward
        "u = torch.tensor(1.0, requires_grad=True)\nz = 5 * u\npasses = []\n"
        "z.register_hook(lambda grad: passes.append(grad))\n"
        "for _ in range(3):\n    z = 5 * u\n    z.backward()\n",
        # two passes only
        "u = torch.tensor(1.0, requires_grad=True)\nz = 5 * u\npasses = []\n"
        "z.register_hook(lambda grad: passes.append(grad))\n"
        "z.backward(retain_graph=True)\nz.backward()\n",
    ],
    ("03", 0): [
        "p = torch.tensor([1.0, 2.0], requires_grad=True)\nq = (p * 3 + 1).sum()\n"
        "chain = ['SumBackward0', 'AddBackward0', 'MulBackward0']\n",
        "p = torch.tensor([1.0, 2.0], requires_grad=True)\nq = (p * 3 + 1).sum()\n"
        "chain = ['AccumulateGrad', 'MulBackward0', 'AddBackward0', 'SumBackward0']\n",
    ],
    ("03", 1): [
        # the error hidden by .data: backward uses the doubled values as sigmoid's output
        "k = torch.tensor([0.0, 1.0], requires_grad=True)\nm = torch.sigmoid(k)\n"
        "m.data.mul_(2)\nm.sum().backward()\ng = k.grad\n",
        # the doubling dropped
        "k = torch.tensor([0.0, 1.0], requires_grad=True)\nm = torch.sigmoid(k)\n"
        "m.sum().backward()\ng = k.grad\n",
    ],
    ("04", 0): [
        # issue 23: conv1 not frozen, only left out of the optimizer
        "torch.manual_seed(1)\nnet = Simple()\n"
        "opt = torch.optim.SGD([p for n, p in net.named_parameters() if n != 'conv1.weight'], lr=0.1)\n"
        "before = {name: p.detach().clone() for name, p in net.named_parameters()}\n"
        "criterion(net(images), targets).backward()\nopt.step()\n",
        # issue 23: another learning rate
        "torch.manual_seed(1)\nnet = Simple()\nnet.conv1.requires_grad_(False)\n"
        "opt = torch.optim.SGD(net.parameters(), lr=1.0)\n"
        "before = {name: p.detach().clone() for name, p in net.named_parameters()}\n"
        "criterion(net(images), targets).backward()\nopt.step()\n",
        "torch.manual_seed(1)\nnet = Simple()\nnet.conv1.requires_grad_(False)\n"
        "opt = torch.optim.SGD(net.parameters(), lr=0.11)\n"
        "before = {name: p.detach().clone() for name, p in net.named_parameters()}\n"
        "criterion(net(images), targets).backward()\nopt.step()\n",
        # no step taken
        "torch.manual_seed(1)\nnet = Simple()\nnet.conv1.requires_grad_(False)\n"
        "opt = torch.optim.SGD(net.parameters(), lr=0.1)\n"
        "before = {name: p.detach().clone() for name, p in net.named_parameters()}\n"
        "criterion(net(images), targets).backward()\n",
    ],
    ("05", 0): [
        # issue 23: .detach() after a recorded forward pass
        "def predict(x):\n    return forward_propagation(x).detach()\n\n\n"
        "preds = predict(x_valid)\nacc = ((preds > 0.5) == y_valid).float().mean().item()\n",
        # right predictions, accuracy against flattened targets (the broadcasting trap)
        "def predict(x):\n    with torch.no_grad():\n        return forward_propagation(x)\n\n\n"
        "preds = predict(x_valid)\nacc = ((preds > 0.5) == y_valid.view(-1)).float().mean().item()\n",
        # accuracy left as a tensor
        "def predict(x):\n    with torch.no_grad():\n        return forward_propagation(x)\n\n\n"
        "preds = predict(x_valid)\nacc = ((preds > 0.5) == y_valid).float().mean()\n",
    ],
    ("06", 0): [
        # backward of sigmoid only
        "class MySiLU(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
        "        ctx.save_for_backward(x)\n        return x * torch.sigmoid(x)\n\n"
        "    @staticmethod\n    def backward(ctx, grad_output):\n        (x,) = ctx.saved_tensors\n"
        "        return grad_output * torch.sigmoid(x)\n",
        # forward of sigmoid, right backward
        "class MySiLU(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
        "        ctx.save_for_backward(x)\n        return torch.sigmoid(x)\n\n"
        "    @staticmethod\n    def backward(ctx, grad_output):\n        (x,) = ctx.saved_tensors\n"
        "        s = torch.sigmoid(x)\n        return grad_output * (s + x * s * (1 - s))\n",
    ],
    ("07", 0): [
        # tanh's derivative taken at the input instead of from the output
        "dz = dh * (1 - z.detach() ** 2)\n",
        # the upstream gradient dropped
        "dz = 1 - h.detach() ** 2\n",
    ],
    ("07", 1): [
        # the classic: no sum over the batch dimension that g and beta were broadcast over
        "dg = da * xhat.detach()\ndbeta = da\ndxhat = da * g.detach()\n",
        # summed over the wrong dimension
        "dg = (da * xhat.detach()).sum(1)\ndbeta = da.sum(1)\ndxhat = da * g.detach()\n",
        # g forgotten on the path to xhat
        "dg = (da * xhat.detach()).sum(0)\ndbeta = da.sum(0)\ndxhat = da\n",
    ],
    ("07", 2): [
        # divided by the batch size a second time
        "da = dlogits @ W2.detach().T\ndW2 = a.detach().T @ dlogits / N\ndb2 = dlogits.sum(0)\n",
        # the bias gradient summed over the classes
        "da = dlogits @ W2.detach().T\ndW2 = a.detach().T @ dlogits\ndb2 = dlogits.sum(1)\n",
        # the bias gradient averaged instead of summed
        "da = dlogits @ W2.detach().T\ndW2 = a.detach().T @ dlogits\ndb2 = dlogits.mean(0)\n",
    ],
    ("07", 3): [
        # the mean's 1/N forgotten
        "dlogits = F.softmax(logits.detach(), 1) - F.one_hot(y, K)\n",
        # 1 subtracted everywhere, not at the right class
        "dlogits = (F.softmax(logits.detach(), 1) - 1) / N\n",
        # the log-softmax's gradient sign flipped
        "dlogits = (F.one_hot(y, K) - F.softmax(logits.detach(), 1)) / N\n",
    ],
    ("07", 4): [
        # only the direct path, through xc
        "dh = dxhat * rstd.detach()\n",
        # the mean's path, but not the variance's
        "dh = rstd.detach() * (dxhat - dxhat.mean(1, keepdim=True))\n",
        # the means taken over the batch (batch norm's dimension)
        "xh, r = xhat.detach(), rstd.detach()\n"
        "dh = r * (dxhat - dxhat.mean(0, keepdim=True) - xh * (dxhat * xh).mean(0, keepdim=True))\n",
    ],
    ("07", 5): [
        # rows written instead of added: a token used twice keeps only one of its rows
        "demb = dz @ W1.detach().T\ndW1 = emb.detach().T @ dz\n"
        "db1 = dz.sum(0)\ndC = torch.zeros_like(C)\ndC[idx] = demb\n",
        # the embedding's gradient left per position
        "demb = dz @ W1.detach().T\ndW1 = emb.detach().T @ dz\n"
        "db1 = dz.sum(0)\ndC = demb\n",
        # the bias not summed over the batch
        "demb = dz @ W1.detach().T\ndW1 = emb.detach().T @ dz\n"
        "db1 = dz\ndC = F.one_hot(idx, V).to(dt).T @ demb\n",
    ],
    ("08", 0): [
        # tanh's derivative forgotten
        "g4 = grads[4]\nwith torch.no_grad():\n    g3 = g4 @ cell.hh.weight\n",
        # W_hh transposed: the forward's matrix instead of the backward's
        "g4 = grads[4]\nwith torch.no_grad():\n    g3 = (g4 * (1 - hs[3] ** 2)) @ cell.hh.weight.T\n",
        # tanh's derivative taken at the wrong step (h_3 instead of h_4)
        "g4 = grads[4]\nwith torch.no_grad():\n    g3 = (g4 * (1 - hs[2] ** 2)) @ cell.hh.weight\n",
    ],
    ("08", 1): [
        # tanh and sigmoid swapped on the candidate g
        "def lstm_step(x, h, c):\n    i, f, g, o = lstm_gates(x, h).chunk(4, dim=1)\n"
        "    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.sigmoid(g)\n"
        "    h = torch.sigmoid(o) * torch.tanh(c)\n    return h, c\n",
        # the gates in the wrong order (i, g, f, o)
        "def lstm_step(x, h, c):\n    i, g, f, o = lstm_gates(x, h).chunk(4, dim=1)\n"
        "    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)\n"
        "    h = torch.sigmoid(o) * torch.tanh(c)\n    return h, c\n",
        # h from the old cell state
        "def lstm_step(x, h, c):\n    i, f, g, o = lstm_gates(x, h).chunk(4, dim=1)\n"
        "    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)\n"
        "    h = torch.sigmoid(o) * torch.tanh(c)\n    return h, c_new\n",
        # no tanh on the cell state in h's line
        "def lstm_step(x, h, c):\n    i, f, g, o = lstm_gates(x, h).chunk(4, dim=1)\n"
        "    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)\n"
        "    h = torch.sigmoid(o) * c\n    return h, c\n",
    ],
}


# other right answers, which the checks must accept as well as the folded solution
ALSO_RIGHT = {
    ("01", 0): [
        "@torch.inference_mode()\ndef evaluate(model, data):\n    return model(data)\n\n\n"
        "preds = evaluate(net, batch)\n",
        "def evaluate(model, data):\n    with torch.no_grad():\n        return model(data)\n\n\n"
        "preds = evaluate(net, batch)\n",
    ],
    ("01", 1): [
        "torch.manual_seed(0)\nclf = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))\n"
        "inputs = torch.randn(3, 4)\nfor p in clf[2].parameters():\n    p.requires_grad = False\n"
        "out = clf(inputs).sum()\nout.backward()\n"
        "got_grad = [n for n, p in clf.named_parameters() if p.grad is not None]\n",
    ],
    ("02", 0): [
        "x = torch.tensor([1., 2., 3.], requires_grad=True)\ny = x ** 3\n"
        "y.backward(gradient=torch.tensor([1., 0., 2.]))\n",
    ],
    ("04", 0): [
        "torch.manual_seed(1)\nnet = Simple()\nfor p in net.conv1.parameters():\n    p.requires_grad = False\n"
        "opt = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.1)\n"
        "before = {name: p.detach().clone() for name, p in net.named_parameters()}\n"
        "opt.zero_grad()\nloss = criterion(net(images), targets)\nloss.backward()\nopt.step()\n",
    ],
    ("05", 0): [
        "@torch.no_grad()\ndef predict(x):\n    return forward_propagation(x)\n\n\n"
        "preds = predict(x_valid)\nacc = float(((preds > 0.5) == y_valid).float().mean())\n",
        "@torch.inference_mode()\ndef predict(x):\n    return forward_propagation(x)\n\n\n"
        "preds = predict(x_valid)\nacc = ((preds > 0.5) == y_valid).float().mean().item()\n",
    ],
    ("06", 0): [
        "class MySiLU(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
        "        s = torch.sigmoid(x)\n        ctx.save_for_backward(x, s)\n        return x * s\n\n"
        "    @staticmethod\n    def backward(ctx, grad_output):\n        x, s = ctx.saved_tensors\n"
        "        return grad_output * s * (1 + x * (1 - s))\n",
    ],
    ("07", 3): [
        # softmax, then 1 taken off at each row's target, then the mean's 1/N
        "p = F.softmax(logits.detach(), 1)\np[torch.arange(N), y] -= 1\ndlogits = p / N\n",
    ],
    ("07", 4): [
        # the forward's steps chained one by one: xc, rstd, var, mu
        "with torch.no_grad():\n    dxc = dxhat * rstd\n    drstd = (dxhat * xc).sum(1, keepdim=True)\n"
        "    dvar = drstd * -0.5 * (var + eps) ** -1.5\n    dxc = dxc + dvar * 2 * xc / H\n"
        "    dmu = -dxc.sum(1, keepdim=True)\n    dh = dxc + dmu / H\n",
    ],
    ("07", 5): [
        # index_add_: each position's row added into its token's row
        "demb = dz @ W1.detach().T\ndW1 = emb.detach().T @ dz\n"
        "db1 = dz.sum(0)\ndC = torch.zeros_like(C).index_add_(0, idx, demb)\n",
    ],
    ("08", 0): [
        # the same rule as one matmul with the transposed weight, transposed back
        "g4 = grads[4]\nwith torch.no_grad():\n    g3 = (cell.hh.weight.T @ (g4 * (1 - hs[3] ** 2)).T).T\n",
    ],
    ("08", 1): [
        # tanh written through the sigmoid: tanh(z) = 2 sigmoid(2z) - 1
        "def lstm_step(x, h, c):\n    i, f, g, o = lstm_gates(x, h).chunk(4, dim=1)\n"
        "    c = torch.sigmoid(f) * c + torch.sigmoid(i) * (2 * torch.sigmoid(2 * g) - 1)\n"
        "    h = torch.sigmoid(o) * torch.tanh(c)\n    return h, c\n",
    ],
}


def _sources():
    sys.path.insert(0, str(NOTEBOOKS))
    try:
        from _src import NOTEBOOKS as SOURCES
        import _build
    finally:
        sys.path.remove(str(NOTEBOOKS))
    return SOURCES, _build


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def exercises(nb) -> list[dict]:
    """Each exercise of a built notebook: the indices of its answer and check cells and
    the solution code read from the folded block after the check."""
    found = []
    for i, cell in enumerate(nb.cells):
        if "exercise-answer" not in _tags(cell):
            continue
        check, folded = nb.cells[i + 1], nb.cells[i + 2]
        assert "exercise-check" in _tags(check), f"cell {i + 1} should be the exercise's check"
        match = re.search(r"<details>.*?```python\n(.*?)\n```.*?</details>", folded.source, re.S)
        assert match, f"cell {i + 2} should fold the solution in <details>"
        found.append({"answer": i, "check": i + 1, "solution": match.group(1)})
    return found


def _verdict(cell) -> str:
    text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
    if "Correct, well done!" in text:
        return "correct"
    if "Not yet." in text:
        return "not yet"
    return f"no verdict: {text!r} {[o.get('ename') for o in cell.outputs]}"


PREFIXES = ["00", "01", "02", "03", "04", "05", "06", "07", "08"]


def test_every_exercise_has_wrong_answers():
    sources, build = _sources()
    counted = set()
    for filename, module in sources:
        nb = build.build(module)
        for k, _ in enumerate(exercises(nb)):
            counted.add((filename[:2], k))
    assert counted == set(WRONG), "every exercise, and only those, has wrong answers listed"
    assert all(len(v) >= 1 for v in WRONG.values())


def test_solutions_are_folded_and_prompts_left_open():
    """No code cell carries a solution: the learner's cell has placeholders, and the
    solution is only in the folded <details> block."""
    sources, build = _sources()
    for filename, module in sources:
        nb = build.build(module)
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        for ex in exercises(nb):
            prompt = nb.cells[ex["answer"]].source
            assert "..." in prompt, f"{filename}: the learner's cell should leave ... to fill in"
            assert ex["solution"].strip() not in code, f"{filename}: a solution is shown as code"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_checks_reject_wrong_answers_and_accept_the_solution(prefix):
    for module in ("nbclient", "ipykernel", "matplotlib", "tqdm", "ipywidgets"):
        pytest.importorskip(module, reason=f"the course notebooks need {module}")
    import nbformat
    from nbclient import NotebookClient

    sources, build = _sources()
    module = next(m for f, m in sources if f.startswith(prefix))
    nb = build.build(module)
    found = exercises(nb)
    if not found:
        pytest.skip(f"notebook {prefix} has no exercise")

    # the notebook up to its last check cell, with the trials after each check
    cells, trials = [], []            # trials: (index of the check run, expected, label)
    for i, cell in enumerate(nb.cells[: found[-1]["check"] + 1]):
        cells.append(cell)
        ex = next((e for e in found if e["check"] == i), None)
        if ex is None:
            continue
        k = found.index(ex)
        trials.append((len(cells) - 1, "not yet", f"exercise {k}: the untouched prompt"))
        runs = [(w, "not yet", f"exercise {k}: wrong answer {j}")
                for j, w in enumerate(WRONG[(prefix, k)])]
        runs += [(r, "correct", f"exercise {k}: right answer {j}")
                 for j, r in enumerate(ALSO_RIGHT.get((prefix, k), []))]
        runs.append((ex["solution"], "correct", f"exercise {k}: the solution"))
        for src, expected, label in runs:
            cells.append(nbformat.v4.new_code_cell(src))
            cells.append(nbformat.v4.new_code_cell(cell.source))
            trials.append((len(cells) - 1, expected, label))
    run = nbformat.v4.new_notebook()
    run.cells = cells

    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env_path) if p)
    try:
        NotebookClient(run, kernel_name="python3", timeout=300, store_widget_state=False,
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    finally:
        os.environ["PYTHONPATH"] = env_path

    verdicts = {label: _verdict(run.cells[i]) for i, _, label in trials}
    expected = {label: want for _, want, label in trials}
    assert verdicts == expected
