"""Outside HTML (blog posts, Notion or Google Docs pastes) to the Markdown reviews are written in.

The result is untrusted Markdown: it is stored as review text and rendered later by
``reviews.markdown.render_markdown``, whose sanitizer is what makes it safe. The aim here is
only a faithful, readable conversion:

- math survives: ``$…$``/``$$…$$``/``\\(…\\)``/``\\[…\\]`` in text, KaTeX and MathJax output and
  MathML with a TeX annotation all become ``$…$`` or ``$$…$$`` (the only delimiters our renderer
  knows). TeX is swapped for placeholders before markdownify runs, because markdownify escapes
  ``_`` and ``*``, which would break every subscript;
- code blocks are fenced and keep their language; headings are ATX; tables stay tables;
- text keeps its shape: newlines in plain text or in ``white-space: pre-wrap`` text (what
  velog and Tistory put on the clipboard) become hard breaks, and blank lines paragraphs;
- bare URLs become ``<url>`` autolinks, unescaped (markdownify would write ``a\\_b``);
- images become plain links (``[alt](src)``): the app does not hotlink other sites' images.
  With ``images=True`` they are written as images (``![alt](src)``) for the caller to fetch
  and store here (``services.images.review_images_import``), which turns the ones it cannot
  keep back into links.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag
from markdownify import ATX, MarkdownConverter

__all__ = ["html_to_markdown"]

# TeX in plain text, in the forms blogs and Markdown editors use. An inline "$" follows
# Pandoc's rule (no space inside the delimiters, no digit after the closing one) so that
# "$5 and $10" stays money.
_TEXT_MATH_RE = re.compile(
    r"\$\$(?P<dollar_display>.+?)\$\$"
    r"|\\\[(?P<bracket_display>.+?)\\\]"
    r"|\\\((?P<paren_inline>.+?)\\\)"
    r"|(?<![\\$])\$(?P<dollar_inline>[^\s$](?:[^$\n]*?[^\s$\\])?)\$(?![\d$])",
    re.DOTALL,
)
_TEX_ANNOTATION = "application/x-tex"
_MATH_CONTAINER_CLASSES = frozenset(
    {"katex", "katex-display", "katex-mathml", "MathJax", "MathJax_Display", "MathJax_SVG"}
)
_DISPLAY_CLASSES = frozenset({"katex-display", "MathJax_Display"})
# Elements that carry no text worth keeping in a review.
_DROPPED_TAGS = ("script", "style", "noscript", "template", "svg", "button", "form", "input")
_NO_TEXT_MATH = ("pre", "code", "kbd", "samp", "script", "style")
_LANGUAGE_RE = re.compile(r"[A-Za-z0-9_+#.-]{1,30}")
_LANGUAGE_ATTRIBUTES = ("data-lang", "data-language", "data-ke-language")
_TAG_LIKE_RE = re.compile(r"<(?=[A-Za-z/!?])")
_BLANK_LINES_RE = re.compile(r"\n\s*\n")
_HEADING_ANCHOR_TEXT = frozenset({"", "#", "¶", "§", "🔗", "link"})
# A bare address in text. Only ASCII: Korean text often follows an address with no space
# ("…/repo에서"), and browsers copy addresses with their non-ASCII characters percent-encoded.
_BARE_URL_RE = re.compile(r"(?<![\w/\\])https?://[-!#$%&()*+,./0-9:;=?@A-Z\[\]^_a-z|~]+", re.ASCII)
_URL_TRAILING_PUNCTUATION = ".,;:!?"
_NO_BARE_URL = ("a", "pre", "code", "kbd", "samp")
_WHITE_SPACE_RE = re.compile(r"white-space\s*:\s*([a-z-]+)", re.IGNORECASE)
_KEEPS_NEWLINES = frozenset({"pre", "pre-wrap", "pre-line", "break-spaces"})
_NEWLINES_RE = re.compile(r"[ \t]*\r?\n[ \t\r\n]*")


def html_to_markdown(html: str, *, base_url: str = "", images: bool = False) -> str:
    """Convert an HTML fragment or page to Markdown; relative links resolve against base_url.

    ``images``: write http(s) images as ``![alt](src)`` instead of links.
    """
    if not html or not html.strip():
        return ""
    soup = BeautifulSoup(html, "html.parser")
    formulas = _Placeholders()
    _extract_rendered_math(soup, formulas)
    for tag in soup.find_all(_DROPPED_TAGS):
        tag.decompose()
    _clean_code_blocks(soup)
    _clean_headings(soup)
    _clean_google_docs(soup)
    _protect_text_math(soup, formulas)
    _protect_bare_urls(soup, formulas)
    _keep_line_breaks(soup, formulas)
    markdown = _Converter(base_url=base_url, images=images).convert_soup(soup)
    markdown = formulas.restore(markdown)
    # Google Docs and Notion fill their HTML with no-break spaces; in Markdown they only hurt.
    markdown = markdown.replace("\xa0", " ")
    return markdown.strip() + "\n" if markdown.strip() else ""


class _Placeholders:
    """TeX, links and breaks set aside under random alphanumeric tokens markdownify leaves alone."""

    def __init__(self) -> None:
        self.prefix = f"mdxmath{secrets.token_hex(8)}n"
        self.items: list[str] = []
        self.pattern = re.compile(rf"{self.prefix}(\d+)e")

    def add(self, tex: str, *, display: bool) -> str:
        tex = tex.strip()
        if not tex:
            return ""
        if display:
            # A blank line would end the formula for the renderer.
            self.items.append("$$" + _BLANK_LINES_RE.sub("\n", tex) + "$$")
        else:
            self.items.append(f"${' '.join(tex.split())}$")
        return f"{self.prefix}{len(self.items) - 1}e"

    def keep(self, markdown: str) -> str:
        """A token that comes back as this exact Markdown."""
        self.items.append(markdown)
        return f"{self.prefix}{len(self.items) - 1}e"

    def restore(self, text: str) -> str:
        return self.pattern.sub(lambda m: self.items[int(m.group(1))], text)


def _classes(tag: Tag) -> set[str]:
    value = tag.get("class") or []
    return set(value.split() if isinstance(value, str) else value)


def _math_root(annotation: Tag) -> Tag:
    """The outermost element of one rendered formula (KaTeX, MathJax or bare MathML)."""
    root = annotation
    for parent in annotation.parents:
        if parent.name in ("math", "mjx-container") or _classes(parent) & _MATH_CONTAINER_CLASSES:
            root = parent
        elif parent.name != "semantics":
            break
    return root


def _is_display(root: Tag) -> bool:
    if _classes(root) & _DISPLAY_CLASSES:
        return True
    if root.name == "mjx-container" and root.get("display") == "true":
        return True
    return root.name == "math" and root.get("display") == "block"


def _extract_rendered_math(soup: BeautifulSoup, formulas: _Placeholders) -> None:
    """Replace rendered formulas by their TeX source before anything else reads the tree."""
    for annotation in soup.find_all("annotation"):
        if annotation.parent is None or annotation.get("encoding") != _TEX_ANNOTATION:
            continue
        root = _math_root(annotation)
        token = formulas.add(annotation.get_text(), display=_is_display(root))
        root.replace_with(NavigableString(token))
    for math in soup.find_all("math"):
        if math.parent is not None and math.get("alttext"):
            token = formulas.add(str(math["alttext"]), display=math.get("display") == "block")
            math.replace_with(NavigableString(token))
    # MathJax 2 keeps the source in <script type="math/tex">; its rendered copy is dropped.
    for script in soup.find_all("script"):
        kind = str(script.get("type", ""))
        if script.parent is not None and kind.startswith("math/tex"):
            token = formulas.add(script.get_text(), display="mode=display" in kind)
            script.replace_with(NavigableString(token))
    for tag in soup.find_all(class_=re.compile(r"^MathJax")):
        if tag.parent is not None:
            tag.decompose()


def _protect_text_math(soup: BeautifulSoup, formulas: _Placeholders) -> None:
    """Set TeX typed in the text aside, so markdownify's escaping cannot touch it."""

    def placeholder(match: re.Match[str]) -> str:
        for name, display in (
            ("dollar_display", True),
            ("bracket_display", True),
            ("paren_inline", False),
            ("dollar_inline", False),
        ):
            if match.group(name) is not None:
                return formulas.add(match.group(name), display=display) or match.group()
        return match.group()

    for text in list(soup.find_all(string=True)):
        if not isinstance(text, NavigableString) or type(text) is not NavigableString:
            continue  # comments, doctypes, CDATA
        if any(parent.name in _NO_TEXT_MATH for parent in text.parents):
            continue
        value = str(text)
        if "$" not in value and "\\" not in value:
            continue
        replaced = _TEXT_MATH_RE.sub(placeholder, value)
        if replaced != value:
            text.replace_with(NavigableString(replaced))


def _plain_texts(soup: BeautifulSoup, skip: tuple[str, ...]) -> list[NavigableString]:
    """Text nodes (not comments or CDATA) outside the elements named in skip."""
    return [
        text
        for text in soup.find_all(string=True)
        if type(text) is NavigableString and not any(p.name in skip for p in text.parents)
    ]


def _url_end(url: str) -> str:
    """The address without the sentence's punctuation after it ("see https://x.org/a).")."""
    while url:
        if url[-1] in _URL_TRAILING_PUNCTUATION:
            url = url[:-1]
        elif url[-1] in ")]" and url.count(url[-1]) > url.count("(" if url[-1] == ")" else "["):
            url = url[:-1]
        else:
            break
    return url


def _protect_bare_urls(soup: BeautifulSoup, placeholders: _Placeholders) -> None:
    """Bare addresses in text become autolinks that markdownify's escaping cannot break."""

    def autolink(match: re.Match[str]) -> str:
        url = _url_end(match.group())
        if len(url) <= len("https://"):
            return match.group()
        return placeholders.keep(f"<{url}>") + match.group()[len(url) :]

    for text in _plain_texts(soup, _NO_BARE_URL):
        value = str(text)
        if "://" in value:
            replaced = _BARE_URL_RE.sub(autolink, value)
            if replaced != value:
                text.replace_with(NavigableString(replaced))


def _keeps_newlines(text: NavigableString, plain: bool) -> bool:
    """Whether the text's newlines show: plain text, or CSS white-space that keeps them."""
    for parent in text.parents:
        match = _WHITE_SPACE_RE.search(str(parent.get("style") or "")) if parent.name else None
        if match:
            return match.group(1).lower() in _KEEPS_NEWLINES
    return plain


def _keep_line_breaks(soup: BeautifulSoup, placeholders: _Placeholders) -> None:
    """Newlines that show in the source become hard breaks, blank lines new paragraphs.

    A paste of plain text, or of text styled ``white-space: pre-wrap``, says where its lines
    end with newlines, which markdownify (like HTML) would fold into spaces.
    """
    plain = soup.find() is None
    for text in _plain_texts(soup, (*_NO_TEXT_MATH, "td", "th")):
        value = str(text)
        if "\n" not in value or not _keeps_newlines(text, plain):
            continue
        # A blank line inside a list item would end the list: there it is a break too.
        in_item = any(parent.name == "li" for parent in text.parents)
        pieces: list[NavigableString | Tag] = []
        position = 0
        for match in _NEWLINES_RE.finditer(value):
            pieces.append(NavigableString(value[position : match.start()]))
            if match.group().count("\n") > 1 and not in_item:
                pieces.append(NavigableString(placeholders.keep("\n\n")))
            else:
                pieces.append(soup.new_tag("br"))
            position = match.end()
        pieces.append(NavigableString(value[position:]))
        text.replace_with(*[piece for piece in pieces if piece != ""])


def _clean_code_blocks(soup: BeautifulSoup) -> None:
    """Undo what syntax highlighters add around code: line-number tables and spans."""
    # Hugo/Chroma with line numbers: a table whose last cell holds the real <pre>.
    for table in soup.select("table.lntable"):
        pres = table.find_all("pre")
        if pres:
            table.replace_with(pres[-1])
    for number in soup.select("pre span.ln, pre span.lnt, pre .line-number"):
        number.decompose()


def _clean_headings(soup: BeautifulSoup) -> None:
    """Drop the "#"/"¶" permalink anchors static site generators put inside headings."""
    for heading in soup.find_all(re.compile(r"^h[1-6]$")):
        for anchor in heading.find_all("a"):
            href = str(anchor.get("href", ""))
            if href.startswith("#") and anchor.get_text().strip() in _HEADING_ANCHOR_TEXT:
                anchor.decompose()


def _clean_google_docs(soup: BeautifulSoup) -> None:
    """Google Docs marks bold and italic with styles, and wraps everything in a non-bold <b>."""
    for bold in soup.find_all(["b", "strong"]):
        if "font-weight:normal" in str(bold.get("style", "")).replace(" ", ""):
            bold.unwrap()
    for span in soup.find_all("span", style=True):
        style = str(span["style"]).replace(" ", "").lower()
        if re.search(r"font-weight:(bold|[6-9]00)", style):
            span.wrap(soup.new_tag("strong"))
        if "font-style:italic" in style:
            span.wrap(soup.new_tag("em"))


def _code_language(pre: Tag) -> str:
    """The language of a code block from the class or data attribute highlighters use."""
    candidates = [pre, *pre.find_all("code", limit=1)]
    if isinstance(pre.parent, Tag):
        candidates.append(pre.parent)
    for element in candidates:
        for attribute in _LANGUAGE_ATTRIBUTES:
            value = str(element.get(attribute) or "")
            if _LANGUAGE_RE.fullmatch(value):
                return value.lower()
        for name in _classes(element):
            for prefix in ("language-", "lang-"):
                value = name.removeprefix(prefix)
                if name.startswith(prefix) and _LANGUAGE_RE.fullmatch(value):
                    return value.lower()
    return ""


class _Converter(MarkdownConverter):
    """markdownify with the choices reviews need (see the module docstring)."""

    def __init__(self, *, base_url: str, images: bool = False) -> None:
        super().__init__(
            heading_style=ATX,
            bullets="-",
            code_language_callback=_code_language,
            table_infer_header=True,
            sub_symbol="<sub>",
            sup_symbol="<sup>",
        )
        self.base_url = base_url
        self.images = images

    def _absolute(self, url: str) -> str:
        url = url.strip()
        if self.base_url and url and not url.startswith("#"):
            url = urljoin(self.base_url, url)
        return url

    def escape(self, text: str, parent_tags: set[str]) -> str:
        # Text that looks like a tag ("use <div>") must stay text, not become HTML.
        return _TAG_LIKE_RE.sub("&lt;", super().escape(text, parent_tags))

    def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        href = self._absolute(str(el.get("href") or ""))
        if urlsplit(href).scheme.lower() not in ("http", "https", "mailto"):
            return text  # in-page anchors, javascript: and the like keep only their text
        el["href"] = href
        return super().convert_a(el, text, parent_tags)

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        alt = " ".join(str(el.get("alt") or "").split()).replace("[", "(").replace("]", ")")
        src = self._absolute(str(el.get("src") or el.get("data-src") or ""))
        if urlsplit(src).scheme.lower() not in ("http", "https"):
            return alt  # data: images (pastes) are far too large for a review
        src = src.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        if self.images:
            return f"![{alt}]({src})"
        return f"[{alt or 'image'}]({src})"

    def convert_iframe(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        src = self._absolute(str(el.get("src") or ""))
        if urlsplit(src).scheme.lower() not in ("http", "https"):
            return ""
        title = " ".join(str(el.get("title") or "embedded content").split())
        return f"[{title}]({src.replace(' ', '%20')})"

    convert_video = convert_iframe

    def convert_pre(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if not text.strip():
            return ""
        language = _code_language(el)
        # A fence longer than any backtick run in the code, so that ``` inside stays code.
        longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
        fence = "`" * max(3, longest + 1)
        body = text.strip("\n")
        return f"\n\n{fence}{language}\n{body}\n{fence}\n\n"

    def convert_td(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return super().convert_td(el, _escape_pipes(text), parent_tags)

    def convert_th(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return super().convert_th(el, _escape_pipes(text), parent_tags)


def _escape_pipes(text: str) -> str:
    return re.sub(r"(?<!\\)\|", r"\\|", text)
