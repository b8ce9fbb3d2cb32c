"""Outside HTML to review Markdown: math, code, tables, images, Korean, and pasted rich text."""

from __future__ import annotations

import pytest

from reviews.importers.html_markdown import html_to_markdown
from reviews.markdown import render_markdown

KATEX_INLINE = (
    '<span class="katex"><span class="katex-mathml"><math><semantics><mrow><msup><mi>x</mi>'
    '<mn>2</mn></msup></mrow><annotation encoding="application/x-tex">x_i^2</annotation>'
    '</semantics></math></span><span class="katex-html" aria-hidden="true">'
    '<span class="base">x2</span></span></span>'
)
KATEX_DISPLAY = (
    '<span class="katex-display"><span class="katex"><span class="katex-mathml">'
    '<math display="block"><semantics><mrow><mi>E</mi></mrow>'
    '<annotation encoding="application/x-tex">E = mc^2</annotation></semantics></math></span>'
    '<span class="katex-html" aria-hidden="true">E=mc2</span></span></span>'
)


def test_html_to_markdown_empty_input_is_empty() -> None:
    assert html_to_markdown("") == ""
    assert html_to_markdown("  \n ") == ""


def test_html_to_markdown_headings_are_atx_and_korean_survives() -> None:
    html = '<h2 id="a">1. 소개 <a class="anchor" href="#a">#</a></h2><p>한국어 문장입니다.</p>'
    assert html_to_markdown(html) == "## 1. 소개\n\n한국어 문장입니다.\n"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>loss $L = \\sum_i x_i^2$ here</p>", "loss $L = \\sum_i x_i^2$ here\n"),
        ("<p>inline \\(a_b * c_d\\) here</p>", "inline $a_b * c_d$ here\n"),
        ("<p>$$\\int_0^1 f_{\\theta}(x)\\,dx$$</p>", "$$\\int_0^1 f_{\\theta}(x)\\,dx$$\n"),
        ("<p>\\[ \\mathcal{T}^* = \\arg\\min L \\]</p>", "$$\\mathcal{T}^* = \\arg\\min L$$\n"),
        ("<p>costs $5 and $10 per_run</p>", "costs $5 and $10 per\\_run\n"),
    ],
)
def test_html_to_markdown_text_math_is_kept_unescaped(html: str, expected: str) -> None:
    assert html_to_markdown(html) == expected


def test_html_to_markdown_katex_becomes_dollar_math() -> None:
    html = f"<p>square {KATEX_INLINE} ok</p><p>{KATEX_DISPLAY}</p>"
    assert html_to_markdown(html) == "square $x_i^2$ ok\n\n$$E = mc^2$$\n"


def test_html_to_markdown_mathjax_script_and_mathml_alttext_become_math() -> None:
    html = (
        '<p><span class="MathJax_Preview">ab</span><script type="math/tex">a_b</script> and '
        '<script type="math/tex; mode=display">\\sum_k k</script> and '
        '<math alttext="y_1"><mi>y</mi></math></p>'
    )
    assert html_to_markdown(html) == "$a_b$ and $$\\sum_k k$$ and $y_1$\n"


def test_html_to_markdown_code_keeps_language_and_text() -> None:
    html = (
        '<pre><code class="language-python">def f(x_1):\n    return x_1 * 2  # $x$\n</code></pre>'
    )
    assert html_to_markdown(html) == "```python\ndef f(x_1):\n    return x_1 * 2  # $x$\n```\n"


def test_html_to_markdown_code_with_backticks_gets_a_longer_fence() -> None:
    html = '<pre data-ke-language="go"><code>fmt.Println("```")</code></pre>'
    assert html_to_markdown(html) == '````go\nfmt.Println("```")\n````\n'


def test_html_to_markdown_hugo_line_number_table_keeps_only_code() -> None:
    html = (
        '<div class="highlight"><div class="chroma"><table class="lntable"><tr>'
        '<td class="lntd"><pre class="chroma"><code><span class="lnt">1\n</span></code></pre></td>'
        '<td class="lntd"><pre class="chroma"><code class="language-go" data-lang="go">x := 1\n'
        "</code></pre></td></tr></table></div></div>"
    )
    assert html_to_markdown(html) == "```go\nx := 1\n```\n"


def test_html_to_markdown_table_stays_a_table() -> None:
    html = (
        "<table><thead><tr><th>Model</th><th>Acc $\\alpha$</th></tr></thead>"
        "<tbody><tr><td>a|b</td><td>90.1</td></tr></tbody></table>"
    )
    expected = "| Model | Acc $\\alpha$ |\n| --- | --- |\n| a\\|b | 90.1 |\n"
    assert html_to_markdown(html) == expected


def test_html_to_markdown_table_without_header_uses_first_row() -> None:
    html = (
        "<table><tr><td>Network</td><td>Sparsity</td></tr>"
        "<tr><td>LeNet</td><td>3.6%</td></tr></table>"
    )
    assert html_to_markdown(html) == "| Network | Sparsity |\n| --- | --- |\n| LeNet | 3.6% |\n"


def test_html_to_markdown_images_become_links_resolved_against_the_post() -> None:
    html = '<p><img src="/img/fig 1.png" alt="Figure [1]"><img src="https://x.org/a.png"></p>'
    markdown = html_to_markdown(html, base_url="https://blog.example.com/posts/a/")
    assert markdown == (
        "[Figure (1)](https://blog.example.com/img/fig%201.png)[image](https://x.org/a.png)\n"
    )


def test_html_to_markdown_data_images_and_script_links_keep_only_text() -> None:
    html = (
        '<p><img src="data:image/png;base64,AAAA" alt="pasted"> '
        '<a href="javascript:alert(1)">bad</a> <a href="/post">rel</a></p>'
    )
    markdown = html_to_markdown(html, base_url="https://blog.example.com/")
    assert markdown == "pasted bad [rel](https://blog.example.com/post)\n"


def test_html_to_markdown_drops_scripts_and_styles() -> None:
    html = "<p>keep</p><script>alert(1)</script><style>p { color: red }</style>"
    assert html_to_markdown(html) == "keep\n"


def test_html_to_markdown_tag_like_text_stays_text_when_rendered() -> None:
    markdown = html_to_markdown("<p>write &lt;script&gt;alert(1)&lt;/script&gt; in HTML</p>")
    html = str(render_markdown(markdown))
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_html_to_markdown_google_docs_paste_is_clean() -> None:
    html = (
        '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1">'
        '<p dir="ltr"><span style="font-weight:700;">Bold</span><span> and </span>'
        '<span style="font-style:italic;">italic</span>&nbsp;text</p></b>'
    )
    assert html_to_markdown(html) == "**Bold** and *italic* text\n"


def test_html_to_markdown_notion_paste_keeps_lists_and_code() -> None:
    html = (
        "<!--StartFragment--><h1>회의록</h1><ul><li>첫째</li><li>둘째 <code>x_1</code></li></ul>"
        '<pre><code class="language-Python">print("안녕")</code></pre><!--EndFragment-->'
    )
    expected = '# 회의록\n\n- 첫째\n- 둘째 `x_1`\n\n```python\nprint("안녕")\n```\n'
    assert html_to_markdown(html) == expected


def test_html_to_markdown_output_renders_math_through_the_app_renderer() -> None:
    markdown = html_to_markdown(f"<p>Loss $a_i * b_j$ and {KATEX_INLINE}</p>")
    html = str(render_markdown(markdown))
    assert html.count("<math") == 2
    assert "a_i" not in html.replace("&lt;", "")  # rendered as MathML, not left as TeX text


# --- pasted text keeps its shape: line breaks and bare links (issue 12) --------------------

VELOG_PASTE = (
    "<meta charset='utf-8'><h2 style=\"color: rgb(33, 37, 41);\">1. Introduction</h2>"
    '<p style="color: rgb(33, 37, 41); line-height: 1.7;">ViT는 이미지를 16x16 patch로 나눈다.<br>'
    "논문: https://arxiv.org/abs/2010.11929<br>코드는 https://github.com/google-research/"
    "vision_transformer 참고</p>"
    '<pre style="background: rgb(251, 253, 252);"><code class="language-python">'
    "x = patch_embed(img)\n</code></pre>"
)

TISTORY_PASTE = (
    '<div class="tt_article_useless_p_margin contents_style">'
    '<p data-ke-size="size16" style="white-space: pre-wrap;">'
    "손실 함수는 $L = \\sum_i \\ell_i$ 이고\n"
    "학습률은 $\\eta$ 로 둔다.\n\nSecond paragraph: see https://ko.wikipedia.org/wiki/"
    "Attention_(machine_learning).</p></div>"
)


def test_html_to_markdown_velog_breaks_and_bare_links_survive() -> None:
    assert html_to_markdown(VELOG_PASTE) == (
        "## 1. Introduction\n\n"
        "ViT는 이미지를 16x16 patch로 나눈다.  \n"
        "논문: <https://arxiv.org/abs/2010.11929>  \n"
        "코드는 <https://github.com/google-research/vision_transformer> 참고\n\n"
        "```python\nx = patch_embed(img)\n```\n"
    )


def test_html_to_markdown_pre_wrap_newlines_become_breaks_and_paragraphs() -> None:
    assert html_to_markdown(TISTORY_PASTE) == (
        "손실 함수는 $L = \\sum_i \\ell_i$ 이고  \n"
        "학습률은 $\\eta$ 로 둔다.\n\n"
        "Second paragraph: see <https://ko.wikipedia.org/wiki/Attention_(machine_learning)>.\n"
    )


def test_html_to_markdown_pasted_text_renders_with_its_lines_and_links() -> None:
    html = str(render_markdown(html_to_markdown(TISTORY_PASTE)))
    assert "이고<br>" in html
    assert html.count("<p>") == 2
    assert 'href="https://ko.wikipedia.org/wiki/Attention_(machine_learning)"' in html
    assert html.count("<math") == 2


def test_html_to_markdown_plain_text_keeps_lines_links_and_math() -> None:
    text = (
        "Meta-learning 정리\n"
        "- MAML: https://arxiv.org/abs/1703.03400, 2017\n"
        "- 업데이트: $\\theta' = \\theta - \\alpha \\nabla_\\theta L$\n"
        "\n"
        "끝 (https://velog.io/@user/maml_review)"
    )
    assert html_to_markdown(text) == (
        "Meta-learning 정리  \n"
        "- MAML: <https://arxiv.org/abs/1703.03400>, 2017  \n"
        "- 업데이트: $\\theta' = \\theta - \\alpha \\nabla_\\theta L$\n\n"
        "끝 (<https://velog.io/@user/maml_review>)\n"
    )


def test_html_to_markdown_newlines_of_normal_html_stay_soft() -> None:
    html = '<p>one\ntwo</p><div style="white-space: normal"><span>three\nfour</span></div>'
    # Source newlines HTML does not show stay soft: the renderer joins them into one line.
    assert html_to_markdown(html) == "one\ntwo\n\nthree\nfour\n"


def test_html_to_markdown_pre_wrap_list_item_keeps_breaks_inside_the_item() -> None:
    html = '<ul style="white-space: pre-wrap"><li>first\n\nsecond</li><li>third</li></ul>'
    assert html_to_markdown(html) == "- first  \n  second\n- third\n"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # Korean right after the address is not part of it.
        ("<p>https://github.com/a/b_c에서 받기</p>", "<https://github.com/a/b_c>에서 받기\n"),
        ("<p>(https://x.org/a_b).</p>", "(<https://x.org/a_b>).\n"),
        ("<p>see https://x.org/?q=a_b&amp;p=1!</p>", "see <https://x.org/?q=a_b&p=1>!\n"),
        # Links and code are left as they are.
        ('<p><a href="https://x.org/a_b">https://x.org/a_b</a></p>', "<https://x.org/a_b>\n"),
        ("<p><code>curl https://x.org/a_b</code></p>", "`curl https://x.org/a_b`\n"),
        ("<p>no_url://x here</p>", "no\\_url://x here\n"),
    ],
)
def test_html_to_markdown_bare_urls_become_autolinks(html: str, expected: str) -> None:
    assert html_to_markdown(html) == expected
