"""docs/api-coverage.md is what tools/api_coverage.py computes today: adding a name (or a
keyword) without regenerating the page fails here, so the table stays true."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_coverage_page_is_current():
    cov = _tool("api_coverage")
    assert (ROOT / "docs" / "api-coverage.md").read_text() == cov.build(), \
        "docs/api-coverage.md is stale: run python tools/api_coverage.py"


def test_corpus_counts_resolve_imports_and_keywords(tmp_path):
    """The counter resolves aliases (``import torch.nn as nn``, ``from torch import optim``),
    reads notebooks' code cells and only the PyTorch tabs of multi-framework pages."""
    corpus = _tool("api_corpus")
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text("import torch\nimport torch.nn as nn\nfrom torch import optim\n"
                              "x = torch.zeros(3, dtype=torch.float32)\nlayer = nn.Linear(2, 3)\n"
                              "opt = optim.SGD(layer.parameters(), lr=0.1)\nx.sum(axis=0)\n")
    (src / "b.ipynb").write_text(json.dumps({"cells": [
        {"cell_type": "code", "source": ["%matplotlib inline\n", "import torch.nn.functional as F\n"]},
        {"cell_type": "code", "source": "y = F.relu(x)\ny.backward()\n"}]}))
    (src / "c.md").write_text("```{.python .input}\n%%tab mxnet\nfrom mxnet import np\nnp.zeros(3)\n```\n"
                              "```{.python .input}\n%%tab pytorch\nimport torch\ntorch.ones(2)\n```\n")
    out = tmp_path / "counts.json"
    corpus.main([f"demo={src}", "--out", str(out)])
    data = json.loads(out.read_text())
    assert data["names"]["torch.zeros"] == 1 and data["names"]["torch.nn.Linear"] == 1
    assert data["names"]["torch.optim.SGD"] == 1 and data["names"]["torch.nn.functional.relu"] == 1
    assert data["names"]["torch.ones"] == 1 and "torch.float32" in data["names"]
    assert data["methods"]["Tensor.backward"] == 1 and data["methods"]["Module.parameters"] == 1
    assert data["keywords"]["torch.zeros"] == {"dtype": 1}
    assert data["keywords"]["torch.optim.SGD"] == {"lr": 1}
    assert data["keywords"]["Tensor.sum"] == {"axis": 1}
    assert not any(k.startswith("mxnet") for k in data["names"])
