"""Markdown rendering for review text: the only place user Markdown becomes HTML.

Pipeline (one call of ``render_markdown``):

1. Python-Markdown runs with a fixed extension set and a few processors of ours: math
   extraction (right after fenced code blocks are stashed, so a ``$`` inside a fence is never
   seen, and before any inline parsing, so TeX is never mangled by Markdown), a re-indenter that
   lets 2-space nested lists work, and guards that keep pathological input (thousands of ``[``,
   unterminated tags, thousands of headings) from taking quadratic time or worse; the stock
   processors that were quadratic are replaced by the linear ones of ``reviews.markdown_linear``.
   A section makes at most ``markdown_linear.MAX_INLINE_ELEMENTS`` inline elements (emphasis,
   code spans, links, raw tags, escapes); the text after that shows as typed.
2. The HTML is sanitized with nh3 and an explicit allowlist (long runs of text split so that the
   sanitizer stays linear), and the attribute rules are applied to its output.
3. The math placeholders are swapped for MathML that was produced by latex2mathml and sanitized
   on its own with a MathML-only allowlist.  This happens after step 2 because the main
   allowlist deliberately knows nothing about MathML.  A section's formulas are converted up to
   a budget (``MAX_MATH_COST``); past it they show their TeX source.

No input is slow for its size: `make bench` renders a corpus of pathological inputs
(tests/markdown_corpus.py) at 100 KB and compares each with ordinary review text.
"""

from __future__ import annotations

import bisect
import functools
import gc
import html
import re
import secrets
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.etree.ElementTree import SubElement

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from latex2mathml.converter import convert_to_element
from markdown.extensions import Extension
from markdown.extensions.codehilite import CodeHiliteExtension
from markdown.extensions.fenced_code import FencedBlockPreprocessor, FencedCodeExtension
from markdown.extensions.tables import TableExtension, TableProcessor
from markdown.extensions.toc import TocExtension, slugify_unicode
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from pygments.token import STANDARD_TYPES

from reviews import markdown_linear
from reviews.images import IMAGE_SRC_RE

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = ["MAX_SOURCE_BYTES", "lines_outside_fences", "render_markdown"]

# Enforced by the forms, not here: rendering must never fail on stored content.
MAX_SOURCE_BYTES = 100 * 1024

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def lines_outside_fences(lines: Sequence[str]) -> Iterator[int]:
    """The index of each line that is not in a fenced code block, nor one of its fences.

    A fence closes on the same character, at least as long as the one that opened it.
    """
    fence = ""
    for index, line in enumerate(lines):
        opener = _FENCE_RE.match(line)
        if fence:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = ""
        elif opener:
            fence = opener.group(1)
        else:
            yield index


# --------------------------------------------------------------------------------------------
# Sanitizer configuration
# --------------------------------------------------------------------------------------------

_ALLOWED_TAGS = frozenset(
    {"p", "br", "hr", "blockquote", "pre", "code", "kbd", "sup", "sub"}
    | {"strong", "em", "del", "abbr", "a", "img", "span", "div"}
    | {"h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd"}
    | {"table", "thead", "tbody", "tr", "th", "td"}
)

_ALLOWED_ATTRIBUTES = {
    # An explicit empty "*" entry: without it nh3 keeps its default generic lang/title attributes.
    "*": set(),
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "ol": {"start"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
}

# Pygments emits only these short token classes (plus "hll" for highlighted lines); anything else
# on a span/div is user-supplied and has no business styling the page.
_PYGMENTS_CLASSES = frozenset(c for c in STANDARD_TYPES.values() if c) | {"hll"}

_MAIN_CLEANER_OPTIONS = {
    "tags": _ALLOWED_TAGS,
    "clean_content_tags": {"script", "style"},
    "attributes": _ALLOWED_ATTRIBUTES,
    "tag_attribute_values": {
        "th": {"align": {"left", "center", "right"}},
        "td": {"align": {"left", "center", "right"}},
    },
    "allowed_classes": {"div": {"codehilite"}, "span": _PYGMENTS_CLASSES},
    "url_schemes": {"http", "https", "mailto"},
    "link_rel": "nofollow noopener ugc",
    "strip_comments": True,
}

_MATHML_TAGS = frozenset(
    {"math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "merror"}
    | {"msup", "msub", "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder", "munderover"}
    | {"mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose"}
)

# Presentation-only attributes.  mathcolor/mathbackground/mathsize are included because
# latex2mathml emits them for \color, \rule and \big; they take plain tokens, never URLs.
_MATHML_ATTRIBUTES = frozenset(
    {"xmlns", "display", "mathvariant", "mathcolor", "mathbackground", "mathsize"}
    | {"stretchy", "fence", "separator", "lspace", "rspace", "accent", "accentunder"}
    | {"movablelimits", "largeop", "symmetric", "form", "minsize", "maxsize", "linebreak"}
    | {"width", "height", "depth", "voffset", "notation", "linethickness"}
    | {"columnalign", "rowalign", "rowspacing", "columnspacing", "columnlines", "rowlines", "frame"}
    | {"displaystyle", "scriptlevel", "encoding"}
)

# No attribute we allow on MathML needs ':', '(', quotes or '<'; refusing them means no scheme,
# CSS function or markup can ever be smuggled through a \color{...} or \hspace{...} argument.
_SAFE_MATHML_VALUE = re.compile(r"[\w#%+.,\- /]*")


def _mathml_attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "xmlns":
        return value if value == "http://www.w3.org/1998/Math/MathML" else None
    return value if _SAFE_MATHML_VALUE.fullmatch(value) else None


_MATH_CLEANER = nh3.Cleaner(
    tags=_MATHML_TAGS,
    clean_content_tags={"script", "style"},
    attributes={"*": set(_MATHML_ATTRIBUTES)},
    attribute_filter=_mathml_attribute_filter,
    link_rel=None,
    url_schemes=set(),
    strip_comments=True,
)

_local = threading.local()

_ID_PREFIX_RE = re.compile(r"[A-Za-z0-9_-]*")


# Whitespace and controls, which browsers (or some other consumer of the HTML, e.g. a feed reader)
# may drop from a URL.
_URL_INVISIBLE_RE = re.compile(r"[\s\x00-\x20\x7f-\x9f]+")
_URL_SCHEME_RE = re.compile(r"[a-z][a-z0-9+.\-]*:")


def _main_attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr in ("href", "src"):
        # nh3 parses URLs like a browser does; this second look with every invisible character
        # removed also rejects "java    script:" (Markdown expands a tab to spaces there), which
        # no browser runs but a laxer consumer of the HTML might.
        scheme = _URL_SCHEME_RE.match(_URL_INVISIBLE_RE.sub("", value).lower())
        if scheme and scheme.group() not in ("http:", "https:", "mailto:"):
            return None
    if attr == "id":
        # Heading ids come from the toc slugifier and always carry the caller's prefix; an id
        # typed as raw HTML without it could clobber DOM globals or another section's anchors.
        # (Checked by _foreign_id_re on nh3's output.)
        required = f"{getattr(_local, 'id_prefix', '')}h-"
        return value if value.startswith(required) else None
    if tag == "img" and attr == "src":
        # nh3 already blocks bad schemes; images additionally must not be relative so that a
        # review cannot make every reader's browser GET an endpoint of this site, except the
        # review images this site stores (reviews.images), which is what they are for.
        lowered = value.strip().lower()
        if IMAGE_SRC_RE.fullmatch(value):
            return value
        return value if lowered.startswith(("http://", "https://")) else None
    return value


# The filter above is applied to nh3's output rather than passed to nh3 as a callback: nh3
# calls a callback for every attribute it keeps, and a call into Python per heading id or link
# was most of the sanitizer's time on 100 KB of headings.  The result is the same: nh3 keeps an
# attribute if its own rules and the filter both allow it.  (Only h3-h6 may keep an id, and
# only a/img an href/src.)
_MAIN_CLEANER = nh3.Cleaner(**_MAIN_CLEANER_OPTIONS)
_URL_TAG_RE = re.compile(r"<(a|img) [^>]*>")
_URL_ATTRIBUTE_RE = re.compile(r' (href|src)="([^"]*)"')


def _filter_url_tag(tag: re.Match[str]) -> str:
    name = tag.group(1)

    def attribute(m: re.Match[str]) -> str:
        value = html.unescape(m.group(2))
        return m.group() if _main_attribute_filter(name, m.group(1), value) is not None else ""

    return _URL_ATTRIBUTE_RE.sub(attribute, tag.group())


@functools.lru_cache(maxsize=64)
def _foreign_id_re(id_prefix: str) -> re.Pattern[str]:
    # nh3 escapes '"', '<' and '>' in attribute values and '<' in text, so this only ever
    # matches a heading's start tag.
    return re.compile(rf'<(h[3-6]) id="(?!{re.escape(id_prefix)}h-)[^"]*"')


def _sanitize(body: str, id_prefix: str) -> str:
    cleaned = _MAIN_CLEANER.clean(body)
    if "<a " in cleaned or "<img " in cleaned:
        cleaned = _URL_TAG_RE.sub(_filter_url_tag, cleaned)
    if ' id="' in cleaned:
        cleaned = _foreign_id_re(id_prefix).sub(r"<\1", cleaned)
    return cleaned


# nh3's serializer double-quotes every attribute value and escapes '"', '<' and '>' inside it,
# so this matches exactly the tags of its output; everything between matches is text.
_SANITIZED_TAG_RE = re.compile(r'<[^<>"]*+(?:"[^"]*+"[^<>"]*+)*+>')

# --------------------------------------------------------------------------------------------
# Math: TeX -> sanitized MathML
# --------------------------------------------------------------------------------------------

_CHAR_REF_RE = re.compile(r"&#[xX]([0-9a-fA-F]{1,6});|&#([0-9]{1,7});")


def _decode_char_ref(match: re.Match[str]) -> str:
    hex_digits, dec_digits = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(dec_digits)
    # A lone surrogate would make the whole response unencodable; controls are never wanted.
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or (code < 0x20 and code not in (9, 10)):
        return match.group()
    return chr(code)


def _mathml_text(text: str) -> str:
    # latex2mathml stores symbols as literal "&#x...;" strings but leaves user text from \text{}
    # unescaped; decoding its references first and then escaping everything keeps both correct.
    return html.escape(_CHAR_REF_RE.sub(_decode_char_ref, text), quote=False)


def _serialize_mathml(element: Element, out: list[str]) -> None:
    tag = element.tag
    keep = tag in _MATHML_TAGS
    if keep:
        attrs = "".join(
            f' {name}="{html.escape(value, quote=True)}"'
            for name, value in element.attrib.items()
            if name in _MATHML_ATTRIBUTES
        )
        out.append(f"<{tag}{attrs}>")
    if element.text:
        out.append(_mathml_text(element.text))
    for child in element:
        _serialize_mathml(child, out)
        if child.tail:
            out.append(_mathml_text(child.tail))
    if keep:
        out.append(f"</{tag}>")


def _math_error(source: str) -> str:
    return f'<code class="math-error">{html.escape(source, quote=True)}</code>'


def _math_source(source: str) -> str:
    return f'<code class="math-source">{html.escape(source, quote=True)}</code>'


# latex2mathml takes 5-10 µs per character of TeX (and some 15 µs more per formula), so one
# section's distinct formulas are converted up to this many characters (each formula counting
# at least _MIN_FORMULA_COST); later ones show their TeX source.  That is 30 times the TeX of
# the most mathematical demo section, and keeps 100 KB of nothing but formulas within a few
# times the rendering time of ordinary text.
MAX_MATH_COST = 12_000
_MIN_FORMULA_COST = 8


@functools.lru_cache(maxsize=4096)
def _render_formula(tex: str, display: bool, source: str) -> str:
    try:
        root = convert_to_element(tex, display="block" if display else "inline")
        parts: list[str] = []
        _serialize_mathml(root, parts)
    # latex2mathml signals bad TeX with assorted exception types (and deep nesting can hit the
    # recursion limit); any failure must degrade to showing the source, never to a 500.
    except Exception:  # noqa: BLE001
        return _math_error(source)
    cleaned = _MATH_CLEANER.clean("".join(parts))
    return cleaned if cleaned.startswith("<math") else _math_error(source)


# --------------------------------------------------------------------------------------------
# Math extraction (Markdown preprocessor)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Formula:
    source: str  # exactly as typed, delimiters included
    tex: str
    display: bool


_SPECIAL_RE = re.compile(r"[\\`$]")
_BACKTICKS_RE = re.compile(r"`+")
_INLINE_CLOSE_SCAN_RE = re.compile(r"\\[^\n]|[$`]|\n[ \t]*\n")
_DISPLAY_CLOSE_SCAN_RE = re.compile(r"\\[^\n]|\$\$|\n[ \t]*\n")


def _find_inline_close(text: str, start: int) -> int:
    # Only the first unescaped '$' may close, and only under Pandoc's rule (not preceded by
    # whitespace, not followed by a digit).  Otherwise "$5 and $10" or "costs $5 to run $f(x)$"
    # would swallow text up to some later '$'.  A backtick ends the search too: TeX does not
    # use it, and it protects "`echo $HOME`" after a stray dollar.
    for match in _INLINE_CLOSE_SCAN_RE.finditer(text, start):
        token = match.group()
        if token[0] == "\\":
            continue
        if token != "$":
            return -1
        pos = match.start()
        if text[pos - 1].isspace():
            return -1
        if pos + 1 < len(text) and text[pos + 1].isdigit():
            return -1
        return pos
    return -1


def _find_display_close(text: str, start: int) -> int:
    for match in _DISPLAY_CLOSE_SCAN_RE.finditer(text, start):
        token = match.group()
        if token == "$$":
            return match.start()
        if token[0] == "\n":
            return -1
    return -1


_CODE_SPAN_CLOSERS: dict[int, re.Pattern[str]] = {}


def _find_code_span_end(text: str, start: int, ticks: int) -> int:
    # Same rule as Python-Markdown's BACKTICK_RE: a run of exactly as many backticks, and a
    # code span never crosses a blank line because inline patterns run per block.  One regex
    # for both keeps the scan proportional to the distance actually covered.
    closer = _CODE_SPAN_CLOSERS.get(ticks)
    if closer is None:
        closer = re.compile(rf"(?<!`)`{{{ticks}}}(?!`)|\n[ \t]*\n")
        if ticks <= 16:
            _CODE_SPAN_CLOSERS[ticks] = closer
    match = closer.search(text, start)
    return match.end() if match and match.group()[0] == "`" else -1


_SLUG_DROP_RE = re.compile(r"[^\w\s-]")
_SLUG_DASHES_RE = re.compile(r"[-\s]+")


class _MathExtension(Extension):
    """Holds the per-render math state; the engine (and so this object) is per thread."""

    def __init__(self) -> None:
        super().__init__()
        self.formulas: list[_Formula] = []
        self.token = ""
        self.token_re = re.compile(r"(?!)")
        self.id_prefix = ""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.registerExtension(self)
        # After fenced_code (25) so fences are already stashed; before anything that looks for
        # HTML, so that "$a<b$" is never mistaken for a tag.
        md.preprocessors.register(_MathPreprocessor(md, self), "math_extract", 24)
        md.preprocessors.register(_NestedListPreprocessor(md), "nested_lists", 19)
        md.preprocessors.register(_RuleBreakPreprocessor(md), "rule_breaks", 18)
        # Before the inline processor (20), which does the bracket matching it protects.
        md.treeprocessors.register(_BracketGuardTreeprocessor(md), "bracket_guard", 25)

    def begin(self, source: str, id_prefix: str, *, math_as_source: bool = False) -> None:
        # A fresh random nonce per render makes placeholders unguessable, so text that merely
        # looks like one stays inert; it never reaches the output, keeping output deterministic.
        token = f"mathph{secrets.token_hex(10)}i"
        while token in source:
            token = f"mathph{secrets.token_hex(10)}i"
        self.token = token
        self.token_re = re.compile(rf"{token}(\d+)e")
        self.formulas = []
        self.id_prefix = id_prefix
        self.converted: set[tuple[str, bool]] = set()
        self.spent = 0
        self.as_source = math_as_source

    def end(self) -> None:
        self.formulas = []
        self.converted = set()
        self.token = ""
        self.token_re = re.compile(r"(?!)")

    def add(self, source: str, tex: str, display: bool) -> str:
        self.formulas.append(_Formula(source, tex, display))
        return f"{self.token}{len(self.formulas) - 1}e"

    def _formula(self, match: re.Match[str]) -> _Formula | None:
        index = int(match.group(1))
        return self.formulas[index] if index < len(self.formulas) else None

    def slugify(self, value: str, separator: str) -> str:
        # Headings may contain math; slug the TeX rather than the random placeholder so anchors
        # are stable across renders.
        if self.token and self.token in value:
            value = self.token_re.sub(self._tex_or_empty, value)
        if separator != "-":  # pragma: no cover - the toc extension is configured with "-"
            return f"{self.id_prefix}h-{slugify_unicode(value, separator)}"
        # slugify_unicode(value, "-") with its two regexes compiled once.
        value = _SLUG_DROP_RE.sub("", value).strip().lower()
        return f"{self.id_prefix}h-{_SLUG_DASHES_RE.sub('-', value)}"

    def _tex_or_empty(self, match: re.Match[str]) -> str:
        formula = self._formula(match)
        return f" {formula.tex} " if formula else ""

    def _text_replacement(self, match: re.Match[str]) -> str:
        formula = self._formula(match)
        if formula is None:
            return ""
        if self.as_source:
            return _math_source(formula.source)
        key = (formula.tex, formula.display)
        if key not in self.converted:
            # Converting costs 5-10 µs per character of TeX: past the section's budget (in
            # document order, repeats free), a formula shows its source instead.
            cost = max(len(formula.tex), _MIN_FORMULA_COST)
            if self.spent + cost > MAX_MATH_COST:
                return _math_source(formula.source)
            self.spent += cost
            self.converted.add(key)
        return _render_formula(formula.tex, formula.display, formula.source)

    def _attribute_replacement(self, match: re.Match[str]) -> str:
        # Inside an attribute (link URL, alt, title) math cannot render; put the source back.
        # It starts with '$', which can never be part of a URL scheme, so a sanitized URL stays
        # exactly as safe as it was with the placeholder in it.
        formula = self._formula(match)
        return html.escape(formula.source, quote=True) if formula else ""

    def restore(self, sanitized: str) -> str:
        if not self.token or self.token[len("mathph") : -1] not in sanitized:
            return sanitized
        parts: list[str] = []
        pos = 0
        for tag in _SANITIZED_TAG_RE.finditer(sanitized):
            parts.append(self.token_re.sub(self._text_replacement, sanitized[pos : tag.start()]))
            parts.append(self.token_re.sub(self._attribute_replacement, tag.group()))
            pos = tag.end()
        parts.append(self.token_re.sub(self._text_replacement, sanitized[pos:]))
        result = "".join(parts)
        # Should a placeholder ever be split by some construct, drop the random part rather than
        # leak it: output must be the same for the same input.  (Python-Markdown's emphasis
        # drops the character after "*b**b*", so the "m" of a formula right there goes.)
        nonce = self.token[len("mathph") : -1]
        if nonce in result:
            result = re.sub(rf"(?:mathph|athph|thph|hph|ph|h)?{nonce}i(?:\d+e)?", "", result)
        return result


class _MathPreprocessor(Preprocessor):
    def __init__(self, md: markdown.Markdown, math: _MathExtension) -> None:
        super().__init__(md)
        self.math = math

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if "$" not in text:
            return lines
        return self.extract(text).split("\n")

    def extract(self, text: str) -> str:
        out: list[str] = []
        pos = 0
        length = len(text)
        while True:
            special = _SPECIAL_RE.search(text, pos)
            if special is None:
                out.append(text[pos:])
                break
            i = special.start()
            out.append(text[pos:i])
            char = text[i]
            if char == "\\":
                nxt = text[i + 1 : i + 2]
                # Markdown has no escape for '$'; we define "\$" as a literal dollar.  Other
                # escapes are kept for Markdown to handle.
                out.append("$" if nxt == "$" else text[i : i + 2])
                pos = i + 2
            elif char == "`":
                ticks = _BACKTICKS_RE.match(text, i).end() - i
                end = _find_code_span_end(text, i + ticks, ticks)
                pos = end if end != -1 else i + ticks
                out.append(text[i:pos])
            elif text.startswith("$$", i):
                close = _find_display_close(text, i + 2)
                tex = text[i + 2 : close].strip() if close != -1 else ""
                if tex:
                    out.append(self.math.add(text[i : close + 2], tex, True))
                    pos = close + 2
                else:
                    out.append("$$")
                    pos = i + 2
            else:
                close = -1
                if i + 1 < length and not text[i + 1].isspace():
                    close = _find_inline_close(text, i + 1)
                if close != -1:
                    out.append(self.math.add(text[i : close + 1], text[i + 1 : close], False))
                    pos = close + 1
                else:
                    out.append("$")
                    pos = i + 1
        return "".join(out)


# --------------------------------------------------------------------------------------------
# Lists indented by 2 spaces (Notion, GitHub, most blogs) -> Python-Markdown's 4
# --------------------------------------------------------------------------------------------

_LIST_ITEM_RE = re.compile(r"( *)([*+-]|\d{1,9}\.)( +)(.*)")
_LIST_ITEM_START_RE = re.compile(r"^ *(?:[*+-]|\d{1,9}\.) ", re.MULTILINE)
# Python-Markdown recurses once per nesting level; no real review nests lists this deep, and
# deeper items are simply kept at this level.
_MAX_LIST_DEPTH = 12


class _NestedListPreprocessor(Preprocessor):
    """Re-indent list items so that any indent of 2+ columns under an item nests, as users
    expect, while Python-Markdown only nests at multiples of 4.  Only leading spaces of lines
    inside a list are touched; text outside lists (including indented code) is left alone."""

    def run(self, lines: list[str]) -> list[str]:
        if not _LIST_ITEM_START_RE.search("\n".join(lines)):
            return lines  # no list item: nothing to re-indent
        out: list[str] = []
        # Open items, outermost first: (column of the marker, column of the content, depth).
        stack: list[tuple[int, int, int]] = []
        previous_blank = True
        for line in lines:
            stripped = line.lstrip(" ")
            if not stripped:
                out.append(line)
                previous_blank = True
                continue
            indent = len(line) - len(stripped)
            item = _LIST_ITEM_RE.fullmatch(line)
            if item and (stack or indent < 4):
                while stack and indent < stack[-1][0] + 2:
                    stack.pop()
                depth = min(stack[-1][2] + 1, _MAX_LIST_DEPTH) if stack else 0
                stack.append((indent, item.start(4), depth))
                if depth == indent == 0:
                    out.append(line)  # a top-level item stays as it is
                else:
                    out.append(f"{' ' * (4 * depth)}{line[indent:]}")
            elif stack and indent > 0:
                while stack and indent < stack[-1][0] + 2:
                    stack.pop()
                if stack:
                    _, content, depth = stack[-1]
                    new_indent = 4 * (depth + 1) + max(0, indent - content)
                    out.append(f"{' ' * new_indent}{stripped}")
                else:
                    out.append(line)
            else:
                if previous_blank:
                    stack.clear()
                out.append(line)
            previous_blank = False
        return out


# Thematic breaks (---, ***, ___) indented up to 3 spaces; setext underlines (=, -) at column 0.
_RULE_LINE_RE = re.compile(r" {0,3}(?:(?:-[ ]{0,2}){3,}|(?:_[ ]{0,2}){3,}|(?:\*[ ]{0,2}){3,}) *")
_UNDERLINE_RE = re.compile(r"(?:=+|-+) *")
_RULE_CANDIDATE_RE = re.compile(r"^ {0,3}[-_*=]", re.MULTILINE)


class _RuleBreakPreprocessor(Preprocessor):
    """Put a blank line after each rule or setext underline that has text right below it.

    Either line already ends its block, so the blank line changes nothing in the output, but
    without it Python-Markdown re-scans the rest of the block after every such line: 100 KB of
    "a\\n-\\n" took 40 s to render.
    """

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if not _RULE_CANDIDATE_RE.search(text):
            return lines
        if _SPACES_ONLY_LINE_RE.search(text):
            # "Non-blank" is not "non-empty" here: the lines above underlines are looked at.
            ends = [
                line.end()
                for line in _BLOCK_END_BEFORE_TEXT_RE.finditer(text)
                if line.group("rule") is not None
                or text[text.rfind("\n", 0, line.start() - 1) + 1 : line.start() - 1].strip()
            ]
        else:
            ends = [line.end() for line in _BLOCK_END_BEFORE_TEXT_RE.finditer(text)]
        if not ends:
            return lines
        starts = [0, *ends]
        ends.append(len(text))
        return "\n".join([text[start:end] for start, end in zip(starts, ends, strict=True)]).split(
            "\n"
        )


# A rule, or a setext underline (under a non-empty line), with a non-blank line right below.
_BLOCK_END_BEFORE_TEXT_RE = re.compile(
    rf"^(?:(?P<rule>{_RULE_LINE_RE.pattern})|(?<=[^\n]\n)(?:{_UNDERLINE_RE.pattern}))$"
    r"(?=\n[^\S\n]*\S)",
    re.MULTILINE,
)
# A line of nothing but whitespace (the whitespace normalizer leaves few).
_SPACES_ONLY_LINE_RE = re.compile(r"^[^\S\n]+$", re.MULTILINE)


# --------------------------------------------------------------------------------------------
# Square brackets: keep Python-Markdown's link matching from going quadratic
# --------------------------------------------------------------------------------------------

# Python-Markdown's link/reference patterns rescan from every '[' to its matching ']' (or to the
# end of the text when there is none), so 8 KB of "[" took 18 s and 100 KB would take hours.
# Unclosed '[' (which can never start a link anyway) and brackets nested deeper than any real
# link are swapped for a sentinel that no pattern looks at and turned back into '[' / ']' after
# conversion; the total scanning then stays under _MAX_BRACKET_DEPTH passes over the text.
# (Backslash escapes would not do: every escape is a separate inline match, and those are
# quadratic in Python-Markdown too.)  Both sentinels are C0 controls, which _normalize_source
# removes from user input, so they cannot be forged.
_OPEN_SENTINEL = "\x1b"
_CLOSE_SENTINEL = "\x1d"
_MAX_BRACKET_DEPTH = 8
_BRACKET_SCAN_RE = re.compile(r"\\.|`+|[\[\]]", re.DOTALL)


_INNERMOST_PAIR_RE = re.compile(r"\[[^\[\]]*\]")


def _brackets_need_no_guard(text: str) -> bool:
    # Without code spans or escapes, every '[' is closed and none nested deeper than
    # _MAX_BRACKET_DEPTH when that many passes of taking out innermost pairs leave no '['.
    if "`" in text or "\\" in text:
        return False
    for _ in range(_MAX_BRACKET_DEPTH):
        text, pairs = _INNERMOST_PAIR_RE.subn("", text)
        if "[" not in text:
            return True
        if not pairs:
            return False
    return False


def _guard_brackets(text: str) -> str:
    # Every '[' after the last ']' is unclosed, and nests no pair: when the text up to there
    # needs no guard, those are all the guard escapes.
    end = text.rfind("]") + 1
    if "`" not in text and "\\" not in text and _brackets_need_no_guard(text[:end]):
        tail = text[end:]
        return text if "[" not in tail else text[:end] + tail.replace("[", _OPEN_SENTINEL)
    return _guard_brackets_step_by_step(text)


def _guard_brackets_step_by_step(text: str) -> str:
    open_brackets: list[tuple[int, bool]] = []  # (position, escaped)
    live = 0
    to_escape: list[int] = []
    pos = 0
    while match := _BRACKET_SCAN_RE.search(text, pos):
        token = match.group()
        pos = match.end()
        if token[0] == "`":
            # Brackets inside a code span are not seen by the link patterns either.
            end = _find_code_span_end(text, pos, len(token))
            pos = end if end != -1 else pos
        elif token == "[":
            escaped = live >= _MAX_BRACKET_DEPTH
            open_brackets.append((match.start(), escaped))
            if escaped:
                to_escape.append(match.start())
            else:
                live += 1
        elif token == "]" and open_brackets:
            _, escaped = open_brackets.pop()
            if escaped:
                to_escape.append(match.start())
            else:
                live -= 1
    to_escape.extend(start for start, escaped in open_brackets if not escaped)
    if not to_escape:
        return text
    chars = list(text)
    for index in to_escape:
        chars[index] = _OPEN_SENTINEL if chars[index] == "[" else _CLOSE_SENTINEL
    return "".join(chars)


def _restore_brackets(body: str) -> str:
    if _OPEN_SENTINEL in body or _CLOSE_SENTINEL in body:
        return body.replace(_OPEN_SENTINEL, "[").replace(_CLOSE_SENTINEL, "]")
    return body


class _BracketGuardTreeprocessor(Treeprocessor):
    def run(self, root: Element) -> None:
        if not getattr(self.md, "linear_has_bracket", True):
            return
        for element in root.iter():
            # AtomicString marks text the inline processor will not touch (code blocks).
            text = element.text
            if text and "[" in text and not isinstance(text, AtomicString):
                element.text = _guard_brackets(text)
            tail = element.tail
            if tail and "[" in tail and not isinstance(tail, AtomicString):
                element.tail = _guard_brackets(tail)


# --------------------------------------------------------------------------------------------
# Tables: a test() that does not look at the whole block
# --------------------------------------------------------------------------------------------

_TABLE_SEPARATOR_CHARS = frozenset("|:- ")
_LINE_WITHOUT_PIPE_RE = re.compile(r"^(?! *\|)(?!.*\| *$)", re.MULTILINE)


class _LinearTableProcessor(TableProcessor):
    def test(self, parent: Element, block: str) -> bool:
        # The stock test() splits and strips every line of the block, and the block parser offers
        # the rest of a block again after each line that a heading or <hr> takes, so 25 k lines of
        # "# x" took 18 s.  Only the header and separator lines decide...
        first = block.find("\n")
        if first == -1:
            return False
        second = block.find("\n", first + 1)
        separator = block[first + 1 :] if second == -1 else block[first + 1 : second]
        if not set(separator.strip(" ")) <= _TABLE_SEPARATOR_CHARS:
            return False
        if "|" not in block[:first]:
            return False  # a header row without a pipe is one cell without borders: no table
        if not super().test(parent, block[:second] if second != -1 else block):
            return False
        # ...except that a single-column table also needs a pipe on every further line.
        return not (
            len(self.separator) == 1
            and second != -1
            and _LINE_WITHOUT_PIPE_RE.search(block, second + 1) is not None
        )

    def _split(self, row: str) -> list[str]:
        # The stock _split pairs code spans with a list slice per span and tests every pipe
        # against every span, which is quadratic in a row of many spans ("`a` " * 4000 + "|" *
        # 4000 took 0.55 s).  Same result: a row without backticks or backslashes splits on
        # every pipe, and otherwise spans are paired through an index of their sizes and pipes
        # are checked against the (ordered, disjoint) spans in one merge.
        if "`" not in row and "\\" not in row:
            return row.split("|")
        pipes: list[int] = []
        tics: list[int] = []
        tic_points: list[tuple[int, int, int]] = []
        for m in self.RE_CODE_PIPES.finditer(row):
            if m.group(2):
                tics.append(len(m.group(2)) - 1)
                tic_points.append((m.start(2), m.end(2) - 1, 1))
            elif m.group(3):
                tics.append(len(m.group(3)))
                tic_points.append((m.start(3), m.end(3) - 1, 0))
            elif m.group(5):
                pipes.append(m.start(5))
        by_size: dict[int, list[int]] = {}
        for index, size in enumerate(tics):
            by_size.setdefault(size, []).append(index)
        regions: list[tuple[int, int]] = []
        pos = 0
        while pos < len(tics):
            size = tics[pos] - tic_points[pos][2]
            same = by_size.get(size, []) if size else []
            later = bisect.bisect_right(same, pos)
            if later < len(same):
                close = same[later]
                regions.append((tic_points[pos][0], tic_points[close][1]))
                pos = close + 1
            else:
                pos += 1
        elements: list[str] = []
        start = 0
        region = 0
        for pipe in pipes:
            while region < len(regions) and regions[region][1] < pipe:
                region += 1
            if region < len(regions) and regions[region][0] <= pipe:
                continue  # inside a code span
            elements.append(row[start:pipe])
            start = pipe + 1
        elements.append(row[start:])
        return elements

    def _split_row(self, row: str) -> list[str]:
        # The stock _split_row, without a regex for the closing pipe of a row without
        # backslashes (one that could escape it).
        if self.border:
            if row.startswith("|"):
                row = row[1:]
            if "\\" in row:
                row = self.RE_END_BORDER.sub("", row)
            elif row.endswith("|"):
                row = row[:-1]
        return self._split(row)

    def _build_row(self, row: str, parent: Element, align: Sequence[str | None]) -> None:
        # The stock _build_row with its per-cell lookups made once per row.
        tr = SubElement(parent, "tr")
        tag = "th" if parent.tag == "thead" else "td"
        if "`" in row or "\\" in row:
            cells = self._split_row(row)
        else:  # _split_row and _split without code spans or escapes
            if self.border:
                if row.startswith("|"):
                    row = row[1:]
                if row.endswith("|"):
                    row = row[:-1]
            cells = row.split("|")
        count = len(cells)
        use_align_attribute = self.config["use_align_attribute"]
        for i, a in enumerate(align):
            cell = SubElement(tr, tag)
            cell.text = cells[i].strip(" ") if i < count else ""
            if a:
                if use_align_attribute:
                    cell.set("align", a)
                else:  # pragma: no cover - configured with use_align_attribute
                    cell.set("style", f"text-align: {a};")

    @staticmethod
    def could_start(block: str, start: int) -> bool:
        """Whether ``test`` could be true for ``block[start:]`` (cheap, no copy)."""
        first = block.find("\n", start)
        if first == -1 or block.find("|", start, first) == -1:
            return False
        second = block.find("\n", first + 1)
        end = len(block) if second == -1 else second
        return set(block[first + 1 : end].strip(" ")) <= _TABLE_SEPARATOR_CHARS


class _LinearTableExtension(TableExtension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        super().extendMarkdown(md)
        md.parser.blockprocessors.register(
            _LinearTableProcessor(md.parser, self.getConfigs()), "table", 75
        )


# --------------------------------------------------------------------------------------------
# Fenced code: no user-controlled Pygments options
# --------------------------------------------------------------------------------------------


class _LangOnlyFencedBlockPreprocessor(FencedBlockPreprocessor):
    def handle_attrs(
        self, attrs: Iterable[tuple[str, str | None]]
    ) -> tuple[str, list[str], dict[str, object]]:
        # The stock handler forwards every key of ```{ .lang key=value } to Pygments as a
        # formatter/lexer option (e.g. pygments_formatter, noclasses); only the language is
        # something a reviewer needs.
        classes = [value for key, value in attrs if key == "." and value]
        return "", classes[:1], {}


class _LangOnlyFencedCodeExtension(FencedCodeExtension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.registerExtension(self)
        md.preprocessors.register(
            _LangOnlyFencedBlockPreprocessor(md, self.getConfigs()), "fenced_code_block", 25
        )


# --------------------------------------------------------------------------------------------
# Engine and public API
# --------------------------------------------------------------------------------------------


class _Engine:
    def __init__(self, *, linear: bool = True) -> None:
        self.math = _MathExtension()
        self.md = markdown.Markdown(
            extensions=[
                _LinearTableExtension(use_align_attribute=True),
                _LangOnlyFencedCodeExtension(),
                CodeHiliteExtension(css_class="codehilite", guess_lang=False, noclasses=False),
                # The page already uses h1/h2, so "#" becomes h3.  marker="" disables [TOC].
                TocExtension(baselevel=3, slugify=self.math.slugify, marker=""),
                "sane_lists",
                self.math,
            ],
            output_format="html",
        )
        # Raw HTML is sanitized by nh3 anyway; Python-Markdown's raw-HTML block parser only
        # decides which HTML escapes Markdown processing, and on this Python's html.parser it is
        # quadratic or worse on unterminated tags (40 KB of "<![CDATA[ " took 45 s, 12 KB of
        # "<a " 1.4 s).  Without it raw tags are still passed through, by the linear inline
        # pattern, and Markdown inside HTML blocks is rendered, as on GitHub.
        self.md.preprocessors.deregister("html_block")
        # Inline patterns, code spans, links and heading ids in linear time (markdown_linear).
        # ``linear=False`` keeps the stock processors, which the tests compare against.
        if linear:
            markdown_linear.install(self.md)


def _engine() -> _Engine:
    # Building an engine costs ~0.2 ms but Markdown instances carry per-document state, so one
    # per thread, reset() before each use.
    engine = getattr(_local, "engine", None)
    if engine is None:
        engine = _local.engine = _Engine()
    return engine


# C0 controls (except tab/newline/CR) are invisible, and some are meaningful to Python-Markdown
# (STX/ETX delimit its stash placeholders); lone surrogates cannot be encoded to UTF-8.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


def _normalize_source(text: str) -> str:
    text = _CONTROL_RE.sub("", text)
    return _SURROGATE_RE.sub("\ufffd", text)


# The sanitizer takes time quadratic in the number of "&" (and no-break spaces) in one text node
# or attribute value: 100 KB of "&" took 0.13 s and 160 K 0.25 s, but the same text split into
# pieces of a few thousand is linear.  An empty comment between the pieces splits the text
# node, and the sanitizer drops comments, so the output is the same.  In an element whose
# content is not parsed as HTML (textarea, title, ...) a comment would be text, so the pieces
# are split by closing and reopening the element instead (the sanitizer drops these tags and
# keeps their text); <plaintext>, which cannot be closed, is shown as text.  A tag with more
# "&" in its attributes than any URL or title has (a 100 KB href) loses its attributes.
_SPLIT_TEXT_EVERY = 2048
_MAX_TAG_AMPERSANDS = 8192
_SPLIT_TEXT_AT_RE = re.compile("[&\xa0]")
# A tag, comment or declaration: from "<" to the next ">" outside quotes.  Possessive, and
# stopping at any other "<", so that each character is looked at a bounded number of times.
_HTML_TOKEN_RE = re.compile(r"""<(?:[^<>"']++|"[^"]*+"|'[^']*+')*+>""")
_TAG_NAME_RE = re.compile(r"<(/?)([A-Za-z][^\s/>]*)")
_UNPARSED_CONTENT = frozenset(
    {"textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"}
)
_DROPPED_CONTENT = frozenset({"script", "style"})  # the sanitizer drops these with their content


_HTML_TOKEN_SPLIT_RE = re.compile(f"({_HTML_TOKEN_RE.pattern})")
# Any tag that the loop below treats specially (a superset: it may match in text too).
_SPECIAL_TAG_RE = re.compile(
    rf"</?(?:{'|'.join(sorted(_UNPARSED_CONTENT | _DROPPED_CONTENT))})(?![^\s/>])", re.IGNORECASE
)


def _split_long_text_runs(body: str) -> str:
    if body.count("&") + body.count("\xa0") <= _SPLIT_TEXT_EVERY:
        return body
    if not _SPECIAL_TAG_RE.search(body):
        # What the loop below does when no element's content is special, without a Python
        # step per tag: texts and tags alternate in the split.
        parts = _HTML_TOKEN_SPLIT_RE.split(body)
        for index in range(0, len(parts), 2):
            if len(parts[index]) > _SPLIT_TEXT_EVERY:
                parts[index] = _split_text(parts[index], "<!---->")
        if body.count("&") > _MAX_TAG_AMPERSANDS:
            for index in range(1, len(parts), 2):
                token = parts[index]
                if token.count("&") > _MAX_TAG_AMPERSANDS and (tag := _TAG_NAME_RE.match(token)):
                    parts[index] = f"<{tag.group(1)}{tag.group(2)}>"
        return "".join(parts)
    out: list[str] = []
    pos = 0
    inside: str | None = None  # an element whose content is not parsed as HTML
    for token in _HTML_TOKEN_RE.finditer(body):
        text = body[pos : token.start()]
        if inside in _DROPPED_CONTENT:
            out.append(text)
        else:
            out.append(_split_text(text, f"</{inside}><{inside}>" if inside else "<!---->"))
        pos = token.end()
        tag = _TAG_NAME_RE.match(token.group())
        if tag is None:
            out.append(token.group())
            continue
        name = tag.group(2).lower()
        if inside is None and not tag.group(1):
            if name == "plaintext":
                out.append(html.escape(token.group(), quote=False))
                continue
            if name in _UNPARSED_CONTENT or name in _DROPPED_CONTENT:
                inside = name
        elif inside is not None and tag.group(1) and name == inside:
            inside = None
        if token.group().count("&") > _MAX_TAG_AMPERSANDS:
            out.append(f"<{tag.group(1)}{tag.group(2)}>")
        else:
            out.append(token.group())
    rest = body[pos:]
    out.append(rest if inside in _DROPPED_CONTENT else _split_text(rest, "<!---->"))
    return "".join(out)


def _split_text(text: str, separator: str) -> str:
    if text.count("&") + text.count("\xa0") <= _SPLIT_TEXT_EVERY:
        return text
    pieces: list[str] = []
    start = 0
    for count, at in enumerate(_SPLIT_TEXT_AT_RE.finditer(text), 1):
        if count % _SPLIT_TEXT_EVERY == 0:
            pieces.append(text[start : at.start()])
            start = at.start()
    pieces.append(text[start:])
    return separator.join(pieces)


def render_markdown(text: str, *, id_prefix: str = "", math_as_source: bool = False) -> SafeString:
    """Render untrusted Markdown (with $TeX$ math) to sanitized HTML.

    ``id_prefix`` is prepended (before "h-") to every heading id so several rendered sections can
    share a page; it may contain only ASCII letters, digits, '-' and '_'.
    ``math_as_source`` shows each formula as its TeX in ``<code>``, for mail readers (Gmail,
    Apple Mail) that render neither MathML nor SVG.
    """
    if not _ID_PREFIX_RE.fullmatch(id_prefix):
        raise ValueError(f"id_prefix may only contain [A-Za-z0-9_-], got {id_prefix!r}")
    source = _normalize_source(text)
    engine = _engine()
    engine.math.begin(source, id_prefix, math_as_source=math_as_source)
    _local.id_prefix = id_prefix
    # Rendering builds no reference cycles, but a long section allocates hundreds of thousands
    # of elements and strings, and the cycle collector would walk them again and again (a
    # tenth of the time on element-dense text).  Turned back on at the end unless someone
    # else had it off.
    collecting = gc.isenabled()
    if collecting:
        gc.disable()
    try:
        try:
            body = _restore_brackets(engine.md.reset().convert(source))
        except RecursionError:
            # Deeply nested blockquotes or other block structures exhaust the stack inside
            # Python-Markdown; stored content must still display, so show it as plain text.
            body = f"<pre>{html.escape(source)}</pre>"
        body = _sanitize(_split_long_text_runs(body), id_prefix)
        body = engine.math.restore(body)
    finally:
        engine.math.end()
        if collecting:
            gc.enable()
    return mark_safe(body)
