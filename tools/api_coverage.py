"""How much of PyTorch's API autograd_nb has, measured against the installed torch 2.13.

    python tools/api_coverage.py            # writes docs/api-coverage.md
    python tools/api_coverage.py --check    # exit 1 if docs/api-coverage.md is stale

For each namespace (``torch``, ``torch.Tensor``, ``torch.nn``, ``torch.nn.functional``,
``torch.optim``, ``torch.utils.data``, ``torch.autograd``, ``torch.linalg``,
``torch.func``) every public name of PyTorch is *have*, *missing*, or *out of scope*
(with the reason); for every name we have, the keywords PyTorch's signature accepts and
ours does not are listed ("signature differs"), so a missing keyword shows as clearly
as a missing name. PyTorch's signatures come from ``inspect`` for Python functions and
classes, and from ``torch.overrides.get_testing_overrides()`` for its C functions.

Then the corpus (``tools/api_corpus.json``, counts from public teaching code, made by
``tools/api_corpus.py``) weighs it all by use: what share of the references to
PyTorch's API in that material name something we have, and which missing names and
keywords it uses most.
"""
from __future__ import annotations

import argparse
import inspect
import json
import sys
import types
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "api-coverage.md"
CORPUS = Path(__file__).with_name("api_corpus.json")

NAMESPACES = ["torch", "torch.Tensor", "torch.nn", "torch.nn.functional", "torch.nn.init",
              "torch.optim", "torch.optim.lr_scheduler", "torch.utils.data", "torch.autograd",
              "torch.linalg", "torch.func"]

# Whole areas a teaching autograd library leaves out, each with the reason.
_PREFIXES = [
    (("quantize", "q_", "fake_quant", "dequantize", "int_repr", "qint", "quint", "qscheme",
      "fbgemm", "choose_qparams"), "quantization"),
    (("sparse", "to_sparse", "coalesce", "is_coalesced", "crow_", "col_", "ccol_", "row_indices",
      "smm", "hspmm", "sspaddmm", "dsmm", "saddmm", "dense_dim", "to_dense", "_nnz"), "sparse tensors"),
    (("complex", "view_as_real", "view_as_complex", "polar", "conj", "resolve_conj", "resolve_neg",
      "is_conj", "is_neg", "cfloat", "cdouble", "chalf", "angle", "adjoint", "isreal"), "complex numbers"),
    (("mkldnn", "miopen", "cudnn", "xnnpack", "nnpack", "vulkan", "to_mkldnn", "is_mkldnn",
      "is_vulkan", "is_xla", "is_ipu", "is_hpu", "is_mtia", "is_maia", "is_mps", "is_xpu", "mps",
      "xpu", "mtia", "hpu", "ipu", "maia", "privateuse", "rename_privateuse", "get_device_module"),
     "another backend's kernels or devices"),
    (("sym_", "Sym", "is_symbolic"), "symbolic shapes (compiler)"),
    (("native_", "fused_", "batch_norm_", "cudnn_", "rnn_tanh_cell", "rnn_relu_cell", "lstm_cell",
      "gru_cell", "quantized_", "segment_reduce", "conv_tbc", "embedding_renorm_",
      "affine_grid_generator", "_"), "ATen-internal entry point (the public op is counted instead)"),
    (("autocast", "is_autocast", "set_autocast", "get_autocast", "clear_autocast", "amp"),
     "mixed precision (no half-precision kernels here)"),
    (("nested", "is_nested", "to_padded_tensor"), "nested tensors"),
]
_TORCH_SUBMODULES_IN_SCOPE = {"nn", "optim", "autograd", "utils", "linalg", "func", "random",
                              "cuda", "backends", "testing", "distributions", "functional",
                              "profiler", "jit", "accelerator", "cpu"}
_KEEP_TYPES = {"Tensor", "Size", "Generator", "dtype", "device", "finfo", "iinfo", "layout",
               "memory_format", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
               "FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor", "ByteTensor",
               "HalfTensor", "ShortTensor", "CharTensor", "BFloat16Tensor"}


def out_of_scope(ns: str, name: str) -> str | None:
    """Why PyTorch's ``ns.name`` is out of scope here, or None when it is in scope."""
    for prefixes, reason in _PREFIXES:
        if name.startswith(prefixes):
            return reason
    if name.endswith("_copy") and ns == "torch":
        return "a view op's copying variant (for compilers)"
    if ns == "torch.linalg" and name in ("eig", "eigvals"):
        return "complex numbers"
    if ns == "torch.Tensor" and name in ("eig", "symeig"):
        return "removed from PyTorch (calling it raises)"
    if ns == "torch.Tensor" and name.startswith(("storage", "untyped_storage", "share_memory",
                                                "is_shared", "record_stream", "pin_memory",
                                                "is_pinned", "data_ptr", "module_load", "nbytes",
                                                "itemsize", "element_size", "is_set_to", "set_")):
        return "storage and memory detail"
    if ns == "torch":
        obj = getattr(_torch_obj(ns), name)
        if isinstance(obj, types.ModuleType) and name not in _TORCH_SUBMODULES_IN_SCOPE:
            return "a PyTorch subsystem outside autograd (compiler, export, distributed, ...)"
        if inspect.isclass(obj) and name not in _KEEP_TYPES and \
                (obj.__module__ or "").startswith(("torch._C", "torch.jit", "torch.fx", "torch.storage",
                                                   "torch.types", "torch._tensor", "torch.return_types")):
            return "C++ or compiler internal type"
        if name.endswith("Storage"):
            return "storage and memory detail"
    if name in ("modules", "dataset", "dataloader", "sampler") and ns in ("torch.nn", "torch.utils.data"):
        return "an internal module path (its public names are counted instead)"
    if ns == "torch.nn.functional":
        obj = getattr(_torch_obj(ns), name)
        if isinstance(obj, types.ModuleType):
            return "a module the namespace imports for its own use (math, torch, ...)"
        if name in ("Callable", "Optional", "TYPE_CHECKING", "DType", "BroadcastingList1", "BroadcastingList2",
                    "BroadcastingList3", "boolean_dispatch", "assert_int_or_pair", "handle_torch_function",
                    "has_torch_function", "has_torch_function_unary", "has_torch_function_variadic"):
            return "a typing, TorchScript or __torch_function__ helper the namespace imports"
        if name in ("reproducibility_notes", "tf32_notes"):
            return "documentation text shared by docstrings"
        if name in ("scaled_mm", "scaled_grouped_mm", "grouped_mm", "ScalingType", "SwizzleType"):
            return "mixed precision (no half-precision kernels here)"
    if ns == "torch.nn" and name in ("quantized", "quantizable", "qat", "intrinsic", "parallel",
                                     "DataParallel", "SyncBatchNorm", "attention", "backends",
                                     "common_types", "modules", "factory_kwargs", "grad", "parameter",
                                     "cpp", "UninitializedBuffer", "UninitializedParameter",
                                     "Container", "utils", "init", "functional"):
        return "internal submodule, or a distributed / quantized layer"
    return None


# Where our equivalent of a PyTorch namespace lives.
OURS = {"torch": "autograd_nb", "torch.nn": "autograd_nb.nn", "torch.nn.functional": "autograd_nb.nn.functional",
        "torch.nn.init": "autograd_nb.nn.init", "torch.optim": "autograd_nb.optim",
        "torch.optim.lr_scheduler": "autograd_nb.optim.lr_scheduler",
        "torch.utils.data": "autograd_nb.utils.data", "torch.autograd": "autograd_nb.autograd",
        "torch.linalg": "autograd_nb.linalg", "torch.func": "autograd_nb.func"}


def _import(path: str) -> Any:
    import importlib
    mod, _, attr = path.partition(":")
    try:
        return importlib.import_module(mod)
    except ImportError:
        return None


def _torch_obj(ns: str) -> Any:
    import torch
    obj: Any = torch
    for part in ns.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def _our_obj(ns: str) -> Any:
    if ns == "torch.Tensor":
        import autograd_nb
        return autograd_nb.Tensor
    return _import(OURS[ns])


def torch_names(ns: str) -> list[str]:
    obj = _torch_obj(ns)
    names = [n for n in dir(obj) if not n.startswith("_")]
    if ns == "torch":
        # submodules appear in dir(torch) once something imports them, so which ones are
        # listed depends on the process: count exactly the in-scope ones, always
        names = [n for n in names if not isinstance(getattr(obj, n, None), types.ModuleType)]
        names += sorted(_TORCH_SUBMODULES_IN_SCOPE)
    if isinstance(obj, types.ModuleType) and hasattr(obj, "__all__") and ns != "torch":
        names = sorted(set(names) & set(obj.__all__) | set(obj.__all__))
    return sorted(names)


def has(ns: str, name: str) -> bool:
    ours = _our_obj(ns)
    if ours is None:
        return False
    try:
        return hasattr(ours, name)
    except Exception:
        return False


_OVERRIDES: dict[Any, Callable] | None = None


def _params(fn: Any) -> tuple[set[str], bool] | None:
    """Keyword-usable parameter names of ``fn`` and whether it takes ``**kwargs``."""
    try:
        sig = inspect.signature(fn.__init__ if inspect.isclass(fn) else fn)
    except (TypeError, ValueError):
        return None
    names, var_kw = set(), False
    for p in sig.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            var_kw = True
        elif p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self":
            names.add(p.name)
    return names, var_kw


def torch_params(ns: str, name: str) -> set[str] | None:
    global _OVERRIDES
    import torch
    if _OVERRIDES is None:
        _OVERRIDES = torch.overrides.get_testing_overrides()
    fn = getattr(_torch_obj(ns), name, None)
    if fn is None or not callable(fn):                 # (a constant: F.GRID_SAMPLE_PADDING_MODES)
        return None
    if fn in _OVERRIDES:
        got = _params(_OVERRIDES[fn])
    else:
        got = _params(fn)
    if got is None:
        return None
    if ns == "torch.Tensor":            # (the overrides' lambdas list the function's out=, which
        return got[0] - {"out"}         # no Tensor method takes: x.atan2(y, out=z) is a TypeError)
    return got[0]


def missing_keywords(ns: str, name: str) -> list[str]:
    theirs = torch_params(ns, name)
    ours_fn = getattr(_our_obj(ns), name, None)
    if theirs is None or ours_fn is None or not callable(ours_fn):
        return []
    got = _params(ours_fn)
    if got is None or got[1]:
        return []
    return sorted(theirs - got[0])


# ---------------------------------------------------------------------------------------
# the corpus
# ---------------------------------------------------------------------------------------

def _resolve_used(name: str) -> tuple[str, str] | None:
    """``torch.nn.functional.relu`` -> ("torch.nn.functional", "relu"); None if torch has no
    such name (a typo in the material, or another library's)."""
    if name.startswith("Tensor."):
        return "torch.Tensor", name.split(".", 1)[1]
    for ns in sorted(NAMESPACES, key=len, reverse=True):
        if ns == "torch.Tensor":
            continue
        if name.startswith(ns + "."):
            rest = name[len(ns) + 1:].split(".")[0]
            return ns, rest
    parts = name.split(".")
    if len(parts) >= 2:
        return ".".join(parts[:-1]), parts[-1]
    return None


def _exists_in_torch(ns: str, name: str) -> bool:
    try:
        return hasattr(_torch_obj(ns), name)
    except AttributeError:
        return False


def _ours_at(ns: str, name: str) -> bool:
    if ns in OURS or ns == "torch.Tensor":
        return has(ns, name)
    mod = _import(ns.replace("torch", "autograd_nb", 1))
    return mod is not None and hasattr(mod, name)


def corpus_report(corpus: dict) -> dict[str, Any]:
    import autograd_nb
    refs, hit = 0, 0
    missing: Counter[str] = Counter()
    scoped: Counter[str] = Counter()
    for name, count in list(corpus["names"].items()) + list(corpus["methods"].items()):
        if name.startswith("Module."):
            attr = name.split(".", 1)[1]
            ok = hasattr(autograd_nb.nn.Module, attr) or hasattr(autograd_nb.optim.Optimizer, attr)
            refs += count
            hit += count if ok else 0
            if not ok:
                missing[name] += count
            continue
        where = _resolve_used(name)
        if where is None or not _exists_in_torch(*where):
            continue
        reason = out_of_scope(*where) if not _ours_at(*where) else None
        if reason:
            scoped[f"{where[0]}.{where[1]}"] += count
            continue
        refs += count
        if _ours_at(*where):
            hit += count
        else:
            missing[f"{where[0]}.{where[1]}"] += count
    kw_uses, kw_hit = 0, 0
    kw_missing: Counter[str] = Counter()
    for target, kws in corpus["keywords"].items():
        where = _resolve_used(target) if not target.startswith("Module.") else None
        if where is None or not _exists_in_torch(*where) or not _ours_at(*where):
            continue
        ours = getattr(_our_obj(where[0]) if (where[0] in OURS or where[0] == "torch.Tensor")
                       else _import(where[0].replace("torch", "autograd_nb", 1)), where[1], None)
        got = _params(ours) if callable(ours) else None
        theirs = torch_params(*where) if where[0] in OURS or where[0] == "torch.Tensor" else None
        for kw, count in kws.items():
            if theirs is not None and kw not in theirs:
                continue                      # not a keyword torch takes either
            kw_uses += count
            if got is None or got[1] or kw in got[0]:
                kw_hit += count
            else:
                kw_missing[f"{where[0]}.{where[1]}({kw}=)"] += count
    return {"refs": refs, "hit": hit, "missing": missing, "kw_uses": kw_uses, "kw_hit": kw_hit,
            "kw_missing": kw_missing, "scoped": scoped}


# ---------------------------------------------------------------------------------------
# the page
# ---------------------------------------------------------------------------------------

def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.1f}%" if b else "—"


def build() -> str:
    import torch
    rows, details = [], []
    totals = Counter()
    for ns in NAMESPACES:
        have, missing, scoped, differs = [], [], [], []
        for name in torch_names(ns):
            reason = out_of_scope(ns, name)
            if has(ns, name):
                have.append(name)
                kws = missing_keywords(ns, name)
                if kws:
                    differs.append((name, kws))
            elif reason:
                scoped.append((name, reason))
            else:
                missing.append(name)
        in_scope = len(have) + len(missing)
        rows.append(f"| `{ns}` | {in_scope + len(scoped)} | {len(have)} | {len(missing)} | {len(scoped)} | "
                    f"{len(differs)} | {_pct(len(have), in_scope)} |")
        totals.update({"names": in_scope + len(scoped), "have": len(have), "missing": len(missing),
                       "scoped": len(scoped), "differs": len(differs)})
        details.append(f"\n### `{ns}`\n")
        details.append(f"**Missing ({len(missing)}):** " + (", ".join(f"`{n}`" for n in missing) or "none"))
        if differs:
            details.append(f"\n**Signature differs ({len(differs)}):** keywords PyTorch accepts and we do not\n")
            details.extend(f"- `{n}`: {', '.join(kws)}" for n, kws in differs)
        if scoped:
            by_reason: dict[str, list[str]] = {}
            for n, r in scoped:
                by_reason.setdefault(r, []).append(n)
            details.append(f"\n**Out of scope ({len(scoped)}):**\n")
            details.extend(f"- {r}: " + ", ".join(f"`{n}`" for n in ns_) for r, ns_ in by_reason.items())
    in_scope = totals["have"] + totals["missing"]
    rows.append(f"| **all** | {totals['names']} | {totals['have']} | {totals['missing']} | {totals['scoped']} | "
                f"{totals['differs']} | {_pct(totals['have'], in_scope)} |")
    out = ["# API coverage against PyTorch " + torch.__version__.split("+")[0], "",
           "Generated by `python tools/api_coverage.py` (a test, `tests/test_api_coverage.py`, fails "
           "when this page is stale: rerun the command after adding a name). *Have*: autograd_nb "
           "has the name; *signature differs*: it lacks keywords PyTorch's signature accepts.", "",
           "| namespace | torch names | have | missing | out of scope | signature differs | coverage in scope |",
           "|---|---|---|---|---|---|---|", *rows]
    if CORPUS.exists():
        corpus = json.loads(CORPUS.read_text())
        rep = corpus_report(corpus)
        srcs = ", ".join(f"{s['source']} ({s['code_units']} code units)" for s in corpus["sources"])
        out += ["", "## Usage-weighted coverage of public teaching code", "",
                f"Corpus (`tools/api_corpus.json`, counts only): {srcs}.", "",
                f"- references to PyTorch names and tensor/module methods: {rep['refs']}, of which "
                f"autograd_nb has **{rep['hit']} ({_pct(rep['hit'], rep['refs'])})**",
                f"- keyword arguments passed to functions we have: {rep['kw_uses']}, of which we accept "
                f"**{rep['kw_hit']} ({_pct(rep['kw_hit'], rep['kw_uses'])})**", "",
                "Missing names the corpus uses, most used first:", ""]
        out += [", ".join(f"`{n}` ({c})" for n, c in rep["missing"].most_common()) or "none"]
        out += ["", "Out of scope, used by the corpus (not counted above; reasons in the tables below):", "",
                ", ".join(f"`{n}` ({c})" for n, c in rep["scoped"].most_common()) or "none"]
        out += ["", "Missing keywords the corpus uses:", "",
                ", ".join(f"`{n}` ({c})" for n, c in rep["kw_missing"].most_common()) or "none"]
    out += ["", "## Per namespace", *details, ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = ap.parse_args(argv)
    text = build()
    if args.check:
        if not DOC.exists() or DOC.read_text() != text:
            print(f"{DOC} is stale: run python tools/api_coverage.py", file=sys.stderr)
            return 1
        return 0
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
