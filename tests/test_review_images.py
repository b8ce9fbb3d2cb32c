"""Images stay images: fetched at import through the fetch guard, uploaded from the editor,
stored with the run figures, served from this site, kept by the sanitizer.

The web is answered by an httpx.MockTransport through the fetch guard's TRANSPORT hook.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from urllib.parse import unquote

import httpx
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from reviews import images
from reviews.importers import fetch as fetch_module
from reviews.importers.blog import parse_feed
from reviews.markdown import render_markdown
from reviews.models import Review
from reviews.services import images as image_services
from reviews.services.blog_import import feed_import, feed_preview
from reviews.services.images import review_image_store, review_images_import
from tests.factories import PASSWORD, PaperFactory, make_review

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\xdac\xfc\xcf\xc0\xf0\x1f\x00\x05\x05\x02\x00_\xc8\xf1"
    b"\xd2\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 20
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
LOCAL_IMAGE_RE = re.compile(r"/images/\d+/(?:\d+|import)/[A-Za-z0-9_-]{22}\.png")
BLOG = "blog.example.com"

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A public blog host with a PNG, an SVG, a page and a huge image; the paths asked for."""
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["host"] == BLOG
        asked.append(request.url.path)
        answers = {
            "/fig.png": httpx.Response(200, content=PNG, headers={"Content-Type": "image/png"}),
            # The type header lies; the bytes decide.
            "/logo.svg": httpx.Response(200, content=SVG, headers={"Content-Type": "image/png"}),
            "/page.png": httpx.Response(200, text="<html></html>"),
            "/huge.png": httpx.Response(
                200, content=PNG, headers={"Content-Length": str(images.MAX_IMAGE_BYTES + 1)}
            ),
        }
        return answers.get(request.url.path, httpx.Response(404))

    def resolve(host: str, port: int) -> list[str]:
        return ["10.0.0.7"] if host == "intranet.example.com" else ["93.184.215.14"]

    monkeypatch.setattr(fetch_module, "resolve_host", resolve)
    monkeypatch.setattr(fetch_module, "TRANSPORT", httpx.MockTransport(handler))
    return asked


def _client(member) -> Client:
    client = Client()
    client.login(username=member.username, password=PASSWORD)
    return client


# --- what counts as an image -------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [(PNG, "png"), (JPEG, "jpg"), (GIF, "gif"), (WEBP, "webp"), (SVG, None), (b"", None)],
)
def test_sniff_image_type_reads_the_bytes(data: bytes, expected: str | None) -> None:
    assert images.sniff_image_type(data) == expected


def test_review_image_store_keeps_an_image_and_refuses_svg_and_oversize(member) -> None:
    url = review_image_store(member=member, folder="import", data=PNG)
    assert LOCAL_IMAGE_RE.fullmatch(url)
    assert url.startswith(f"/images/{member.pk}/import/")
    with default_storage.open(images.storage_name(url.removeprefix("/images/"))) as stored:
        assert stored.read() == PNG
    with pytest.raises(Exception, match="Only PNG, JPEG, GIF and WebP images are accepted."):
        review_image_store(member=member, folder="import", data=SVG)
    with pytest.raises(Exception, match="larger than 5 MB"):
        review_image_store(member=member, folder="import", data=PNG + b"\0" * (5 * 2**20))


# --- the sanitizer -----------------------------------------------------------------------


def test_render_markdown_keeps_this_sites_review_images_only() -> None:
    token = "A" * 22
    html = str(
        render_markdown(
            f"![fig](/images/3/import/{token}.png) ![x](/images/3/7/{token}.svg) "
            f"![y](/runs/1/figure.svg) ![z](/images/../admin/{token}.png)"
        )
    )
    assert f'<img alt="fig" src="/images/3/import/{token}.png">' in html
    assert html.count("src=") == 1


# --- import-time fetching ----------------------------------------------------------------


def test_review_images_import_stores_images_and_leaves_failures_as_links(member, web) -> None:
    markdown = (
        f"![그림 1](https://{BLOG}/fig.png) again ![](https://{BLOG}/fig.png)\n\n"
        f"![logo](https://{BLOG}/logo.svg) ![page](https://{BLOG}/page.png)\n"
        f"![big](https://{BLOG}/huge.png) ![gone](https://{BLOG}/gone.png)\n"
        "![private](http://intranet.example.com/a.png) ![local](http://127.0.0.1/a.png)\n"
        f"```\n![code](https://{BLOG}/fig.png)\n```"
    )
    result = review_images_import({"results": markdown}, member=member, folder="import")
    text = result.sections["results"]
    local = LOCAL_IMAGE_RE.findall(text)
    assert len(local) == 2 and local[0] == local[1]  # one file for one address
    assert web.count("/fig.png") == 1
    assert len(result.stored) == 1
    for alt, path in [("logo", "logo.svg"), ("page", "page.png"), ("big", "huge.png")]:
        assert f"[{alt}](https://{BLOG}/{path})" in text
    assert "[private](http://intranet.example.com/a.png)" in text
    assert f"```\n![code](https://{BLOG}/fig.png)\n```" in text  # code is left alone
    problems = "\n".join(result.problems)
    assert len(result.problems) == 6
    assert "Only PNG, JPEG, GIF and WebP images are accepted." in problems
    assert "larger than the 5,120 KB limit" in problems
    assert "HTTP 404" in problems
    assert "private or local address (10.0.0.7)" in problems
    assert "private or local address (127.0.0.1)" in problems


def test_review_images_import_keeps_at_most_the_review_limit(member, web, monkeypatch) -> None:
    monkeypatch.setattr(image_services, "MAX_IMAGES_PER_REVIEW", 1)
    markdown = f"![a](https://{BLOG}/fig.png)\n![b](https://{BLOG}/fig.png?2)"
    result = review_images_import({"introduction": markdown}, member=member, folder="import")
    assert len(LOCAL_IMAGE_RE.findall(result.sections["introduction"])) == 1
    assert f"[b](https://{BLOG}/fig.png?2)" in result.sections["introduction"]
    assert result.problems == [
        f"The image https://{BLOG}/fig.png?2 is left as a link: only the first 1 images are kept"
    ]


FEED = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Study</title><link>https://{BLOG}/</link>
<item><title>Population Based Training of Neural Networks</title>
<link>https://{BLOG}/posts/pbt/</link><guid>https://{BLOG}/posts/pbt/</guid>
<description>&lt;h2&gt;결과&lt;/h2&gt;&lt;p&gt;&lt;img src="/fig.png" alt="학습 곡선"&gt;&lt;/p&gt;
&lt;p&gt;&lt;img src="/logo.svg" alt="logo"&gt;&lt;/p&gt;</description></item>
</channel></rss>"""


def test_feed_import_stores_a_posts_images_with_its_review(member, web) -> None:
    paper = PaperFactory(title="Population Based Training of Neural Networks")
    plans = feed_preview(items=parse_feed(FEED.encode()), member=member)
    report = feed_import(plans=plans, member=member)
    (outcome,) = report.reviews
    review = Review.objects.get(author=member, paper=paper)
    assert re.search(
        rf"!\[학습 곡선\]\(/images/{member.pk}/{paper.pk}/[\w-]{{22}}\.png\)", review.results
    )
    assert f"[logo](https://{BLOG}/logo.svg)" in review.results
    assert outcome.images_stored == 1
    assert len(outcome.image_problems) == 1
    assert "logo.svg" in outcome.image_problems[0]
    html = str(render_markdown(review.results))
    assert f'src="/images/{member.pk}/{paper.pk}/' in html


def test_feed_import_page_reports_images_left_as_links(member, web) -> None:
    PaperFactory(title="Population Based Training of Neural Networks")
    client = _client(member)
    feed_file = SimpleUploadedFile("feed.xml", FEED.encode(), content_type="application/rss+xml")
    client.post(reverse("feed_import"), {"preview": "1", "feed": feed_file})
    response = client.post(reverse("feed_import"), {"import": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 image stored with the review." in html
    assert f"The image https://{BLOG}/logo.svg is left as a link" in html


def test_paste_stores_its_images(member, web) -> None:
    response = _client(member).post(
        reverse("markdown_from_html"),
        {"html": f'<p>그림 <img src="https://{BLOG}/fig.png" alt="fig"></p>'},
    )
    assert response.status_code == 200
    assert re.fullmatch(
        rf"그림 !\[fig\]\(/images/{member.pk}/import/[\w-]{{22}}\.png\)\n",
        response.content.decode(),
    )


# --- the editor's upload endpoint and the image address ----------------------------------


def _upload(client: Client, paper_pk: int, data: bytes, name: str = "a.png"):
    url = reverse("review_image_create", args=[paper_pk])
    return client.post(url, {"image": SimpleUploadedFile(name, data)})


def test_review_image_upload_returns_an_address_that_serves_the_image(member) -> None:
    paper = PaperFactory()
    client = _client(member)
    response = _upload(client, paper.pk, PNG)
    assert response.status_code == 201
    url = json.loads(response.content)["url"]
    assert re.fullmatch(rf"/images/{member.pk}/{paper.pk}/[\w-]{{22}}\.png", url)
    image = Client().get(url)
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert image["X-Content-Type-Options"] == "nosniff"
    assert image["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(image) == PNG


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        (SVG, 400, "Only PNG, JPEG, GIF and WebP images are accepted."),
        (b"not an image", 400, "Only PNG, JPEG, GIF and WebP images are accepted."),
        (PNG + b"\0" * (5 * 2**20), 413, "The image is larger than 5 MB."),
    ],
)
def test_review_image_upload_refuses_what_is_not_a_small_image(
    member, data: bytes, status: int, error: str
) -> None:
    response = _upload(_client(member), PaperFactory().pk, data)
    assert (response.status_code, json.loads(response.content)) == (status, {"error": error})


def test_review_image_upload_refuses_past_the_review_limit(member, monkeypatch) -> None:
    monkeypatch.setattr(image_services, "MAX_IMAGES_PER_REVIEW", 2)
    paper = PaperFactory()
    client = _client(member)
    assert [_upload(client, paper.pk, PNG).status_code for _ in range(2)] == [201, 201]
    refused = _upload(client, paper.pk, PNG)
    assert refused.status_code == 400
    assert json.loads(refused.content) == {"error": "A review holds at most 2 images."}
    # Another paper's review has its own count.
    assert _upload(client, PaperFactory().pk, PNG).status_code == 201


def test_review_image_upload_needs_a_member_a_file_and_a_paper(member) -> None:
    paper = PaperFactory()
    response = _upload(Client(), paper.pk, PNG)
    assert (response.status_code, response["Location"].split("?")[0]) == (302, "/login/")
    client = _client(member)
    missing = client.post(reverse("review_image_create", args=[paper.pk]))
    assert (missing.status_code, json.loads(missing.content)) == (
        400,
        {"error": "Choose an image to upload."},
    )
    assert _upload(client, 0, PNG).status_code == 404
    assert client.get(reverse("review_image_create", args=[paper.pk])).status_code == 405


@pytest.mark.parametrize(
    "name",
    [
        f"1/import/{'A' * 22}.png",  # well formed, not stored
        f"1/import/{'A' * 22}.svg",
        "1/import/../../filestore.png",
        "runs/figure.svg",
    ],
)
def test_review_image_address_is_404_for_anything_else(name: str) -> None:
    assert Client().get(f"/images/{name}").status_code == 404


def test_feed_import_preview_shows_images_as_links_and_fetches_nothing(member, web) -> None:
    PaperFactory(title="Population Based Training of Neural Networks")
    feed_file = SimpleUploadedFile("feed.xml", FEED.encode(), content_type="application/rss+xml")
    response = _client(member).post(reverse("feed_import"), {"preview": "1", "feed": feed_file})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="https://{BLOG}/fig.png"' in html
    assert "<img" not in html
    assert web == []


def test_feeds_give_review_images_whole_addresses(member) -> None:
    url = review_image_store(member=member, folder="import", data=PNG)
    make_review(author=member, results=f"그림:\n\n![fig]({url})")
    for name in ("feed_rss", "feed_atom"):
        body = Client().get(reverse(name)).content.decode()
        assert f'src="http://testserver{url}"' in body.replace("&quot;", '"').replace(
            "&lt;", "<"
        ).replace("&gt;", ">")


def test_paste_says_which_images_it_left_as_links(member, web) -> None:
    response = _client(member).post(
        reverse("markdown_from_html"),
        {"html": f'<p><img src="https://{BLOG}/logo.svg" alt="로고"></p>'},
    )
    assert response.content.decode() == f"[로고](https://{BLOG}/logo.svg)\n"
    problems = json.loads(unquote(response["X-Image-Problems"]))
    assert problems == [
        f"The image https://{BLOG}/logo.svg is left as a link: "
        "Only PNG, JPEG, GIF and WebP images are accepted."
    ]


def test_blog_download_bundles_the_reviews_images(member) -> None:
    url = review_image_store(member=member, folder="import", data=PNG)
    review = make_review(author=member, results=f"그림:\n\n![곡선]({url})")
    client = _client(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert "Markdown + figures, ZIP" in page
    response = client.get(reverse("review_export", args=[review.pk]))
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(response))) as bundle:
        names = bundle.namelist()
        (index,) = [n for n in names if n.endswith("/index.md")]
        slug = index.removesuffix("/index.md")
        image = f"images/{url.rsplit('/', 1)[1]}"
        assert f"{slug}/{image}" in names
        assert bundle.read(f"{slug}/{image}") == PNG
        assert f"![곡선]({image})" in bundle.read(index).decode()
