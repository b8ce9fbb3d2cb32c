"""The guards that keep Markdown rendering linear in the size of the text.

No test here measures time.  Each guard is pinned by what it does: the linear processors
(reviews/markdown_linear.py) give the same HTML as Python-Markdown's stock ones, on generated
documents, the demo reviews and the pathological corpus (tests/markdown_corpus.py); and the
work they do is counted (calls, passes, index builds, probes) on 100 KB inputs that used to
be quadratic.  The timings of the same corpus are in `make bench`.
"""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import nh3
import pytest
from markdown.extensions.tables import TableProcessor
from markdown.inlinepatterns import EscapeInlineProcessor, LinkInlineProcessor
from markdown.serializers import to_html_string as stock_to_html_string

from reviews import markdown as md
from reviews import markdown_linear as linear
from reviews.demo_data import REVIEWS
from tests import markdown_corpus

FULL = md.MAX_SOURCE_BYTES

# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


@contextmanager
def engine(**kwargs: Any) -> Iterator[md._Engine]:
    """Render with a fresh engine (linear or stock) in this thread, then put the old one back."""
    previous = getattr(md._local, "engine", None)
    md._local.engine = md._Engine(**kwargs)
    try:
        yield md._local.engine
    finally:
        md._local.engine = previous


_STOCK = None
_LINEAR = None


def _fixed_token(nbytes: int) -> str:
    return "5" * (2 * nbytes)


def render(text: str, *, stock: bool = False) -> str:
    """Render with the linear (default) or the stock processors.

    The math placeholders' random part is fixed here: Python-Markdown's emphasis sometimes
    moves characters of a placeholder around (with the stock processors as with ours), and the
    two renders should not differ by their random numbers.
    """
    global _STOCK, _LINEAR
    if stock:
        _STOCK = _STOCK or md._Engine(linear=False)
        chosen = _STOCK
    else:
        _LINEAR = _LINEAR or md._Engine()
        chosen = _LINEAR
    previous = getattr(md._local, "engine", None)
    token_hex = md.secrets.token_hex
    md._local.engine = chosen
    md.secrets.token_hex = _fixed_token
    try:
        return str(md.render_markdown(text))
    finally:
        md._local.engine = previous
        md.secrets.token_hex = token_hex


# The linear prettifier puts no line breaks between the rows and cells of a table (see
# LinearPrettifyTreeprocessor); the stock one does.  Everything else must be identical.
_TABLE_BREAK_RE = re.compile(
    r"(<(?:table|thead|tbody|tfoot|tr)>|</(?:thead|tbody|tfoot|tr|th|td)>)\n"
)


def same_as_stock(text: str) -> bool:
    ours = render(text)
    stock = _TABLE_BREAK_RE.sub(r"\1", render(text, stock=True))
    return ours == stock


def convert(text: str) -> str:
    """Python-Markdown's conversion as render_markdown runs it, but letting any exception out
    (render_markdown shows the source in <pre> on RecursionError)."""
    source = md._normalize_source(text)
    current = md._engine()
    current.math.begin(source, "")
    try:
        return current.md.reset().convert(source)
    finally:
        current.math.end()


@contextmanager
def counting(owner: Any, name: str) -> Iterator[list[int]]:
    """Count calls of ``owner.name`` (a method of our real processors, still doing its work)."""
    calls = [0]
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)
    try:
        yield calls
    finally:
        if isinstance(owner, type):
            setattr(owner, name, original)
        else:
            delattr(owner, name)


def processor(name: str, registry: str = "inline") -> Any:
    """A processor of the engine that ``render`` uses."""
    global _LINEAR
    _LINEAR = _LINEAR or md._Engine()
    current = _LINEAR.md
    registries = {
        "inline": current.inlinePatterns,
        "block": current.parser.blockprocessors,
        "tree": current.treeprocessors,
        "pre": current.preprocessors,
        "post": current.postprocessors,
    }
    return registries[registry][name]


def _documents(alphabet: list[str], count: int, seed: int, length: int = 60) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, length))) for _ in range(count)
    ]


def _line_documents(prefixes: list[str], bodies: list[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    docs = []
    for _ in range(count):
        lines = []
        for _ in range(rng.randint(1, 20)):
            if rng.random() < 0.15:
                lines.append("")
            else:
                lines.append(rng.choice(prefixes) + rng.choice(bodies))
        docs.append("\n".join(lines))
    return docs


# --------------------------------------------------------------------------------------------
# The linear processors give the stock HTML
# --------------------------------------------------------------------------------------------

INLINE = ["a", "b ", " ", "  \n", "\n", "*", "**", "***", "_", "__", "`", "``", "[", "]", "(", ")"]
INLINE += ["![", "](", "'", '"', "<", ">", "&", "&amp;", "\\", "\\*", "$", "x_y", "가나", "[r]"]
INLINE += ["<b>", "</b>", "<!--", "-->", "<http://x.org>", "<a@b.kr>", "[a](b 't')", "```"]
LINKS = ["[", "]", "(", ")", "'", '"', " ", "a", "![", "](", "\n", "<", ">", "[a](", "\\", "`"]
LINKS += ["[r]", "\n\n[r]: /u 't'\n\n"]
EMPHASIS = ["*", "**", "***", "_", "__", "a", " ", "b", "\n", "x_y", "`", "[", "](u)", "\\*"]
EMPHASIS += ["<b>", "****", "$x$"]
TICKS = ["`", "``", "```", "\\", "\\\\", "a", " ", "\n", "*", "[", "]"]
PREFIXES = ["", "", "# ", "## ", "#", "> ", ">", "> > ", "- ", "* ", "+ ", "1. ", "  - ", "    "]
PREFIXES += ["| ", "|", "---", "***", "===", "-", "=", "[r]: ", "[a]:", "```", "~~~", "$$", " 1. "]
BODIES = ["a", "text", "*x*", "**y**", "`c`", "[l](u)", "[r]", "| a | b |", "|---|---|", "#"]
BODIES += ["=", "-", "", "x_y", "<b>t</b>", "<div>", "&amp;", "$x$", "\\#", "' \"", "t #", ">"]
FENCES = ["```", "```python", "~~~", "````", "``` {.py}", "```{bad", '```python hl_lines="1 2"']
FENCES += ["x = 1", "", "    code", "    :::python", "text", "```  ", "```x```", "- item", "$$"]
REFERENCES = ["[a]:", "[a]: /u", "[b]: /v 't'", "   [c]:", "/url", "'title'", "(title)", "# h"]
REFERENCES += ["text", "> q", "---", "- li", "    code", "[x][a]", "[b]", "", "1. x", "#"]
TABLE_CELLS = ["a", "`x|y`", "``a|`b``", "\\|", "\\\\", "\\`", "`", "|", " ", "*b*", "[l](u)"]


def _table(rng: random.Random) -> str:
    def row() -> str:
        cells = (
            "".join(rng.choice(TABLE_CELLS) for _ in range(rng.randint(0, 4)))
            for _ in range(rng.randint(1, 5))
        )
        return rng.choice(["|", ""]) + "|".join(cells) + rng.choice(["|", ""])

    separator = "|".join(rng.choice(["---", ":--", "--:", ":-:"]) for _ in range(3))
    return "\n".join([row(), separator] + [row() for _ in range(rng.randint(0, 4))])


def _generated_documents() -> Iterator[tuple[str, str]]:
    for kind, docs in {
        "inline": _documents(INLINE, 400, 1),
        "links": _documents(LINKS, 300, 2),
        "emphasis": _documents(EMPHASIS, 300, 3),
        "ticks": _documents(TICKS, 200, 4),
        "blocks": _line_documents(PREFIXES, BODIES, 400, 5),
        "fences": _line_documents([""], FENCES, 200, 6),
        "references": _line_documents([""], REFERENCES, 200, 7),
        "tables": [_table(random.Random(seed)) for seed in range(200)],
    }.items():
        for number, doc in enumerate(docs):
            yield f"{kind}-{number}", doc


def test_linear_processors_give_the_stock_html_on_generated_documents() -> None:
    different = [(name, doc) for name, doc in _generated_documents() if not same_as_stock(doc)]
    assert different == []


def test_linear_processors_give_the_stock_html_on_the_demo_reviews() -> None:
    for review in REVIEWS:
        for key in markdown_corpus.SECTIONS:
            text = review.get(key)
            if text:
                assert same_as_stock(text), (review["arxiv_id"], key)


# Inputs where the output differs from the stock processors on purpose (see each guard below):
# nesting capped at 32, raw HTML capped at 64 open tags, hl_lines="..." within one line.
DELIBERATELY_DIFFERENT = {
    ">",
    "> ",
    "> -",
    "> 1.",
    "1. ",
    "+ ",
    "- 1. ",
    "nested '> ' (staircase)",
    "nested '>' (staircase of 100)",
    "nested '> - ' (staircase)",
    "<div>",
    "<div>⏎",
    "<div>⏎⏎",
    "<ul>",
    "<pre>",
    "<blockquote>",
    "<dl><dt>",
    "<b>",
    "distinct <b title>",
    '```a hl_lines="⏎',
    "mixture (everything)",  # has '```a hl_lines="⏎'
}


@pytest.mark.parametrize("name", sorted(markdown_corpus.corpus(1500)))
def test_linear_processors_give_the_stock_html_on_the_corpus(name: str) -> None:
    # Small, so that the stock processors (quadratic on most of these) stay quick.
    text = markdown_corpus.corpus(1500)[name]
    if name in DELIBERATELY_DIFFERENT:
        render(text)
    else:
        assert same_as_stock(text)


# --------------------------------------------------------------------------------------------
# Every input renders
# --------------------------------------------------------------------------------------------


def test_corpus_inputs_have_the_size_asked_for() -> None:
    for size in (1500, 16 * 1024, FULL):
        for name, text in markdown_corpus.corpus(size).items():
            assert 0.75 * size <= len(text.encode()) <= size, name
    assert len(markdown_corpus.baseline(FULL).encode()) == FULL


@pytest.mark.parametrize("name", sorted(markdown_corpus.corpus(1500)))
def test_every_pathological_input_renders_without_falling_back(name: str) -> None:
    # Nothing under the size limit is refused or shown as plain <pre> for its shape:
    # Python-Markdown itself must not raise (render_markdown would fall back on RecursionError).
    text = markdown_corpus.corpus(16 * 1024)[name]
    convert(text)
    html = render(text)
    assert not html.startswith("<pre>") or text.lstrip().startswith(("    ", "```", "~~~"))


@pytest.mark.parametrize(
    "unit", ["1. ", "+ ", "- 1. ", "> 1. ", "> ", ">", "* a ", "> - "], ids=repr
)
def test_deep_one_line_nesting_at_full_size_renders(unit: str) -> None:
    text = markdown_corpus.repeat(unit, FULL)
    convert(text)  # no RecursionError
    html = render(text)
    assert not html.startswith("<pre>")
    assert html.count("<blockquote>") + html.count("<ol") + html.count("<ul>") <= linear.MAX_NESTING


# --------------------------------------------------------------------------------------------
# Inline patterns: one pass per pattern and text
# --------------------------------------------------------------------------------------------


def test_inline_patterns_take_one_pass_per_text() -> None:
    inline = processor("inline", "tree")
    count = linear.MAX_INLINE_ELEMENTS
    text = "\\(" * count
    with counting(EscapeInlineProcessor, "handleMatch") as escapes:
        passes_before = inline.passes
        html = render(text)
    # One paragraph: each pattern whose trigger occurs runs once over it (the escape pattern
    # here), however many matches; and every escape is matched exactly once.
    assert inline.passes - passes_before == 1
    assert escapes[0] == count
    assert html == "<p>" + "(" * count + "</p>"


def test_inline_markup_beyond_the_budget_shows_as_typed() -> None:
    budget = linear.MAX_INLINE_ELEMENTS
    text = "`a` " * budget + "\n\n*b* <b>c</b> [e](/f) &amp;\n\n# *g*"
    html = render(text)
    assert html.count("<code>") == budget
    # Later texts keep their markup as typed; raw HTML is text, escaped.
    assert html.endswith('<p>*b* &lt;b&gt;c&lt;/b&gt; [e](/f) &amp;</p>\n<h3 id="h-g">*g*</h3>')
    # Under the budget nothing changes.
    text = "`a` " * (budget - 1) + "*b*"
    assert render(text).endswith("<code>a</code> <em>b</em></p>")


def test_email_links_match_the_stock_ones() -> None:
    emails = ["a@b.kr", "mailto:x.y@z.org", "é@ü.de", "a&amp;b@c.kr", "한@글.kr", "a_b-c+d@e.f"]
    assert same_as_stock(" ".join(f"<{email}>" for email in emails) * 3)


def test_reference_patterns_are_not_tried_without_link_definitions() -> None:
    counted = [counting(processor(name, "inline"), "handleMatch") for name in ("link", "reference")]
    counters = [context.__enter__() for context in counted]
    try:
        html = render("[a] [b][c] [d](/e) " * 100)
    finally:
        for context in counted:
            context.__exit__(None, None, None)
    assert [count[0] for count in counters] == [400, 0]
    assert html.count("<a ") == 100
    assert same_as_stock("[a] [b][c] [d](/e)\n\n[c]: /f")


def test_balanced_brackets_are_checked_without_a_step_per_bracket() -> None:
    assert md._brackets_need_no_guard("[a](b) [[c]] " * 1000 + "[" * 8 + "]" * 8)
    assert not md._brackets_need_no_guard("[" * 9 + "]" * 9)
    assert not md._brackets_need_no_guard("[a] [")
    assert not md._brackets_need_no_guard("`[` [a]")
    assert md._guard_brackets("[a] [") == "[a] \x1b"
    rng = random.Random(16)
    for _ in range(5000):
        text = "".join(rng.choice("[[]]a ") for _ in range(rng.randint(0, 40)))
        text = rng.choice(["", "[" * 8]) + text + rng.choice(["", "`", "\\["])
        assert md._guard_brackets(text) == md._guard_brackets_step_by_step(text), text


def test_inline_text_without_triggers_is_not_searched_by_any_pattern() -> None:
    inline = processor("inline", "tree")
    passes_before = inline.passes
    render("- a\n" * 1000 + "plain words, no markup\n")
    assert inline.passes == passes_before


def test_pattern_triggers_are_pinned_to_the_registered_patterns() -> None:
    patterns = md._engine().md.inlinePatterns
    names = [item.name for item in sorted(patterns._priority, key=lambda item: -item.priority)]
    assert names == list(linear.TRIGGERS)
    # Each pattern's regex only matches at one of its triggers: none matches any of 3,000
    # random strings made without them.
    rng = random.Random(11)
    alphabet = list("abc xyz 019.,;:!?'\"()#-+=|~\n\t") + ["가", "é"]
    for name in names:
        pattern = patterns[name]
        triggers = linear.TRIGGERS[name]
        allowed = [c for c in alphabet + list("`\\[]<>&*_!") if not any(c in t for t in triggers)]
        for _ in range(3000):
            sample = "".join(rng.choice(allowed) for _ in range(rng.randint(1, 12)))
            if any(t in sample for t in triggers):
                continue
            assert pattern.getCompiledRegExp().search(sample) is None, (name, sample)


@pytest.mark.parametrize("name", ["backtick", "link", "reference", "short_reference"])
def test_lookbehind_variants_match_as_the_stock_regex_does_after_a_placeholder(name: str) -> None:
    regex = processor(name).getCompiledRegExp()
    variant = linear.etx_variant(regex)
    assert variant is not None
    rng = random.Random(12)
    for _ in range(3000):
        sample = "".join(rng.choice("\\`[]!a(") for _ in range(rng.randint(1, 8)))
        ours = variant.match(sample, 0)
        stock = regex.match("\x03" + sample, 1)
        assert (ours and (ours.span(), ours.groups())) == (
            stock and ((stock.start() - 1, stock.end() - 1), stock.groups())
        ), sample


def test_emphasis_boundaries_after_a_placeholder_match_as_the_stock_ones() -> None:
    emphasis = processor("em_strong")
    rng = random.Random(13)
    for token, delim in emphasis.delimiters.items():
        variant = emphasis._etx_boundaries[token]
        for _ in range(3000):
            sample = "".join(rng.choice("*_ a\n.") for _ in range(rng.randint(1, 8)))
            ours = variant.match(sample, 0)
            stock = delim.boundary.match("\x03" + sample, 1)
            assert (ours and (ours.span(), ours.lastgroup)) == (
                stock and ((stock.start() - 1, stock.end() - 1), stock.lastgroup)
            ), (token, sample)


def test_dense_emphasis_is_one_search_per_delimiter() -> None:
    emphasis = processor("em_strong")
    text = markdown_corpus.repeat("*a", FULL)
    with counting(emphasis, "search") as searches, counting(emphasis, "handleMatch") as matches:
        render(text)
    delimiters = text.count("*")
    assert matches[0] <= delimiters
    assert searches[0] <= 2 * delimiters


def test_deeply_nested_inline_elements_share_their_ancestor_lists() -> None:
    # 25,000 nested <strong>: the stock code copied the list of ancestors for each one.
    text = "*" * (FULL // 2 - 1) + "a" + "*" * (FULL // 2 - 1)
    html = render(text)
    assert html.count("<strong>") == FULL // 4 - 1
    chain = linear._Ancestors.of(["p", "em"]).push("strong")
    assert "em" in chain and "a" not in chain and chain.parent is not None


# --------------------------------------------------------------------------------------------
# Links, code spans, emphasis: indexes instead of scans to the end of the text
# --------------------------------------------------------------------------------------------


def test_link_openers_are_answered_from_one_index_per_pass() -> None:
    text = markdown_corpus.repeat("[a](", FULL)
    with (
        counting(linear._LinkIndex, "__init__") as indexes,
        counting(linear._LinkIndex, "scan") as scans,
        counting(LinkInlineProcessor, "getLink") as stock_scans,
    ):
        html = render(text)
    assert indexes[0] == 1  # the link pass (no "![" for the image pass)
    assert scans[0] == FULL // 4  # one lookup per opener
    assert stock_scans[0] == 0  # the stock loop to the end of the text never runs
    assert html == "<p>" + "[a](" * (FULL // 4) + "</p>"


@pytest.mark.parametrize(
    "text",
    [
        "[a](b) [c](d 'e') [f](<g> \"h\") [i](j(k)l) [m](n 'o(' ) [t](l\"n) [u](v 'w)",
        '[a](b "[a](b "[a](b "x',
        "![a](b) ![c](d 'e' ) ![f]( g ) [x](y) [x]((y)) [x](a'b'c) [x](a \"b\" 'c')",
        "[a](b) [a](\n[b](c 'd\ne')",
    ],
)
def test_link_index_gives_the_stock_hrefs_and_titles(text: str) -> None:
    assert same_as_stock(text)


def test_code_span_runs_are_indexed_once_per_text() -> None:
    text = markdown_corpus.repeat("``a`", FULL)
    backtick = processor("backtick")
    with (
        counting(linear._BacktickRuns, "__init__") as indexes,
        counting(backtick, "find_code_spans") as finds,
    ):
        render(text)
    assert indexes[0] == 1
    assert finds[0] <= text.count("``")


# --------------------------------------------------------------------------------------------
# Blocks
# --------------------------------------------------------------------------------------------


def test_block_queue_takes_and_puts_back_the_first_block_in_constant_time() -> None:
    queue = linear.BlockQueue(["a", "b", "c"])
    assert queue[0] == "a" and len(queue) == 3
    assert queue.pop(0) == "a"
    queue.insert(0, "x")
    assert list(queue) == ["x", "b", "c"]
    assert queue.pop(0) == "x" and queue.pop(0) == "b" and queue.pop(0) == "c"
    assert not queue
    # The list under it only ever grows or shrinks at its end.
    assert queue._reversed == []


def test_plain_paragraphs_skip_the_other_block_processors() -> None:
    text = "\n\n".join(["a paragraph"] * 5000)
    tests = []
    for name in ("empty", "indent", "code", "table", "hashheader", "quote", "hr"):
        tests.append(counting(processor(name, "block"), "test"))
    counters = [context.__enter__() for context in tests]
    try:
        render(text)
    finally:
        for context in tests:
            context.__exit__(None, None, None)
    # (The empty processor sees the blank block Python-Markdown adds at the end.)
    assert [count[0] for count in counters] == [1] + [0] * (len(tests) - 1)


def test_a_repeated_short_block_skips_the_processors_that_refused_it() -> None:
    text = "- \n\n" * 2000
    tests = [counting(processor(name, "block"), "test") for name in ("hashheader", "hr", "olist")]
    counters = [context.__enter__() for context in tests]
    try:
        html = render(text)
    finally:
        for context in tests:
            context.__exit__(None, None, None)
    assert [count[0] for count in counters] == [1, 1, 1]
    assert html.count("<li></li>") == 2000
    # Only refusals that do not depend on where the block is are remembered: the same blocks
    # as list items, in quotes, indented under items and at the top level.
    blocks = ["- a", "    b", "> c", "1. d", "---", "a\n-", "# e", "| f |\n|---|", "    > g"]
    text = "\n\n".join(blocks * 3 + [f"- x\n\n{block}" for block in blocks] * 2)
    assert same_as_stock(text)
    assert same_as_stock("\n\n".join(["- a", "    - a", "        - a", "    - a"] * 5))


def test_headings_of_one_block_are_taken_in_one_run() -> None:
    # The loop reads each heading by position: the stock regex has just these groups.
    for regex in (linear.LinearHashHeaderProcessor.RE, linear.LinearHashHeaderProcessor.HEAD_AT_RE):
        assert regex.groupindex == {"level": 1, "header": 2}
        assert regex.groups == 2
    with counting(processor("hashheader", "block"), "run") as runs:
        html = render(markdown_corpus.repeat("#\n", FULL))
    assert runs[0] == 1
    assert html.count("<h3") == FULL // 2


def test_headings_between_lines_are_taken_in_one_run() -> None:
    text = "a\n# h\n" * 2000
    with counting(processor("hashheader", "block"), "run") as runs:
        assert same_as_stock(text)
    assert runs[0] == 1


def test_link_definitions_spanning_lines_are_taken_in_one_run() -> None:
    text = markdown_corpus.repeat("[a]:\n", FULL)
    with counting(processor("reference", "block"), "run") as runs:
        render(text)
    assert runs[0] == 1
    small = "[a]:\n" * 300 + "[x][a]"
    assert same_as_stock(small)


def test_quotes_and_lists_nest_at_most_max_nesting_deep() -> None:
    depth = linear.MAX_NESTING
    quotes = render("> " * 100 + "a")
    assert quotes.count("<blockquote>") == depth
    # The markers past the limit stay text.
    assert quotes.endswith(
        "&gt; " * (99 - depth) + "&gt; a</p>\n" + "</blockquote>\n" * (depth - 1) + "</blockquote>"
    )
    lists = render("1. " * 100 + "a")
    assert lists.count("<ol>") == depth
    assert "1. " * (100 - depth - 1) in lists
    # Within the limit, nothing changes.
    shallow = "> " * (depth - 1) + "a\n\n" + "- " * 10 + "b"
    assert same_as_stock(shallow)


def test_table_rows_split_as_the_stock_code_does() -> None:
    table = processor("table", "block")
    stock = TableProcessor(md._engine().md.parser, {"use_align_attribute": True})
    rng = random.Random(14)
    for _ in range(3000):
        row = "".join(rng.choice(TABLE_CELLS + ["``", "\\``", "a`b"]) for _ in range(12))
        assert table._split(row) == stock._split(row), row


def test_table_row_of_many_code_spans_and_pipes_is_split_in_one_merge() -> None:
    text = markdown_corpus.corpus(FULL)["table row of code spans and pipes"]
    html = render(text)
    assert html.count("<td>") == 2
    small = markdown_corpus.corpus(3000)["table row of code spans and pipes"]
    assert same_as_stock(small)


# --------------------------------------------------------------------------------------------
# Code blocks
# --------------------------------------------------------------------------------------------


def test_fence_lines_without_a_closing_line_are_not_tried() -> None:
    fenced = processor("fenced_code_block", "pre")
    text = markdown_corpus.repeat("```x\n", FULL)

    class CountingRegex:
        def __init__(self, regex: re.Pattern[str]) -> None:
            self.regex = regex
            self.calls = 0

        def match(self, *args: Any) -> re.Match[str] | None:
            self.calls += 1
            return self.regex.match(*args)

    counted = CountingRegex(fenced.FENCED_BLOCK_RE)
    fenced.FENCED_BLOCK_RE = counted
    try:
        render(text)
    finally:
        del fenced.FENCED_BLOCK_RE
    assert counted.calls == 0


def test_code_blocks_share_one_pygments_formatter() -> None:
    text = "".join(f"```python\nx = {i}\n```\n\n    y = {i}\n\n" for i in range(100))
    linear._HIGHLIGHT.formatters.clear()
    linear._HIGHLIGHT.lexers.clear()
    with counting(linear, "get_formatter_by_name") as formatters:
        html = render(text)
    assert formatters[0] == 2  # one for fenced blocks, one for indented ones
    assert html == render(text, stock=True)


# --------------------------------------------------------------------------------------------
# Heading ids
# --------------------------------------------------------------------------------------------


def test_free_heading_id_suffixes_are_found_in_constant_time() -> None:
    ids: set[str] = set()
    suffixes = linear._FreeSuffixes(ids)
    probes = [0]
    original_contains = set.__contains__

    class CountingSet(set):  # type: ignore[type-arg]
        def __contains__(self, item: object) -> bool:
            probes[0] += 1
            return original_contains(self, item)

    suffixes.ids = CountingSet()
    names = ["a_5"] * 20000 + ["a"] * 2000 + ["a_3"] * 2000
    made = [suffixes.unique(name) for name in names]
    assert len(set(made)) == len(names)
    assert probes[0] <= 4 * len(names)
    # The same ids as the toc extension's own function.
    from markdown.extensions.toc import unique

    stock_ids: set[str] = set()
    small = names[:300] + names[20000:20300] + names[22000:22300]
    ours = linear._FreeSuffixes(set())
    assert [ours.unique(n) for n in small] == [unique(n, stock_ids) for n in small]


def test_heading_ids_match_the_stock_toc() -> None:
    text = "".join(
        f"# {name}\n\n"
        for name in ["a", "a", "a_1", "A b", "*em* x", "`c`", "a &amp; b", "x\\_y", "", "한국어"]
        * 3
    )
    assert same_as_stock(text)
    # Empty headings take suffixes from a run of their own, around ids that other headings
    # took first.
    names = ["", "", "_2", "", "#", "", "_5", "", "_4", ""] * 3
    assert same_as_stock("".join(f"# {name}\n" for name in names))


# --------------------------------------------------------------------------------------------
# Sanitizer input
# --------------------------------------------------------------------------------------------


def test_raw_html_beyond_64_open_tags_shows_as_text() -> None:
    html = render("<div>" * 200)
    assert html.count("<div>") == linear.MAX_OPEN_RAW_TAGS
    assert html.count("&lt;div&gt;") == 200 - linear.MAX_OPEN_RAW_TAGS
    # Closed tags and tags with implied ends do not add up.
    assert render("<div>x</div>" * 200).count("<div>") == 200
    assert render("<p>x" * 200).count("<p>") >= 200


def test_long_text_runs_are_split_for_the_sanitizer_without_changing_its_output() -> None:
    every = md._SPLIT_TEXT_EVERY
    body = "<p>" + "a &amp; b " * 5000 + "</p><textarea>" + "&amp;" * 5000 + "</textarea>"
    split = md._split_long_text_runs(body)
    assert split.count("<!---->") == 5000 // every
    # Inside a textarea a comment would be text: the element is closed and opened again.
    assert split.count("</textarea><textarea>") == 5000 // every
    assert md._sanitize(split, "") == md._sanitize(body, "")
    assert md._split_long_text_runs("<p>a &amp; b</p>") == "<p>a &amp; b</p>"
    # Without such elements, the same by a quicker path.
    body = "<p>" + "a &amp; b " * 5000 + '</p><a href="' + "&amp;" * 9000 + '">x</a><p>&amp;</p>'
    split = md._split_long_text_runs(body)
    assert split.count("<!---->") == 5000 // every
    assert split.endswith("</p><a>x</a><p>&amp;</p>")
    assert split.replace("<!---->", "") == body.replace('<a href="' + "&amp;" * 9000 + '">', "<a>")
    assert nh3.clean("<p>a<!---->b</p>") == "<p>ab</p>"
    # Script content is dropped by the sanitizer anyway; <plaintext> cannot be closed.
    assert md._split_long_text_runs("<script>" + "&" * 5000) == "<script>" + "&" * 5000
    assert md._split_long_text_runs("<plaintext>" + "&" * 5000).startswith("&lt;plaintext&gt;")


def test_a_tag_with_a_huge_number_of_ampersands_loses_its_attributes() -> None:
    html = render("[a](" + "&" * 9000 + ") [b](/x?y=1&z=2)")
    assert html == (
        '<p><a rel="nofollow noopener ugc">a</a> '
        '<a href="/x?y=1&amp;z=2" rel="nofollow noopener ugc">b</a></p>'
    )


def test_serializer_gives_the_stock_html() -> None:
    for name, text in list(markdown_corpus.corpus(3000).items())[:60]:
        source = md._normalize_source(text)
        current = md._engine()
        current.math.begin(source, "")
        try:
            current.md.reset()
            root = current.md.parser.parseDocument(
                current.md.preprocessors["normalize_whitespace"].run(source.split("\n"))
            ).getroot()
            for treeprocessor in current.md.treeprocessors:
                root = treeprocessor.run(root) or root
        finally:
            current.math.end()
        assert linear.to_html_string(root) == stock_to_html_string(root), name


# --------------------------------------------------------------------------------------------
# Preprocessors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "lines"),
    [
        (lambda: md._RuleBreakPreprocessor(None), ["a", "-", "b", "---", "c", "=", "", "d"]),
        (lambda: md._RuleBreakPreprocessor(None), ["x"] * 100),
        (lambda: md._NestedListPreprocessor(None), ["a", "  b", "    c"]),
    ],
)
def test_preprocessors_without_candidate_lines_pass_lines_through(
    make: Callable[[], Any], lines: list[str]
) -> None:
    out = make().run(list(lines))
    # Only blank lines are ever added, never more than one per input line.
    assert [line for line in out if line] == [line for line in lines if line]
    assert len(out) <= 2 * len(lines)


def test_math_placeholder_split_by_emphasis_is_dropped_not_leaked() -> None:
    # Python-Markdown's emphasis eats the character after "*b**b*"; there that is the "m" of
    # the formula's placeholder, whose random part must not reach the page.
    first = render("*b**b*$x$ and $y$")
    assert first == render("*b**b*$x$ and $y$")
    assert not re.search(r"[0-9a-f]{20}i", first)
    assert first.count("<math") == 1


def test_attribute_rules_on_the_sanitized_html_match_an_nh3_attribute_callback() -> None:
    # The attribute rules (_main_attribute_filter) run over nh3's output instead of inside nh3;
    # a cleaner with the rules as its callback must give the very same HTML.
    from tests.test_markdown import HOSTILE

    with_callback = nh3.Cleaner(
        attribute_filter=md._main_attribute_filter, **md._MAIN_CLEANER_OPTIONS
    )
    extra = [
        '<h3 id="p1-h-ok">a</h3><h4 id="h-x">b</h4><h5 id="p1-h">c</h5><h6 id="">d</h6>',
        '<a href="java\tscript:x">a</a><a href="HTTPS://x.org">b</a><a href=" /rel">c</a>',
        '<img src="/x.png" alt="a"><img src="HTTP://e.org/a.png"><img src=" https://e.org/b">',
        '<a title="x>y" href="mailto:a@b.kr">m</a><img alt="&quot;&lt;" src="https://e/&amp;">',
        '<a href="&#106;avascript:x" title="t">j</a><a href="http://x.org/?a=1&amp;b=2">q</a>',
        '<p>text a href="javascript:x" id="y" &lt;h3 id="z"&gt;</p>',
    ]
    for prefix in ("", "p1-"):
        for text in [*HOSTILE, *extra]:
            source = md._normalize_source(text)
            current = md._engine()
            current.math.begin(source, prefix)
            md._local.id_prefix = prefix
            try:
                body = current.md.reset().convert(source)
            finally:
                current.math.end()
            for html_in in (body, text):
                assert md._sanitize(html_in, prefix) == with_callback.clean(html_in), html_in


# --------------------------------------------------------------------------------------------
# Budgets for the expensive converters
# --------------------------------------------------------------------------------------------


def test_formulas_past_the_math_budget_show_their_source() -> None:
    text = " ".join(f"$x_{{{i}}}$" for i in range(2000))
    html = render(text)
    converted = md.MAX_MATH_COST // md._MIN_FORMULA_COST  # each formula counts 8 characters
    assert html.count("<math") == converted
    assert html.count('<code class="math-source">') == 2000 - converted
    assert f'<code class="math-source">$x_{{{converted}}}$</code>' in html
    assert html == render(text)
    # Repeated formulas cost nothing more, and ordinary sections are far from the budget.
    assert render(" ".join(["$x_{1}$"] * 5000)).count("<math") == 5000
    for review in REVIEWS:
        for key in markdown_corpus.SECTIONS:
            assert "math-source" not in render(review.get(key) or "")


def test_code_past_the_highlight_budget_is_plain() -> None:
    blocks = [f"```python\nx = {i}\n```" for i in range(600)]
    html = render("\n\n".join(blocks))
    per_block = len("x = 100") + linear._BLOCK_HIGHLIGHT_COST
    assert 250 <= html.count('class="codehilite"') <= linear.MAX_HIGHLIGHT_COST // per_block + 100
    assert html.count("<pre><code>x = 599\n</code></pre>") == 1
    # Within the budget, highlighted as before.
    assert same_as_stock("\n\n".join(blocks[:100]))
    # A block repeated (rendered once) is highlighted, or not, as its first time.
    again = render("\n\n".join(blocks + blocks[:1] + blocks[-1:]))
    assert again.count('class="codehilite"') == html.count('class="codehilite"') + 1
    assert again.count("<pre><code>x = 599\n</code></pre>") == 2
    indented = [f"p\n\n    x = {i}" for i in range(600)]
    html = render("\n\n".join(indented + indented[:1] + indented[-1:]))
    assert html.count("<pre><code>x = 599\n</code></pre>") == 2
    assert same_as_stock("\n\n".join(indented[:50] * 2))


def test_code_blocks_do_not_count_as_open_raw_tags() -> None:
    html = render("\n\n".join(["```\ncode\n```"] * 200 + ["<div>"] * 70))
    assert html.count('<div class="codehilite">') == 200
    assert html.count("&lt;div&gt;") == 70 - linear.MAX_OPEN_RAW_TAGS


def test_tables_have_no_line_breaks_between_rows_and_cells() -> None:
    html = render("| a | b |\n|---|:-:|\n| 1 | 2 |\n| 3 | 4 |")
    assert html == (
        '<table><thead><tr><th>a</th><th align="center">b</th></tr></thead><tbody>'
        '<tr><td>1</td><td align="center">2</td></tr><tr><td>3</td>'
        '<td align="center">4</td></tr></tbody></table>'
    )


@pytest.mark.parametrize("enabled", [True, False])
def test_rendering_leaves_the_cycle_collector_as_it_was(enabled: bool) -> None:
    import gc

    (gc.enable if enabled else gc.disable)()
    try:
        render("# a\n\n*b* `c` $d$")
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


# --------------------------------------------------------------------------------------------
# Faster versions of our own processors, against the straightforward ones they replace
# --------------------------------------------------------------------------------------------


def _rule_breaks_line_by_line(lines: list[str]) -> list[str]:
    out: list[str] = []
    previous = ""
    for index, line in enumerate(lines):
        out.append(line)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        ends_block = md._RULE_LINE_RE.fullmatch(line) or (
            previous.strip() and md._UNDERLINE_RE.fullmatch(line)
        )
        if ends_block and following.strip():
            out.append("")
        previous = line
    return out


def test_rule_breaks_look_only_at_candidate_lines() -> None:
    rng = random.Random(15)
    parts = ["-", "--", "---", "- - -", "***", "* * *", "___", "=", "==", "= ", "- ", "a", ""]
    parts += [" ", "   ---", "    ---", "-- -", "*", "_ _ _", "=a", "x", "\xa0", " \u3000", "\f"]
    preprocessor = md._RuleBreakPreprocessor(None)
    for _ in range(5000):
        lines = [rng.choice(parts) for _ in range(rng.randint(1, 12))]
        assert preprocessor.run(list(lines)) == _rule_breaks_line_by_line(lines), lines


def _nested_lists_with_format(lines: list[str]) -> list[str]:
    out: list[str] = []
    stack: list[tuple[int, int, int]] = []
    previous_blank = True
    for line in lines:
        stripped = line.lstrip(" ")
        if not stripped:
            out.append(line)
            previous_blank = True
            continue
        indent = len(line) - len(stripped)
        item = md._LIST_ITEM_RE.fullmatch(line)
        if item and (stack or indent < 4):
            while stack and indent < stack[-1][0] + 2:
                stack.pop()
            depth = min(stack[-1][2] + 1, md._MAX_LIST_DEPTH) if stack else 0
            marker, gap, rest = item.group(2), item.group(3), item.group(4)
            stack.append((indent, indent + len(marker) + len(gap), depth))
            out.append(f"{' ' * (4 * depth)}{marker}{gap}{rest}")
        elif stack and indent > 0:
            while stack and indent < stack[-1][0] + 2:
                stack.pop()
            if stack:
                _, content, depth = stack[-1]
                out.append(f"{' ' * (4 * (depth + 1) + max(0, indent - content))}{stripped}")
            else:
                out.append(line)
        else:
            if previous_blank:
                stack.clear()
            out.append(line)
        previous_blank = False
    return out


def test_nested_list_reindenting_keeps_top_level_items_as_they_are() -> None:
    rng = random.Random(16)
    parts = ["- ", "* ", "+ ", "1. ", "12. ", "-  ", "1.  ", "", "a", "b c", "- - ", "1. - "]
    preprocessor = md._NestedListPreprocessor(None)
    for _ in range(5000):
        lines = [
            " " * rng.randint(0, 9) + rng.choice(parts) + rng.choice(["x", "", "y z"])
            for _ in range(rng.randint(1, 12))
        ]
        assert preprocessor.run(list(lines)) == _nested_lists_with_format(lines), lines
    assert preprocessor.run(["plain", "  text"]) == ["plain", "  text"]


def _table_test_by_splitting(table: Any, parent: Any, block: str) -> bool:
    lines = block.split("\n", 2)
    if len(lines) < 2 or not set(lines[1].strip(" ")) <= md._TABLE_SEPARATOR_CHARS:
        return False
    if not TableProcessor.test(table, parent, "\n".join(lines[:2])):
        return False
    return not (
        len(table.separator) == 1
        and len(lines) == 3
        and md._LINE_WITHOUT_PIPE_RE.search(lines[2]) is not None
    )


def test_table_test_reads_only_its_first_lines() -> None:
    table = processor("table", "block")
    parent = etree.Element("div")
    rng = random.Random(17)
    parts = ["|", "a", " ", "-", ":", "|-|", "a|b", "---", "| a |", "\\|", "`|`"]
    for _ in range(5000):
        block = "\n".join(
            "".join(rng.choice(parts) for _ in range(rng.randint(0, 4)))
            for _ in range(rng.randint(1, 4))
        )
        assert table.test(parent, block) == _table_test_by_splitting(table, parent, block), block
