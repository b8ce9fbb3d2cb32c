"""Celery tasks of recommend: thin adapters to recommend.compute, on the default queue.

compute imports NumPy and scikit-learn, which a web server does not install
(requirements/web.txt); it is imported when a task runs, so autodiscovery never needs it.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="recommend.rebuild", ignore_result=True)
def rebuild() -> dict[str, float]:
    """Refit the text model and every member's; beat runs it nightly."""
    from . import compute

    return compute.vectors_rebuild()


@shared_task(name="recommend.paper_refresh", ignore_result=True)
def paper_refresh(paper_id: int) -> bool:
    from . import compute

    return compute.paper_refresh(paper_id=paper_id)


@shared_task(name="recommend.member_refresh", ignore_result=True)
def member_refresh(member_id: int) -> int:
    from . import compute

    return compute.recommendations_refresh(member_id=member_id)
