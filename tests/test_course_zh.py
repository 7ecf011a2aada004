"""The Chinese edition of the course (``notebooks/zh/``) stays in step with the English one.

Both are built by ``notebooks/_build.py`` from one list of cells per notebook
(``notebooks/_src/nbNN_*.py``); the Chinese Markdown comes from a table per notebook in
``notebooks/_src/zh/``, keyed by a hash of the English text it translates. So:

* every English text has its Chinese, and every Chinese text still has its English (an
  edited English cell shows up here until it is translated again);
* a translation keeps the English text's code spans, maths and headings;
* the stored Chinese notebooks have the English notebooks' code cells (source, tags,
  ids) and the same outputs;
* links between notebooks stay inside the Chinese edition.

``test_course_nbval.py`` runs nbval on both editions and checks each is built from
its sources.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from test_course_nbval import COURSE, NOTEBOOKS, REPO, _source

ZH_DIR = NOTEBOOKS / "zh"
ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,16}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _sources():
    sys.path.insert(0, str(NOTEBOOKS))
    try:
        from _src import NOTEBOOKS as SOURCES
        from _src import zh
        import _build
    finally:
        sys.path.remove(str(NOTEBOOKS))
    return dict(SOURCES), zh, _build


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _pairs(filename: str) -> list[tuple[str, str]]:
    """(English text, Chinese text) of each translated Markdown text of one notebook."""
    sources, zh, build = _sources()
    module = sources[filename]
    table = zh.table(module)
    pairs = []
    for cell in build.build(module).cells:
        if cell.cell_type == "markdown":
            text = zh.english_text(cell.source)
            if text is not None and zh.key(text) in table:
                pairs.append((text, table[zh.key(text)]))
    return pairs


@pytest.mark.parametrize("filename", COURSE)
def test_every_english_text_has_its_chinese(filename):
    sources, zh, build = _sources()
    module = sources[filename]
    missing, orphans = zh.todo(build.build(module).cells, zh.table(module))
    hint = f"see python notebooks/_build.py --zh-todo {filename[:2]}"
    assert not missing, f"English texts of {filename} without Chinese ({hint}): " + \
        "; ".join(f"{k}: {t[:60]!r}" for k, t in missing)
    assert not orphans, f"notebooks/_src/zh/{module}.py translates texts that are gone ({hint}): {orphans}"


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _spans(text: str) -> list[str]:
    """Inline code and maths (inline or display), each on one line; code blocks whole."""
    text = re.sub(r"\n\s*>[ ]?", "\n", text)          # a quote's lines: its text only
    found = re.findall(r"```.*?```|`[^`]+`|\$\$.+?\$\$|\$[^$]+\$", text, flags=re.S)
    return [_flat(s) for s in found]


@pytest.mark.parametrize("filename", COURSE)
def test_translations_keep_code_maths_and_headings(filename):
    for en, zh_text in _pairs(filename):
        assert CJK.search(zh_text), f"{filename}: not translated: {en[:60]!r}"
        lost = [s for s in dict.fromkeys(_spans(en)) if s not in _flat(zh_text)]
        assert not lost, f"{filename}: the Chinese of {en[:50]!r} lacks {lost}"
        heads = lambda t: [ln.split(" ")[0] for ln in t.splitlines() if re.match(r"#+ ", ln)]  # noqa: E731
        assert heads(zh_text) == heads(en), f"{filename}: headings differ in {en[:50]!r}"
        assert zh_text.count("```") == en.count("```")


def _comparable(cell: dict) -> list:
    """A code cell's outputs as nbval compares them, minus pictures."""
    items = []
    for o in cell.get("outputs", []):
        kind = o["output_type"]
        if kind == "stream":
            items.append((kind, o["name"], ADDRESS.sub("0x", "".join(o["text"]))))
        elif kind == "error":
            items.append((kind, o["ename"], ADDRESS.sub("0x", o["evalue"])))
        else:
            text = o.get("data", {}).get("text/plain", "")
            items.append((kind, ADDRESS.sub("0x", text if isinstance(text, str) else "".join(text))))
    joined: list = []                     # the kernel may split one print into several
    for item in items:
        if joined and item[0] == "stream" and joined[-1][0] == "stream" and joined[-1][1] == item[1]:
            joined[-1] = ("stream", item[1], joined[-1][2] + item[2])
        else:
            joined.append(item)
    return joined


@pytest.mark.parametrize("filename", COURSE)
def test_chinese_notebook_has_the_english_code_and_outputs(filename):
    en, zh_nb = _load(NOTEBOOKS / filename), _load(ZH_DIR / filename)
    assert [c["cell_type"] for c in zh_nb["cells"]] == [c["cell_type"] for c in en["cells"]]
    assert zh_nb["metadata"] == en["metadata"]
    for i, (a, b) in enumerate(zip(en["cells"], zh_nb["cells"])):
        assert a["id"] == b["id"]
        if a["cell_type"] != "code":
            continue
        assert _source(b) == _source(a), f"{filename}, cell {i}: the code differs"
        assert b["metadata"] == a["metadata"], f"{filename}, cell {i}: tags differ"
        if "NBVAL_IGNORE_OUTPUT" not in _source(a):
            assert _comparable(b) == _comparable(a), f"{filename}, cell {i}: the outputs differ"


@pytest.mark.parametrize("filename", COURSE)
def test_links_stay_in_the_chinese_edition(filename):
    nb = _load(ZH_DIR / filename)
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for target in re.findall(r"\]\(([^)\s]+)\)", _source(cell)):
            if target.startswith(("http://", "https://", "#")):
                continue
            path = (ZH_DIR / target.split("#")[0]).resolve()
            assert path.exists(), f"zh/{filename}: broken link {target}"
            if path.suffix == ".ipynb":
                assert path.parent == ZH_DIR, f"zh/{filename}: {target} leaves the Chinese edition"


def test_readme_lists_the_chinese_edition_with_its_binder_path():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for filename in COURSE:
        assert f"](notebooks/zh/{filename})" in readme, f"README: no link to notebooks/zh/{filename}"
    assert "?urlpath=lab/tree/notebooks/zh/00_welcome.ipynb" in readme


def test_lines_of_a_chinese_paragraph_are_joined():
    _, zh, _ = _sources()
    text = zh._clean("""
        第一行，
        第二行 `code`
        继续。

        * 列表项
          续行
        * `x`：
          说明

        > 引用，
        > 续行
        | a | b |
        |---|---|
        ## 标题
        $$
        y = x
        $$
        ```python
        a = 1
        b = 2
        ```
        """)
    assert text.splitlines() == [
        "第一行，第二行 `code` 继续。", "", "* 列表项续行", "* `x`：说明", "", "> 引用，续行",
        "| a | b |", "|---|---|", "## 标题", "$$", "y = x", "$$", "```python", "a = 1", "b = 2", "```"]
