"""Sources of the course notebooks: one module per notebook, each a list ``CELLS``.

``md(text)`` makes a Markdown cell, ``code(src, tags=...)`` a code cell; both dedent
their text and strip the blank lines around it. Tags used by the course:
``raises-exception`` (nbval and nbclient expect the cell to fail); ``exercise-answer``
and ``exercise-check`` (see :func:`exercise`).

The Chinese edition (``notebooks/zh/``) is built from these same cells; its Markdown
comes from the tables in ``_src/zh/`` (see ``_src/zh/__init__.py``). After editing a
Markdown text here, translate it there: the tests name every text that lacks Chinese.
"""
from __future__ import annotations

import textwrap

import nbformat

# (notebook file, source module), in course order
NOTEBOOKS = [
    ("00_welcome.ipynb", "nb00_welcome"),
    ("01_grad_modes.ipynb", "nb01_grad_modes"),
    ("02_leaves_and_backward.ipynb", "nb02_leaves_backward"),
    ("03_dynamic_graph.ipynb", "nb03_dynamic_graph"),
    ("04_networks.ipynb", "nb04_networks"),
    ("05_logistic_regression.ipynb", "nb05_logistic_regression"),
    ("06_beyond_the_seeds.ipynb", "nb06_beyond"),
    ("07_backprop_by_hand.ipynb", "nb07_backprop_by_hand"),
    ("08_backprop_through_time.ipynb", "nb08_backprop_through_time"),
]


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def md(text: str) -> nbformat.NotebookNode:
    """A Markdown cell."""
    return nbformat.v4.new_markdown_cell(_clean(text))


def code(src: str, *tags: str) -> nbformat.NotebookNode:
    """A code cell; ``tags`` such as ``"raises-exception"``."""
    cell = nbformat.v4.new_code_cell(_clean(src))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


# The words every exercise shares (the Chinese edition swaps them: ``_src/zh``).
EXERCISE_HEAD = "### Exercise\n\n"
EXERCISE_TAIL = ("\n\n*Write your answer in the next cell, where it says `...`; run it, then run "
                 "the check under it. A solution is folded away below the check.*")
SOLUTION_HEAD = "<details><summary>Show a solution</summary>"


def exercise(task: str, prompt: str, solution: str, check: str) -> list[nbformat.NotebookNode]:
    """An exercise: the task (Markdown), the learner's cell (``prompt``: placeholders
    ``...`` to replace), the check cell, and a worked solution folded in ``<details>``.

    The notebook stores the check's verdict on the untouched prompt ("Not yet"); the
    solution is never run here: tests/test_course_exercises.py runs it, and wrong
    answers, through the same check cell. Tags: ``exercise-answer``, ``exercise-check``.
    """
    return [
        md(EXERCISE_HEAD + _clean(task) + EXERCISE_TAIL),
        code(prompt, "exercise-answer"),
        code(check, "exercise-check"),
        md(SOLUTION_HEAD + "\n\n```python\n" + _clean(solution) + "\n```\n\n</details>"),
    ]
