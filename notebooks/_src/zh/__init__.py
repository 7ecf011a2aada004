"""The Chinese edition (``notebooks/zh/``): the English notebooks with their prose in Chinese.

There is one list of cells per notebook, the English source in ``_src/``; the Chinese
notebook is built from it, so its code cells (and their tags, outputs and exercises) are
the English ones by construction. Only Markdown is translated, from a table per
notebook: ``_src/zh/<module>.py`` (the English module's name) holds ``ZH``, a dict from
the *key* of an English text to its Chinese text, in course order.

The key is the first 10 hex digits of the SHA-1 of the English text: a Markdown cell's
text as ``md()`` made it, or for an exercise only its task (the words every exercise
shares, and the folded solution's code, are swapped here, not translated per cell). So
an English text that changes has no Chinese any more until someone translates it again:
``_build.py`` refuses to write the Chinese notebook and ``tests/test_course_zh.py``
fails, naming the cell. ``python notebooks/_build.py --zh-todo [NN]`` prints every English
text without Chinese (with its key) and every Chinese text whose English is gone (most
often the old translation of the text that changed: edit it, give it the new key).

Terms follow the seed tutorials (``../shared/seeds``): 计算图, 叶子节点, 梯度累加,
反向传播, 前向传播, 链式法则, 推理模式, 无梯度模式, 就地操作, 版本计数器, 钩子, 冻结,
评估模式. PyTorch's names, code, error messages and what the dashboards print stay English.
"""
from __future__ import annotations

import hashlib
import importlib
import re
import textwrap

from .. import EXERCISE_HEAD, EXERCISE_TAIL, SOLUTION_HEAD

EXERCISE_HEAD_ZH = "### 练习\n\n"
EXERCISE_TAIL_ZH = ("\n\n*在下一个单元格里把 `...` 换成你的答案，运行它，再运行它下面的检查单元格"
                    "（检查结果用英文给出：`Correct, well done!` 表示答对了，`Not yet.` 表示还不对）。"
                    "参考答案折叠在检查单元格下方。*")
SOLUTION_HEAD_ZH = "<details><summary>显示参考答案</summary>"


def key(text: str) -> str:
    """The key of an English text in the ``ZH`` tables."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def english_text(source: str) -> str | None:
    """What of a Markdown cell is translated: the cell's text, an exercise's task, or
    nothing (a folded solution: its summary is swapped, its code stays)."""
    if source.startswith(SOLUTION_HEAD):
        return None
    if source.startswith(EXERCISE_HEAD) and source.endswith(EXERCISE_TAIL):
        return source[len(EXERCISE_HEAD):len(source) - len(EXERCISE_TAIL)]
    return source


def table(module_name: str) -> dict[str, str]:
    """The ``ZH`` table of one notebook (empty when it has none yet)."""
    try:
        module = importlib.import_module(f"{__name__}.{module_name}")
    except ModuleNotFoundError:
        return {}
    return {k: _clean(v) for k, v in module.ZH.items()}


def _clean(text: str) -> str:
    return _unwrap(textwrap.dedent(text).strip("\n"))


_BLOCK = re.compile(r"\s*([*+-] |\d+\. |\||#|>|```|\$\$|<)")
_PUNCT = re.compile(r"[\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2026\u2014]")
_WIDE = re.compile(r"[\u2e80-\u9fff\uff00-\uffef\u3000-\u303f\u2018-\u201f\u2026\u2014]")


def _unwrap(text: str) -> str:
    """Join the lines of each paragraph (list item, quote) into one.

    The tables are wrapped for reading, but a Markdown renderer shows a line break
    inside a paragraph as a space, which Chinese does not put between its characters.
    Lines are joined with nothing between two Chinese characters or next to Chinese
    punctuation, else with a space (as between Chinese and code or Latin words); headings, table rows, fences, display maths and HTML stay on their own lines.
    """
    out: list[str] = []
    fenced = False
    for line in text.split("\n"):
        bare = line.strip()
        if bare.startswith("```") or (bare.startswith("$$") and (bare == "$$" or not bare.endswith("$$"))):
            fenced = not fenced             # a code fence or a display-maths block
            out.append(line)
            continue
        prev = out[-1] if out else ""
        if (not fenced and prev.lstrip().startswith(">") and bare.startswith(">")
                and bare[1:].strip() and prev.lstrip()[1:].strip()):
            line = bare[1:]             # the next line of a quote: joined as below
            quoted = True
        else:
            quoted = False
        joinable = (not fenced and out and prev.strip() and line.strip()
                    and (quoted or not _BLOCK.match(line))
                    and (quoted or not prev.lstrip().startswith((">", "#", "|", "$$", "<")))
                    and not prev.rstrip().endswith("$$") and not prev.endswith("  "))
        if joinable:
            left, right = prev.rstrip(), line.strip()
            a, b = left[-1], right[0]
            glue = "" if (_WIDE.match(a) and _WIDE.match(b)) or _PUNCT.match(a) or _PUNCT.match(b) else " "
            out[-1] = left + glue + right
        else:
            out.append(line)
    return "\n".join(out)


class MissingTranslation(KeyError):
    pass


def translate(source: str, zh: dict[str, str]) -> str:
    """The Chinese text of one English Markdown cell."""
    if source.startswith(SOLUTION_HEAD):
        return SOLUTION_HEAD_ZH + source[len(SOLUTION_HEAD):]
    text = english_text(source)
    k = key(text)
    if k not in zh:
        raise MissingTranslation(k)
    if text is not source:
        return EXERCISE_HEAD_ZH + zh[k] + EXERCISE_TAIL_ZH
    return zh[k]


def todo(cells, zh: dict[str, str]) -> tuple[list[tuple[str, str]], list[str]]:
    """(English texts without Chinese as (key, text), keys of Chinese texts with no English)."""
    wanted = {}
    for cell in cells:
        if cell.cell_type == "markdown":
            text = english_text(cell.source)
            if text is not None:
                wanted[key(text)] = text
    missing = [(k, t) for k, t in wanted.items() if k not in zh]
    orphans = [k for k in zh if k not in wanted]
    return missing, orphans
