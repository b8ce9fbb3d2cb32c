"""Images in reviews: the one home of their limits, accepted types and addresses.

A review's images are stored by the app itself (``default_storage``, where run figures go),
never hot-linked: an import fetches a post's images through the fetch guard, and members
paste or drop images into the editor. Each is served from this site at
``/images/<member>/<folder>/<token>.<ext>`` (folder: the paper's id for the editor's
uploads, ``import`` for imports), a name with 128 random bits that only the review's text
holds. The Markdown sanitizer allows exactly these same-origin addresses.
"""

from __future__ import annotations

import re

# Per image: bytes, and what the bytes must be (sniffed, not taken from a name or header).
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Per review: the editor accepts this many uploads for one review, and an import fetches
# this many of one post's images (the rest stay links).
MAX_IMAGES_PER_REVIEW = 20
# Fetching a post's images at import time: per image, and for all of one post's images.
IMAGE_FETCH_TIMEOUT = 5.0
IMAGE_FETCH_BUDGET_SECONDS = 30.0

# SVG is left out on purpose: it is a document that can carry script and load other files.
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}

STORAGE_DIR = "review-images"
URL_PREFIX = "/images/"
IMPORT_FOLDER = "import"
NAME_RE = re.compile(
    r"(?P<member>[1-9]\d{0,11})/(?P<folder>[1-9]\d{0,11}|import)/"
    r"(?P<token>[A-Za-z0-9_-]{22})\.(?P<ext>png|jpg|gif|webp)"
)
# The src of an image the sanitizer keeps although it is not http(s).
IMAGE_SRC_RE = re.compile(re.escape(URL_PREFIX) + NAME_RE.pattern)


def sniff_image_type(data: bytes) -> str | None:
    """The extension of the image type the bytes begin with, or None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def storage_name(name: str) -> str:
    """The storage name of an image from the name in its address (already NAME_RE-checked)."""
    return f"{STORAGE_DIR}/{name}"


def folder_for(paper_id: int | None) -> str:
    return str(paper_id) if paper_id else IMPORT_FOLDER
