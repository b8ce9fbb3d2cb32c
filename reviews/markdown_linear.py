"""Linear-time stand-ins for the Python-Markdown processors that are slow for their input size.

``install`` puts these in place of the stock processors of ``reviews.markdown``'s engine.  They
give the same HTML as the processors they replace (tests/test_markdown_guards.py renders
generated documents, the demo reviews and the pathological corpus of tests/markdown_corpus.py
both ways and compares), but do their work in time proportional to the text; `make bench` times
the corpus.  The exceptions are limits no review comes near: quotes and lists nested deeper than
``MAX_NESTING``, more than ``MAX_OPEN_RAW_TAGS`` unclosed raw HTML tags, more code than
``MAX_HIGHLIGHT_COST`` to highlight, more than ``MAX_INLINE_ELEMENTS`` inline elements (the
rest of the text shows as typed), a fence's ``hl_lines="..."`` running over several lines;
and tables carry no line breaks between their cells.  By stage:

* Inline: ``LinearInlineProcessor`` applies each inline pattern in one left-to-right pass per
  text instead of rebuilding the whole text after every match (100 KB of ``\\(`` was 50,000
  copies of 100 KB), skips patterns whose trigger character does not occur, and shares the
  list of ancestors between elements.  Links, images and references find their closing ``]``
  and ``)`` in an index of the text's brackets, parentheses and quotes, built once per pass
  (the stock scan from every ``[a](`` to the end of the text was quadratic); code spans look
  closing backtick runs up in an index of the runs; emphasis searches its delimiters with a
  regex and builds the common ``*x*`` directly.  A pattern is skipped where its regex finds
  nothing (or, for references, where the document defines no link), and a text in which no
  pattern's trigger occurs is left alone.
* Blocks: the block parser keeps its blocks in a ``BlockQueue`` (the stock list moved every
  block on each ``pop(0)``); a block that can only be a paragraph skips a dozen tests; every
  heading of a block, and every link definition, is taken in one call instead of one call
  (and a copy of the rest of the block) each; quotes and lists nest at most ``MAX_NESTING``
  deep; fences without a closing fence are skipped at once, and a fenced block repeated in a
  document is rendered once; a short block repeated thousands of times skips the processors
  that refused it before (their tests look at the block alone).
* Trees: heading ids without serializing each heading or building the unused table of
  contents, with a free ``_N`` suffix found in amortized constant time; the prettifier tests
  block-level tags in a set; the serializer does less per element.
* Output: Pygments lexers and formatters are made once per set of options, and one section's
  highlighting is capped (``MAX_HIGHLIGHT_COST``); raw HTML beyond ``MAX_OPEN_RAW_TAGS``
  unclosed tags stays text, so that the sanitizer's parser does not see deep nesting.

The stock inline processor sees the text with earlier matches already replaced by placeholders
ending in ETX (``\\x03``); the linear one sees the original text.  That only matters to a
lookbehind at the position right after a replaced match, so there the patterns with a
lookbehind use a copy of their regex with the lookbehind evaluated for ETX (``etx_variant``).
"""

from __future__ import annotations

import bisect
import html
import html.entities
import re
import threading
import xml.etree.ElementTree as etree
from collections import OrderedDict, deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from markdown import util
from markdown.blockparser import BlockParser
from markdown.blockprocessors import (
    BlockProcessor,
    BlockQuoteProcessor,
    CodeBlockProcessor,
    EmptyBlockProcessor,
    HashHeaderProcessor,
    HRProcessor,
    ListIndentProcessor,
    OListProcessor,
    ReferenceProcessor,
    SetextHeaderProcessor,
)
from markdown.extensions.attr_list import (
    AttrListExtension,
    get_attrs_and_remainder,
    sanitize_name,
)
from markdown.extensions.codehilite import (
    CodeHilite,
    CodeHiliteExtension,
    HiliteTreeprocessor,
    parse_hl_lines,
)
from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markdown.extensions.toc import (
    IDCOUNT_RE,
    TocTreeprocessor,
    remove_fnrefs,
    render_inner_html,
    strip_tags,
)
from markdown.inlinepatterns import (
    AutomailInlineProcessor,
    BacktickInlineProcessor,
    DelimiterProcessor,
    HtmlInlineProcessor,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.inlinepatterns import (
    InlineProcessor as InlinePattern,
)
from markdown.postprocessors import RawHtmlPostprocessor
from markdown.preprocessors import Preprocessor
from markdown.serializers import (
    BOOLEAN_ATTRIBUTES,
    HTML_EMPTY,
    _escape_attrib_html,
    _escape_cdata,
)
from markdown.serializers import to_html_string as stock_to_html_string
from markdown.treeprocessors import (
    InlineProcessor,
    PrettifyTreeprocessor,
    UnescapeTreeprocessor,
)
from pygments import highlight
from pygments.formatters import get_formatter_by_name
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

if TYPE_CHECKING:
    import markdown

pygments_available = True

# --------------------------------------------------------------------------------------------
# Lookbehinds right after a placeholder
# --------------------------------------------------------------------------------------------

# A lookbehind group: "(?<!" or "(?<=", then escapes, classes or plain characters, then ")".
_LOOKBEHIND_RE = re.compile(r"\(\?<[!=](?:\\.|\[(?:\\.|[^\]\\])*\]|[^()\\\[])*\)")


def etx_variant(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` with its lookbehinds as they evaluate right after a placeholder.

    Every lookbehind in the patterns this is used for either rejects a character that ETX is
    not (``(?<!\\\\)``, ``(?<![\\s*])``, ``(?<!^)``) or is an alternative to one that does
    (``(?:(?<=_)|(?<![\\w*]))``), so after ETX each of them holds and can simply be dropped.
    tests/test_markdown_guards.py checks this against the stock regex on text behind ETX.
    """
    if not _LOOKBEHIND_RE.search(pattern.pattern):
        return None
    return re.compile(_LOOKBEHIND_RE.sub("", pattern.pattern), pattern.flags)


# --------------------------------------------------------------------------------------------
# Inline patterns in one pass per text
# --------------------------------------------------------------------------------------------

# Substrings without which a pattern's regex cannot match, by pattern name; a pattern not named
# here is always tried.  Pinned by a test against the registered patterns' regexes.
TRIGGERS: dict[str, tuple[str, ...]] = {
    "backtick": ("`",),
    "escape": ("\\",),
    "reference": ("[",),
    "link": ("[",),
    "image_link": ("![",),
    "image_reference": ("![",),
    "short_reference": ("[",),
    "short_image_ref": ("![",),
    "autolink": ("<",),
    "automail": ("<",),
    "linebreak": ("  \n",),
    "html": ("<",),
    "entity": ("&",),
    "em_strong": ("*", "_"),
}


# Inline elements (emphasis, code spans, links, raw tags, escapes, line breaks...) made in one
# document; past this many, the rest of the document's text is shown as it was typed.  Each
# costs some 10 µs through to the sanitizer; the densest demo section has 6 per KB, so a
# 100 KB section of real text would have 600, and only text made of nothing but markup (100 KB
# of "*_" makes 34,000) comes near.
MAX_INLINE_ELEMENTS = 10_000


class _Ancestors:
    """The tags above a text, as an immutable chain: copying it (for every element, in the
    stock code ``ancestors[:]``) is free, so 25,000 nested ``<strong>`` are not quadratic."""

    __slots__ = ("children", "parent", "tag", "tags")

    def __init__(self, tag: str | None = None, parent: _Ancestors | None = None) -> None:
        self.parent = parent
        self.tag = tag
        inherited: frozenset[str] = parent.tags if parent is not None else frozenset()
        self.tags = inherited if tag is None or tag in inherited else inherited | {tag}
        self.children: dict[str, _Ancestors] | None = None

    def push(self, tag: str) -> _Ancestors:
        # Shared: 16,000 table cells under one kind of row make one chain.
        children = self.children
        if children is None:
            children = self.children = {}
        chain = children.get(tag)
        if chain is None:
            chain = children[tag] = _Ancestors(tag, self)
        return chain

    def __contains__(self, tag: object) -> bool:
        return tag in self.tags

    @classmethod
    def of(cls, tags: list[str]) -> _Ancestors:
        chain = cls()
        for tag in tags:
            chain = chain.push(tag)
        return chain


# Texts up to this long have the patterns to try remembered.
_SHORT_TEXT = 64


class LinearInlineProcessor(InlineProcessor):
    """Python-Markdown's inline treeprocessor with each pattern applied in a single pass.

    The stock ``__applyPattern`` handles one match, rebuilds the text around a placeholder and
    starts again; with thousands of matches in one paragraph that is quadratic.  Here each
    pattern walks its matches left to right over an unchanging text and the new text is joined
    once.  The rest follows the stock code line by line, with the list scans that made large
    paragraphs quadratic (``list.index``, ``list.pop(0)``, ``str +=`` in a loop) replaced.
    """

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self._compiled: list[tuple[InlinePattern, tuple[str, ...] | None, Any]] = []
        self._registry_state: object = None
        self._all_triggers: re.Pattern[str] | None = None
        self._searchable: set[InlinePattern] = set()
        self._candidates: dict[str, tuple[int, ...]] = {}
        # Counters for the tests: pattern passes run, and texts skipped without any pass.
        self.passes = 0

    # -- pattern table ---------------------------------------------------------------------

    def _refresh_patterns(self) -> None:
        """Snapshot the registered patterns (once per run: the registry does not change)."""
        registry = self.inlinePatterns
        registry._sort()
        state = tuple((p.name, p.priority, id(registry[p.name])) for p in registry._priority)
        if state == self._registry_state:
            return
        compiled = []
        for name in [p.name for p in registry._priority]:
            pattern = registry[name]
            variant = None
            if isinstance(pattern, InlinePattern) and not isinstance(pattern, DelimiterProcessor):
                variant = etx_variant(pattern.getCompiledRegExp())
            compiled.append((pattern, TRIGGERS.get(name), variant))
        self._compiled = compiled
        self._registry_state = state
        # Patterns whose pass starts with a plain search of their regex from the start.
        self._searchable = {
            pattern
            for pattern, _, _ in compiled
            if isinstance(pattern, InlinePattern) and not isinstance(pattern, DelimiterProcessor)
        }
        # One search that rules out every pattern at once, when all of them have triggers.
        triggers = [t for _, ts, _ in compiled if ts is not None for t in ts]
        self._all_triggers = (
            re.compile("|".join(re.escape(t) for t in sorted(set(triggers))))
            if all(ts is not None for _, ts, _ in compiled)
            else None
        )

    # -- the stock private methods, replaced -------------------------------------------------

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802
        patterns = self._compiled
        if patternIndex >= len(patterns) or isinstance(data, util.AtomicString):
            return data
        if len(self.stashed_nodes) >= MAX_INLINE_ELEMENTS:
            return data  # over the budget: the rest of the document is plain text
        if self._all_triggers is not None and not self._all_triggers.search(data):
            return data
        # The patterns with a trigger in the text, looked up once per distinct short text
        # (table cells repeat); placeholders never add a trigger, so after a pass changed the
        # text, only these can still have one.
        candidates = self._candidates.get(data) if len(data) <= _SHORT_TEXT else None
        if candidates is None:
            candidates = self._with_triggers(data)
            if len(data) <= _SHORT_TEXT:
                self._candidates[data] = candidates
        references = self.md.references
        changed = False
        for index in candidates:
            if index < patternIndex:
                continue
            pattern, triggers, variant = patterns[index]
            if changed and triggers is not None:
                for trigger in triggers:
                    if trigger in data:
                        break
                else:
                    continue
            if not references and isinstance(pattern, ReferenceInlineProcessor):
                continue  # makes nothing without a link definition: "[a][b]" stays as typed
            if pattern in self._searchable and not pattern.compiled_re.search(data):
                continue  # no match anywhere: the pass would find nothing
            applied = self._apply_pattern(pattern, variant, data, index)
            if applied is not data:
                changed = True
                data = applied
        return data

    def _with_triggers(self, data: str) -> tuple[int, ...]:
        found = []
        for index, (_, triggers, _) in enumerate(self._compiled):
            if triggers is not None:
                for trigger in triggers:
                    if trigger in data:
                        break
                else:
                    continue
            found.append(index)
        return tuple(found)

    def _apply_pattern(
        self, pattern: InlinePattern, variant: re.Pattern[str] | None, data: str, index: int
    ) -> str:
        for exclude in pattern.ANCESTOR_EXCLUDES:
            if exclude.lower() in self.ancestors:
                return data
        if not isinstance(pattern, InlinePattern):  # pragma: no cover - no old-style patterns
            return self._stock_passes(pattern, data, index)
        self.passes += 1
        last = len(self._compiled)
        regex = pattern.getCompiledRegExp()
        delimiter = pattern if isinstance(pattern, LinearDelimiterProcessor) else None
        stashed = self.stashed_nodes
        pieces: list[str] = []
        consumed = 0  # data[consumed:] is not in pieces yet
        search = 0  # where the stock loop would search next (in data's coordinates)
        after_placeholder = -1  # position right after the last placeholder
        shift = 0  # stock position - our position, from the placeholders so far
        length = len(data)
        while len(stashed) < MAX_INLINE_ELEMENTS:
            if variant is not None and search == after_placeholder:
                first = variant.match(data, search)
                candidates: Iterator[re.Match[str]] = (
                    _chain_one(first, regex.finditer(data, first.end()))
                    if first
                    else regex.finditer(data, search)
                )
            else:
                candidates = regex.finditer(data, search)
            if delimiter is not None:
                delimiter.position_context(after_placeholder, shift)
            node = None
            start = end = None
            for match in candidates:
                node, start, end = pattern.handleMatch(match, data)
                if start is not None and end is not None:
                    break
            if start is None or end is None:
                break
            if end < 0:
                end += length  # the stock code slices data[end:]
            if node is None:
                search = end
                continue
            # Defensive: a match that reaches back into replaced text cannot be mirrored
            # without the rebuilt text; keep the text as it is there instead.
            start = max(start, consumed)
            end = max(end, start)
            if not isinstance(node, str) and not isinstance(node.text, util.AtomicString):
                for child in [node, *node]:
                    if child.text and index + 1 < last:
                        outer = self.ancestors
                        self.ancestors = outer.push(child.tag.lower())
                        child.text = self._InlineProcessor__handleInline(child.text, index + 1)
                        self.ancestors = outer
                    if child.tail:
                        child.tail = self._InlineProcessor__handleInline(child.tail, index)
            # __stashNode, inlined.
            placeholder = _PLACEHOLDER % (len(stashed),)
            stashed[placeholder[_PLACEHOLDER_ID]] = node
            pieces.append(data[consumed:start])
            pieces.append(placeholder)
            shift += len(placeholder) - (end - start)
            consumed = search = after_placeholder = end
        if not pieces:
            return data
        pieces.append(data[consumed:])
        return "".join(pieces)

    def _stock_passes(self, pattern: Any, data: str, index: int) -> str:  # pragma: no cover
        start = 0
        while True:
            data, matched, start = self._InlineProcessor__applyPattern(pattern, data, index, start)
            if not matched:
                return data

    def _InlineProcessor__processPlaceholders(  # noqa: N802
        self,
        data: str | None,
        parent: etree.Element,
        isText: bool = True,  # noqa: N803
    ) -> list[tuple[etree.Element, list[str]]]:
        result: list[tuple[etree.Element, list[str]]] = []
        pending: list[str] = []

        def flush() -> None:
            # The stock linkText() appends each piece as it comes; appending them all at once
            # gives the same string (and keeps an AtomicString when it is the only piece).
            if not pending:
                return
            text = pending[0] if len(pending) == 1 else "".join(pending)
            pending.clear()
            if result:
                owner = result[-1][0]
                owner.tail = owner.tail + text if owner.tail else text
            elif not isText:
                parent.tail = parent.tail + text if parent.tail else text
            else:
                parent.text = parent.text + text if parent.text else text

        prefix = self._InlineProcessor__placeholder_prefix
        start_index = 0
        while data:
            index = data.find(prefix, start_index)
            if index != -1:
                id, ph_end = self._InlineProcessor__findPlaceholder(data, index)
                if id in self.stashed_nodes:
                    node = self.stashed_nodes.get(id)
                    if index > 0:
                        text = data[start_index:index]
                        if text:
                            pending.append(text)
                    if not isinstance(node, str):
                        self._process_node_texts(node)
                    else:
                        if node:
                            pending.append(node)
                        start_index = ph_end
                        continue
                    start_index = ph_end
                    flush()
                    result.append((node, self.ancestors))
                else:
                    end = index + len(prefix)
                    text = data[start_index:end]
                    if text:
                        pending.append(text)
                    start_index = end
            else:
                text = data[start_index:]
                if isinstance(data, util.AtomicString):
                    text = util.AtomicString(text)
                if text:
                    pending.append(text)
                data = ""
        flush()
        return result

    def _process_node_texts(self, node: etree.Element) -> None:
        # The stock loop over [node] + list(node) with __processElementText, which looked each
        # child up with list(node).index(child).  Everything inserted into ``node`` goes right
        # after the child being processed (or at 0), so a running count gives the index.  A
        # text without a placeholder would come back unchanged, so it is left alone.
        prefix = self._InlineProcessor__placeholder_prefix
        inserted = 0
        for position, child in enumerate([node, *node]):
            tail = child.tail
            if tail and prefix in tail and tail.strip():
                at = 0 if child is node else position + inserted
                inserted += self._process_element_text(node, child, False, at)
            text = child.text
            if text and prefix in text and text.strip():
                added = self._process_element_text(child, child, True, 0)
                if child is node:
                    inserted += added

    def _process_element_text(
        self, node: etree.Element, subnode: etree.Element, is_text: bool, position: int
    ) -> int:
        if is_text:
            text = subnode.text
            subnode.text = None
        else:
            text = subnode.tail
            subnode.tail = None
        child_result = self._InlineProcessor__processPlaceholders(text, subnode, is_text)
        for new_child in reversed(child_result):
            node.insert(position, new_child[0])
        return len(child_result)

    def _InlineProcessor__processElementText(  # noqa: N802
        self,
        node: etree.Element,
        subnode: etree.Element,
        isText: bool = True,  # noqa: N803
    ) -> None:  # pragma: no cover - every caller is replaced above
        position = 0 if isText or node is subnode else list(node).index(subnode) + 1
        self._process_element_text(node, subnode, isText, position)

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        self._refresh_patterns()
        self._candidates = {}
        self.stashed_nodes: dict[str, etree.Element | str] = {}
        tree_parents = [] if ancestors is None else ancestors[:]
        # The stock code maps every element to its parent, only to find the tree's own
        # ancestors (none: it is the root); nothing reads the map.
        self.parent_map: dict[etree.Element, etree.Element] = {}
        self._InlineProcessor__build_ancestors(tree, tree_parents)
        stack: deque[tuple[etree.Element, _Ancestors]] = deque(
            [(tree, _Ancestors.of(tree_parents))]
        )

        prefix = self._InlineProcessor__placeholder_prefix
        # A text in which no pattern can match is left as it is, without the steps around it.
        all_triggers = self._all_triggers
        while stack:
            current, parents = stack.popleft()
            # The ancestors of current's children, made when first needed.
            mine = parents if current is tree else None
            insert_queue = []
            # Children inserted after ``child`` below are visited too, as in the stock loop.
            position = 0
            while position < len(current):
                child = current[position]
                text = child.text
                if (
                    text
                    and not isinstance(text, util.AtomicString)
                    and (all_triggers is None or all_triggers.search(text) or prefix in text)
                ):
                    if mine is None:
                        mine = parents.push(current.tag.lower())
                    self.ancestors = mine.push(child.tag.lower())
                    child.text = None
                    handled = self._InlineProcessor__handleInline(text)
                    if prefix in handled:
                        lst = self._InlineProcessor__processPlaceholders(handled, child)
                        # An element without children would only be visited to find none.
                        stack.extend(item for item in lst if len(item[0]))
                        insert_queue.append((child, lst))
                    else:
                        # Without a placeholder __processPlaceholders only sets the text.
                        child.text = handled or None
                tail = child.tail
                if tail and (all_triggers is None or all_triggers.search(tail) or prefix in tail):
                    if mine is None:
                        mine = parents.push(current.tag.lower())
                    self.ancestors = mine
                    tail = self._InlineProcessor__handleInline(tail)
                    if prefix in tail:
                        dummy = etree.Element("d")
                        child.tail = None
                        tail_result = self._InlineProcessor__processPlaceholders(tail, dummy, False)
                        if dummy.tail:
                            child.tail = dummy.tail
                        for new_child in reversed(tail_result):
                            current.insert(position + 1, new_child[0])
                    else:
                        child.tail = tail or None
                if len(child):
                    if mine is None:
                        mine = parents.push(current.tag.lower())
                    stack.append((child, mine))
                position += 1

            for element, lst in insert_queue:
                for i, obj in enumerate(lst):
                    element.insert(i, obj[0])
        return tree


# InlineProcessor.__makePlaceholder: the id is the slice _PLACEHOLDER_ID of the placeholder.
_PLACEHOLDER = util.INLINE_PLACEHOLDER.replace("%s", "%04d")
_PLACEHOLDER_ID = slice(len(util.INLINE_PLACEHOLDER_PREFIX), -len(util.ETX))


def _chain_one(first: re.Match[str], rest: Iterator[re.Match[str]]) -> Iterator[re.Match[str]]:
    yield first
    yield from rest


# --------------------------------------------------------------------------------------------
# Brackets, parentheses and quotes of one text, indexed once
# --------------------------------------------------------------------------------------------

_LINK_SPECIAL_RE = re.compile(r"[()'\"]")
_BRACKET_RE = re.compile(r"[\[\]]")


class _TextIndex:
    """Where each ``[`` closes, and the parentheses and quotes of one text."""

    def __init__(self, data: str) -> None:
        self.data = data
        self._brackets: dict[int, int] | None = None
        self._links: _LinkIndex | None = None

    def bracket_close(self, index: int) -> int:
        """Position of the ``]`` closing the ``[`` at ``index - 1``, or -1."""
        if self._brackets is None:
            closes: dict[int, int] = {}
            stack: list[int] = []
            for match in _BRACKET_RE.finditer(self.data):
                if match.group() == "[":
                    stack.append(match.start())
                elif stack:
                    closes[stack.pop()] = match.start()
            self._brackets = closes
        return self._brackets.get(index - 1, -1)

    @property
    def links(self) -> _LinkIndex:
        if self._links is None:
            self._links = _LinkIndex(self.data)
        return self._links


class _LinkIndex:
    """Answers the stock ``LinkInlineProcessor.getLink`` scan without scanning.

    The stock scan starts after ``(`` with a depth of 1 and, until it meets a quote, closes at
    the ``)`` that brings the depth to 0: the parenthesis matching that ``(``.  From the first
    quote on, it closes only at a ``)`` whose previous non-space character is a quote of the
    kind seen again since that first quote, and otherwise falls back to the ``)`` (or ``(``)
    that uses up the depth it had on meeting the quote.  All of these are looked up here.
    """

    def __init__(self, data: str) -> None:
        self.data = data
        positions: list[int] = []
        chars: list[str] = []
        for match in _LINK_SPECIAL_RE.finditer(data):
            positions.append(match.start())
            chars.append(match.group())
        self.positions = positions
        self.chars = chars
        count = len(positions)
        # depth[i]: "(" minus ")" among specials before i.
        depth = [0] * (count + 1)
        close = [-1] * count  # matching ")" (special index) of each "("
        next_quote = [count] * (count + 1)  # first quote at or after i
        opened: list[int] = []
        running = 0
        for i, char in enumerate(chars):
            depth[i] = running
            if char == "(":
                running += 1
                opened.append(i)
            elif char == ")":
                running -= 1
                if opened:
                    close[opened.pop()] = i
        depth[count] = running
        for i in range(count - 1, -1, -1):
            next_quote[i] = i if chars[i] in "'\"" else next_quote[i + 1]
        self.depth = depth
        self.close = close
        self.next_quote = next_quote
        self.parens = [i for i, char in enumerate(chars) if char in "()"]
        self.quotes = {q: [i for i, char in enumerate(chars) if char == q] for q in "'\""}
        # ")" whose previous non-space character is a quote, by that quote; with the special
        # index of that quote (increasing along each list).
        closers: dict[str, tuple[list[int], list[int]]] = {"'": ([], []), '"': ([], [])}
        for i, char in enumerate(chars):
            if char != ")":
                continue
            j = positions[i] - 1
            while j >= 0 and data[j] == " ":
                j -= 1
            if j >= 0 and data[j] in "'\"" and i > 0 and positions[i - 1] == j:
                closers[data[j]][0].append(i)
                closers[data[j]][1].append(i - 1)
        self.closers = closers

    def special_at(self, position: int) -> int:
        i = bisect.bisect_left(self.positions, position)
        return i if i < len(self.positions) and self.positions[i] == position else -1

    def _after(self, items: list[int], after: int) -> int:
        i = bisect.bisect_right(items, after)
        return items[i] if i < len(items) else -1

    def scan(self, open_special: int, start: int) -> tuple[str, str | None, int, bool]:
        """The stock scan from ``start``, just after the "(" that is special ``open_special``.

        Returns the raw href and title (before unescaping), the index after the link, and
        whether it closed.
        """
        data = self.data
        quote_at = self.next_quote[open_special + 1]
        closing = self.close[open_special]
        if closing != -1 and closing < quote_at:
            end = self.positions[closing]
            return data[start:end], None, end + 1, True
        if quote_at >= len(self.chars):
            return "", None, len(data), False
        quote = self.chars[quote_at]
        other = "'" if quote == '"' else '"'
        backtrack = 1 + self.depth[quote_at] - self.depth[open_special + 1]
        # Closing ")" after a repeated quote: after a second ``quote``, or after a second
        # ``other`` (the first ``other`` after the first quote starts the alternative title).
        first_other = self._after(self.quotes[other], quote_at)
        candidates = []
        closers, quote_specials = self.closers[quote]
        i = bisect.bisect_right(quote_specials, quote_at)
        if i < len(closers):
            candidates.append((closers[i], quote))
        if first_other != -1:
            closers, quote_specials = self.closers[other]
            i = bisect.bisect_right(quote_specials, first_other)
            if i < len(closers):
                candidates.append((closers[i], other))
        if candidates:
            closing, kind = min(candidates)
            end = self.positions[closing]
            title_end = self.positions[closing - 1]  # the quote right before ")"
            if kind == quote:
                title_start = self.positions[quote_at] + 1
            else:
                title_start = self.positions[first_other] + 1
            return data[start : title_start - 1], data[title_start:title_end], end + 1, True
        # No title closes: the depth on meeting the first quote, counted down by every
        # parenthesis after it, may still end the link.
        i = bisect.bisect_right(self.parens, quote_at) + backtrack - 1
        if i >= len(self.parens):
            return "", None, len(data), False
        special = self.parens[i]
        if self.chars[special] == ")":
            end = self.positions[special]
            return data[start:end], None, end + 1, True
        # Used up on a "(": the stock code then takes the text up to the last character but
        # one as the href and -1 as the end (kept as it is: it is what Python-Markdown does).
        return data[start:-2], None, -1, True


def _index_of(md: markdown.Markdown, data: str) -> _TextIndex:
    """The index of ``data``, kept on the (per-thread) Markdown instance for the last text: the
    text does not change during one pattern pass, so each pass builds it at most once."""
    index: _TextIndex | None = getattr(md, "_linear_text_index", None)
    if index is None or index.data is not data:
        index = _TextIndex(data)
        md._linear_text_index = index  # type: ignore[attr-defined]
    return index


class _LinearLinkMixin:
    """``getText``/``getLink`` of the stock link processors, through ``_TextIndex``."""

    RE_LINK: re.Pattern[str]
    md: markdown.Markdown

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:  # noqa: N802
        close = _index_of(self.md, data).bracket_close(index)
        if close == -1:
            return data[index:], max(index, len(data)), False
        return data[index:close], close + 1, True

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:  # noqa: N802
        m = self.RE_LINK.match(data, pos=index)
        if m and m.group(1):
            return super().getLink(data, index)  # type: ignore[misc]  # <href>: no scan
        if not m:
            return "", None, index, False
        links = _index_of(self.md, data).links
        href, title, end, handled = links.scan(links.special_at(m.start()), m.end())
        if title is not None:
            title = self.RE_TITLE_CLEAN.sub(" ", _dequote(self.unescape(title.strip())))
        return self.unescape(href).strip(), title, end, handled


def _dequote(string: str) -> str:
    if (string.startswith('"') and string.endswith('"')) or (
        string.startswith("'") and string.endswith("'")
    ):
        return string[1:-1]
    return string


class LinearLinkProcessor(_LinearLinkMixin, LinkInlineProcessor):
    pass


class LinearImageProcessor(_LinearLinkMixin, ImageInlineProcessor):
    pass


class LinearReferenceProcessor(_LinearLinkMixin, ReferenceInlineProcessor):
    pass


class LinearImageReferenceProcessor(_LinearLinkMixin, ImageReferenceInlineProcessor):
    pass


class LinearShortReferenceProcessor(_LinearLinkMixin, ShortReferenceInlineProcessor):
    pass


class LinearShortImageReferenceProcessor(_LinearLinkMixin, ShortImageReferenceInlineProcessor):
    pass


# --------------------------------------------------------------------------------------------
# Code spans
# --------------------------------------------------------------------------------------------

_BACKTICK_RUN_RE = re.compile(r"`+")


class _BacktickRuns:
    def __init__(self, data: str) -> None:
        self.data = data
        spans = [match.span() for match in _BACKTICK_RUN_RE.finditer(data)]
        self.starts = [start for start, _ in spans]
        self.ends = [end for _, end in spans]
        by_length: dict[int, list[int]] = {}
        for number, (start, end) in enumerate(spans):
            same = by_length.get(end - start)
            if same is None:
                by_length[end - start] = [number]
            else:
                same.append(number)
        self.by_length = by_length
        self._longest: list[tuple[int, int]] | None = None

    @property
    def longest(self) -> list[tuple[int, int]]:
        """longest[i]: (length, run) of the first longest run among runs i.. (or (0, -1))."""
        if self._longest is None:
            count = len(self.starts)
            longest = [(0, -1)] * (count + 1)
            for i in range(count - 1, -1, -1):
                length = self.ends[i] - self.starts[i]
                longest[i] = (length, i) if length >= longest[i + 1][0] else longest[i + 1]
            self._longest = longest
        return self._longest


class LinearBacktickProcessor(BacktickInlineProcessor):
    """The stock code-span pattern with ``find_code_spans`` answered from an index of runs."""

    def __init__(self, pattern: str) -> None:
        super().__init__(pattern)
        self._runs: _BacktickRuns | None = None

    def find_code_spans(self, start: int, text: str) -> tuple[int, int | None]:
        runs = self._runs
        if runs is None or runs.data is not text:
            runs = self._runs = _BacktickRuns(text)
        # The run holding ``start`` (the opener may begin inside a run, after a backslash).
        number = bisect.bisect_right(runs.starts, start) - 1
        if number < 0 or runs.ends[number] <= start:
            max_ticks, after = 0, start
            first = number + 1
        else:
            max_ticks, after = runs.ends[number] - start, runs.ends[number]
            first = number + 1
        same = runs.by_length.get(max_ticks, [])
        i = bisect.bisect_left(same, first)
        if max_ticks and i < len(same):
            return after, runs.starts[same[i]]
        longest, run = runs.longest[first]
        if 0 < longest < max_ticks:
            return after - (max_ticks - longest), runs.starts[run]
        return after + max_ticks, None


# --------------------------------------------------------------------------------------------
# Emphasis
# --------------------------------------------------------------------------------------------


class LinearDelimiterProcessor(DelimiterProcessor):
    """The stock ``*``/``_`` processor, searching with a regex and aware of placeholders.

    ``LinearInlineProcessor`` calls ``position_context`` before each match: where the last
    placeholder ended (a delimiter there is preceded by ETX in the stock text) and how far the
    stock text's positions are ahead of ours, which the stock cached-result path compares.
    """

    def __init__(self, token: str, tags: str, md: markdown.Markdown, **kwargs: Any) -> None:
        self._after_placeholder = -1
        self._shift = 0
        self._parse_shift = 0
        self._etx_boundaries: dict[str, re.Pattern[str]] = {}
        self._token_re = re.compile(r"(?!)")
        super().__init__(token, tags, md, **kwargs)

    def add(self, token: str, tags: str, smart: bool = False, double: bool = False) -> None:
        super().add(token, tags, smart, double)
        self._refresh()

    def remove(self, token: str) -> None:
        super().remove(token)
        self._refresh()

    def _refresh(self) -> None:
        self._etx_boundaries = {
            token: etx_variant(delim.boundary) or delim.boundary
            for token, delim in self.delimiters.items()
        }
        chars = "".join(re.escape(token) for token in self.delimiters)
        self._token_re = re.compile(f"[{chars}]") if chars else re.compile(r"(?!)")

    def position_context(self, after_placeholder: int, shift: int) -> None:
        self._after_placeholder = after_placeholder
        self._shift = shift

    def get_match(self, data: str, start: int) -> re.Match[str] | None:
        if start == self._after_placeholder:
            for token in self.delimiters:
                m = self._etx_boundaries[token].match(data, start)
                if m is not None:
                    return m
            return None
        return super().get_match(data, start)

    def search(self, data: str, start: int) -> re.Match[str] | None:
        # The stock loop tests every character; only delimiter characters can match.
        for found in self._token_re.finditer(data, start):
            i = found.start()
            d = self.delimiters[data[i]]
            m = d.boundary.match(data, i)
            if m is not None:
                if not d.stack and m.lastgroup[0] == "e":  # type: ignore[index]
                    continue
                return m
        return None

    def handleMatch(  # type: ignore[override]  # noqa: N802
        self, m: re.Match[str], data: str
    ) -> tuple[etree.Element | None, int | None, int | None]:
        if self.regions:
            # The stock code takes the offset from the difference between the position of
            # this match and the cached position, both in its rebuilt text, and has a special
            # case when they are equal; decide that case on the stock positions.
            position = m.start(0)
            equal = position + self._shift == self.cache_pos + self._parse_shift
            offset = position - (self.regions[self.cache_index][0] if equal else self.cache_pos)
            start, end = self.regions[self.cache_index][0], self.regions[self.cache_index][3]
            el, count = self._build_element(data, self.cache_index, offset)
            self.increment_next_position(start, count)
            return el, start + offset, end + offset
        self._parse_shift = self._shift
        pair = self._simple_pair(m, data)
        if pair is not None:
            return pair
        return super().handleMatch(m, data)

    def _simple_pair(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int] | None:
        """``*x*``, ``**x**`` (or with ``_``): an opening run of one or two that the next
        delimiter the stock search finds closes with a run of the same length (either may be
        ambiguous, as in ``a*b*c``: equal lengths pair before the rule of three is looked at).
        The stock code then builds exactly one region; this builds its element directly."""
        if self.stack or self.cache_index or self.cache_pos:
            return None  # pragma: no cover - all of these are reset between matches
        for d in self.delimiters.values():
            if d.stack:
                return None  # pragma: no cover
        opener = self.get_match(data, m.start(0))
        if opener is None or opener.lastgroup == "end":
            return None
        length = opener.end() - opener.start()
        token = data[opener.start()]
        delim = self.delimiters[token]
        if length > 2 or delim.tag_count != 2:
            return None
        delim.stack.append((opener.start(), opener.end(), False, length, length))
        inner = None
        try:
            closer = self.search(data, opener.end())
            if closer is not None and data[closer.start()] != token:
                # One run of the other delimiter inside (``*_*``): the stock code pushes it,
                # and pairing the outer run pops it again as it lies inside the new region.
                inner = self.delimiters[data[closer.start()]]
                inner.stack.append((closer.start(), closer.end(), True, 1, 1))
                closer = self.search(data, closer.end())
        finally:
            delim.stack.pop()
            if inner is not None:
                inner.stack.pop()
        if (
            closer is None
            or closer.lastgroup == "start"
            or data[closer.start()] != token
            or closer.end() - closer.start() != length
        ):
            return None
        el = etree.Element(delim.tags[0] if length == 2 else delim.tags[1])
        el.text = data[opener.end() : closer.start()]
        # The stock code ends with reset(); with no regions, stacks or cache left (all checked
        # or restored above) that changes nothing.
        return el, opener.start(), closer.end()


# --------------------------------------------------------------------------------------------
# Heading ids
# --------------------------------------------------------------------------------------------

_PLAIN_HEADING_RE = re.compile(r"[<>&\x02\x03]")
_HEADING_TAGS = frozenset(f"{h}{level}" for h in "hH" for level in range(1, 7))


class _FreeSuffixes:
    """``toc.unique`` with the search for a free ``_N`` suffix in amortized constant time.

    The stock function (even with its counters) tries ``base_1``, ``base_2``, ... one by one
    from the suffix the id already has, so headings repeating "a_5" took quadratic time.
    """

    def __init__(self, ids: set[str]) -> None:
        self.ids = ids
        self.jumps: dict[str, dict[int, int]] = {}
        self.parsed: dict[str, tuple[str, int]] = {}
        # id -> [base + "_", n, jumps of base] for the suffix it was last given: base_(count+1)
        # ... base_n were all taken then and stay taken, so the next search for that id starts
        # after n (50,000 empty headings, all "h-", each take one probe).
        self.last: dict[str, list[Any]] = {}

    def unique(self, id: str) -> str:
        ids = self.ids
        if id in ids or not id:
            last = self.last.get(id)
            if last is not None:
                n = last[1] + 1
                candidate = last[0] + str(n)
                if candidate not in ids:
                    last[1] = n
                    last[2][n] = n + 1
                    ids.add(candidate)
                    return candidate
            parsed = self.parsed.get(id)
            if parsed is None:
                m = IDCOUNT_RE.match(id)
                parsed = self.parsed[id] = (m.group(1), int(m.group(2))) if m else (id, 0)
            base, count = parsed
            jumps = self.jumps.get(base)
            if jumps is None:
                jumps = self.jumps[base] = {}
            n = count + 1
            path = []
            while True:
                if n in jumps:
                    path.append(n)
                    n = jumps[n]
                elif f"{base}_{n}" in ids:
                    path.append(n)
                    n += 1
                else:
                    break
            # base_(count+1) ... base_n are all taken once base_n is.
            for visited in path:
                jumps[visited] = n + 1
            jumps[n] = n + 1
            self.last[id] = [f"{base}_", n, jumps]
            id = f"{base}_{n}"
        ids.add(id)
        return id


class LinearTocTreeprocessor(TocTreeprocessor):
    """Heading ids as the stock toc extension gives them, without building a TOC.

    The stock ``run`` serializes every heading and runs the postprocessors on it to get its
    text, then builds and serializes the whole table of contents, which nothing here uses.
    A heading that is plain text (no child elements, placeholders or markup characters) has
    that text as its name; any other heading goes through the stock functions.
    """

    def run(self, doc: etree.Element) -> None:
        # Python-Markdown only makes h1-h6 (the stock code matches the tag with a regex).
        headings = [el for el in doc.iter() if el.tag in _HEADING_TAGS]
        self.md.toc_tokens = []
        self.md.toc = ""
        if not headings:
            return
        used_ids = {id for el in doc.iter() if (id := el.get("id")) is not None}
        suffixes = _FreeSuffixes(used_ids)
        slugify, sep, base_level = self.slugify, self.sep, self.base_level
        levels = {tag: f"h{min(int(tag[-1]) + base_level, 6)}" for tag in _HEADING_TAGS}
        slugs: dict[str, str] = {}
        plain = _PLAIN_HEADING_RE.search
        unique = suffixes.unique
        last_given = suffixes.last
        # Empty headings (no text, no children) all have one slug; where its last suffix is
        # (base_1 ... base_n taken) is kept at hand.  A stale copy only finds its next
        # candidate taken and asks unique().
        empty_slug: str | None = None
        empty_last: list[Any] | None = None
        for el in headings:
            el.tag = levels[el.tag]
            if el.get("data-toc-label") is not None:  # pragma: no cover - no attr_list here
                del el.attrib["data-toc-label"]
            if el.get("id") is not None:
                continue
            text = el.text
            if not text and not len(el):
                if empty_last is not None:
                    n = empty_last[1] + 1
                    candidate = empty_last[0] + str(n)
                    if candidate not in used_ids:
                        empty_last[1] = n
                        empty_last[2][n] = n + 1
                        used_ids.add(candidate)
                        el.set("id", candidate)
                        continue
                if empty_slug is None:
                    empty_slug = slugs.get("") or slugs.setdefault("", slugify("", sep))
                el.set("id", unique(empty_slug))
                empty_last = last_given.get(empty_slug)
                continue
            if len(el) == 0 and not plain(text):
                name = " ".join(text.split())
            else:
                name = strip_tags(render_inner_html(remove_fnrefs(el), self.md))
                name = html.unescape(name)
            slug = slugs.get(name)
            if slug is None:
                slug = slugs[name] = slugify(name, sep)
            last = last_given.get(slug)
            if last is not None:
                # _FreeSuffixes.unique's first step, inline for runs of one heading text.
                n = last[1] + 1
                candidate = last[0] + str(n)
                if candidate not in used_ids:
                    last[1] = n
                    last[2][n] = n + 1
                    used_ids.add(candidate)
                    el.set("id", candidate)
                    continue
            el.set("id", unique(slug))


# --------------------------------------------------------------------------------------------
# Blocks
# --------------------------------------------------------------------------------------------


class BlockQueue:
    """The list of blocks a block processor sees, with O(1) ``pop(0)``/``insert(0, x)``.

    Block processors only ever look at, take and put back the first block; on a list each of
    those moves every other block, so 50,000 one-line paragraphs took seconds.  The blocks are
    kept in reverse order so that the first one is at the end of a Python list.
    """

    __slots__ = ("_reversed",)

    def __init__(self, blocks: list[str]) -> None:
        self._reversed = blocks[::-1]

    def __len__(self) -> int:
        return len(self._reversed)

    def __bool__(self) -> bool:
        return bool(self._reversed)

    def _index(self, index: int) -> int:
        size = len(self._reversed)
        if index < 0:
            index += size
        return size - 1 - index

    def __getitem__(self, index: int) -> str:
        if index == 0 and self._reversed:
            return self._reversed[-1]
        if not -len(self._reversed) <= index < len(self._reversed):
            raise IndexError("block index out of range")
        return self._reversed[self._index(index)]

    def pop(self, index: int = -1) -> str:
        if index == 0:
            return self._reversed.pop()
        if not -len(self._reversed) <= index < len(self._reversed):
            raise IndexError("pop index out of range")
        return self._reversed.pop(self._index(index))

    def insert(self, index: int, block: str) -> None:
        if index == 0:
            self._reversed.append(block)
            return
        size = len(self._reversed)
        index = max(0, min(size, index + size if index < 0 else index))
        self._reversed.insert(size - index, block)

    def __iter__(self) -> Iterator[str]:
        return reversed(self._reversed)


class LinearBlockParser(BlockParser):
    """``BlockParser`` over a ``BlockQueue``, with the processor list read once per document."""

    def parseDocument(self, lines: Any) -> etree.ElementTree:  # noqa: N802
        self._processors = list(self.blockprocessors)
        self._tails = [self._processors[first:] for first in range(len(self._processors))]
        self._skips: dict[str, int] = {}
        try:
            return super().parseDocument(lines)
        finally:
            self._processors = None
            self._skips = {}

    def parseBlocks(self, parent: etree.Element, blocks: list[str]) -> None:  # noqa: N802
        processors = getattr(self, "_processors", None) or list(self.blockprocessors)
        if (
            blocks.__class__ is list
            and len(blocks) == 1
            and blocks[0] == ""
            and not len(parent)
            and self._empty_block_first(processors)
        ):
            # An empty item of a list (and nothing else) adds nothing to an empty parent: the
            # empty-block processor, the first to take it, only ever appends to a code block.
            blocks.clear()
            return
        queue = blocks if isinstance(blocks, BlockQueue) else BlockQueue(blocks)
        skips = getattr(self, "_skips", None)
        if skips is None or processors is not self._processors:
            skips = {}
            tails = [processors]
        else:
            tails = self._tails
        while queue:
            block = queue[0]
            # A short block seen before skips the processors that turned it down for good.
            first = skips.get(block, 0) if len(block) <= _MEMO_BLOCK_SIZE else -1
            for processor in tails[first] if first > 0 else processors:
                if processor.test(parent, block):
                    if first == 0 and block not in skips:
                        skips[block] = _rejected_for_good(processors, processor, block)
                    if processor.run(parent, queue) is not False:
                        break
                    block = queue[0]  # a processor that declines puts a block back
                    first = -1
        if isinstance(blocks, list):
            blocks.clear()

    @staticmethod
    def _empty_block_first(processors: list[BlockProcessor]) -> bool:
        for processor in processors:
            if processor.__class__ is EmptyBlockProcessor:
                return True
            if processor.__class__ is not PlainParagraphProcessor:
                return False  # pragma: no cover - registered in this order by install()
        return False  # pragma: no cover


# Blocks of up to this many characters have the processors that refused them remembered, for
# documents that repeat one short block thousands of times ("- \n\n" as 34,000 list items).
_MEMO_BLOCK_SIZE = 256


def _rejected_for_good(processors: list[BlockProcessor], taker: BlockProcessor, block: str) -> int:
    """How many of the processors before ``taker`` refuse ``block`` whatever the parent and the
    parser's state (their tests look at the block alone, or fail on it before looking further)."""
    count = 0
    for processor in processors:
        if processor is taker:
            break
        if processor.__class__ in _BLOCK_ONLY_TESTS:
            pass
        elif isinstance(processor, ListIndentProcessor) or isinstance(
            processor, CodeBlockProcessor
        ):
            if block.startswith(" " * processor.tab_length):
                break
        elif isinstance(processor, OListProcessor):
            if processor.RE.match(block):
                break
        elif isinstance(processor, BlockQuoteProcessor):
            if processor.RE.search(block):
                break
        elif hasattr(processor, "could_start"):  # our table processor: two lines at least
            if "\n" in block:
                break
        else:
            break
        count += 1
    return count


class LinearHashHeaderProcessor(HashHeaderProcessor):
    """ATX headings, taking every heading of a block in one call.

    The stock ``run`` takes the first heading and puts the rest of the block back, to be
    tested by every processor and copied again: 50,000 "#" lines in one block were 50,000
    copies of the rest.  Here, as long as the block parser would hand the rest straight back
    to this processor (no processor before it could take it), the loop goes on in place.
    """

    HEAD_AT_RE = re.compile(HashHeaderProcessor.RE.pattern.removeprefix("(?:^|\\n)"))

    def __init__(self, parser: BlockParser, could_be_table: Any) -> None:
        super().__init__(parser)
        self._could_be_table = could_be_table
        # Our table processor needs a pipe in the first line of the rest.
        self._table_needs_pipe = could_be_table is not _always
        self._not_next = ("\n", " " * self.tab_length)

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        block = blocks.pop(0)
        m = self.RE.search(block)
        if not m:  # pragma: no cover - test() found one
            blocks.insert(0, block)
            return
        pos = 0
        end = len(block)
        # Nothing below changes the state (parseBlocks restores it).
        loose = self.parser.state.isstate("looselist")
        sub_element = etree.SubElement
        head_at = self.HEAD_AT_RE.match
        not_next = self._not_next
        needs_pipe = self._table_needs_pipe
        while True:
            start, after = m.span()
            if start > pos:
                self.parser.parseBlocks(parent, [block[pos:start]])
            level, header = m.groups()  # both regexes have just these groups
            sub_element(parent, _HASH_TAGS[len(level)]).text = header.strip()
            pos = after
            if pos >= end:
                return
            if loose:
                blocks.insert(0, self.looseDetab(block[pos:]))
                return
            # _next_heading's first case, inline for runs of headings.
            m = None if block.startswith(not_next, pos) else head_at(block, pos)
            if m is None or not needs_pipe or "|" in m.group():
                m = self._next_heading(parent, block, pos)
            if m is None:
                blocks.insert(0, block[pos:])
                return

    def _next_heading(self, parent: etree.Element, block: str, pos: int) -> re.Match[str] | None:
        # The processors before this one: empty (rest starts with a newline), indent and code
        # (four spaces) and table (a separator line second, and a pipe in the first).
        if block.startswith(self._not_next, pos):
            return None
        m = self.HEAD_AT_RE.match(block, pos)
        if m is not None and self._table_needs_pipe and "|" not in m.group():
            return m
        if self._could_be_table(block, pos):
            return None
        return m or self.RE.search(block, pos)


_HASH_TAGS = ("", "h1", "h2", "h3", "h4", "h5", "h6")


class _Remainder:
    """Would the block parser give ``block[pos:]`` to a given processor first?

    Answers that for the processors registered here without copying the rest of the block:
    tests that match at the start look at ``pos``; those that search the whole block
    (headings, rules, quotes) use the lines of the block indexed once.  A processor it does
    not know counts as taking the rest.
    """

    def __init__(self, parser: BlockParser, block: str) -> None:
        self.parser = parser
        self.block = block
        self._lines: dict[str, list[int]] = {}

    def _line_starts(self, name: str, regex: re.Pattern[str]) -> list[int]:
        lines = self._lines.get(name)
        if lines is None:
            lines = self._lines[name] = [
                m.start() + (1 if m.group().startswith("\n") else 0)
                for m in regex.finditer(self.block)
            ]
        return lines

    def _any_line(self, name: str, regex: re.Pattern[str], pos: int) -> bool:
        lines = self._line_starts(name, regex)
        return bisect.bisect_left(lines, pos) < len(lines)

    def reaches(self, parent: etree.Element, pos: int, target: BlockProcessor) -> bool:
        block = self.block
        if pos >= len(block):
            return False
        for processor in self.parser.blockprocessors:
            if processor is target:
                return True
            if not self._declines(processor, parent, block, pos):
                return False
        return False  # pragma: no cover - target is registered

    def _declines(
        self, processor: BlockProcessor, parent: etree.Element, block: str, pos: int
    ) -> bool:
        if isinstance(processor, PlainParagraphProcessor):
            return processor.PLAIN_RE.fullmatch(block, pos) is None
        if isinstance(processor, EmptyBlockProcessor):
            return block[pos] != "\n"
        if isinstance(processor, (ListIndentProcessor, CodeBlockProcessor)):
            return not block.startswith(" " * processor.tab_length, pos)
        if hasattr(processor, "could_start"):  # our table processor
            return not processor.could_start(block, pos)
        if isinstance(processor, HashHeaderProcessor):
            return not self._any_line("hashheader", _HEADING_LINE_RE, pos)
        if isinstance(processor, SetextHeaderProcessor):
            return processor.RE.match(block, pos) is None
        if isinstance(processor, HRProcessor):
            return not self._any_line("hr", processor.SEARCH_RE, pos)
        if isinstance(processor, OListProcessor):
            return _at_line_start(processor.RE).match(block, pos) is None
        if isinstance(processor, BlockQuoteProcessor):
            return not self._any_line("quote", processor.RE, pos)
        return False


# A line that HashHeaderProcessor.RE would take as a heading (it matches within one line).
_HEADING_LINE_RE = re.compile(
    "^" + HashHeaderProcessor.RE.pattern.removeprefix("(?:^|\\n)"), re.MULTILINE
)
_NON_SPACE_RE = re.compile(r"\S")

_AT_LINE_START: dict[str, re.Pattern[str]] = {}


def _at_line_start(regex: re.Pattern[str]) -> re.Pattern[str]:
    """``regex`` (anchored with "^", not MULTILINE) for use with ``match(block, pos)``."""
    compiled = _AT_LINE_START.get(regex.pattern)
    if compiled is None:
        compiled = _AT_LINE_START[regex.pattern] = re.compile(
            regex.pattern.removeprefix("^"), regex.flags
        )
    return compiled


class LinearReferenceBlockProcessor(ReferenceProcessor):
    """Link definitions, taking consecutive definitions of a block in one call.

    The stock ``run`` takes one definition that spans lines and puts the rest of the block
    back; the heading, rule and quote tests then search all of the rest again, so 100 KB of
    "[a]:" lines took minutes.  Here the loop goes on in place while the block parser would
    hand the rest straight back.
    """

    def test(self, parent: etree.Element, block: str) -> bool:
        # The stock test() is always true and run() then declines a block without "]:".
        return "]:" in block

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        block = blocks.pop(0)
        m = self.RE.search(block)
        if not m:
            blocks.insert(0, block)
            return False
        remainder = _Remainder(self.parser, block)
        offset = 0  # block[offset:] is the block the stock code would be looking at
        while True:
            start = end = m.start()
            for m in self.RE.finditer(block, start):
                if m.start() > start and (block[end : m.start()].strip("\n") or "\n" in m.group()):
                    break
                id = m.group(1).strip().lower()
                link = m.group(2).lstrip("<").rstrip(">")
                title = m.group(5) or m.group(6)
                self.parser.md.references[id] = (link, title)
                end = m.end()
            rest_start = end
            while rest_start < len(block) and block[rest_start] == "\n":
                rest_start += 1
            more = _NON_SPACE_RE.search(block, end) is not None
            if _NON_SPACE_RE.search(block, offset, start):
                # Content before the definition: the stock code puts it back in front, so
                # the rest can no longer be handled here.
                if more:
                    blocks.insert(0, block[rest_start:])
                blocks.insert(0, block[offset:start].rstrip("\n"))
                return True
            if not more:
                return True
            if not remainder.reaches(parent, rest_start, self):
                blocks.insert(0, block[rest_start:])
                return True
            # The reference processor would run on block[rest_start:] next.
            m = self.RE.search(block, rest_start)
            if m is None:
                blocks.insert(0, block[rest_start:])
                return True
            offset = rest_start


# Quotes and lists nest by recursion; every level re-reads its whole content, and the stock
# code stops nesting quotes only near the interpreter's recursion limit (at a depth that
# depends on the caller's stack) and lists not at all (100 KB of "1. " raised RecursionError).
# Beyond this depth a quote or list marker stays text, as Python-Markdown itself does near the
# recursion limit.  No review nests anywhere near this deep.
MAX_NESTING = 16
_NESTING_STATES = frozenset({"list", "looselist", "blockquote"})


def nesting(parser: BlockParser) -> int:
    return sum(1 for state in parser.state if state in _NESTING_STATES)


class _NestingLimitMixin:
    parser: BlockParser

    def test(self, parent: etree.Element, block: str) -> bool:
        if not super().test(parent, block):  # type: ignore[misc]
            return False
        state = self.parser.state
        return len(state) < MAX_NESTING or nesting(self.parser) < MAX_NESTING


class PlainParagraphProcessor(BlockProcessor):
    """Takes a block that can only be a paragraph before a dozen processors test it.

    The first line is no heading, quote, link definition, list item, rule or indented code,
    and no other line starts with a character that a block syntax (a heading, quote,
    definition, rule, setext underline or table separator) starts with.  So every processor
    before the paragraph one would say no (the reference processor by finding no definition),
    and this one runs the paragraph processor itself.
    """

    PLAIN_RE = re.compile(
        # First line: not a heading, quote, definition, list item or rule, not indented code.
        # (A rule: a line of spaces and three or more of - * _, tested without backtracking.)
        r"(?!\n| {4}|#| {0,3}[>\[]| {0,3}(?:[*+-]|\d+\.)[ ]|(?=[ *_-]*(?:\n|\Z))(?:[ ]*[*_-]){3})"
        r"[^\n]*"
        # Other lines: not starting with anything that a block syntax starts with.
        r"(?:\n(?! *[#>\[*+\-_=|:])[^\n]*)*"
    )

    def __init__(self, parser: BlockParser, paragraph: BlockProcessor) -> None:
        super().__init__(parser)
        self.paragraph = paragraph

    def test(self, parent: etree.Element, block: str) -> bool:
        return block != "" and self.PLAIN_RE.fullmatch(block) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> bool | None:
        return self.paragraph.run(parent, blocks)


# Block processors whose test() looks at the block alone.
_BLOCK_ONLY_TESTS = frozenset(
    {
        PlainParagraphProcessor,
        EmptyBlockProcessor,
        LinearHashHeaderProcessor,
        SetextHeaderProcessor,
        HRProcessor,
    }
)


# --------------------------------------------------------------------------------------------
# Tree processors
# --------------------------------------------------------------------------------------------


_TABLE_PARTS = frozenset({"table", "thead", "tbody", "tfoot", "tr"})


class LinearPrettifyTreeprocessor(PrettifyTreeprocessor):
    """The stock prettifier with the block-level test as a set lookup (it was a list scan),
    and no line breaks between the rows and cells of a table.

    Whitespace between table parts means nothing to a browser, but the sanitizer's parser
    handles each such text node in table context slowly: a 100 KB table took half again as
    long to sanitize with them.
    """

    def run(self, root: etree.Element) -> None:
        block_level = frozenset(self.md.block_level_elements)
        cache: dict[Any, bool] = {}

        def is_block(tag: Any) -> bool:
            known = cache.get(tag)
            if known is None:
                known = cache[tag] = isinstance(tag, str) and tag.lower().rstrip("/") in block_level
            return known

        newline = "\n"

        def prettify(elem: etree.Element, in_table: bool = False) -> None:
            tag = elem.tag
            inner = tag in _TABLE_PARTS
            if is_block(tag) and tag not in ("code", "pre"):
                text = elem.text
                if (not text or text.isspace()) and len(elem) and is_block(elem[0].tag):
                    elem.text = None if inner else newline
                for e in elem:
                    known = cache.get(e.tag)
                    if known is None:
                        known = is_block(e.tag)
                    if not known:
                        continue
                    if len(e):
                        if inner and e.tag == "tr":
                            prettify_row(e)
                        else:
                            prettify(e, inner)
                    else:
                        # All that prettify() would change on an element without children.
                        tail = e.tail
                        if not tail or tail.isspace():
                            e.tail = None if inner else newline
            tail = elem.tail
            if not tail or tail.isspace():
                elem.tail = None if in_table else newline

        def prettify_row(row: etree.Element) -> None:
            # prettify(row, True) for a row (block-level, a table part) of a table part.
            text = row.text
            if not text or text.isspace():
                first = row[0].tag
                known = cache.get(first)
                if known if known is not None else is_block(first):
                    row.text = None
            for cell in row:
                known = cache.get(cell.tag)
                if not (known if known is not None else is_block(cell.tag)):
                    continue
                if len(cell):
                    prettify(cell, True)
                else:
                    tail = cell.tail
                    if not tail or tail.isspace():
                        cell.tail = None
            tail = row.tail
            if not tail or tail.isspace():
                row.tail = None

        prettify(root)
        for br in root.iter("br"):
            if not br.tail or not br.tail.strip():
                br.tail = "\n"
            else:
                br.tail = f"\n{br.tail}"
        for pre in root.iter("pre"):
            if len(pre) and pre[0].tag == "code":
                code = pre[0]
                if not len(code) and code.text is not None:
                    code.text = util.AtomicString(code.text.rstrip() + "\n")


class SourceFacts(Preprocessor):
    """Notes which characters the document has, so that passes over every element can be
    skipped when they cannot find anything (the escapes unescaped at the end all come from a
    backslash; user text cannot contain STX, which the renderer strips)."""

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        self.md.linear_has_backslash = "\\" in text  # type: ignore[attr-defined]
        self.md.linear_has_bracket = "[" in text  # type: ignore[attr-defined]
        self.md.linear_raw_tags = set()  # type: ignore[attr-defined]
        self.md.linear_highlight_budget = HighlightBudget()  # type: ignore[attr-defined]
        return lines


class LinearUnescapeTreeprocessor(UnescapeTreeprocessor):
    """The stock unescaper, skipped without a backslash in the document and not running its
    regex over text without an escape in it."""

    def run(self, root: etree.Element) -> None:
        if getattr(self.md, "linear_has_backslash", True):
            super().run(root)

    def unescape(self, text: str) -> str:
        return self.RE.sub(self._unescape, text) if util.STX in text else text


# --------------------------------------------------------------------------------------------
# Code blocks
# --------------------------------------------------------------------------------------------


_OPTION_KEYS: dict[tuple[tuple[str, Any], ...], tuple[tuple[str, Any], ...]] = {}


def _options_key(options: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """The options, sorted and hashable (looked up by their order as given, which is the same
    for every block of one kind)."""
    try:
        as_given: tuple[tuple[str, Any], ...] | None = tuple(options.items())
        known = _OPTION_KEYS.get(as_given)  # type: ignore[arg-type]
    except TypeError:  # a list value (hl_lines)
        as_given, known = None, None
    if known is None:
        known = tuple(
            sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in options.items())
        )
        if as_given is not None and len(_OPTION_KEYS) < 64:
            _OPTION_KEYS[as_given] = known
    return known


class _HighlightCache(threading.local):
    def __init__(self) -> None:
        self.lexers: dict[tuple[Any, ...], Any] = {}
        self.formatters: dict[tuple[Any, ...], Any] = {}
        self.results: OrderedDict[tuple[Any, ...], str] = OrderedDict()


_HIGHLIGHT = _HighlightCache()


def clear_caches() -> None:
    """Forget highlighted code (the benchmark renders each text as if it were new)."""
    _HIGHLIGHT.results.clear()


_RESULT_CACHE_SIZE = 512
_RESULT_CACHE_MAX_SOURCE = 4096


# Pygments takes 1-2 µs per character of code and some 40 µs more per block.  One section's
# distinct code blocks are highlighted up to this cost (in characters, each block counting
# _BLOCK_HIGHLIGHT_COST more); later blocks are shown as plain code, as without the codehilite
# extension.  That is several times the code of the longest demo review.
MAX_HIGHLIGHT_COST = 60_000
_BLOCK_HIGHLIGHT_COST = 200


class HighlightBudget:
    """What one document has spent on highlighting (repeated blocks are free)."""

    def __init__(self) -> None:
        self.spent = 0
        self.done: set[tuple[Any, ...]] = set()

    def allows(self, key: tuple[Any, ...]) -> bool:
        if key in self.done:
            return True
        cost = len(key[0]) + _BLOCK_HIGHLIGHT_COST
        if self.spent + cost > MAX_HIGHLIGHT_COST:
            return False
        self.spent += cost
        self.done.add(key)
        return True


class CachedCodeHilite(CodeHilite):
    """``CodeHilite`` reusing Pygments lexers and formatters (and results for repeated code).

    Creating an HTML formatter builds its whole style table (about 0.3 ms), once per code block
    in the stock code, so 100 KB of short fenced blocks took seconds.  Lexers and formatters
    hold only their options, so one per set of options gives the same HTML.
    """

    def hilite(self, shebang: bool = True) -> str:
        if not (pygments_available and self.use_pygments) or self.guess_lang:
            return super().hilite(shebang)
        if not isinstance(self.pygments_formatter, str):  # pragma: no cover - not configured
            return super().hilite(shebang)
        self.src = self.src.strip("\n")
        if self.lang is None and shebang:
            self._parseHeader()
        key = _options_key(self.options)
        budget: HighlightBudget | None = getattr(self, "budget", None)
        if budget is not None and not budget.allows((self.src, self.lang, key)):
            self.use_pygments = False  # the stock markup for unhighlighted code
            return super().hilite(shebang=False)
        lexer = _HIGHLIGHT.lexers.get((self.lang, key))
        if lexer is None:
            try:
                lexer = get_lexer_by_name(self.lang, **self.options)
            except ValueError:
                lexer = get_lexer_by_name("text", **self.options)
            _HIGHLIGHT.lexers[(self.lang, key)] = lexer
        if not self.lang:
            self.lang = lexer.aliases[0]
        formatter = _HIGHLIGHT.formatters.get((self.pygments_formatter, key))
        if formatter is None:
            try:
                formatter = get_formatter_by_name(self.pygments_formatter, **self.options)
            except ClassNotFound:  # pragma: no cover - "html" exists
                formatter = get_formatter_by_name("html", **self.options)
            _HIGHLIGHT.formatters[(self.pygments_formatter, key)] = formatter
        if len(self.src) > _RESULT_CACHE_MAX_SOURCE:
            return highlight(self.src, lexer, formatter)
        results = _HIGHLIGHT.results
        result_key = (self.src, id(lexer), id(formatter))
        result = results.get(result_key)
        if result is None:
            result = results[result_key] = highlight(self.src, lexer, formatter)
            if len(results) > _RESULT_CACHE_SIZE:
                results.popitem(last=False)
        else:
            results.move_to_end(result_key)
        return result


class LinearHiliteTreeprocessor(HiliteTreeprocessor):
    """The stock indented-code highlighter, through ``CachedCodeHilite``."""

    def run(self, root: etree.Element) -> None:
        # A block repeated in the document renders the same each time (see the fenced blocks).
        rendered: dict[str, str] = {}
        for block in root.iter("pre"):
            if len(block) == 1 and block[0].tag == "code":
                text = block[0].text
                if text is None:
                    continue
                markup = rendered.get(text)
                if markup is None:
                    local_config = self.config.copy()
                    code = CachedCodeHilite(
                        self.code_unescape(text),
                        tab_length=self.md.tab_length,
                        style=local_config.pop("pygments_style", "default"),
                        **local_config,
                    )
                    code.budget = getattr(self.md, "linear_highlight_budget", None)
                    markup = rendered[text] = code.hilite()
                placeholder = self.md.htmlStash.store(markup)
                block.clear()
                block.tag = "p"
                block.text = placeholder


_FENCE_START_RE = re.compile(r"^(?:~{3,}|`{3,})", re.MULTILINE)
_FENCE_LINE_RE = re.compile(r"^(~{3,}|`{3,})[ ]*$", re.MULTILINE)


class LinearFencedBlockMixin:
    """``FencedBlockPreprocessor.run`` without a regex that is quadratic or worse.

    The stock regex tries every line that starts with a fence and, when there is no closing
    fence for it, scans to the end of the text first (100 KB of "```x" lines: one scan per
    line); and every block found is cut out of the whole text.  Here the lines that could
    close each fence are indexed once, an opening line with no closing line after it is
    skipped at once, and the output is joined once.  A match is still made by the stock
    regex (anchored at the opening line, so it only reads that block), except that its
    ``hl_lines="..."`` may no longer run over several lines.
    """

    FENCED_BLOCK_RE = re.compile(
        FencedBlockPreprocessor.FENCED_BLOCK_RE.pattern.replace(
            "(?P<hl_lines>.*?)", "(?P<hl_lines>[^\\n]*?)"
        ),
        FencedBlockPreprocessor.FENCED_BLOCK_RE.flags,
    )

    md: markdown.Markdown
    checked_for_deps: bool
    codehilite_conf: dict[str, Any]
    use_attr_list: bool
    config: dict[str, Any]

    def _search(self, text: str, index: int, closers: dict[str, list[int]]) -> re.Match[str] | None:
        while True:
            start = _FENCE_START_RE.search(text, index)
            if start is None:
                return None
            fence = start.group()
            line_end = text.find("\n", start.start())
            if line_end != -1:
                lines = closers.get(fence, ())
                i = bisect.bisect_right(lines, line_end)
                if i < len(lines):
                    m = self.FENCED_BLOCK_RE.match(text, start.start())
                    if m is not None:
                        return m
            index = start.start() + 1

    def run(self, lines: list[str]) -> list[str]:
        if not self.checked_for_deps:
            for ext in self.md.registeredExtensions:
                if isinstance(ext, CodeHiliteExtension):
                    self.codehilite_conf = ext.getConfigs()
                if isinstance(ext, AttrListExtension):
                    self.use_attr_list = True
            self.checked_for_deps = True

        text = "\n".join(lines)
        if "```" not in text and "~~~" not in text:
            return lines
        closers: dict[str, list[int]] = {}
        for m in _FENCE_LINE_RE.finditer(text):
            closers.setdefault(m.group(1), []).append(m.start())
        out: list[str] = []
        consumed = 0
        index = 0
        # The same block renders the same all through a document (a block beyond the
        # highlighting budget stays beyond it), so repeats are rendered once.
        rendered: dict[tuple[str | None, ...], str | None] = {}
        while True:
            m = self._search(text, index, closers)
            if m is None:
                break
            key = m.group("attrs", "lang", "hl_lines", "code")
            if key in rendered:
                code = rendered[key]
            else:
                code = rendered[key] = self._render(m)
            if code is None:
                index = m.end("attrs")
                continue
            placeholder = self.md.htmlStash.store(code)
            out.append(text[consumed : m.start()])
            out.append(f"\n{placeholder}\n")
            consumed = index = m.end()
        if not out:
            return lines
        out.append(text[consumed:])
        return "".join(out).split("\n")

    def _render(self, m: re.Match[str]) -> str | None:
        # The body of the stock loop, unchanged but for CachedCodeHilite; None where the
        # stock code skips an opening line whose {attrs} do not close.
        lang, id, classes, config = None, "", [], {}
        if m.group("attrs"):
            attrs, remainder = get_attrs_and_remainder(m.group("attrs"))
            if remainder:
                return None
            id, classes, config = self.handle_attrs(attrs)  # type: ignore[attr-defined]
            if len(classes):
                lang = classes.pop(0)
        else:
            if m.group("lang"):
                lang = m.group("lang")
            if m.group("hl_lines"):
                config["hl_lines"] = parse_hl_lines(m.group("hl_lines"))
        if (
            self.codehilite_conf
            and self.codehilite_conf["use_pygments"]
            and config.get("use_pygments", True)
        ):
            local_config = self.codehilite_conf.copy()
            local_config.update(config)
            if classes:
                local_config["css_class"] = "{} {}".format(
                    " ".join(classes), local_config["css_class"]
                )
            highliter = CachedCodeHilite(
                m.group("code"),
                lang=lang,
                style=local_config.pop("pygments_style", "default"),
                **local_config,
            )
            highliter.budget = getattr(self.md, "linear_highlight_budget", None)
            return highliter.hilite(shebang=False)
        id_attr = lang_attr = class_attr = kv_pairs = ""
        if lang:
            prefix = self.config.get("lang_prefix", "language-")
            lang_attr = f' class="{prefix}{_escape_attrib_html(lang)}"'
        if classes:
            class_attr = f' class="{_escape_attrib_html(" ".join(classes))}"'
        if id:
            id_attr = f' id="{_escape_attrib_html(id)}"'
        if self.use_attr_list and config and not config.get("use_pygments", False):
            kv_pairs = "".join(
                f' {sanitize_name(k)}="{_escape_attrib_html(v)}"'
                for k, v in config.items()
                if k != "use_pygments"
            )
        code = self._escape(m.group("code"))  # type: ignore[attr-defined]
        return f"<pre{id_attr}{class_attr}><code{lang_attr}{kv_pairs}>{code}</code></pre>"


# --------------------------------------------------------------------------------------------
# Raw HTML
# --------------------------------------------------------------------------------------------

_RAW_TAG_RE = re.compile(r"<(/?)([A-Za-z][^\s/>]*)")
_VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr", "keygen", "frame", "basefont", "bgsound"}
)
# A start tag of the key closes an open element of these (roughly the HTML parser's implied end
# tags), so pasted HTML with unclosed <p> or <li> does not count as nesting.
_IMPLIED_END = {
    "p": {"p"},
    "li": {"li", "p"},
    "dt": {"dt", "dd", "p"},
    "dd": {"dt", "dd", "p"},
    "tr": {"tr", "td", "th"},
    "td": {"td", "th"},
    "th": {"td", "th"},
    "option": {"option"},
    "optgroup": {"optgroup", "option"},
    "thead": {"thead", "tbody", "tfoot", "tr", "td", "th"},
    "tbody": {"thead", "tbody", "tfoot", "tr", "td", "th"},
    "tfoot": {"thead", "tbody", "tfoot", "tr", "td", "th"},
}
MAX_OPEN_RAW_TAGS = 64


class LinearRawHtmlPostprocessor(RawHtmlPostprocessor):
    """Puts raw HTML back, leaving as text any start tag beyond 64 unclosed ones.

    The sanitizer's HTML parser (html5ever, in nh3) does work proportional to the number of
    open elements for each new one, and remembers every unclosed formatting element with
    distinct attributes: 100 KB of "<div>" took 0.9 s to sanitize and 100 KB of
    ``<b title="N">`` minutes.  Raw HTML reaches the page one tag per placeholder, in document
    order here, so this counts the tags still open and shows the surplus ones as text.
    Everything still goes through the sanitizer afterwards.
    """

    def run(self, text: str) -> str:
        # The stock run(), but limiting the tags that the inline HTML pattern stashed (code
        # blocks and other stashed HTML are whole, balanced fragments).
        self._open: list[str] = []
        tags: set[int] = getattr(self.md, "linear_raw_tags", set())
        stash = self.md.htmlStash

        def substitute_match(m: re.Match[str]) -> str:
            if key := m.group(1):
                wrapped = True
            else:
                key = m.group(2)
                wrapped = False
            if (index := int(key)) >= stash.html_counter:
                return m.group(0)
            html = self.stash_to_string(stash.rawHtmlBlocks[index])
            if index in tags:
                html = self._limit(html)
            if util.STX not in html:  # no placeholder inside to substitute
                return html if not wrapped or self.isblocklevel(html) else f"<p>{html}</p>"
            if not wrapped or self.isblocklevel(html):
                return pattern.sub(substitute_match, html)
            return pattern.sub(substitute_match, f"<p>{html}</p>")

        if stash.html_counter:
            base_placeholder = util.HTML_PLACEHOLDER % r"([0-9]+)"
            pattern = re.compile(f"<p>{base_placeholder}</p>|{base_placeholder}")
            return pattern.sub(substitute_match, text)
        return text

    def _limit(self, raw: str) -> str:
        m = _RAW_TAG_RE.match(raw)
        if m is None:
            return raw
        name = m.group(2).lower()
        open_tags = self._open
        if m.group(1):
            if name in open_tags:
                del open_tags[len(open_tags) - 1 - open_tags[::-1].index(name) :]
            return raw
        if name in _VOID_ELEMENTS or raw.endswith("/>"):
            return raw
        closes = _IMPLIED_END.get(name)
        if closes:
            while open_tags and open_tags[-1] in closes:
                open_tags.pop()
        if len(open_tags) >= MAX_OPEN_RAW_TAGS:
            return html.escape(raw, quote=False)
        open_tags.append(name)
        return raw


class LinearHtmlInlineProcessor(HtmlInlineProcessor):
    """The stock raw-HTML pattern, noting which stash entries are single tags (for the
    limit on open tags in ``LinearRawHtmlPostprocessor``)."""

    def unescape(self, text: str) -> str:
        # Both stock unescapers substitute placeholders, which start with STX.
        return super().unescape(text) if util.STX in text else text

    def backslash_unescape(self, text: str) -> str:
        return super().backslash_unescape(text) if util.STX in text else text

    def handleMatch(  # noqa: N802
        self, m: re.Match[str], data: str
    ) -> tuple[str, int, int]:
        result = super().handleMatch(m, data)
        tags = getattr(self.md, "linear_raw_tags", None)
        if tags is not None:
            tags.add(self.md.htmlStash.html_counter - 1)
        return result


class _EntityTable(dict[int, str]):
    """``str.translate`` table: each character as the entity the stock automail code writes
    for it (its name if it has one and ``named``, else its number), made on first use."""

    def __init__(self, *, named: bool) -> None:
        super().__init__()
        self.named = named

    def __missing__(self, code: int) -> str:
        entity = html.entities.codepoint2name.get(code) if self.named else None
        value = self[code] = (
            f"{util.AMP_SUBSTITUTE}{entity};" if entity else f"{util.AMP_SUBSTITUTE}#{code};"
        )
        return value


_EMAIL_TEXT_ENTITIES = _EntityTable(named=True)
_EMAIL_HREF_ENTITIES = _EntityTable(named=False)


class LinearAutomailProcessor(AutomailInlineProcessor):
    """The stock ``<a@b.kr>`` link, with its characters turned into entities by a
    translation table rather than a function call each."""

    def handleMatch(  # noqa: N802
        self, m: re.Match[str], data: str
    ) -> tuple[etree.Element, int, int]:
        el = etree.Element("a")
        email = self.unescape(m.group(1))
        email = email.removeprefix("mailto:")
        el.text = util.AtomicString(email.translate(_EMAIL_TEXT_ENTITIES))
        el.set("href", f"mailto:{email}".translate(_EMAIL_HREF_ENTITIES))
        return el, m.start(0), m.end(0)


# --------------------------------------------------------------------------------------------
# Serializer
# --------------------------------------------------------------------------------------------

_RAW_TEXT_TAGS = frozenset({"script", "style"})
_BOOLEAN_ATTRIBUTES = BOOLEAN_ATTRIBUTES["html"]


class _NotPlain(Exception):
    """A comment, processing instruction or QName: left to the stock serializer."""


def to_html_string(element: etree.Element) -> str:
    """``markdown.serializers.to_html_string`` with less work per element.

    Same output (the tests compare both on the generated corpus); it falls back to the stock
    function for the rare trees with comments, processing instructions or QNames.
    """
    try:
        return _to_html_string(element)
    except _NotPlain:
        return stock_to_html_string(element)


def _to_html_string(element: etree.Element) -> str:
    out: list[str] = []
    write = out.append
    # tag -> ("<tag", "<tag>", "</tag>" or "" for a void element, whether its text is raw)
    known: dict[str, tuple[str, str, str, bool]] = {}
    stack: list[Any] = [element]
    pop = stack.pop
    push = stack.append
    while stack:
        el = pop()
        if isinstance(el, str):
            write(el)
            continue
        tag = el.tag
        info = known.get(tag)
        if info is None:
            if tag.__class__ is not str:
                raise _NotPlain
            low = tag.lower()
            info = known[tag] = (
                "<" + tag,
                f"<{tag}>",
                "" if low in HTML_EMPTY else f"</{tag}>",
                low in _RAW_TEXT_TAGS,
            )
        items = el.items()
        if len(items) == 1:
            k, v = items[0]
            if (
                k.__class__ is str
                and v.__class__ is str
                and not ("&" in v or "<" in v or ">" in v or '"' in v)
                and not (k == v and k in _BOOLEAN_ATTRIBUTES)
            ):
                # The common case (a heading's id, a cell's align), in one piece.
                write(f'{info[0]} {k}="{v}">')
                items = None
        if items:
            write(info[0])
            if len(items) > 1:
                items.sort()
            for k, v in items:
                if k.__class__ is not str or (v is not None and v.__class__ is not str):
                    raise _NotPlain
                if v is None:
                    write(" " + k)
                else:
                    if "&" in v or "<" in v or ">" in v or '"' in v:
                        v = _escape_attrib_html(v)
                    if k == v and k in _BOOLEAN_ATTRIBUTES:
                        write(" " + v)
                    else:
                        write(f' {k}="{v}"')
            write(">")
        elif items is not None:
            write(info[1])
        text = el.text
        if text:
            if info[3] or not ("&" in text or "<" in text or ">" in text):
                write(text)
            else:
                write(_escape_cdata(text))
        tail = el.tail
        if tail and ("&" in tail or "<" in tail or ">" in tail):
            tail = _escape_cdata(tail)
        if len(el):
            # The end tag and the tail, as one plain string, after the children.
            if tail:
                push(info[2] + tail)
            elif info[2]:
                push(info[2])
            stack.extend(reversed(el))
        else:
            if info[2]:
                write(info[2])
            if tail:
                write(tail)
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Installation
# --------------------------------------------------------------------------------------------

_PATTERN_CLASSES: dict[str, type] = {
    "reference": LinearReferenceProcessor,
    "link": LinearLinkProcessor,
    "image_link": LinearImageProcessor,
    "image_reference": LinearImageReferenceProcessor,
    "short_reference": LinearShortReferenceProcessor,
    "short_image_ref": LinearShortImageReferenceProcessor,
}


def install(md: markdown.Markdown) -> None:
    """Swap the linear processors in for the stock ones of a configured ``Markdown``."""
    md.parser.__class__ = LinearBlockParser
    if md.serializer is stock_to_html_string:
        md.serializer = to_html_string
    fenced = md.preprocessors["fenced_code_block"]
    if not isinstance(fenced, LinearFencedBlockMixin):
        fenced.__class__ = type(
            f"Linear{type(fenced).__name__}", (LinearFencedBlockMixin, type(fenced)), {}
        )
    processors = md.parser.blockprocessors
    table = processors["table"]
    processors.register(
        LinearHashHeaderProcessor(md.parser, getattr(table, "could_start", _always)),
        "hashheader",
        _priority(processors, "hashheader"),
    )
    processors.register(
        PlainParagraphProcessor(md.parser, processors["paragraph"]), "plain_paragraph", 105
    )
    processors.register(
        LinearReferenceBlockProcessor(md.parser), "reference", _priority(processors, "reference")
    )
    for name in ("quote", "olist", "ulist"):
        processor = processors[name]
        if not isinstance(processor, _NestingLimitMixin):
            processor.__class__ = type(
                f"Limited{type(processor).__name__}", (_NestingLimitMixin, type(processor)), {}
            )
    patterns = md.inlinePatterns
    for name, cls in _PATTERN_CLASSES.items():
        old = patterns[name]
        patterns.register(cls(old.pattern, md), name, _priority(patterns, name))
    patterns.register(
        LinearHtmlInlineProcessor(patterns["html"].pattern, md), "html", _priority(patterns, "html")
    )
    patterns.register(
        LinearAutomailProcessor(patterns["automail"].pattern, md),
        "automail",
        _priority(patterns, "automail"),
    )
    old = patterns["backtick"]
    patterns.register(
        LinearBacktickProcessor(old.pattern), "backtick", _priority(patterns, "backtick")
    )
    old = patterns["em_strong"]
    priority = _priority(patterns, "em_strong")
    emphasis = LinearDelimiterProcessor("*", "strong,em", md)
    for token, delim in old.delimiters.items():
        if token != "*":
            emphasis.add(
                token,
                ",".join(delim.tags) if delim.tag_count == 2 else delim.tags[0],
                smart=delim.smart,
                double=delim.double,
            )
    patterns.register(emphasis, "em_strong", priority)
    treeprocessors = md.treeprocessors
    treeprocessors.register(
        LinearInlineProcessor(md), "inline", _priority(treeprocessors, "inline")
    )
    treeprocessors.register(
        LinearPrettifyTreeprocessor(md), "prettify", _priority(treeprocessors, "prettify")
    )
    treeprocessors.register(
        LinearUnescapeTreeprocessor(md), "unescape", _priority(treeprocessors, "unescape")
    )
    md.preprocessors.register(SourceFacts(md), "source_facts", 29)
    if "hilite" in treeprocessors:
        hilite = treeprocessors["hilite"]
        linear_hilite = LinearHiliteTreeprocessor(md)
        linear_hilite.config = hilite.config
        treeprocessors.register(linear_hilite, "hilite", _priority(treeprocessors, "hilite"))
    postprocessors = md.postprocessors
    raw_html = LinearRawHtmlPostprocessor(md)
    postprocessors.register(raw_html, "raw_html", _priority(postprocessors, "raw_html"))
    toc = treeprocessors["toc"]
    linear_toc = LinearTocTreeprocessor.__new__(LinearTocTreeprocessor)
    linear_toc.__dict__.update(toc.__dict__)
    treeprocessors.register(linear_toc, "toc", _priority(treeprocessors, "toc"))


def _always(block: str, start: int) -> bool:
    return True


def _priority(registry: util.Registry[Any], name: str) -> float:
    return next(item.priority for item in registry._priority if item.name == name)


__all__ = [
    "MAX_HIGHLIGHT_COST",
    "MAX_INLINE_ELEMENTS",
    "MAX_NESTING",
    "MAX_OPEN_RAW_TAGS",
    "TRIGGERS",
    "BlockQueue",
    "clear_caches",
    "etx_variant",
    "install",
    "to_html_string",
]
