"""The dataset of `make bench-scale`: a whole school's StudyGroup on PostgreSQL.

10,000 papers, 200 members, 5 cohorts, 10 reading lists of 100 to 500 entries, 50,000
reviews of 1 to 3 KB a section (English and Korean, with math, tables and code), 100,000
threaded comments and the members' reading statuses, written through the app's models in
bulk. A few dozen section texts are rendered once with the app's renderer and reused, and the
fields the services would compute (``*_html``, ``published_at``, the papers' search text)
are set to what they would compute.

Everything is deterministic; the featured rows (the largest list, the busiest member, the
paper with 50 reviews, the review with 200 comments, the rare words) are recorded with the
dataset's version in the table ``bench_scale_dataset``, so a database that already holds this
version is reused as it is.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

# Bump when what is built changes; a database holding another version is rebuilt.
DATASET_VERSION = 1
MARKER_TABLE = "bench_scale_dataset"
PASSWORD = "scale-bench-password"

N_PAPERS = 10_000
N_MEMBERS = 200
N_COHORTS = 5
N_REVIEWS = 50_000
N_COMMENTS = 100_000
LIST_SIZES = [500, 100, 150, 200, 250, 300, 350, 400, 450, 120]
BUSIEST_REVIEWS = 850
FEATURED_PAPER_REVIEWS = 50
FEATURED_REVIEW_COMMENTS = 200

# Words whose reach is known: the common ones are in most texts, each rare one in four
# published reviews only, each draft word in draft reviews only (so it must never be found).
COMMON_EN, COMMON_KO = "gradient", "알고리즘"
RARE_EN, RARE_KO = "quokkaformer", "도깨비불"
DRAFT_EN, DRAFT_KO = "unpublishedzebra", "비공개초안"
RARE_REVIEWS = 4


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def phase(name: str, timings: dict[str, float]) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - start
    log(f"  {name}: {timings[name]:.1f} s")


# --- Text ------------------------------------------------------------------------------------

EN_SENTENCES = [
    "The paper revisits how the {gradient} noise of small batches shapes generalization.",
    "We minimise $\\mathcal{{L}}(\\theta) = \\frac{{1}}{{N}}\\sum_{{i=1}}^{{N}} "
    "\\ell(f_\\theta(x_i), y_i)$ with stochastic {gradient} descent.",
    "The authors argue that flat minima, where $\\lambda_{{max}}(\\nabla^2 \\mathcal{{L}})$ is "
    "small, transfer better to the test distribution.",
    "Each layer keeps a low-rank update $W = W_0 + BA$ with "
    "$B \\in \\mathbb{{R}}^{{d \\times r}}$.",
    "Training is stable for learning rates up to $\\eta = 3 \\times 10^{{-4}}$ without warm-up.",
    "The ablation removes one component at a time and reports the drop in accuracy.",
    "Attention costs $O(n^2 d)$ time, which the sparse variant brings down to "
    "$O(n \\sqrt{{n}} d)$.",
    "I was surprised that the baseline, tuned properly, closes most of the gap.",
    "The {gradient} of the KL term is estimated with the reparameterization trick.",
    "Results hold across three seeds, but the variance on the small datasets is large.",
    "The method needs no extra memory at inference time, which matters on edge devices.",
    "Our reading group spent most of the session on the proof of Theorem 2.",
]
KO_SENTENCES = [
    "이 논문은 작은 배치의 {gradient} 잡음이 일반화에 미치는 영향을 다시 살펴본다.",
    "제안한 {algo}을 쓰면 $\\mathcal{{L}}(\\theta)$ 가 더 빠르게 줄어든다.",
    "{algo}의 수렴 속도는 $O(1/\\sqrt{{T}})$ 로, 기존 방법과 같은 차수이다.",
    "저자들은 평평한 최솟값이 테스트 분포에서 더 잘 일반화된다고 주장한다.",
    "각 층은 저랭크 갱신 $W = W_0 + BA$ 만 학습하므로 메모리가 크게 줄어든다.",
    "학습률 $\\eta = 3 \\times 10^{{-4}}$ 까지는 워밍업 없이도 안정적으로 학습된다.",
    "절제 실험에서는 구성 요소를 하나씩 빼고 정확도가 얼마나 떨어지는지 보고한다.",
    "스터디에서는 정리 2의 증명을 따라가는 데 대부분의 시간을 썼다.",
    "적절히 튜닝한 기준 모델이 격차의 대부분을 메운다는 점이 놀라웠다.",
    "추론 시 추가 메모리가 필요 없어서 엣지 기기에서 쓰기 좋다.",
    "세 번의 시드에서 결과가 유지되지만, 작은 데이터셋에서는 분산이 크다.",
    "어텐션의 비용은 $O(n^2 d)$ 이고, 희소 변형은 이를 $O(n \\sqrt{{n}} d)$ 로 줄인다.",
]
TABLE_EN = (
    "| model | top-1 | params |\n| --- | ---: | ---: |\n| ResNet-50 | 76.1 | 25M |\n"
    "| ViT-B/16 | 81.8 | 86M |\n| ours | $82.4 \\pm 0.1$ | 31M |"
)
TABLE_KO = (
    "| 모델 | 정확도 | 파라미터 |\n| --- | ---: | ---: |\n| 기준 모델 | 76.1 | 25M |\n"
    "| 제안 방법 | $82.4 \\pm 0.1$ | 31M |"
)
CODE_BLOCK = (
    "```python\nfor step, (x, y) in enumerate(loader):\n    loss = criterion(model(x), y)\n"
    "    loss.backward()\n    optimizer.step()\n    optimizer.zero_grad()\n```"
)
DISPLAY_MATH = "$$\\theta_{t+1} = \\theta_t - \\eta \\, \\nabla_\\theta \\mathcal{L}(\\theta_t)$$"
COMMENT_TEXTS = [
    "Nice summary. Did they try a larger learning rate?",
    "The table in the results section is really helpful, thanks.",
    "I think the {gradient} estimate is biased when $n$ is small.",
    "Could you share the code you used for the ablation?",
    "좋은 정리네요. 두 번째 실험은 재현해 보셨나요?",
    "{algo}의 메모리 사용량이 궁금합니다.",
    "정리 2의 가정이 너무 강한 것 같아요: $\\beta < 1/L$.",
    "Agreed, the baseline is under-tuned in the original paper.",
    "I disagree: the variance across seeds says the gain is within noise.",
    "다음 주 발표 자료에 이 표를 써도 될까요?",
    "The $O(n^2)$ claim only holds for the dense variant.",
    "{algo}을 다른 데이터셋에도 적용해 보면 좋겠습니다.",
]


def section_text(rng: random.Random, language: str, size: int, extra: str = "") -> str:
    """Markdown of about ``size`` bytes: paragraphs, math, a table or code, in one language."""
    sentences = KO_SENTENCES if language == "ko" else EN_SENTENCES
    # Some texts leave the common word out, so it matches most papers but not all.
    common = rng.random() < 0.8
    words = {
        "gradient": COMMON_EN if common else "slope",
        "algo": COMMON_KO if common else "방법",
    }
    blocks: list[str] = [extra] if extra else []
    extras = [TABLE_KO if language == "ko" else TABLE_EN, CODE_BLOCK, DISPLAY_MATH]
    while len("\n\n".join(blocks).encode()) < size:
        if rng.random() < 0.25 and extras:
            blocks.append(extras.pop(rng.randrange(len(extras))))
        else:
            count = rng.randint(2, 4)
            blocks.append(" ".join(rng.choice(sentences).format(**words) for _ in range(count)))
    return "\n\n".join(blocks)


@dataclass
class TextPool:
    """Distinct Markdown texts, each rendered once: (markdown, html, normalized) by index."""

    markdown: list[str] = field(default_factory=list)
    html: dict[str, list[str]] = field(default_factory=dict)
    normalized: list[str] = field(default_factory=list)

    def add(self, text: str) -> int:
        self.markdown.append(text)
        return len(self.markdown) - 1


def build_texts(rng: random.Random) -> dict[str, Any]:
    from reviews.enums import Section
    from reviews.markdown import render_markdown
    from reviews.services import normalize_search_text

    pool = TextPool()
    picks: dict[str, Any] = {"en": [], "ko": []}
    for language in ("en", "ko"):
        for i in range(20):
            size = 1000 + (i * 397) % 2000
            picks[language].append(pool.add(section_text(rng, language, size)))
    rare = {
        "en": f"What stayed with me is the {RARE_EN} trick of the appendix.",
        "ko": f"부록의 {RARE_KO} 기법이 가장 기억에 남는다.",
    }
    draft = {
        "en": f"Notes to self ({DRAFT_EN}): finish before publishing.",
        "ko": f"메모 ({DRAFT_KO}): 공개 전에 마무리할 것.",
    }
    for language in ("en", "ko"):
        picks[f"rare_{language}"] = pool.add(section_text(rng, language, 1500, rare[language]))
        picks[f"draft_{language}"] = pool.add(section_text(rng, language, 1200, draft[language]))
    comments = [text.format(gradient=COMMON_EN, algo=COMMON_KO) for text in COMMENT_TEXTS]
    picks["comments"] = [pool.add(text) for text in comments]
    for section in Section:
        pool.html[section.value] = [
            str(render_markdown(text, id_prefix=f"{section.value}-")) for text in pool.markdown
        ]
    # Comments carry no headings, so the review-specific id prefix would change nothing.
    pool.html["comment"] = [str(render_markdown(text)) for text in pool.markdown]
    pool.normalized = [normalize_search_text(text) for text in pool.markdown]
    picks["pool"] = pool
    return picks


# --- Plan ------------------------------------------------------------------------------------

TITLE_A = [
    "Scalable",
    "Sparse",
    "Robust",
    "Efficient",
    "Contrastive",
    "Hierarchical",
    "Implicit",
    "Adaptive",
    "Federated",
    "Causal",
    "Differentiable",
    "Self-Supervised",
    "Low-Rank",
    "Probabilistic",
    "Equivariant",
    "Recurrent",
    "Multilingual",
    "Diffusion-Based",
]
TITLE_B = [
    "Attention",
    "Transformers",
    "Optimizers",
    "Graph Networks",
    "Language Models",
    "Vision Encoders",
    "Policy Gradients",
    "Autoencoders",
    "Retrieval",
    "Normalizing Flows",
    "Mixture of Experts",
    "State Space Models",
    "Tokenizers",
    "Reward Models",
    "Adapters",
]
TITLE_C = [
    "at Scale",
    "for Long Sequences",
    "without Labels",
    "in the Wild",
    "for Korean Text",
    "on a Budget",
    "via Weight Averaging",
    "with Provable Guarantees",
    "for Code",
    "under Distribution Shift",
    "for Protein Folding",
    "Revisited",
]
NAMES = [
    "Minji Kim",
    "Jisoo Lee",
    "Hyunwoo Park",
    "Seoyeon Choi",
    "Alice Zhang",
    "Bob Martin",
    "Chen Wei",
    "Daniel Novak",
    "Eun-ji Jung",
    "Farah Haddad",
    "Gabriel Silva",
    "Hana Sato",
    "Ivan Petrov",
    "Jae-hoon Kang",
    "Kaveh Rahimi",
    "Laura Rossi",
    "Mateo Garcia",
    "Nadia Cohen",
    "Oscar Lund",
    "Priya Nair",
    "Quentin Moreau",
    "Rina Yamamoto",
]
TAG_NAMES = [
    "optimization",
    "transformers",
    "vision",
    "nlp",
    "reinforcement-learning",
    "theory",
    "generative-models",
    "graphs",
    "efficiency",
    "robustness",
    "speech",
    "retrieval",
    "diffusion",
    "llm",
    "fine-tuning",
    "interpretability",
    "federated",
    "causality",
    "강화학습",
    "자연어처리",
    "최적화",
    "컴퓨터비전",
    "생성모델",
    "추천시스템",
]
ABSTRACT = [
    "We study {topic} and show that a simple change to the training objective improves "
    "sample efficiency.",
    "Our analysis connects the {gradient} noise of stochastic optimizers to the flatness of "
    "the minima they find.",
    "Experiments on five benchmarks show consistent gains over strong baselines.",
    "The method adds fewer than one percent of parameters and no inference latency.",
    "We release code and pretrained checkpoints.",
    "A theoretical argument explains when the approach fails.",
    "On long inputs the model matches dense attention at a fraction of the cost.",
]


@dataclass
class ReviewPlan:
    paper: int
    author: int
    language: str
    published: bool
    texts: tuple[int, int, int, int]
    tldr: str
    published_at: datetime | None


def plan_reviews(picks: dict[str, Any]) -> tuple[list[ReviewPlan], dict[str, Any]]:
    """Who reviews what: member 0 is the busiest, paper 0 has exactly 50 reviews."""
    base = datetime(2023, 1, 1, tzinfo=UTC)
    span_minutes = 3 * 365 * 24 * 60
    plans: list[ReviewPlan] = []

    def add(paper: int, author: int, k: int, published: bool) -> None:
        language = "ko" if (paper + author) % 2 else "en"
        if published:
            pool = picks[language]
            texts = tuple(pool[(k * 4 + s * 7 + author) % len(pool)] for s in range(4))
        else:
            pool = picks[language]
            texts = (
                pool[k % len(pool)],
                pool[(k + 3) % len(pool)],
                pool[(k + 5) % len(pool)],
                picks[f"draft_{language}"],
            )
        tldr = (
            f"{COMMON_EN.capitalize()} noise, revisited: takeaways from paper {paper}."
            if language == "en"
            else f"논문 {paper}의 핵심 {COMMON_KO}을 한 줄로 정리했다."
        )
        when = base + timedelta(minutes=(k * 7919) % span_minutes) if published else None
        plans.append(ReviewPlan(paper, author, language, published, texts, tldr, when))

    # Paper 0: exactly 50 reviews, by members 0..49, all published.
    for author in range(FEATURED_PAPER_REVIEWS):
        add(0, author, len(plans), True)
    # Member 0: the busiest, reviewing papers 1..BUSIEST_REVIEWS (a few drafts among them).
    for paper in range(1, BUSIEST_REVIEWS + 1):
        add(paper, 0, len(plans), paper % 40 != 0)
    # The rest, spread over papers 1.. and members 1..: the author moves by 37 a round, so
    # (paper, author) stays unique (199 is prime).
    rest = N_REVIEWS - len(plans)
    papers_rest = N_PAPERS - 1
    for k in range(rest):
        paper = 1 + k % papers_rest
        author = 1 + (paper * 7 + (k // papers_rest) * 37) % (N_MEMBERS - 1)
        add(paper, author, len(plans), k % 17 != 0)
    # Rare words: four published reviews each, two of them on papers of the largest list.
    featured: dict[str, Any] = {"rare_reviews": {}}
    for language in ("en", "ko"):
        chosen = [
            i
            for i, p in enumerate(plans)
            if p.published and p.language == language and p.paper % 20 == 0 and p.paper > 0
        ][:2]
        chosen += [
            i
            for i, p in enumerate(plans)
            if p.published and p.language == language and p.paper % 20 == 7
        ][:2]
        for i in chosen:
            t = plans[i].texts
            plans[i].texts = (t[0], t[1], t[2], picks[f"rare_{language}"])
        featured["rare_reviews"][language] = chosen
    return plans, featured


# --- Build -----------------------------------------------------------------------------------


def _model_tables() -> list[str]:
    from reviews.models import Comment, Paper, Review

    return [Paper._meta.db_table, Review._meta.db_table, Comment._meta.db_table]


@contextmanager
def indexes_dropped(cursor: Any, tables: list[str]) -> Iterator[None]:
    """Drop the plain (non-constraint) indexes of ``tables`` for the load, then rebuild them:
    one pass over the finished rows is much cheaper than updating them row by row."""
    cursor.execute(
        """
        SELECT indexname, indexdef FROM pg_indexes i
        WHERE tablename = ANY(%s) AND schemaname = current_schema()
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        [tables],
    )
    definitions = cursor.fetchall()
    for name, _definition in definitions:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    for _name, definition in definitions:
        cursor.execute(definition)


def copy_create(cursor: Any, model: type, objects: list[Any]) -> None:
    """``bulk_create`` through COPY, for the text-heavy rows: each field's own ``pre_save``
    and ``get_db_prep_save`` make the values, and the objects get their ids as bulk_create
    gives them (taken from the table's sequence beforehand)."""
    from django.db import connection

    meta = model._meta
    table = meta.db_table
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [table, meta.pk.column, len(objects)],
    )
    for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
        obj.pk = pk
    fields = meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with cursor.cursor.copy(
        f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN"
    ) as copy:
        for obj in objects:
            copy.write_row(
                [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
            )
    for obj in objects:
        obj._state.adding, obj._state.db = False, connection.alias


def build(timings: dict[str, float]) -> dict[str, Any]:
    """Write the whole dataset into the (freshly migrated, empty) database."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from reviews.enums import CohortRole, ReadingStatus, ReviewStatus, Section
    from reviews.models import (
        Bookmark,
        Cohort,
        CohortMembership,
        Comment,
        EntryStatus,
        Member,
        Paper,
        ReadingList,
        ReadingListEntry,
        Review,
        ReviewRevision,
        Tag,
    )
    from reviews.services import normalize_search_text, tag_slug

    rng = random.Random(20261206)
    with phase("render texts", timings):
        picks = build_texts(rng)
    pool: TextPool = picks["pool"]
    plans, featured = plan_reviews(picks)
    paper_has_search_text = any(f.name == "search_text" for f in Paper._meta.get_fields())

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Foreign keys are checked per statement: an index cannot be built on a table with
        # checks still pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

        with phase("members, cohorts, tags", timings):
            password = make_password(PASSWORD)
            members = Member.objects.bulk_create(
                [
                    Member(
                        username="busiest" if i == 0 else f"member{i:03d}",
                        display_name=NAMES[i % len(NAMES)] if i % 3 else "",
                        first_name="" if i % 3 else f"First{i}",
                        last_name="" if i % 3 else f"Last{i}",
                        email=f"member{i}@example.org",
                        password=password,
                        is_staff=i == 1,
                        preferred_language="ko" if i % 2 else "en",
                        bio="Reads papers on Fridays." if i % 4 == 0 else "",
                    )
                    for i in range(N_MEMBERS)
                ]
            )
            cohorts = Cohort.objects.bulk_create(
                [
                    Cohort(name=f"Cohort {2022 + c}", slug=f"cohort-{2022 + c}")
                    for c in range(N_COHORTS)
                ]
            )
            memberships = []
            for i, member in enumerate(members):
                homes = [i % N_COHORTS] + ([(i + 1) % N_COHORTS] if i % 4 == 0 else [])
                for c in homes:
                    role = CohortRole.ORGANIZER if i < N_COHORTS else CohortRole.MEMBER
                    memberships.append(
                        CohortMembership(cohort=cohorts[c], member=member, role=role)
                    )
            CohortMembership.objects.bulk_create(memberships)
            tags = Tag.objects.bulk_create([Tag(name=n, slug=tag_slug(n)) for n in TAG_NAMES])

        with phase("papers", timings):
            published_by_paper: dict[int, list[ReviewPlan]] = {}
            for p in plans:
                if p.published:
                    published_by_paper.setdefault(p.paper, []).append(p)
            papers = []
            for i in range(N_PAPERS):
                prng = random.Random(i)
                title = f"{prng.choice(TITLE_A)} {prng.choice(TITLE_B)} {prng.choice(TITLE_C)}" + (
                    "" if i % 3 else f" {i}"
                )
                if i == 0:
                    title = "LoRA: Low-Rank Adaptation of Large Language Models"
                authors = [prng.choice(NAMES) for _ in range(prng.randint(2, 8))]
                abstract = " ".join(
                    prng.choice(ABSTRACT).format(topic=title.lower(), gradient=COMMON_EN)
                    for _ in range(prng.randint(4, 8))
                )
                month = (15 * 12) + i % 132  # 2015-01 .. 2025-12
                arxiv_id = (
                    "2106.09685" if i == 0 else f"{month // 12:02d}{month % 12 + 1:02d}.{i:05d}"
                )
                venue = prng.choice(["NeurIPS", "ICML", "ICLR", "ACL", "CVPR", ""])
                paper = Paper(
                    title=title,
                    authors=authors,
                    year=2000 + month // 12,
                    venue=venue,
                    arxiv_id=arxiv_id,
                    url=f"https://arxiv.org/abs/{arxiv_id}",
                    abstract=abstract,
                    added_by=members[i % N_MEMBERS],
                )
                if paper_has_search_text:
                    # What services.paper_refresh_search_text writes, from the rendered pool.
                    parts = [title, " ".join(authors), venue, abstract, arxiv_id]
                    head = normalize_search_text("\n".join(x for x in parts if x))
                    body = []
                    for plan in published_by_paper.get(i, []):
                        body.append(normalize_search_text(plan.tldr))
                        body += [pool.normalized[t] for t in plan.texts]
                    paper.search_text = "\n".join([head, *body])
                papers.append(paper)
            with indexes_dropped(cursor, [Paper._meta.db_table]):
                Paper.objects.bulk_create(papers, batch_size=500)
            del published_by_paper
            through = Paper.tags.through
            links = []
            for i, paper in enumerate(papers):
                chosen = {(i * 7 + j * 5) % len(tags) for j in range(1 + i % 3)}
                links += [through(paper_id=paper.pk, tag_id=tags[t].pk) for t in sorted(chosen)]
            through.objects.bulk_create(links, batch_size=5000)
            for paper in papers:
                paper.search_text = ""  # let the memory go

        with phase("reading lists", timings):
            lists = ReadingList.objects.bulk_create(
                [
                    ReadingList(
                        cohort=cohorts[n % N_COHORTS],
                        title=f"Reading list {n + 1}: {size} papers",
                        slug=f"scale-list-{n + 1}",
                        description="A season of papers, one session a week.",
                    )
                    for n, size in enumerate(LIST_SIZES)
                ]
            )
            cohort_members: dict[int, list[int]] = {}
            for m in memberships:
                cohort_members.setdefault(m.cohort_id, []).append(members.index(m.member))
            entries = []
            for n, (rl, size) in enumerate(zip(lists, LIST_SIZES, strict=True)):
                # List 0 takes every 20th paper (paper 0 and two rare-word papers among them).
                step, offset = (20, 0) if n == 0 else (7 + n, 3 + n * 11)
                for j in range(size):
                    entries.append(
                        ReadingListEntry(
                            reading_list=rl,
                            number=j + 1,
                            paper=papers[(offset + j * step) % N_PAPERS],
                        )
                    )
            ReadingListEntry.objects.bulk_create(entries, batch_size=2000)

        with phase("entry statuses", timings):
            statuses = []
            choices = ReadingStatus.values
            by_list: dict[int, list[ReadingListEntry]] = {}
            for entry in entries:
                by_list.setdefault(entry.reading_list_id, []).append(entry)
            for rl in lists:
                for m_index in cohort_members[rl.cohort_id]:
                    for j, entry in enumerate(by_list[rl.pk]):
                        if (j + m_index) % 3 == 0:
                            statuses.append(
                                EntryStatus(
                                    entry=entry,
                                    member=members[m_index],
                                    status=choices[(j + m_index) % len(choices)],
                                )
                            )
            EntryStatus.objects.bulk_create(statuses, batch_size=5000)
            Bookmark.objects.bulk_create(
                [Bookmark(member=members[0], paper=papers[i * 13]) for i in range(40)]
            )

        with phase("reviews", timings), indexes_dropped(cursor, [Review._meta.db_table]):
            sections = [s.value for s in Section]
            reviews = []
            for plan in plans:
                fields: dict[str, Any] = {}
                for s, t in zip(sections, plan.texts, strict=True):
                    fields[s] = pool.markdown[t]
                    fields[f"{s}_html"] = pool.html[s][t]
                reviews.append(
                    Review(
                        paper=papers[plan.paper],
                        author=members[plan.author],
                        tldr=plan.tldr,
                        language=plan.language,
                        status=ReviewStatus.PUBLISHED if plan.published else ReviewStatus.DRAFT,
                        published_at=plan.published_at,
                        version=2 if plan.published else 1,
                        **fields,
                    )
                )
            copy_create(cursor, Review, reviews)

        with phase("comments", timings), indexes_dropped(cursor, [Comment._meta.db_table]):
            published = [r for r, p in zip(reviews, plans, strict=True) if p.published]
            featured_review = next(r for r in published if r.paper_id == papers[0].pk)
            others = [r for r in published if r is not featured_review]
            counts = {featured_review.pk: FEATURED_REVIEW_COMMENTS}
            for c in range(N_COMMENTS - FEATURED_REVIEW_COMMENTS):
                review = others[(c * 7919) % len(others)]
                counts[review.pk] = counts.get(review.pk, 0) + 1
            comment_pool = picks["comments"]
            by_pk = {r.pk: r for r in published}
            sequence = 0

            def comment(review_pk: int, parent: Comment | None) -> Comment:
                nonlocal sequence
                sequence += 1
                t = comment_pool[sequence % len(comment_pool)]
                return Comment(
                    review=by_pk[review_pk],
                    author=members[(sequence * 13) % N_MEMBERS],
                    parent=parent,
                    section="" if sequence % 3 else sections[sequence % 4],
                    body=pool.markdown[t],
                    body_html=pool.html["comment"][t],
                )

            # Roots first (their ids are needed), then replies to roots, then replies to those.
            roots = []
            for review_pk, n in counts.items():
                roots += [comment(review_pk, None) for _ in range((n + 1) // 2)]
            Comment.objects.bulk_create(roots, batch_size=2000)
            roots_of: dict[int, list[Comment]] = {}
            for root in roots:
                roots_of.setdefault(root.review_id, []).append(root)
            replies, nested = [], []
            for review_pk, n in counts.items():
                mine = roots_of[review_pk]
                for j in range(n - len(mine)):
                    reply = comment(review_pk, mine[j % len(mine)])
                    (nested if j % 4 == 3 else replies).append(reply)
            Comment.objects.bulk_create(replies, batch_size=2000)
            # A quarter of the replies answer a reply rather than the thread's root.
            parents: dict[int, list[Comment]] = {}
            for reply in replies:
                parents.setdefault(reply.review_id, []).append(reply)
            for j, reply in enumerate(nested):
                candidates = parents.get(reply.review_id)
                if candidates:
                    reply.parent = candidates[j % len(candidates)]
            Comment.objects.bulk_create(nested, batch_size=2000)

        with phase("revisions", timings):
            # The history pages of the featured paper's reviews; other reviews have none.
            revisions = [
                ReviewRevision(
                    review=review,
                    number=1,
                    published_by=review.author,
                    tldr=review.tldr,
                    **{s: getattr(review, s) for s in sections},
                )
                for review in published
                if review.paper_id == papers[0].pk
            ]
            ReviewRevision.objects.bulk_create(revisions)

    tag_counts: dict[int, int] = {}
    for link in links:
        tag_counts[link.tag_id] = tag_counts.get(link.tag_id, 0) + 1
    busiest_tag = max(tags, key=lambda t: tag_counts.get(t.pk, 0))
    rare = featured["rare_reviews"]
    return {
        "largest_list": lists[0].slug,
        "featured_paper": papers[0].pk,
        "featured_review": featured_review.pk,
        "busiest_member": members[0].username,
        "busiest_reviews": sum(1 for p in plans if p.author == 0),
        "member_password": PASSWORD,
        "tag": busiest_tag.slug,
        "words": {
            "common_en": COMMON_EN,
            "rare_en": RARE_EN,
            "common_ko": COMMON_KO,
            "rare_ko": RARE_KO,
            "draft_en": DRAFT_EN,
            "draft_ko": DRAFT_KO,
        },
        "rare_review_ids": {lang: [reviews[i].pk for i in rare[lang]] for lang in rare},
        "counts": {
            "papers": len(papers),
            "members": len(members),
            "reviews": len(reviews),
            "published": len(published),
            "comments": len(roots) + len(replies) + len(nested),
            "entries": len(entries),
            "statuses": len(statuses),
        },
    }


def vacuum(timings: dict[str, float]) -> None:
    """The steady state of a live database: statistics and a visibility map."""
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    with phase("vacuum analyze", timings):
        with psycopg.connect(**_connect_kwargs(settings), autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")


def _connect_kwargs(settings: dict[str, Any]) -> dict[str, Any]:
    return {
        "dbname": settings["NAME"],
        "user": settings["USER"] or None,
        "password": settings["PASSWORD"] or None,
        "host": settings["HOST"] or None,
        "port": settings["PORT"] or None,
    }


def search_index_rebuild(timings: dict[str, float]) -> bool:
    """The lead's search index, where the app has one."""
    try:
        from search.services import index_rebuild
    except ImportError:
        log("  search index: no search.services.index_rebuild in this version")
        return False
    with phase("search index", timings):
        index_rebuild()
    return True


# --- The marker ------------------------------------------------------------------------------


def marker_read(cursor: Any) -> dict[str, Any] | None:
    cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
    if cursor.fetchone()[0] is None:
        return None
    cursor.execute(f"SELECT version, info FROM {MARKER_TABLE} ORDER BY built_at DESC LIMIT 1")
    row = cursor.fetchone()
    if row is None or row[0] != DATASET_VERSION:
        return None
    info = row[1]
    return json.loads(info) if isinstance(info, str) else info


def marker_write(cursor: Any, info: dict[str, Any]) -> None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} "
        "(version integer NOT NULL, built_at timestamptz NOT NULL DEFAULT now(), info jsonb)"
    )
    cursor.execute(f"DELETE FROM {MARKER_TABLE}")
    cursor.execute(
        f"INSERT INTO {MARKER_TABLE} (version, info) VALUES (%s, %s)",
        [DATASET_VERSION, json.dumps(info)],
    )


def ensure_database(database_url: str, *, rebuild: bool) -> None:
    """Create the database if missing (or anew, for a rebuild)."""
    import psycopg
    from psycopg import sql

    base, name = database_url.rsplit("/", 1)
    name = name.split("?", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and rebuild:
            log(f"dropping database {name}")
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            log(f"creating database {name}")
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def ensure_dataset(
    database_url: str, *, rebuild: bool = False, index: bool = True, migrate: Callable[[], bool]
) -> dict[str, Any]:
    """The dataset's featured rows and build timings; builds it only where it is missing.

    ``migrate`` applies the app's migrations and says whether it applied any. The search
    index is rebuilt after a build, and on a kept dataset after new migrations or where an
    earlier rebuild did not finish.
    """
    from django.db import connection

    from reviews.models import Paper

    ensure_database(database_url, rebuild=rebuild)
    timings: dict[str, float] = {}
    with phase("migrate", timings):
        migrated = migrate()
    with connection.cursor() as cursor:
        info = marker_read(cursor)
    if info is not None:
        log(f"reusing the dataset (version {DATASET_VERSION}); --rebuild builds it anew")
        if index and (migrated or not info.get("indexed")):
            index_and_mark(info, timings)
        info["reused"] = True
        return info
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {Paper._meta.db_table}")
        if cursor.fetchone()[0]:
            # Never someone's real data: only a rebuild (which drops the database) replaces it.
            raise SystemExit(
                f"{database_url} holds papers but no finished dataset of version "
                f"{DATASET_VERSION}; run with --rebuild to drop it and build anew"
            )
    log("building the dataset")
    start = time.perf_counter()
    info = build(timings)
    build_s = time.perf_counter() - start
    vacuum(timings)
    info["build_s"] = round(build_s + timings["vacuum analyze"], 1)
    info["timings"] = {k: round(v, 1) for k, v in timings.items()}
    info["indexed"], info["index_s"] = False, None
    with connection.cursor() as cursor:
        marker_write(cursor, info)
    log(f"dataset built in {info['build_s']} s")
    if index:
        index_and_mark(info, timings)
    info["reused"] = False
    return info


def index_and_mark(info: dict[str, Any], timings: dict[str, float]) -> None:
    from django.db import connection

    if search_index_rebuild(timings):
        info["indexed"], info["index_s"] = True, round(timings["search index"], 1)
        with connection.cursor() as cursor:
            marker_write(cursor, info)
