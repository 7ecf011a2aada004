"""The `import torch` alias (install_as_torch, %autograd torch on|off) and
`python -m autograd_nb run | install-kernel | demo`."""
from __future__ import annotations

import os
import subprocess
import sys
import types

import pytest

import autograd_nb as anb
from autograd_nb.__main__ import main
from autograd_nb.notebook import alias

REPO = os.path.dirname(os.path.dirname(os.path.abspath(anb.__file__)))


def _torch_modules() -> dict:
    return {k: v for k, v in sys.modules.items() if k == "torch" or k.startswith("torch.")}


@pytest.fixture
def no_torch_imported():
    """Hide real torch (other tests may have imported it) and restore it afterwards."""
    saved = _torch_modules()
    for k in saved:
        del sys.modules[k]
    yield
    alias.uninstall()
    for k in _torch_modules():
        del sys.modules[k]
    sys.modules.update(saved)


def test_import_torch_gives_autograd_nb(no_torch_imported):
    anb.install_as_torch()
    assert alias.is_installed()
    import torch
    assert torch is anb
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    import torch.autograd
    from torch.autograd import grad
    assert torch.autograd is anb.autograd and grad is anb.autograd.grad
    import torch.utils as tu
    assert tu.__name__ == "autograd_nb.utils"
    assert anb.__spec__.name == "autograd_nb"          # the alias did not rename the package
    anb.install_as_torch()                              # twice: harmless
    assert sum(isinstance(f, alias.TorchAliasFinder) for f in sys.meta_path) == 1


def test_missing_parts_say_so(no_torch_imported):
    anb.install_as_torch()
    import torch
    with pytest.raises(AttributeError, match="autograd_nb does not implement torch.fft yet"):
        torch.fft
    with pytest.raises(ModuleNotFoundError,
                       match="autograd_nb does not implement torch.special yet"):
        import torch.special  # noqa: F401
    import torch.distributions                       # one that exists imports as ours
    assert torch.distributions.Normal.__module__ == "autograd_nb.distributions"


def test_uninstall_restores(no_torch_imported):
    anb.install_as_torch()
    import torch  # noqa: F401
    anb.uninstall_as_torch()
    assert not alias.is_installed()
    assert not any(k == "torch" or k.startswith("torch.") for k in sys.modules)


def test_refuses_when_real_torch_is_imported(no_torch_imported):
    sys.modules["torch"] = types.ModuleType("torch")   # stands for the real one
    with pytest.raises(alias.AliasError, match="real PyTorch is already imported"):
        anb.install_as_torch()
    assert not alias.is_installed()


def test_line_magic_switches_the_alias(no_torch_imported):
    pytest.importorskip("IPython")
    from IPython.core.error import UsageError

    from autograd_nb.notebook.magics import AutogradMagics

    class Shell:                                       # all %autograd torch needs
        user_ns: dict = {}
        configurables: list = []
    m = AutogradMagics.__new__(AutogradMagics)
    m.shell = Shell()
    m._line("torch on")
    assert alias.is_installed()
    m._line("torch off")
    assert not alias.is_installed()
    sys.modules["torch"] = types.ModuleType("torch")
    with pytest.raises(UsageError, match="real PyTorch is already imported"):
        m._line("torch on")


def _python(*args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=REPO)
    return subprocess.run([sys.executable, "-m", "autograd_nb", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


def test_run_executes_a_pytorch_script_unchanged(tmp_path):
    script = tmp_path / "tutorial.py"
    script.write_text(
        "import sys\n"
        "import torch\n"
        "from torch import autograd\n"
        "x = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "y = (x ** 2).sum()\n"
        "y.backward()\n"
        "print(torch.__name__, x.grad, sys.argv[1:], __name__)\n"
        "print('IPython' in sys.modules)\n")
    proc = _python("run", str(script), "--epochs", "3")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "autograd_nb tensor([2., 4.]) ['--epochs', '3'] __main__",
        "False"]                                        # autograd_nb never imports IPython


def test_run_reports_exit_codes_and_missing_files(tmp_path, no_torch_imported, capsys):
    script = tmp_path / "fails.py"
    script.write_text("import sys\nimport torch\nsys.exit(3)\n")
    path = list(sys.path)
    assert main(["run", str(script)]) == 3
    assert sys.path == path and not alias.is_installed()      # cleaned up after the script
    assert main(["run", str(tmp_path / "nope.py")]) == 2
    assert "no such file" in capsys.readouterr().err
    sys.modules["torch"] = types.ModuleType("torch")
    assert main(["run", str(script)]) == 1
    assert "real PyTorch is already imported" in capsys.readouterr().err


def test_demo_is_still_the_default(capsys):
    assert main([]) == 0
    assert "autograd_nb demo" in capsys.readouterr().out


def test_unknown_command(capsys):
    assert main(["frobnicate"]) == 2
    assert "install-kernel" in capsys.readouterr().err
