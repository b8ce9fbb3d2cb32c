"""Storing review images: the editor's uploads, and the images of imported posts and pastes.

Limits, types and addresses live in ``reviews.images``. An image that cannot be kept (too
big, not an image, a private address, arXiv-style timeouts) never fails an import: it stays
a link to where it was, and the reason is reported.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from ..images import (
    IMAGE_FETCH_BUDGET_SECONDS,
    IMAGE_FETCH_TIMEOUT,
    MAX_IMAGE_BYTES,
    MAX_IMAGES_PER_REVIEW,
    STORAGE_DIR,
    URL_PREFIX,
    sniff_image_type,
    storage_name,
)
from ..importers.base import ImportRefused
from ..markdown import lines_outside_fences
from ..models import Member

# An image as html_to_markdown(images=True) writes it: "![alt](http…)", alt without brackets.
_IMAGE_MARKDOWN_RE = re.compile(r"!\[(?P<alt>[^\[\]\n]*)\]\((?P<src>https?://[^()\s]+)\)")

Fetcher = Callable[[str], bytes]


@dataclass
class ImageImport:
    """Sections with their images stored here; the storage names written; what was not kept."""

    sections: dict[str, str]
    stored: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def review_image_store(*, member: Member, folder: str, data: bytes) -> str:
    """Store one image and return its same-origin address; ValidationError if it is refused."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError(
            _("The image is larger than %(limit)d MB.") % {"limit": MAX_IMAGE_BYTES // 2**20}
        )
    extension = sniff_image_type(data)
    if extension is None:
        raise ValidationError(_("Only PNG, JPEG, GIF and WebP images are accepted."))
    name = f"{member.pk}/{folder}/{secrets.token_urlsafe(16)}.{extension}"
    saved = default_storage.save(storage_name(name), ContentFile(data))
    return URL_PREFIX + saved.removeprefix(f"{STORAGE_DIR}/")


def review_image_upload(*, member: Member, paper_id: int, data: bytes) -> str:
    """An image pasted or dropped into the editor of the member's review of a paper."""
    folder = str(paper_id)
    try:
        _dirs, files = default_storage.listdir(f"{STORAGE_DIR}/{member.pk}/{folder}")
    except FileNotFoundError:  # a file system storage before the first image
        files = []
    if len(files) >= MAX_IMAGES_PER_REVIEW:
        raise ValidationError(
            _("A review holds at most %(count)d images.") % {"count": MAX_IMAGES_PER_REVIEW}
        )
    return review_image_store(member=member, folder=folder, data=data)


def review_images_discard(names: list[str]) -> None:
    """Remove stored images nothing will point at (an import that was not saved)."""
    for name in names:
        default_storage.delete(name)


def _fetch_image(url: str) -> bytes:
    from ..importers.fetch import fetch  # httpx only for imports that need it

    return fetch(url, max_bytes=MAX_IMAGE_BYTES, timeout=IMAGE_FETCH_TIMEOUT).content


def review_images_import(
    sections: dict[str, str], *, member: Member, folder: str, fetcher: Fetcher | None = None
) -> ImageImport:
    """Fetch the images of imported Markdown through the fetch guard and store them here.

    Each ``![alt](http…)`` outside code blocks becomes ``![alt](/images/…)``; one that cannot
    be kept becomes the link ``[alt](http…)`` and its reason is added to ``problems``.
    """
    fetch_bytes = fetcher or _fetch_image
    result = ImageImport(sections={})
    done: dict[str, str | None] = {}  # source address -> its address here, None if not kept
    deadline = time.monotonic() + IMAGE_FETCH_BUDGET_SECONDS

    def keep(src: str) -> str | None:
        if len(result.stored) >= MAX_IMAGES_PER_REVIEW:
            reason = _("only the first %(count)d images are kept") % {
                "count": MAX_IMAGES_PER_REVIEW
            }
        elif time.monotonic() > deadline:
            reason = _("fetching the images took too long")
        else:
            try:
                url = review_image_store(member=member, folder=folder, data=fetch_bytes(src))
            except ImportRefused as error:
                reason = error.message
            except ValidationError as error:
                reason = " ".join(error.messages)
            else:
                result.stored.append(storage_name(url.removeprefix(URL_PREFIX)))
                return url
        result.problems.append(
            _("The image %(url)s is left as a link: %(reason)s") % {"url": src, "reason": reason}
        )
        return None

    def replace(match: re.Match[str]) -> str:
        src, alt = match["src"], match["alt"]
        if src not in done:
            done[src] = keep(src)
        local = done[src]
        return f"![{alt}]({local})" if local else f"[{alt or _('image')}]({src})"

    for key, text in sections.items():
        result.sections[key] = _outside_code(text, replace)
    return result


def images_as_links(markdown: str) -> str:
    """Imported Markdown with its not-yet-fetched images as links, for a preview that must
    not make the member's browser load other sites' images."""

    def link(match: re.Match[str]) -> str:
        return f"[{match['alt'] or _('image')}]({match['src']})"

    return _outside_code(markdown, link)


def _outside_code(text: str, replace: Callable[[re.Match[str]], str]) -> str:
    """Each image of the lines outside fenced code blocks, replaced."""
    lines = text.split("\n")
    for index in lines_outside_fences(lines):
        if "![" in lines[index]:
            lines[index] = _IMAGE_MARKDOWN_RE.sub(replace, lines[index])
    return "\n".join(lines)
