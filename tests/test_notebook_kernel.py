"""The teaching kernel: kernelspec contents, `install-kernel`, and a real notebook run under it."""
from __future__ import annotations

import json
import os
import sys

import pytest

import autograd_nb as anb
from autograd_nb.__main__ import main
from autograd_nb.notebook import kernel

REPO = os.path.dirname(os.path.dirname(os.path.abspath(anb.__file__)))


def test_kernel_spec_preloads_the_extension_and_nothing_else():
    spec = kernel.kernel_spec()
    assert spec["display_name"] == "Python 3 (autograd_nb)"
    assert spec["argv"][:3] == [sys.executable, "-m", "ipykernel_launcher"]
    assert "{connection_file}" in spec["argv"]
    assert "--ext=autograd_nb.notebook" in spec["argv"]
    assert not any("import" in a or a.startswith("-c") for a in spec["argv"])


def test_install_kernel_command(tmp_path, capsys):
    assert main(["install-kernel", "--prefix", str(tmp_path)]) == 0
    dest = tmp_path / "share" / "jupyter" / "kernels" / "autograd-nb"
    assert str(dest) in capsys.readouterr().out
    assert json.loads((dest / "kernel.json").read_text()) == kernel.kernel_spec()
    with pytest.raises(SystemExit):                     # one scope only
        main(["install-kernel", "--user", "--prefix", str(tmp_path)])


def test_scopes():
    assert kernel.kernels_dir(sys_prefix=True) == \
        kernel.kernels_dir(prefix=sys.prefix)
    assert kernel.kernels_dir(user=True).name == "kernels"
    with pytest.raises(ValueError):
        kernel.kernels_dir(user=True, prefix="/p")


def test_kernelspec_is_listed(tmp_path, monkeypatch):
    ksm = pytest.importorskip("jupyter_client.kernelspec")
    kernel.install(prefix=str(tmp_path))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    specs = ksm.KernelSpecManager().find_kernel_specs()
    assert "autograd-nb" in specs
    assert ksm.KernelSpecManager().get_kernel_spec("autograd-nb").display_name == \
        "Python 3 (autograd_nb)"


def test_a_notebook_runs_under_the_teaching_kernel(tmp_path, monkeypatch):
    pytest.importorskip("ipykernel", reason="the kernel test needs ipykernel")
    nbformat = pytest.importorskip("nbformat", reason="the kernel test needs nbformat")
    nbclient = pytest.importorskip("nbclient", reason="the kernel test needs nbclient")
    kernel.install(prefix=str(tmp_path))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    monkeypatch.setenv("PYTHONPATH", REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[
        v4.new_code_cell("%load_ext autograd_nb"),
        v4.new_code_cell("import autograd_nb as torch\n"
                         "x = torch.tensor([1.0, 2.0], requires_grad=True)"),
        v4.new_code_cell("%%autograd --backward loss\ny = x * 3\nloss = y.sum()\nloss"),
        v4.new_code_cell("'torch' in __import__('sys').modules, x.grad"),
        v4.new_code_cell("loss.backward()", metadata={"tags": ["raises-exception"]}),
    ])
    client = nbclient.NotebookClient(nb, kernel_name="autograd-nb", timeout=60,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    load, _, cell, check, fails = nb.cells
    assert load.outputs == []                          # preloaded: loading again is silent
    kinds = [o.output_type for o in cell.outputs]
    assert kinds == ["execute_result", "display_data"]
    assert cell.outputs[0].data["text/plain"] == "tensor(9., grad_fn=<SumBackward0>)"
    html = cell.outputs[1].data["text/html"]
    assert "MulBackward0" in html and "<table" in html and "x.grad" in html
    assert check.outputs[0].data["text/plain"] == "(False, tensor([3., 3.]))"
    assert [o.output_type for o in fails.outputs] == ["error", "display_data"]
    assert fails.outputs[0].ename == "RuntimeError"
    assert "Trying to backward through the graph a second time" in fails.outputs[0].evalue
    assert "freed" in fails.outputs[1].data["text/plain"]
