"""The recommender's arithmetic, without a database: n-grams, weights, neighbours, words."""

from __future__ import annotations

import numpy as np

from recommend import vectors


def _matrix(texts: list[str]) -> vectors.sp.csr_matrix:
    raw = vectors.counts([vectors.clean(t) for t in texts])
    return vectors.weigh(raw, vectors.Frequencies.of(raw))


def test_vectors_korean_words_match_across_particles() -> None:
    matrix = _matrix(["강화학습을 공부한다", "강화학습의 정책", "그래프 합성곱 노드"])
    scores = (matrix @ matrix.T).toarray()
    assert scores[0, 1] > scores[0, 2]


def test_vectors_rows_have_unit_length_and_at_most_keep_features() -> None:
    long_text = " ".join(f"word{i} 단어{i}" for i in range(2000))
    matrix = _matrix([long_text, "short text"])
    assert matrix[0].nnz == vectors.KEEP
    norms = np.sqrt(matrix.multiply(matrix).sum(axis=1)).A.ravel()
    assert np.allclose(norms, 1, atol=1e-5)


def test_vectors_pack_unpack_round_trip() -> None:
    matrix = _matrix(["diffusion models denoise", "graph attention networks"])
    again = vectors.unpack([vectors.pack(matrix, row) for row in range(2)])
    assert (again != matrix).nnz == 0


def test_vectors_nearest_leaves_out_the_row_itself() -> None:
    matrix = _matrix(["graph attention", "graph convolution", "diffusion noise"])
    near = vectors.nearest(matrix, range(3), k=2)
    assert [j for j, _ in near[0]][0] == 1
    assert all(j != row for row, found in near.items() for j, _ in found)


def test_vectors_unseen_feature_weighs_as_in_no_paper() -> None:
    frequencies = vectors.Frequencies.of(vectors.counts(["alpha beta", "alpha gamma"]))
    seen = vectors.counts(["alpha"]).indices
    unseen = np.array([vectors.N_FEATURES - 1], dtype=np.int32)
    assert frequencies.idf(unseen)[0] > frequencies.idf(seen).max()
    empty = vectors.Frequencies(0, np.zeros(0, np.int32), np.zeros(0, np.int32))
    assert empty.idf(seen).shape == seen.shape


def test_vectors_words_strip_particles_and_generic_words() -> None:
    found = vectors.words("강화학습을 위한 보상의 모델 and the Transformers model $x^2$")
    assert {"강화학습", "보상", "transformers"} <= found
    assert not found & {"the", "and", "model", "모델", "x"}


def test_vectors_explainer_names_the_words_that_carry_the_score() -> None:
    texts = ["graph attention nodes", "graph convolution nodes", "diffusion noise images"]
    matrix = _matrix(texts)
    model = np.asarray(matrix[0].todense()).ravel()
    terms = vectors.Explainer().terms(
        matrix[1], model, vectors.words(texts[1]) & {"graph", "nodes"}
    )
    assert set(terms) == {"graph", "nodes"}


def test_vectors_clean_drops_math_code_links_and_numbers() -> None:
    text = (
        "가중치를 $\\theta_{t+1} = \\theta_t - \\eta \\nabla \\mathcal{L}$ 로 갱신한다.\n"
        "$$\\sum_i x_i$$\n| model | acc |\n| --- | ---: |\n| SWA | $72.55 \\pm 0.10$ |\n"
        "```python\nfor t in range(T): w = w - lr * g\n```\n"
        "`torch.optim` and https://arxiv.org/abs/1803.05407 on stochastic averaging"
    )
    found = vectors.words(vectors.clean(text))
    assert {"가중치", "swa", "stochastic", "averaging"} <= found
    assert not found & {"theta", "mathcal", "sum", "python", "range", "torch", "arxiv", "72"}
