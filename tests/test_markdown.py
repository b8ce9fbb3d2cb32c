"""Tests for reviews.markdown: realistic review content renders, hostile content never survives.

Structure is asserted on the output parsed with the stdlib HTML parser, not on substrings, so
the tests keep meaning something if attribute order or whitespace changes.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.utils.safestring import SafeString

from reviews.markdown import (
    MAX_SOURCE_BYTES,
    _engine,
    _guard_brackets,
    _RuleBreakPreprocessor,
    render_markdown,
)

REPO_ROOT = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------------------------
# A tiny DOM over html.parser
# --------------------------------------------------------------------------------------------

VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input"}
    | {"link", "meta", "param", "source", "track", "wbr", "keygen"}
)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list[Node | str] = field(default_factory=list)

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str) -> list[Node]:
        """Descendants only, like BeautifulSoup."""
        return [node for node in self.iter() if node.tag == tag and node is not self]

    def find(self, tag: str) -> Node:
        found = self.find_all(tag)
        assert found, f"no <{tag}> element"
        return found[0]

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def child_tags(self) -> list[str]:
        return [c.tag for c in self.children if isinstance(c, Node)]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]
        self.comments: list[str] = []
        self.declarations: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID_TAGS:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def handle_decl(self, decl: str) -> None:
        self.declarations.append(decl)

    def handle_pi(self, data: str) -> None:
        self.declarations.append(data)

    def unknown_decl(self, data: str) -> None:
        self.declarations.append(data)


def parse(markup: str) -> _TreeBuilder:
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    return builder


def render_tree(text: str, **kwargs: str) -> Node:
    return parse(str(render_markdown(text, **kwargs))).root


# --------------------------------------------------------------------------------------------
# Realistic review content
# --------------------------------------------------------------------------------------------

SWA_UPDATE = r"$w_{\text{SWA}} \leftarrow \frac{w_{\text{SWA}} \cdot n + w}{n + 1}$"

RESULTS_TABLE = """\
| Method | CIFAR-100 Top-1 | Epochs |
|:-------|:---------------:|-------:|
| SGD    | $71.21 \\pm 0.29$ | 150 |
| SWA    | $72.55 \\pm 0.10$ | 150 |
"""

PSEUDO_CODE = """\
```python
for epoch in range(budget):  # lr schedule from $\\alpha_1$ to $\\alpha_2$
    w = sgd_step(w, "$x$")
    if epoch % c == 0:
        w_swa = (w_swa * n + w) / (n + 1)
```
"""


def test_render_korean_paragraphs_become_two_p() -> None:
    root = render_tree("이 논문은 확률적 가중치 평균(SWA)을 제안한다.\n\n두 번째 문단입니다.")
    assert root.child_tags() == ["p", "p"]
    paragraphs = root.find_all("p")
    assert paragraphs[0].text() == "이 논문은 확률적 가중치 평균(SWA)을 제안한다."
    assert paragraphs[1].text() == "두 번째 문단입니다."


def test_render_inline_math_becomes_mathml() -> None:
    out = str(render_markdown(f"SWA 업데이트: {SWA_UPDATE}"))
    root = parse(out).root
    math = root.find("math")
    assert math.attrs["display"] == "inline"
    assert math.find_all("mfrac")
    assert "←" in [mo.text() for mo in math.find_all("mo")]
    assert "$" not in out
    assert root.find("p").text().startswith("SWA 업데이트: ")


def test_render_math_in_table_cell() -> None:
    root = render_tree(RESULTS_TABLE)
    table = root.find("table")
    cells = table.find_all("td")
    assert [c.text() for c in cells[::3]] == ["SGD", "SWA"]
    swa_math = cells[4].find("math")
    assert "±" in swa_math.text()
    assert "72.55" in swa_math.text()
    assert [c.attrs.get("align") for c in table.find_all("th")] == ["left", "center", "right"]
    assert all("style" not in c.attrs for c in cells)


def test_render_pipe_inside_math_does_not_split_table_cell() -> None:
    root = render_tree("| norm | value |\n|---|---|\n| L1 | $|x|_1$ |")
    row = root.find("tbody").find("tr")
    assert row.child_tags() == ["td", "td"]
    assert row.find_all("td")[1].find("math")


def test_render_fenced_code_is_highlighted_and_keeps_dollars() -> None:
    out = str(render_markdown(PSEUDO_CODE))
    root = parse(out).root
    block = root.find("div")
    assert block.attrs == {"class": "codehilite"}
    pre = block.find("pre")
    classes = {span.attrs.get("class") for span in pre.find_all("span")}
    assert {"k", "n", "c1"} <= classes  # keyword, name, comment
    assert '"$x$"' in pre.text()
    assert "$\\alpha_1$" in pre.text()
    assert not root.find_all("math")


def test_render_text_fence_keeps_dollars_literal() -> None:
    root = render_tree("```text\nloss = $x$ + $$y$$\n```")
    assert "loss = $x$ + $$y$$" in root.find("pre").text()
    assert not root.find_all("math")


def test_render_image_by_url() -> None:
    img = render_tree("![fig](https://example.org/fig1.png)").find("img")
    assert img.attrs == {"src": "https://example.org/fig1.png", "alt": "fig"}


def test_render_nested_bullet_lists_with_two_space_indent() -> None:
    root = render_tree("- 방법\n  - SWA\n    - cyclical lr\n  - SGD\n- 결과")
    outer = root.find("ul")
    assert outer.child_tags() == ["li", "li"]
    second = outer.find("li").find("ul")
    assert second.child_tags() == ["li", "li"]
    assert second.find("ul").find("li").text() == "cyclical lr"
    assert len(root.find_all("ul")) == 3


def test_render_nested_bullet_lists_with_four_space_indent() -> None:
    root = render_tree("* a\n    * b\n        * c\n* d")
    assert len(root.find_all("ul")) == 3
    assert [li.text().split("\n")[0] for li in root.find_all("li")] == ["a", "b", "c", "d"]


def test_render_ordered_list_with_nested_bullets() -> None:
    root = render_tree("1. 첫째\n   - 세부\n2. 둘째\n\n3. start")
    ol = root.find("ol")
    assert ol.child_tags() == ["li", "li", "li"]
    assert ol.find("ul").find("li").text() == "세부"


def test_render_ordered_list_start_is_kept() -> None:
    assert render_tree("3. c\n4. d").find("ol").attrs == {"start": "3"}


def test_render_indented_code_outside_list_is_untouched() -> None:
    root = render_tree("text\n\n    - not a list\n    code")
    assert not root.find_all("ul")
    assert "- not a list" in root.find("pre").text()


def test_render_display_math_is_block() -> None:
    loss = "\\mathcal{L}(w) = \\sum_{i=1}^{n} \\ell(f_w(x_i), y_i)"
    root = render_tree(f"식:\n\n$$\n{loss}\n$$\n\n끝")
    math = root.find("math")
    assert math.attrs["display"] == "block"
    assert math.find_all("munderover")
    assert [p.text() for p in root.find_all("p")][::2] == ["식:", "끝"]


def test_render_korean_heading_gets_prefixed_unicode_id() -> None:
    h4 = render_tree("## 핵심 알고리즘").find("h4")
    assert h4.attrs == {"id": "h-핵심-알고리즘"}
    prefixed = render_tree("## 핵심 알고리즘", id_prefix="summary-").find("h4")
    assert prefixed.attrs == {"id": "summary-h-핵심-알고리즘"}


def test_render_heading_levels_start_at_h3() -> None:
    root = render_tree("# One\n\n## Two\n\n### Three\n\n#### Four\n\n##### Five\n\nSetext\n===")
    assert root.child_tags() == ["h3", "h4", "h5", "h6", "h6", "h3"]


def test_render_duplicate_headings_get_unique_ids() -> None:
    ids = [h.attrs["id"] for h in render_tree("## 방법\n\n## 방법").find_all("h4")]
    assert ids == ["h-방법", "h-방법_1"]


def test_render_math_in_heading_gives_stable_id() -> None:
    first = render_tree("## Loss $\\mathcal{L}$").find("h4")
    second = render_tree("## Loss $\\mathcal{L}$").find("h4")
    assert first.attrs == second.attrs
    assert first.attrs["id"].startswith("h-loss-")
    assert "mathph" not in first.attrs["id"]
    assert first.find("math")


def test_render_currency_dollars_stay_text() -> None:
    root = render_tree("GPU 비용은 $5 and $10 per hour; it costs $5 to run $f(x)$.")
    assert "$5 and $10 per hour; it costs $5 to run " in root.text()
    assert len(root.find_all("math")) == 1


def test_render_escaped_dollar_is_literal() -> None:
    root = render_tree("price \\$x\\$ stays")
    assert root.text() == "price $x$ stays"
    assert not root.find_all("math")


def test_render_dollar_in_inline_code_stays_literal() -> None:
    root = render_tree("Run `echo $HOME $x$` and ``a ` $y$`` then $z$.")
    codes = [c.text() for c in root.find_all("code")]
    assert codes == ["echo $HOME $x$", "a ` $y$"]
    assert len(root.find_all("math")) == 1


def test_render_stray_dollar_before_code_span_stays_literal() -> None:
    root = render_tree("Set $PATH via `export PATH=$HOME/bin`.")
    assert not root.find_all("math")
    assert root.find("code").text() == "export PATH=$HOME/bin"


def test_render_math_with_markdown_characters_is_not_mangled() -> None:
    math = render_tree("$a_i * b_j * c < d$").find("math")
    assert not math.find_all("em")
    assert "<" in math.text()


def test_render_bad_tex_becomes_math_error() -> None:
    root = render_tree("broken $x^$ and $$\\begin{matrix} a$$")
    errors = root.find_all("code")
    assert [e.attrs for e in errors] == [{"class": "math-error"}] * 2
    assert errors[0].text() == "$x^$"
    assert errors[1].text() == "$$\\begin{matrix} a$$"


def test_render_deeply_nested_tex_degrades_to_math_error() -> None:
    root = render_tree("$" + "{" * 3000 + "x" + "}" * 3000 + "$")
    assert root.find("code").attrs == {"class": "math-error"}


def test_render_math_in_link_url_restores_source_not_placeholder() -> None:
    out = str(render_markdown("[see]($x$) ![a $b$](https://e.org/x.png)"))
    assert "mathph" not in out
    root = parse(out).root
    assert root.find("a").attrs["href"] == "$x$"
    assert root.find("img").attrs["alt"] == "a $b$"


def test_render_links_get_rel_and_keep_safe_urls() -> None:
    root = render_tree(
        "[https](https://arxiv.org/abs/1803.05407) [mail](mailto:a@b.kr) [rel](/papers/1/) "
        "[frag](#h-방법)"
    )
    links = root.find_all("a")
    assert [a.attrs["href"] for a in links] == [
        "https://arxiv.org/abs/1803.05407",
        "mailto:a@b.kr",
        "/papers/1/",
        "#h-방법",
    ]
    assert {a.attrs["rel"] for a in links} == {"nofollow noopener ugc"}


def test_render_relative_image_src_is_dropped() -> None:
    assert "src" not in render_tree("![x](/accounts/logout/)").find("img").attrs


def test_render_raw_html_id_without_prefix_is_dropped() -> None:
    root = render_tree(
        '<h3 id="csrfmiddlewaretoken">x</h3>\n\n<h3 id="s1-h-ok">y</h3>', id_prefix="s1-"
    )
    assert [h.attrs for h in root.find_all("h3")] == [{}, {"id": "s1-h-ok"}]


def test_render_invalid_id_prefix_raises() -> None:
    with pytest.raises(ValueError):
        render_markdown("x", id_prefix='a" onclick="x')


def test_render_fence_attribute_options_are_ignored() -> None:
    out = str(render_markdown("```{ .python noclasses=True linenos=table #evil }\nx = 1\n```"))
    root = parse(out).root
    assert root.find("div").attrs == {"class": "codehilite"}
    assert not root.find_all("table")
    assert "style=" not in out
    assert "evil" not in out


def test_render_raw_html_attributes_outside_allowlist_are_dropped() -> None:
    root = render_tree('<p title="t" lang="ko" dir="rtl" class="x" data-x="1">para</p>')
    assert root.find("p").attrs == {}


def test_render_allowed_inline_html_is_kept() -> None:
    root = render_tree("H<sub>2</sub>O, x<sup>2</sup>, <kbd>Ctrl</kbd>, <del>old</del>")
    assert {"sub", "sup", "kbd", "del"} <= {n.tag for n in root.iter()}


def test_render_returns_safestring() -> None:
    assert isinstance(render_markdown("*x*"), SafeString)
    assert str(render_markdown("")) == ""


def test_render_is_deterministic() -> None:
    text = f"## 제목 $x$\n\n{SWA_UPDATE}\n\n{RESULTS_TABLE}\n{PSEUDO_CODE}"
    assert render_markdown(text) == render_markdown(text)


def _render_with_prefix(text: str, prefix: str) -> SafeString:
    return render_markdown(text, id_prefix=prefix)


def test_render_is_thread_safe() -> None:
    texts = [f"## 섹션 {i}\n\n{SWA_UPDATE} {'$x_' + str(i) + '$'}\n\n- a\n  - b" for i in range(40)]
    expected = [str(render_markdown(t, id_prefix=f"s{i}-")) for i, t in enumerate(texts)]
    prefixes = [f"s{i}-" for i in range(len(texts))]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = [str(html) for html in pool.map(_render_with_prefix, texts, prefixes)]
    assert got == expected


def test_render_works_without_django_settings() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = "from reviews.markdown import render_markdown as r; print(r('$x$ **b**'))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "<math" in result.stdout and "<strong>b</strong>" in result.stdout


def test_max_source_bytes_is_100_kib() -> None:
    assert MAX_SOURCE_BYTES == 100 * 1024


def test_render_links_with_brackets_still_work() -> None:
    root = render_tree("[[1]](https://a.org/) and [a [b] c](https://b.org/) and [x][r]\n\n[r]: /p/")
    assert [(a.text(), a.attrs["href"]) for a in root.find_all("a")] == [
        ("[1]", "https://a.org/"),
        ("a [b] c", "https://b.org/"),
        ("x", "/p/"),
    ]


def test_render_unclosed_and_deep_brackets_stay_literal() -> None:
    text = "see [1 and [2] or " + "[" * 20 + "x" + "]" * 20 + " ]["
    assert render_tree(text).find("p").text() == text


def test_render_brackets_in_code_span_untouched() -> None:
    assert render_tree("`a[` [b](https://c.org/)").find("code").text() == "a["


def test_render_raw_html_block_is_sanitized_not_dropped() -> None:
    root = render_tree("<dl>\n<dt>SWA</dt>\n<dd>가중치 <b>평균</b></dd>\n</dl>")
    assert [n.tag for n in root.find("dl").iter()] == ["dl", "dt", "dd"]
    assert root.find("dd").text() == "가중치 평균"


def test_render_single_column_table_needs_pipes_on_every_row() -> None:
    assert render_tree("| a |\n|---|\n| b |").find_all("table")
    assert not render_tree("| a |\n|---|\n| b |\nno pipe").find_all("table")


def test_render_table_keeps_all_rows() -> None:
    rows = "".join(f"| {i} | $x_{{{i}}}$ |\n" for i in range(50))
    body = render_tree(f"| n | x |\n|--:|:-:|\n{rows}").find("tbody")
    assert len(body.find_all("tr")) == 50
    assert len(body.find_all("math")) == 50


def test_render_very_deep_list_is_capped_not_crashing() -> None:
    root = render_tree("".join("  " * i + f"- {i}\n" for i in range(40)))
    assert len(root.find_all("li")) == 40
    assert len(root.find_all("ul")) <= 13


# Python-Markdown goes quadratic on some inputs (100 KB of "a\n-\n" took 40 s, 8 KB of "["
# took 18 s). Their timings are in `make bench`; these tests pin the guards that keep them
# linear, so a refactor cannot silently drop one.


def test_guard_rule_lines_get_a_blank_line_after_them() -> None:
    lines = ["a", "-", "b", "---", "c", "Title", "===", "d", "--", "e"]
    assert _RuleBreakPreprocessor(None).run(lines) == [
        "a",
        "-",
        "",
        "b",
        "---",
        "",
        "c",
        "Title",
        "===",
        "",
        "d",
        "--",
        "",
        "e",
    ]


def test_guard_lone_dashes_after_a_blank_line_stay_in_the_paragraph() -> None:
    assert _RuleBreakPreprocessor(None).run(["", "--", "continued"]) == ["", "--", "continued"]
    assert str(render_markdown("--\ncontinued")) == "<p>--\ncontinued</p>"


def test_guard_brackets_beyond_depth_are_escaped() -> None:
    guarded = _guard_brackets("[" * 10 + "x" + "]" * 10)
    assert guarded == "[" * 8 + "\x1b\x1bx\x1d\x1d" + "]" * 8
    assert _guard_brackets("[link](http://example.org)") == "[link](http://example.org)"


def test_guard_unclosed_brackets_are_escaped() -> None:
    assert _guard_brackets("[[[a") == "\x1b\x1b\x1ba"
    assert str(render_markdown("[[[a")) == "<p>[[[a</p>"


def test_guard_raw_html_block_parser_is_off() -> None:
    # Its scanner is quadratic on unterminated constructs (40 KB of CDATA took 45 s).
    assert "html_block" not in _engine().md.preprocessors


@pytest.mark.parametrize(
    "text",
    [
        "[" * 50_000,
        "<![CDATA[ " * 5_000,
        "a\n-\n" * 20_000,
        "".join("  " * i + "- x\n" for i in range(300)),
    ],
    ids=["open-brackets", "cdata", "setext", "deep-list"],
)
def test_render_pathological_input_renders(text: str) -> None:
    html = str(render_markdown(text))
    assert html.startswith("<")


# --------------------------------------------------------------------------------------------
# Hostile input
# --------------------------------------------------------------------------------------------

FORBIDDEN_TAGS = frozenset(
    {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet"}
    | {"svg", "form", "input", "button", "textarea", "select", "option", "base", "meta", "link"}
    | {"noscript", "template", "xmp", "plaintext", "title", "body", "html", "head"}
    | {
        "maction",
        "annotation-xml",
        "mglyph",
        "malignmark",
        "foreignobject",
        "animate",
        "set",
        "use",
        "image",
    }
    | {"video", "audio", "source", "details", "marquee"}
)
URL_ATTRIBUTES = frozenset(
    {"href", "src", "xlink:href", "action", "formaction", "data", "srcdoc", "background"}
    | {
        "poster",
        "srcset",
        "lowsrc",
        "dynsrc",
        "codebase",
        "cite",
        "longdesc",
        "usemap",
        "manifest",
        "ping",
        "content",
    }
)
BAD_SCHEMES = ("javascript:", "data:", "vbscript:", "livescript:")
_INVISIBLE = re.compile(r"[\s\x00-\x20\x7f-\x9f]+")
_NONCE_RE = re.compile(r"mathph[0-9a-f]{20}i")

SCRIPT = "<script>alert(1)</script>"

HOSTILE = [
    # raw script, in every casing and shape
    SCRIPT,
    "<SCRIPT>alert(1)</SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<scr<script>ipt>alert(1)</script>",
    "<script src=//evil.example/x.js></script>",
    "<script>alert(1)",
    "<script\n>alert(1)</script\n>",
    "> " + SCRIPT,
    "- " + SCRIPT,
    "*" + SCRIPT + "*",
    # event handlers
    "<img src=x onerror=alert(1)>",
    '<img src=x onerror="alert(1)"//',
    "<img src=https://e.org/x.png onload=alert(1)>",
    '<p onclick="alert(1)">click</p>',
    '<a href="#" onmouseover="alert(1)">x</a>',
    "<h3 onclick=alert(1)>h</h3>",
    "<table onmouseover=alert(1)><tr><td onclick=alert(1)>c</td></tr></table>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<input autofocus onfocus=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<div/onmouseover='alert(1)'>x</div>",
    '<span class="k" onclick="alert(1)">x</span>',
    # javascript: in raw HTML
    '<a href="javascript:alert(1)">x</a>',
    "<a href=javascript:alert(1)>x</a>",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)">x</a>',
    (
        '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
        '&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116">x</a>'
    ),
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="ja&Tab;vascript:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href=" \x01javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="javascript:alert(1)">',
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    # javascript: through Markdown link syntax
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    '[x](javascript:alert(1) "title")',
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](java\nscript:alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](\x00javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "[x][r]\n\n[r]: javascript:alert(1)",
    '[x][r]\n\n[r]: &#106;avascript:alert(1) "t"',
    "[x]\n\n[x]: JAVASCRIPT:alert(1)",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x](x" onerror="alert(1))',
    # attribute injection through Markdown syntax
    '[a](http://x "t\\" onmouseover=\\"alert(1)")',
    "[a](http://x 't\\' onmouseover=alert(1)')",
    '![a](https://e.org/a.png "t\\" onerror=\\"alert(1)")',
    '[a" onclick="alert(1)](http://x)',
    '```python" onclick="alert(1)\nx = 1\n```',
    '```{ .python onclick="alert(1)" style="x" }\nx = 1\n```',
    '```{ .python pygments_formatter=html noclasses=True cssstyles="x:expression(1)" }\nx\n```',
    '## x" onclick="alert(1)',
    "## <img src=x onerror=alert(1)>",
    "## " + SCRIPT,
    '| a | b |\n|:-" onclick="alert(1)|--|\n| 1 | 2 |',
    '| a | b |\n|:-:" style="x|--:|\n| 1 | 2 |',
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    '| <a href="javascript:alert(1)">x</a> |\n|---|\n| y |',
    # code must show script as text
    "```\n" + SCRIPT + "\n```",
    "```html\n" + SCRIPT + "\n<img src=x onerror=alert(1)>\n```",
    "`" + SCRIPT + "`",
    "    " + SCRIPT,
    # math
    "$" + SCRIPT + "$",
    "$$" + SCRIPT + "$$",
    "$\\href{javascript:alert(1)}{x}$",
    "$$\\href{javascript:alert(1)}{x}$$",
    "$\\style{background:url(javascript:alert(1))}{x}$",
    "$\\text{<img src=x onerror=alert(1)>}$",
    "$\\text{<img/src=x/onerror=alert(1)>}$",
    "$\\text{</mtext></math><script>alert(1)</script>}$",
    "$\\mathrm{</math><img src=x onerror=alert(1)>}$",
    "$\\color{javascript:alert(1)}{x}$",
    "$\\text{&#x3C;script&#x3E;alert(1)&#x3C;/script&#x3E;}$",
    "$x$" + SCRIPT,
    "[$x$](javascript:alert(1))",
    "[a](java$x$script:alert(1))",
    "[a]($javascript:alert(1)$)",
    '<a href="$javascript:alert(1)$">x</a>',
    '<a href="java$x$script:alert(1)">x</a>',
    "## $\\href{javascript:alert(1)}{x}$",
    # SVG and MathML written as raw HTML
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
    '<math href="javascript:alert(1)">x</math>',
    '<math><mi onclick="alert(1)">x</mi></math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math><annotation-xml encoding="text/html">' + SCRIPT + "</annotation-xml></math>",
    # comments, CDATA, processing instructions
    "<!-- x -->",
    "<!-->" + SCRIPT + "-->",
    "<!--[if IE]>" + SCRIPT + "<![endif]-->",
    "a <!-- inline --> b",
    "<![CDATA[" + SCRIPT + "]]>",
    '<?xml-stylesheet href="javascript:alert(1)"?>',
    # other dangerous elements
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="' + html.escape(SCRIPT) + '"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<style>@import 'javascript:alert(1)';</style>",
    '<link rel=stylesheet href="javascript:alert(1)">',
    '<div style="width:expression(alert(1))">x</div>',
    '<span style="background:url(javascript:alert(1))">x</span>',
    # parser-differential (mXSS) nesting
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><img src=x onerror=alert(1)></template>",
    "<textarea></textarea><img src=x onerror=alert(1)>",
    "<title><img src=x onerror=alert(1)></title>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<select><style></select><img src=x onerror=alert(1)>",
    "<table><tr><td><svg><style><img src=x onerror=alert(1)></style></svg></td></tr></table>",
    '<p title="</p><script>alert(1)</script>">x</p>',
    # forged placeholders and Python-Markdown stash markers
    "mathph0123456789abcdef0123i0e <b>x</b>",
    "[x](mathph0123456789abcdef0123i0e) $y$ mathph0123456789abcdef0123i1e",
    "\x02wzxhzdk:0\x03 <img src=x onerror=alert(1)>",
    "```\ncode\n```\n\n\x02wzxhzdk:0\x03\n\n\x02klzzwxh:0\x03",
]


def _bad_url(value: str) -> bool:
    # Double unescape on purpose: stricter than any browser.
    normalized = _INVISIBLE.sub("", html.unescape(html.unescape(value))).lower()
    return normalized.startswith(BAD_SCHEMES)


def audit(markup: str) -> list[str]:
    """Everything in ``markup`` that could execute script or restyle/redirect the page."""
    parsed = parse(markup)
    problems = [f"comment {c!r}" for c in parsed.comments]
    problems += [f"declaration {d!r}" for d in parsed.declarations]
    for node in parsed.root.iter():
        if node.tag in FORBIDDEN_TAGS:
            problems.append(f"<{node.tag}>")
        for name, value in node.attrs.items():
            if name.startswith("on") or name in ("style", "srcdoc", "xmlns:xlink"):
                problems.append(f"<{node.tag} {name}>")
            elif name in URL_ATTRIBUTES and value is not None and _bad_url(value):
                problems.append(f"<{node.tag} {name}={value!r}>")
    return problems


def test_audit_detects_what_it_should() -> None:
    # Guards the guard: the hostile tests are only as good as this checker.
    assert audit(SCRIPT)
    assert audit('<a href="&#106;ava\tscript:x">')
    assert audit("<p onclick=x>")
    assert audit('<p style="x">')
    assert audit("<!-- c -->")
    assert audit("<svg></svg>")
    assert not audit('<p><a href="https://x" rel="nofollow">ok</a></p>')


@pytest.mark.parametrize("text", HOSTILE)
def test_render_hostile_input_is_neutralized(text: str) -> None:
    out = str(render_markdown(text))
    assert audit(out) == []
    assert render_markdown(text) == out  # deterministic, no nonce leaked
    forged = "mathph0123456789abcdef0123i"
    assert not _NONCE_RE.search(out.replace(forged, ""))


@pytest.mark.parametrize("text", HOSTILE)
def test_render_hostile_input_is_neutralized_with_id_prefix(text: str) -> None:
    assert audit(str(render_markdown(text, id_prefix="c42-"))) == []


def test_hostile_case_count() -> None:
    assert len(HOSTILE) >= 60


def test_render_script_is_removed_but_text_kept() -> None:
    root = render_tree("<script>alert(1)</script> hello")
    assert root.text().strip() == "hello"


def test_render_event_handler_removed_but_caption_kept() -> None:
    root = render_tree("<img src=x onerror=alert(1)> caption **bold**")
    assert "caption" in root.text()
    assert root.find("strong").text() == "bold"


def test_render_javascript_link_keeps_link_text() -> None:
    root = render_tree("[safe text](javascript:alert(1))")
    assert root.find("a").text() == "safe text"
    assert "href" not in root.find("a").attrs


def test_render_script_in_code_fence_is_escaped_text() -> None:
    out = str(render_markdown("```html\n<script>alert(1)</script>\n```"))
    assert "&lt;" in out and "<script" not in out
    assert "<script>alert(1)</script>" in parse(out).root.find("pre").text()


def test_render_html_in_math_text_is_text() -> None:
    out = str(render_markdown("$\\text{<img/src=x/onerror=alert(1)>}$"))
    mtext = parse(out).root.find("mtext")
    assert mtext.text() == "<img/src=x/onerror=alert(1)>"
    assert not parse(out).root.find_all("img")


def test_render_mathml_attributes_are_allowlisted() -> None:
    root = render_tree("$\\href{javascript:alert(1)}{x} \\style{color:red}{y} \\color{red}{z}$")
    for node in root.find("math").iter():
        assert "href" not in node.attrs
        assert "style" not in node.attrs
    assert {n.attrs.get("mathcolor") for n in root.find_all("mstyle")} == {"red"}


def test_render_forged_placeholder_stays_inert_text() -> None:
    forged = "mathph0123456789abcdef0123i0e"
    root = render_tree(f"{forged} and $y$")
    assert forged in root.text()
    assert len(root.find_all("math")) == 1


def test_render_markdown_stash_marker_is_not_expanded() -> None:
    root = render_tree("```\n<b>stashed</b>\n```\n\n\x02wzxhzdk:0\x03")
    assert len(root.find_all("pre")) == 1
