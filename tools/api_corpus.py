"""Count which parts of PyTorch's API public teaching code uses.

    python tools/api_corpus.py NAME=DIR [NAME=DIR ...] --out tools/api_corpus.json

Each ``DIR`` is a checkout of public PyTorch teaching material (tutorials, books, course
notebooks) that you fetched yourself; nothing of it is copied into the project. The
tool reads the Python in it -- ``.py`` files, the code cells of ``.ipynb`` notebooks,
and the fenced code blocks of ``.md`` pages (for d2l-style multi-framework books only
the blocks meant for PyTorch) -- and writes *counts* only:

* ``names``: how often each PyTorch name is referenced (``torch.zeros``,
  ``torch.nn.functional.relu``, ``torch.utils.data.DataLoader``, ...), with ``import``
  aliases resolved (``import torch.nn as nn``, ``from torch import optim``, ...);
* ``methods``: tensor methods and attributes (``Tensor.backward``, ``Tensor.grad``) and
  module/optimizer methods (``Module.parameters``, ``Optimizer.step``), recognised by
  name (the receiver's type is not known statically; common Python names such as
  ``append`` or ``split`` are left out as ambiguous);
* ``keywords``: the keyword arguments each resolved function or method is called with.

``tools/api_coverage.py`` weighs our API coverage by these counts.
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterator

# method names too common outside tensors to count as tensor calls
AMBIGUOUS = {"append", "extend", "items", "keys", "values", "get", "update", "format", "join",
             "strip", "replace", "read", "write", "close", "pop", "insert", "remove", "startswith",
             "endswith", "lower", "upper", "readlines", "splitlines", "decode", "encode", "split",
             "index", "count", "copy", "sort", "setdefault", "add", "clear", "reverse", "real",
             "imag", "name", "names", "data_ptr", "apply", "type", "to_dense", "resize", "put",
             "take", "indices", "greater", "new", "compile"}
_FENCE = re.compile(r"^```(.*)$")


def _tensor_attrs() -> tuple[set[str], set[str]]:
    import torch
    tensor = {n for n in dir(torch.Tensor) if not n.startswith("_")} - AMBIGUOUS
    module = ({n for n in dir(torch.nn.Module) if not n.startswith("_")} |
              {n for n in dir(torch.optim.Optimizer) if not n.startswith("_")}) - tensor - AMBIGUOUS
    return tensor, module


# ---------------------------------------------------------------------------------------
# reading the material: code units (one per file or notebook cell or markdown block)
# ---------------------------------------------------------------------------------------

def _strip_magics(src: str) -> str:
    out = []
    for line in src.splitlines():
        s = line.lstrip()
        out.append("" if s.startswith(("%", "!", "?")) else line)
    return "\n".join(out)


def _md_blocks(text: str) -> Iterator[str]:
    """Fenced Python blocks of a markdown page; for pages with per-framework tabs
    (``%%tab pytorch``), only the PyTorch ones and the shared ``%%tab all`` ones."""
    lines, i = text.splitlines(), 0
    while i < len(lines):
        m = _FENCE.match(lines[i].strip())
        if m and ("python" in m.group(1) or m.group(1).strip() in ("", "py")):
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            body = lines[i + 1:j]
            head = body[0].strip() if body else ""
            if head.startswith("%%tab"):
                tabs = head.split()[1:]
                if not any(t in ("pytorch", "all") for t in tabs):
                    i = j + 1
                    continue
            yield "\n".join(body)
            i = j + 1
        else:
            i += 1


def code_units(root: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(root.rglob("*")):
        if not path.is_file() or any(p.startswith(".") for p in path.relative_to(root).parts):
            continue
        try:
            if path.suffix == ".py":
                yield str(path), path.read_text(encoding="utf-8", errors="replace")
            elif path.suffix == ".ipynb":
                nb = json.loads(path.read_text(encoding="utf-8", errors="replace"))
                for k, cell in enumerate(nb.get("cells", [])):
                    if cell.get("cell_type") == "code":
                        src = cell.get("source", "")
                        yield f"{path}#{k}", "".join(src) if isinstance(src, list) else src
            elif path.suffix == ".md":
                for k, block in enumerate(_md_blocks(path.read_text(encoding="utf-8", errors="replace"))):
                    yield f"{path}#{k}", block
        except (OSError, ValueError):
            continue


# ---------------------------------------------------------------------------------------
# counting
# ---------------------------------------------------------------------------------------

class Counts:
    def __init__(self) -> None:
        self.names: Counter[str] = Counter()
        self.methods: Counter[str] = Counter()
        self.keywords: dict[str, Counter[str]] = defaultdict(Counter)
        self.units = 0
        self.unparsed = 0
        self.tensor_attrs, self.module_attrs = _tensor_attrs()


def _dotted(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


class _Visitor(ast.NodeVisitor):
    """Resolves names through the unit's (and earlier units' of a notebook) imports."""

    def __init__(self, counts: Counts, aliases: dict[str, str]) -> None:
        self.c = counts
        self.aliases = aliases            # local name -> "torch.nn" etc.

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            if a.name == "torch" or a.name.startswith("torch."):
                if a.asname:
                    self.aliases[a.asname] = a.name
                else:
                    self.aliases["torch"] = "torch"

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        mod = node.module or ""
        if node.level == 0 and (mod == "torch" or mod.startswith("torch.")):
            for a in node.names:
                if a.name != "*":
                    full = f"{mod}.{a.name}"
                    self.aliases[a.asname or a.name] = full
                    self.c.names[full] += 1

    def visit_imports(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == "torch" or a.name.startswith("torch."):
                        self.aliases[a.asname or "torch"] = a.name if a.asname else "torch"
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and \
                    (node.module or "").split(".")[0] == "torch":
                for a in node.names:
                    if a.name != "*":
                        self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"

    def _resolve(self, node: ast.AST) -> str | None:
        parts = _dotted(node)
        if not parts or parts[0] not in self.aliases:
            return None
        return ".".join([self.aliases[parts[0]]] + parts[1:])

    def visit_Attribute(self, node: ast.Attribute) -> None:
        full = self._resolve(node)
        if full is not None:
            self.c.names[full] += 1
            return                        # inner attributes are prefixes of this one
        self._method(node.attr)
        self.generic_visit(node)

    def _method(self, attr: str) -> str | None:
        if attr in self.c.tensor_attrs:
            key = f"Tensor.{attr}"
        elif attr in self.c.module_attrs:
            key = f"Module.{attr}"
        else:
            return None
        self.c.methods[key] += 1
        return key

    def visit_Call(self, node: ast.Call) -> None:
        target = None
        full = self._resolve(node.func)
        if full is not None:
            target = full
        elif isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            if attr in self.c.tensor_attrs:
                target = f"Tensor.{attr}"
            elif attr in self.c.module_attrs:
                target = f"Module.{attr}"
        elif isinstance(node.func, ast.Name) and node.func.id in self.aliases:
            target = self.aliases[node.func.id]
        if target is not None:
            for kw in node.keywords:
                if kw.arg is not None:
                    self.c.keywords[target][kw.arg] += 1
        self.generic_visit(node)


def count_dir(root: Path, counts: Counts, seen: set[int]) -> tuple[int, int]:
    """Count one source; a code unit seen before (the same text in another copy of a
    notebook) counts once."""
    files, units = set(), 0
    aliases: dict[str, str] = {}
    current = None
    for where, src in code_units(root):
        file = where.split("#")[0]
        if file != current:                      # a new file or notebook: fresh imports
            current, aliases = file, {}
        key = hash(src.strip())
        duplicate = key in seen
        seen.add(key)
        try:
            tree = ast.parse(_strip_magics(src))
        except SyntaxError:
            counts.unparsed += 1
            continue
        if duplicate:                            # still read its imports, count nothing
            _Visitor(Counts.__new__(Counts), aliases).visit_imports(tree)
            continue
        _Visitor(counts, aliases).visit(tree)
        units += 1
        files.add(file)
    counts.units += units
    return len(files), units


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sources", nargs="+", help="NAME=DIR pairs (a fetched public repository each)")
    ap.add_argument("--out", default=str(Path(__file__).with_name("api_corpus.json")))
    args = ap.parse_args(argv)
    counts = Counts()
    sources, seen = [], set()
    for spec in args.sources:
        name, _, d = spec.partition("=")
        files, units = count_dir(Path(d), counts, seen)
        sources.append({"source": name, "files": files, "code_units": units})
        print(f"{name}: {files} files, {units} code units", file=sys.stderr)
    data: dict[str, Any] = {
        "about": "Counts of PyTorch API references in public teaching code (tools/api_corpus.py); "
                 "no code from the sources is stored.",
        "sources": sources,
        "unparsed_units": counts.unparsed,
        "names": dict(counts.names.most_common()),
        "methods": dict(counts.methods.most_common()),
        "keywords": {k: dict(v.most_common()) for k, v in sorted(counts.keywords.items())},
    }
    Path(args.out).write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    print(f"wrote {args.out}: {len(counts.names)} names, {len(counts.methods)} methods", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
