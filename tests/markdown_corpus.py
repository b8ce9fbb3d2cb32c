"""Pathological Markdown: inputs on which a naive Markdown renderer is slow for its size.

Used by ``make bench`` (tests/bench.py times each against ordinary review text of the same
size) and by tests/test_markdown_guards.py (every input must render, and some are checked
with operation counts).  Every generator takes a size in UTF-8 bytes and returns text of at
most that size, built deterministically.
"""

from __future__ import annotations

import random
from collections.abc import Callable

SECTIONS = ("tldr", "introduction", "core_algorithm", "results", "thoughts")


def fit(text: str, size: int) -> str:
    """``text`` cut to at most ``size`` UTF-8 bytes (on a character boundary)."""
    return text.encode()[:size].decode(errors="ignore")


def repeat(unit: str, size: int) -> str:
    return fit(unit * (size // max(1, len(unit.encode())) + 1), size)


def baseline(size: int) -> str:
    """Ordinary review text: every demo review's sections, repeated to ``size``."""
    from reviews.demo_data import REVIEWS

    text = "\n\n".join(review[key] for review in REVIEWS for key in SECTIONS if review.get(key))
    return repeat(text + "\n\n", size)


def _lines(make: Callable[[int], str], size: int) -> str:
    """Lines ``make(0)``, ``make(1)``, ... until ``size`` bytes."""
    out: list[str] = []
    total = 0
    i = 0
    while total < size:
        line = make(i)
        out.append(line)
        total += len(line.encode())
        i += 1
    return fit("".join(out), size)


def _staircase(unit: str, tail: str, size: int, depth: int = 0) -> str:
    # unit * 1 + tail, unit * 2 + tail, ... (restarting at ``depth`` when given): nesting that
    # deepens line by line.
    return _lines(lambda i: unit * (1 + (i % depth if depth else i)) + tail, size)


def _wide_table(columns: int, size: int) -> str:
    header = "|" + "|".join(f" h{i} " for i in range(columns)) + "|\n"
    separator = "|" + "|".join("---" for _ in range(columns)) + "|\n"
    row = "|" + "|".join(f" *{i}* " for i in range(columns)) + "|\n"
    return fit(header + separator + row * (size // len(row) + 1), size)


# Units that, repeated, make the whole section one construct.  Everything the issue found
# (link and image openers, empty headings, unclosed <div>, setext, '>' nesting, '\(') plus
# the other delimiters of Markdown and of our math syntax.
UNITS: dict[str, str] = {
    # links and images
    "[a](": "[a](",
    "![a](": "![a](",
    "[a](b": "[a](b ",
    "[a](<": "[a](<",
    '[a](b "': '[a](b "',
    "[a](()": "[a](()",
    "[": "[",
    "]": "]",
    "[a]": "[a] ",
    "[a][": "[a][",
    "[a][b]": "[a][b] ",
    "![a][": "![a][",
    "](": "](",
    "[](": "[](",
    "[]": "[]",
    # reference definitions
    "[a]: b⏎": "[a]: b\n",
    "[a]: <⏎": "[a]: <\n",
    '[a]: b "⏎': '[a]: b "\n',
    "[a]:⏎": "[a]:\n",
    # headings and rules
    "#⏎": "#\n",
    "# x⏎": "# x\n",
    "######⏎": "######\n",
    "# #⏎": "# #\n",
    "# a_5⏎": "# a_5\n",
    "a⏎-⏎ (setext)": "a\n-\n",
    "a⏎=⏎ (setext)": "a\n=\n",
    "=⏎": "=\n",
    "-⏎": "-\n",
    "---⏎": "---\n",
    "* * *⏎": "* * *\n",
    # raw HTML
    "<div>": "<div>",
    "<div>⏎": "<div>\n",
    "<div>⏎⏎": "<div>\n\n",
    "</div>⏎": "</div>\n",
    "<a ": "<a ",
    '<a b="': '<a b="',
    "<": "<",
    "</": "</",
    "<!--": "<!--",
    "<![CDATA[": "<![CDATA[ ",
    "<?": "<?",
    "<!x": "<!x",
    "<http://": "<http://",
    "<a@": "<a@",
    "<a@b>": "<a@b.kr> ",
    "<ul>": "<ul>",
    "<pre>": "<pre>",
    "<blockquote>": "<blockquote>",
    "<dl><dt>": "<dl><dt>",
    "<p>": "<p>",
    "<li>": "<li>",
    "<b>": "<b>",
    # blockquotes
    ">": ">",
    "> ": "> ",
    ">⏎": ">\n",
    "> a⏎": "> a\n",
    "> -": "> - ",
    "> 1.": "> 1. ",
    # backslash escapes
    "\\(": "\\(",
    "\\\\": "\\\\",
    "\\[": "\\[",
    "\\`": "\\`",
    "\\": "\\",
    "\\$": "\\$",
    # entities
    "&amp;": "&amp;",
    "&#123;": "&#123;",
    "&#x1F600;": "&#x1F600;",
    "&": "&",
    "&a": "&a",
    "&nbsp;": "&nbsp;",
    "no-break spaces": "\u00a0a",
    # code spans and fences
    "`": "`",
    "`a": "`a",
    "``a`": "``a`",
    "`a`": "`a` ",
    "```⏎": "```\n",
    "```x⏎": "```x\n",
    "````⏎```⏎": "````\n```\n",
    '```a hl_lines="⏎': '```a hl_lines="\n',
    "~~~⏎": "~~~\n",
    "```a```⏎": "```\na\n```\n",
    "    a⏎ (indented code)": "    a\n",
    "    a⏎⏎b⏎⏎ (code blocks)": "    a\n\nb\n\n",
    # emphasis
    "*": "*",
    "*a": "*a",
    "**a": "**a",
    "*a*": "*a* ",
    "***a": "***a ",
    "*a **b": "*a **b ",
    "_": "_",
    "_a": "_a ",
    "a_": "a_ ",
    "__a": "__a ",
    "*_": "*_",
    # math
    "$": "$",
    "$a": "$a",
    "$$": "$$",
    "$a$": "$a$ ",
    "$$a$$⏎": "$$a$$\n",
    "$`": "$`",
    "\\(a": "\\(a ",
    # lists
    "- ": "- ",
    "+ ": "+ ",
    "- 1. ": "- 1. ",
    "1. ": "1. ",
    "* ": "* ",
    "- a⏎": "- a\n",
    "1. a⏎": "1. a\n",
    "- ⏎": "- \n",
    # other blocks and whitespace
    "a  ⏎ (line breaks)": "a  \n",
    "a⏎": "a\n",
    "a⏎⏎ (paragraphs)": "a\n\n",
    "⏎": "\n",
    " ": " ",
    "\\t": "\t",
    "|": "|",
    "|⏎": "|\n",
    "|-⏎": "|-\n",
    "a": "a",
    "가": "가",
}


# Inputs that are not one unit repeated.
def _generated() -> dict[str, Callable[[int], str]]:
    return {
        "nested lists (2-space staircase)": lambda n: _staircase("  ", "- x\n", n),
        "nested lists (staircase of 40)": lambda n: _staircase("  ", "- x\n", n, 40),
        "nested ordered lists": lambda n: _staircase("   ", "1. x\n", n, 30),
        "nested '> ' (staircase)": lambda n: _staircase("> ", "a\n", n),
        "nested '>' (staircase of 100)": lambda n: _staircase(">", " a\n", n, 100),
        "nested '> - ' (staircase)": lambda n: _staircase("> - ", "a\n", n, 50),
        "distinct headings": lambda n: _lines(lambda i: f"# heading {i}\n", n),
        "same heading twice each": lambda n: _lines(lambda i: f"## h{i // 2}\n\n", n),
        "distinct reference definitions": lambda n: _lines(lambda i: f"[r{i}]: /u{i}\n", n),
        "reference uses": lambda n: "[r]: /u\n\n" + _lines(lambda i: f"[x{i}][r] ", n - 9),
        "distinct formulas": lambda n: _lines(lambda i: f"$x_{{{i}}}$ ", n),
        "distinct display formulas": lambda n: _lines(lambda i: f"$$y^{{{i}}}$$\n\n", n),
        "one long formula": lambda n: "$" + repeat("x+", n - 3) + "x$",
        "one long display formula": lambda n: "$$" + repeat("\\frac{a}{b}", n - 4) + "$$",
        "distinct code blocks": lambda n: _lines(lambda i: f"```python\nx = {i}\n```\n\n", n),
        "wide table (a column per 100 bytes)": lambda n: _wide_table(n // 100, n),
        "wide table (10 columns)": lambda n: _wide_table(10, n),
        "table header only, 25,000 columns": lambda n: fit(
            "|" + "a|" * (n // 4) + "\n|" + "-|" * (n // 4) + "\n", n
        ),
        "one-column table": lambda n: "| a |\n|---|\n" + repeat("| b |\n", n - 13),
        "long line of words": lambda n: repeat("word ", n),
        "links that close": lambda n: repeat("[a](http://b.org/) ", n),
        "links with titles": lambda n: repeat('[a](/b "t") ', n),
        "autolinks that close": lambda n: repeat("<https://b.org/> ", n),
        "stars around a word": lambda n: "*" * (n // 2 - 1) + "a" + "*" * (n // 2 - 1),
        "brackets around a link": lambda n: "[" * (n // 2 - 4) + "a](b)" + "]" * (n // 2 - 4),
        "distinct <b title>": lambda n: _lines(lambda i: f'<b title="{i}">', n),
        "<title> then &": lambda n: "<title>" + repeat("&", n - 7),
        "link with a long href of &": lambda n: "[a](" + repeat("&", n - 5) + ")",
        "table row of code spans and pipes": lambda n: (
            "a|b\n-|-\n" + repeat("`a` ", (n - 8) // 2) + repeat("|", (n - 8) - (n - 8) // 2)
        ),
        "images that close": lambda n: repeat("![a](https://b.org/x.png) ", n),
        "inline html that closes": lambda n: repeat("<sub>x</sub> ", n),
        "mixture (links, emphasis, math)": lambda n: _mixture(n, 1),
        "mixture (blocks)": lambda n: _mixture(n, 2, block=True),
        "mixture (everything)": lambda n: _mixture(n, 3, every=True),
        "mixture (openers in one paragraph)": lambda n: _mixture(n, 4, openers=True),
    }


_OPENERS = ["[a](", "![a](", "[", "(", "<div>", "<a ", "`", "*", "_", "$", "\\(", "&", "<!--"]
_OPENERS += ["**", "[a][", "]", "<http://", "``", "$$", "\\", "<?", "<![CDATA[", "[a]: ", "&#"]
_BLOCKS = ["#\n", "a\n-\n", "> ", ">\n", "- ", "1. ", "---\n", "<div>\n", "```\n", "|a|\n|-|\n"]
_BLOCKS += ["    a\n", "\n", "a\n=\n", "[a]: b\n", "$$\n", "~~~\n", "* * *\n", "  - "]


def _mixture(
    size: int, seed: int, *, block: bool = False, every: bool = False, openers: bool = False
) -> str:
    rng = random.Random(seed)
    if openers:
        pool = _OPENERS
    elif block:
        pool = _BLOCKS
    elif every:
        pool = _OPENERS + _BLOCKS + list(UNITS.values())
    else:
        pool = ["[a](", "[a](b) ", "*a ", "a* ", "$x$ ", "$", "`a", "` ", "**", "_a ", "[", "] "]
    out: list[str] = []
    total = 0
    while total < size:
        piece = rng.choice(pool) * rng.randint(1, 8)
        out.append(piece)
        total += len(piece.encode())
    return fit("".join(out), size)


def corpus(size: int) -> dict[str, str]:
    """Every pathological input at ``size`` bytes, by name."""
    out = {name: repeat(unit, size) for name, unit in UNITS.items()}
    out.update({name: make(size) for name, make in _generated().items()})
    return out
