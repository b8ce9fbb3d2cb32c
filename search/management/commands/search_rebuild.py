"""Index the whole archive again: after an upgrade from a release without the index, or
after rows were written behind the services' back (bulk loads)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from search.services import index_rebuild


class Command(BaseCommand):
    help = "Rebuild the search index from papers, published reviews, their comments and members."

    def handle(self, *args: Any, **options: Any) -> None:
        start = time.monotonic()
        counts = index_rebuild()
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
        elapsed = time.monotonic() - start
        self.stdout.write(f"Indexed {summary or 'nothing'} in {elapsed:.1f} s.")
