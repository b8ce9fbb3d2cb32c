"""The worker's side: weigh papers, find their neighbours, fit each member's model, store it.

`vectors_rebuild` refits everything (beat, nightly; and the first time). `paper_refresh`
re-weighs one changed paper against the stored document frequencies and mends only the
similar-paper lists it enters or leaves. `recommendations_refresh` refits one member.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp
from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone

from . import selectors, vectors
from .models import PaperVector, Recommendation, SimilarPaper, TextModel

logger = logging.getLogger(__name__)

SIMILAR = 10
# Recommendations kept a member, from their cohorts' lists and from the rest, each.
KEPT = 20
BATCH = 1000


def _digest(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _stored() -> tuple[list[int], sp.csr_matrix]:
    """Every stored vector, by paper id."""
    rows = list(
        PaperVector.objects.order_by("paper_id").values_list("paper_id", "features", "weights")
    )
    return [pk for pk, _f, _w in rows], vectors.unpack([(f, w) for _pk, f, w in rows])


def vectors_rebuild() -> dict[str, float]:
    """Refit the text model on every paper; store vectors, similar papers and every member's
    recommendations. Returns the seconds each step took."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    texts = selectors.paper_texts()
    ids = sorted(texts)
    timings["read texts"] = time.perf_counter() - start
    start = time.perf_counter()
    raw = vectors.counts([vectors.clean(texts[pk]) for pk in ids])
    frequencies = vectors.Frequencies.of(raw)
    matrix = vectors.weigh(raw, frequencies)
    timings["weigh"] = time.perf_counter() - start
    start = time.perf_counter()
    near = vectors.nearest(matrix, range(len(ids)), SIMILAR)
    timings["similar"] = time.perf_counter() - start
    start = time.perf_counter()
    features, counts = frequencies.dump()
    with transaction.atomic():
        TextModel.objects.update_or_create(
            pk=1,
            defaults={
                "documents": frequencies.documents,
                "features": features,
                "frequencies": counts,
                "fitted_at": timezone.now(),
            },
        )
        PaperVector.objects.all().delete()
        PaperVector.objects.bulk_create(
            (
                PaperVector(paper_id=pk, digest=_digest(texts[pk]), **_packed(matrix, row))
                for row, pk in enumerate(ids)
            ),
            batch_size=BATCH,
        )
        SimilarPaper.objects.all().delete()
        SimilarPaper.objects.bulk_create(
            (
                SimilarPaper(paper_id=ids[row], similar_id=ids[j], score=score)
                for row, found in near.items()
                for j, score in found
            ),
            batch_size=BATCH * 5,
        )
    timings["store"] = time.perf_counter() - start
    start = time.perf_counter()
    members = recommendations_rebuild(ids=ids, matrix=matrix, texts=texts)
    timings["members"] = time.perf_counter() - start
    timings["member count"] = members
    timings["papers"] = len(ids)
    return timings


def _packed(matrix: sp.csr_matrix, row: int) -> dict[str, bytes]:
    features, weights = vectors.pack(matrix, row)
    return {"features": features, "weights": weights}


def paper_refresh(*, paper_id: int) -> bool:
    """Re-weigh one paper after it or its reviews changed; mend the similar lists. False when
    its text is unchanged (a draft saved, a comment) or it is gone."""
    model = TextModel.objects.first()
    if model is None:
        vectors_rebuild()
        return True
    text = selectors.paper_texts([paper_id]).get(paper_id)
    if text is None:
        return False
    digest = _digest(text)
    if PaperVector.objects.filter(paper_id=paper_id, digest=digest).exists():
        return False
    frequencies = vectors.Frequencies.load(model.documents, model.features, model.frequencies)
    vector = vectors.weigh(vectors.counts([vectors.clean(text)]), frequencies)
    ids, matrix = _stored()
    if paper_id in ids:
        row = ids.index(paper_id)
        matrix = sp.vstack([matrix[:row], vector, matrix[row + 1 :]]).tocsr()
    else:
        row = len(ids)
        ids.append(paper_id)
        matrix = sp.vstack([matrix, vector]).tocsr()
    scores = (matrix @ vector.T).toarray().ravel()
    lists = SimilarPaper.objects.values("paper_id").annotate(n=Count("pk"), worst=Min("score"))
    held = {r["paper_id"]: (r["n"], r["worst"]) for r in lists}
    holding = set(
        SimilarPaper.objects.filter(similar_id=paper_id).values_list("paper_id", flat=True)
    )
    affected = {row}
    for i, pk in enumerate(ids):
        if i == row:
            continue
        n, worst = held.get(pk, (0, 0.0))
        if pk in holding or (scores[i] > 0 and (n < SIMILAR or scores[i] > worst)):
            affected.add(i)
    near = vectors.nearest(matrix, sorted(affected), SIMILAR)
    with transaction.atomic():
        PaperVector.objects.update_or_create(
            paper_id=paper_id, defaults={"digest": digest, **_packed(matrix, row)}
        )
        _similar_store(ids, near)
    return True


def _similar_store(ids: list[int], near: dict[int, list[tuple[int, float]]]) -> None:
    SimilarPaper.objects.filter(paper_id__in=[ids[row] for row in near]).delete()
    SimilarPaper.objects.bulk_create(
        SimilarPaper(paper_id=ids[row], similar_id=ids[j], score=score)
        for row, found in near.items()
        for j, score in found
    )


def recommendations_refresh(*, member_id: int) -> int:
    """Refit one member's model on the stored vectors (after a review, a bookmark or a "not
    for me"); returns how many recommendations they have."""
    if not PaperVector.objects.exists():
        return 0
    ids, matrix = _stored()
    return recommendations_rebuild(ids=ids, matrix=matrix, member_ids=[member_id])


def recommendations_rebuild(
    *,
    ids: list[int],
    matrix: sp.csr_matrix,
    texts: dict[int, str] | None = None,
    member_ids: Iterable[int] | None = None,
) -> int:
    """Fit and store the model of every active member (or of `member_ids`); returns how many
    members had one. A member with nothing reviewed or bookmarked gets no rows: the page
    shows what their cohorts read most."""
    signals = selectors.member_signals(member_ids)
    row_of = {pk: row for row, pk in enumerate(ids)}
    explainer = vectors.Explainer()
    words: dict[int, set[str]] = {}

    def words_of(paper_ids: Iterable[int]) -> None:
        missing = [pk for pk in paper_ids if pk not in words]
        if missing:
            found = texts if texts is not None else selectors.paper_texts(missing)
            for pk in missing:
                words[pk] = vectors.words(vectors.clean(found.get(pk, "")))

    now = timezone.now()
    rows: list[Recommendation] = []
    fitted = 0
    for member_id, member in signals.items():
        positives = [row_of[pk] for pk in member.positives if pk in row_of]
        if not positives:
            continue
        fitted += 1
        dismissed = [row_of[pk] for pk in member.dismissed if pk in row_of]
        model = vectors.fit_member(matrix, sorted(positives), sorted(dismissed), seed=member_id)
        scores = matrix @ model
        excluded = {row_of[pk] for pk in member.excluded if pk in row_of}
        chosen = _best(scores, ids, excluded, member.listed)
        words_of([*member.positives, *(ids[row] for row in chosen)])
        liked = set().union(*(words.get(pk, set()) for pk in member.positives))
        for row in chosen:
            pk = ids[row]
            terms = explainer.terms(matrix[row], model, words[pk] & liked)
            rows.append(
                Recommendation(
                    member_id=member_id,
                    paper_id=pk,
                    score=float(scores[row]),
                    terms=terms,
                    on_list=pk in member.listed,
                    computed_at=now,
                )
            )
    with transaction.atomic():
        Recommendation.objects.filter(member_id__in=list(signals)).delete()
        Recommendation.objects.bulk_create(rows, batch_size=BATCH)
    return fitted


def _best(scores: np.ndarray, ids: list[int], excluded: set[int], listed: set[int]) -> list[int]:
    """Rows of the KEPT best candidates on the member's lists and the KEPT best elsewhere."""
    on_list, elsewhere = [], []
    for row in np.argsort(-scores, kind="stable"):
        row = int(row)
        if row in excluded:
            continue
        shelf = on_list if ids[row] in listed else elsewhere
        if len(shelf) < KEPT:
            shelf.append(row)
        if len(on_list) >= KEPT and len(elsewhere) >= KEPT:
            break
    return on_list + elsewhere
