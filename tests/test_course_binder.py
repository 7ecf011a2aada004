"""binder/: the Binder launch into JupyterLab on notebooks/ with the teaching kernel.

Static checks always run; with ``jupyter-repo2docker`` installed (the test extra has
it) the configuration is also fed to repo2docker itself (``--no-build --no-run``:
no Docker needed), and the Dockerfile it would build is checked.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from autograd_nb.notebook import kernel

REPO = Path(__file__).resolve().parent.parent
BINDER = REPO / "binder"


def _requirements() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]


def test_binder_dir_is_the_only_config():
    assert BINDER.is_dir()
    assert not (REPO / ".binder").exists(), "repo2docker refuses both binder/ and .binder/"
    # environment.yml would make repo2docker pick conda and ignore requirements.txt
    assert not (BINDER / "environment.yml").exists()


def test_requirements_install_this_package_without_torch_or_cupy():
    reqs = _requirements()
    assert any(re.fullmatch(r"-e \.(\[[\w,]+\])?", r) for r in reqs), reqs
    assert not any(re.match(r"(torch|cupy)", r, re.I) for r in reqs)
    extras = re.search(r"-e \.\[([\w,]+)\]", " ".join(reqs))
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    if extras:
        for extra in extras.group(1).split(","):
            deps = project["optional-dependencies"][extra]
            assert not any(re.match(r"(torch|cupy)", d, re.I) for d in deps), (extra, deps)
            needed = {"ipywidgets", "matplotlib", "tqdm", "ipykernel"}
            assert needed <= {re.split(r"[<>=\[ ]", d)[0] for d in deps}


def test_runtime_is_a_supported_python():
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    m = re.fullmatch(r"python-3\.(\d+)", runtime)
    assert m, runtime
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    low = int(re.search(r">=\s*3\.(\d+)", project["requires-python"]).group(1))
    assert int(m.group(1)) >= low


def test_postbuild_installs_the_teaching_kernel():
    post = BINDER / "postBuild"
    assert post.stat().st_mode & stat.S_IXUSR, "postBuild must be executable"
    text = post.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash") and "set -e" in text
    commands = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert "python -m autograd_nb install-kernel --sys-prefix" in commands


def test_postbuild_command_writes_the_kernelspec(tmp_path):
    """The postBuild line with --prefix in place of --sys-prefix (no change to this venv)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))
    proc = subprocess.run([sys.executable, "-m", "autograd_nb", "install-kernel", "--prefix",
                           str(tmp_path)], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    spec = tmp_path / "share" / "jupyter" / "kernels" / kernel.KERNEL_NAME / "kernel.json"
    assert "--ext=autograd_nb.notebook" in spec.read_text(encoding="utf-8")
    server = tmp_path / "etc" / "jupyter" / "jupyter_server_config.d" / "autograd_nb.json"
    assert json.loads(server.read_text(encoding="utf-8")) == \
        {"ServerApp": {"jpserver_extensions": {kernel.SERVER_EXTENSION: True}}}


def test_repo2docker_accepts_the_config():
    exe = shutil.which("jupyter-repo2docker") or shutil.which(
        "jupyter-repo2docker", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("jupyter-repo2docker is not installed (pip install jupyter-repo2docker)")
    proc = subprocess.run([exe, "--no-build", "--no-run", "--debug", str(REPO)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    dockerfile = proc.stdout
    assert "python=3.11" in proc.stderr or "py-2d3-2e11" in dockerfile
    copy_repo = dockerfile.index("COPY --chown=0:0 src/ ${REPO_DIR}/")
    pip = dockerfile.index('pip install --no-cache-dir -r "binder/requirements.txt"')
    post = dockerfile.index("RUN ./binder/postBuild")
    assert copy_repo < pip < post, "the repository must be there before `-e .` installs it"
    assert "WORKDIR ${REPO_DIR}" in dockerfile                 # so "-e ." is the repo root
    assert "torch" not in dockerfile.lower().replace("pytorch", "")
