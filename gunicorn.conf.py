"""gunicorn reads this file from the working directory (the Procfile's `web:` line, the
README's production steps and `make bench-scale` all start it from the repository root)."""

from __future__ import annotations

import gc
from typing import Any


def post_request(worker: Any, req: Any, environ: dict, resp: Any) -> None:
    # A DRF view and its response refer to each other, so a request's rows (3 MB for a page
    # of 100 reviews) are cyclic garbage that would wait for a full collection: workers grew
    # to ~380 MB. Collect after each request instead; with what the first request imported
    # frozen out of the collector's reach, that costs about a millisecond.
    gc.collect()
    if not getattr(worker, "gc_frozen", False):
        gc.freeze()
        worker.gc_frozen = True
