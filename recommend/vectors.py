"""Paper texts as vectors, and what they say of each other. NumPy, SciPy and scikit-learn:
the worker imports this module, the web never does.

A paper's text (recommend.selectors.paper_texts) is cut into character n-grams of 2 to 4
inside words (`char_wb`), so Korean matches across particles: 모델을 and 모델이 share " 모델".
The n-grams are hashed into N_FEATURES columns, so there is no vocabulary to refit when one
paper changes; they are weighed by sublinear tf × smoothed idf, and each paper keeps its KEEP
strongest, at unit length. Cosine similarity is then a sparse dot product, and a member's
model a linear SVM over those vectors, as arxiv-sanity-lite fits one per user.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from search.text import strip_particle

N_FEATURES = 2**20
NGRAM_RANGE = (2, 4)
# Features a paper keeps: enough for its topic (its rarest, strongest n-grams), and small
# enough that 10,000 papers compare with each other in seconds.
KEEP = 256
# Rows multiplied at once when every paper is compared with every other.
CHUNK = 500
# Papers a member's model sees as background negatives, beside their "not for me".
BACKGROUND = 1500
DISMISSED_WEIGHT = 3.0
SVM_C = 0.1

_HASHER = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=NGRAM_RANGE,
    n_features=N_FEATURES,
    alternate_sign=False,
    norm=None,
    dtype=np.float32,
)
# What says nothing of the topic, whole: code blocks and spans, math, links; then LaTeX
# commands left outside math, and Markdown punctuation. Numbers go with them (clean()).
_NOISE_RE = re.compile(
    r"```.*?(?:```|\Z)|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$|https?://\S+"
    r"|\\[A-Za-z]+|[$`*#>|_{}\[\]()^~=\\]+",
    re.DOTALL,
)
_WORD_RE = re.compile(r"[^\W\d_]+")
_TOKEN_RE = re.compile(r"\w+")
_HANGUL_RE = re.compile(r"[\uac00-\ud7a3]")
# Words every review uses, which explain nothing ("shares with what you read: model").
GENERIC = ENGLISH_STOP_WORDS | {
    *"""paper papers model models method methods result results approach approaches show
    shows propose proposed proposes using used use based new work works performance task
    tasks data training train trained learning learn deep neural network networks small
    large also just like really think thought interesting authors author section figure table
    experiment experiments""".split(),
    *"논문 모델 방법 결과 학습 실험 성능 데이터 저자 생각 부분 정도 경우 그리고 하지만".split(),
}


def clean(text: str) -> str:
    """The text's content words, lower case: no markup, no stop words, Korean words without
    their particle, so n-grams come from what the text is about."""
    kept = []
    for word in _TOKEN_RE.findall(_NOISE_RE.sub(" ", text.lower())):
        if _HANGUL_RE.search(word):
            word = strip_particle(word)
        if word not in GENERIC and len(word) > 1 and not word.isdigit():
            kept.append(word)
    return " ".join(kept)


def counts(texts: Sequence[str]) -> sp.csr_matrix:
    """Raw n-gram counts, one row a text."""
    if not texts:  # the hasher cannot take none
        return sp.csr_matrix((0, N_FEATURES), dtype=np.float32)
    return _HASHER.transform(texts).tocsr()


@dataclass(frozen=True)
class Frequencies:
    """In how many of `documents` texts each hashed feature occurs (`features` sorted)."""

    documents: int
    features: np.ndarray
    frequencies: np.ndarray

    @classmethod
    def of(cls, matrix: sp.csr_matrix) -> Frequencies:
        df = np.bincount(matrix.indices, minlength=matrix.shape[1])
        features = np.flatnonzero(df).astype(np.int32)
        return cls(matrix.shape[0], features, df[features].astype(np.int32))

    @classmethod
    def load(cls, documents: int, features: bytes, frequencies: bytes) -> Frequencies:
        return cls(
            documents,
            np.frombuffer(features, dtype=np.int32),
            np.frombuffer(frequencies, dtype=np.int32),
        )

    def dump(self) -> tuple[bytes, bytes]:
        return self.features.tobytes(), self.frequencies.tobytes()

    def idf(self, columns: np.ndarray) -> np.ndarray:
        """Smoothed idf; a feature no paper had at fitting time counts as in none."""
        at = np.searchsorted(self.features, columns)
        at = np.minimum(at, max(len(self.features) - 1, 0))
        found = self.features[at] == columns if len(self.features) else np.zeros(len(columns), bool)
        df = np.where(found, self.frequencies[at] if len(self.features) else 0, 0)
        return (np.log((1 + self.documents) / (1 + df)) + 1).astype(np.float32)


def weigh(raw: sp.csr_matrix, frequencies: Frequencies) -> sp.csr_matrix:
    """Sublinear tf × idf, each row cut to its KEEP strongest features, at unit length."""
    weighted = raw.astype(np.float32, copy=True)
    weighted.data = (1 + np.log(weighted.data)) * frequencies.idf(weighted.indices)
    return _strongest(weighted)


def _strongest(matrix: sp.csr_matrix) -> sp.csr_matrix:
    indptr, indices, data = [0], [], []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        columns, values = matrix.indices[start:end], matrix.data[start:end]
        if len(values) > KEEP:
            top = np.argpartition(-values, KEEP)[:KEEP]
            columns, values = columns[top], values[top]
        order = np.argsort(columns)
        indices.append(columns[order])
        data.append(values[order])
        indptr.append(indptr[-1] + len(order))
    kept = sp.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            np.array(indptr),
        ),
        shape=matrix.shape,
    )
    return normalize(kept) if matrix.shape[0] else kept


def pack(matrix: sp.csr_matrix, row: int) -> tuple[bytes, bytes]:
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return (
        matrix.indices[start:end].astype(np.int32).tobytes(),
        matrix.data[start:end].astype(np.float32).tobytes(),
    )


def unpack(rows: Sequence[tuple[bytes, bytes]]) -> sp.csr_matrix:
    """The matrix of packed rows, in order."""
    indices = [np.frombuffer(bytes(features), dtype=np.int32) for features, _w in rows]
    data = [np.frombuffer(bytes(weights), dtype=np.float32) for _f, weights in rows]
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(i) for i in indices])
    return sp.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            indptr,
        ),
        shape=(len(rows), N_FEATURES),
    )


def nearest(
    matrix: sp.csr_matrix, rows: Iterable[int], k: int
) -> dict[int, list[tuple[int, float]]]:
    """For each of `rows`, its k most similar other rows with their cosine, best first.
    Rows that share nothing with it are left out."""
    rows = list(rows)
    transposed = matrix.T.tocsr()
    found: dict[int, list[tuple[int, float]]] = {}
    for begin in range(0, len(rows), CHUNK):
        chunk = rows[begin : begin + CHUNK]
        scores = (matrix[chunk] @ transposed).toarray()
        scores[np.arange(len(chunk)), chunk] = 0
        take = min(k, scores.shape[1] - 1)
        if take <= 0:
            found.update({row: [] for row in chunk})
            continue
        top = np.argpartition(-scores, take - 1, axis=1)[:, :take]
        for i, row in enumerate(chunk):
            best = sorted(top[i], key=lambda j: -scores[i, j])
            found[row] = [(int(j), float(scores[i, j])) for j in best if scores[i, j] > 0]
    return found


def fit_member(
    matrix: sp.csr_matrix, positives: Sequence[int], dismissed: Sequence[int], seed: int
) -> np.ndarray:
    """A member's linear SVM: their reviewed and bookmarked papers against their "not for
    me" ones (weighed up) and a sample of the rest. Returns the weights over N_FEATURES."""
    taken = set(positives) | set(dismissed)
    others = np.array([i for i in range(matrix.shape[0]) if i not in taken], dtype=np.int64)
    rng = np.random.default_rng(seed)
    if len(others) > BACKGROUND:
        others = rng.choice(others, BACKGROUND, replace=False)
    negatives = np.concatenate([np.array(dismissed, dtype=np.int64), others])
    if len(negatives) == 0:
        # Nothing to tell the positives from: rank by likeness to their centroid.
        centroid = np.asarray(matrix[list(positives)].mean(axis=0)).ravel()
        return centroid
    rows = np.concatenate([np.array(positives, dtype=np.int64), negatives])
    labels = np.r_[np.ones(len(positives)), np.zeros(len(negatives))]
    weights = np.r_[
        np.ones(len(positives)),
        np.full(len(dismissed), DISMISSED_WEIGHT),
        np.ones(len(others)),
    ]
    svm = LinearSVC(C=SVM_C, class_weight="balanced", max_iter=5000, tol=1e-4)
    svm.fit(matrix[rows], labels, sample_weight=weights)
    return svm.coef_.ravel()


def words(text: str) -> set[str]:
    """The text's words as a reader would name them: Korean without its particle, English
    without stop words, nothing shorter than 2 (Korean) or 3 (Latin) letters."""
    found = set()
    for word in _WORD_RE.findall(text.lower()):
        if _HANGUL_RE.search(word):
            word = strip_particle(word)
            if len(word) >= 2 and word not in GENERIC:
                found.add(word)
        elif len(word) >= 3 and word not in GENERIC:
            found.add(word)
    return found


class Explainer:
    """Which words carry a score: each word's n-grams, weighed by what the model gives them
    in the paper's vector. Words are hashed once per explainer, however many papers ask."""

    def __init__(self) -> None:
        self._columns: dict[str, np.ndarray] = {}

    def _hash(self, vocabulary: Iterable[str]) -> None:
        missing = [w for w in vocabulary if w not in self._columns]
        if missing:
            raw = counts(missing)
            for i, word in enumerate(missing):
                self._columns[word] = raw.indices[raw.indptr[i] : raw.indptr[i + 1]]

    def terms(
        self,
        vector: sp.csr_matrix,
        model: np.ndarray,
        candidates: set[str],
        limit: int = 3,
    ) -> list[str]:
        """The `limit` words of `candidates` whose n-grams add most to model · vector."""
        if not candidates:
            return []
        weights = vector.data * model[vector.indices]
        contribution = dict(zip(vector.indices.tolist(), weights.tolist(), strict=True))
        self._hash(candidates)
        scored = []
        for word in candidates:
            score = sum(contribution.get(int(c), 0.0) for c in self._columns[word])
            if score > 0:
                scored.append((score, word))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        chosen: list[str] = []
        for _score, word in scored:
            # One of "transformer" and "transformers".
            if not any(word.rstrip("s") == other.rstrip("s") for other in chosen):
                chosen.append(word)
            if len(chosen) == limit:
                break
        return chosen
