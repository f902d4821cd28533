"""Sphinx extension of the book: figures, tables and exercises are numbered per chapter, as a
handout cites them ("Fig. 6.2", "Exercise 6.1"), so that a chapter added or moved changes no
other chapter's numbers. A chapter's number is the one its file name begins with
(``chapters/06_better_cells``); the figures of a page without one are numbered 1, 2, ...
on that page.

Sphinx numbers every enumerable node (figures, tables, code blocks, sphinx-exercise's
exercises) in one sequence over the whole book; this renumbers each page's after it has, and
before any reference or caption reads a number."""

import re

CHAPTER_FILE = re.compile(r"(?:^|/)(\d+)_[^/]*$")


def chapter_number(docname: str) -> int | None:
    """The number a page's file name begins with (``chapters/06_better_cells`` -> 6), or None."""
    match = CHAPTER_FILE.search(docname)
    return int(match[1]) if match else None


def number_per_chapter(app, env) -> list[str]:
    for docname, by_type in env.toc_fignumbers.items():
        chapter = chapter_number(docname)
        for numbers in by_type.values():
            in_order = sorted(numbers, key=numbers.get)
            for count, node_id in enumerate(in_order, 1):
                numbers[node_id] = (chapter, count) if chapter is not None else (count,)
    return []  # Sphinx rewrites every page whose numbers it changed


def setup(app):
    app.connect("env-get-updated", number_per_chapter, priority=900)  # after Sphinx numbers
    return {"parallel_read_safe": True, "parallel_write_safe": True}
