"""Citation lines as groups paste them: MLA (Google Scholar), APA, IEEE, ACM, Korean, garbage."""

from __future__ import annotations

from reviews.importers.citations import parse_citation, parse_reading_list


def test_citation_mla_arxiv_preprint() -> None:
    item = parse_citation(
        '16. Jaderberg, Max, et al. "Population based training of neural networks." '
        "arXiv preprint arXiv:1711.09846 (2017)."
    )
    assert item.number == 16
    assert item.title == "Population based training of neural networks"
    assert item.authors == ["Max Jaderberg"]
    assert item.year == 2017
    assert item.venue == "arXiv"
    assert item.arxiv_id == "1711.09846"
    assert item.problems == []
    assert item.authors_incomplete
    assert item.importable


def test_citation_number_without_space() -> None:
    item = parse_citation(
        '42.Lim, Sungbin, et al. "Fast autoaugment." '
        "Advances in Neural Information Processing Systems. 2019."
    )
    assert item.number == 42
    assert item.title == "Fast autoaugment"
    assert item.authors == ["Sungbin Lim"]
    assert item.year == 2019
    assert item.venue == "Advances in Neural Information Processing Systems"
    assert item.arxiv_id == ""


def test_citation_mla_full_author_list_and_journal_volume() -> None:
    item = parse_citation(
        '9. LeCun, Yann, Yoshua Bengio, and Geoffrey Hinton. "Deep learning." '
        "Nature 521.7553 (2015): 436-444."
    )
    assert item.authors == ["Yann LeCun", "Yoshua Bengio", "Geoffrey Hinton"]
    assert (item.title, item.year, item.venue) == ("Deep learning", 2015, "Nature")
    assert item.problems == []


def test_citation_mla_volume_that_is_the_year_with_issue() -> None:
    item = parse_citation(
        '25. Nakkiran, Preetum, et al. "Deep double descent: Where bigger models and more data '
        'hurt." Journal of Statistical Mechanics: Theory and Experiment 2021.12 (2021): 124003.'
    )
    assert item.title == "Deep double descent: Where bigger models and more data hurt"
    assert item.venue == "Journal of Statistical Mechanics: Theory and Experiment"
    assert item.year == 2021


def test_citation_mla_title_ending_in_question_mark() -> None:
    item = parse_citation(
        '10. Recht, Benjamin, et al. "Do ImageNet classifiers generalize to ImageNet?." '
        "International conference on machine learning. PMLR, 2019."
    )
    assert item.title == "Do ImageNet classifiers generalize to ImageNet?"
    assert item.venue == "International conference on machine learning"
    assert item.year == 2019


def test_citation_apa_with_elided_authors() -> None:
    item = parse_citation(
        "Vaswani, A., Shazeer, N., Parmar, N., Uszkoreit, J., Jones, L., Gomez, A. N., ... & "
        "Polosukhin, I. (2017). Attention is all you need. In Advances in neural information "
        "processing systems (pp. 5998-6008)."
    )
    assert item.number is None
    assert item.title == "Attention is all you need"
    assert item.authors == [
        "A. Vaswani",
        "N. Shazeer",
        "N. Parmar",
        "J. Uszkoreit",
        "L. Jones",
        "A. N. Gomez",
        "I. Polosukhin",
    ]
    assert item.year == 2017
    assert item.venue == "Advances in neural information processing systems"
    assert item.problems == []
    assert item.authors_incomplete


def test_citation_apa_with_doi_url() -> None:
    item = parse_citation(
        "13. He, K., Zhang, X., Ren, S., & Sun, J. (2016). Deep residual learning for image "
        "recognition. In Proceedings of the IEEE conference on computer vision and pattern "
        "recognition (pp. 770-778). https://doi.org/10.1109/CVPR.2016.90"
    )
    assert item.authors == ["K. He", "X. Zhang", "S. Ren", "J. Sun"]
    assert item.title == "Deep residual learning for image recognition"
    assert item.doi == "10.1109/CVPR.2016.90"
    assert item.url == ""
    assert item.venue == (
        "Proceedings of the IEEE conference on computer vision and pattern recognition"
    )


def test_citation_ieee() -> None:
    item = parse_citation(
        '[3] A. Vaswani et al., "Attention is all you need," in Proc. NeurIPS, 2017, pp. 5998–6008.'
    )
    assert item.number == 3
    assert item.title == "Attention is all you need"
    assert item.authors == ["A. Vaswani"]
    assert (item.year, item.venue) == (2017, "Proc. NeurIPS")


def test_citation_acm() -> None:
    item = parse_citation(
        "Ashish Vaswani, Noam Shazeer, Niki Parmar, Jakob Uszkoreit, Llion Jones, Aidan N. "
        "Gomez, Łukasz Kaiser, and Illia Polosukhin. 2017. Attention is all you need. In "
        "Proceedings of the 31st International Conference on Neural Information Processing "
        "Systems (NIPS'17). Curran Associates Inc., Red Hook, NY, USA, 6000–6010."
    )
    assert item.title == "Attention is all you need"
    assert item.authors[0] == "Ashish Vaswani"
    assert item.authors[-2:] == ["Łukasz Kaiser", "Illia Polosukhin"]
    assert len(item.authors) == 8
    assert item.year == 2017
    assert item.venue == (
        "Proceedings of the 31st International Conference on Neural Information Processing Systems"
    )
    assert item.problems == []


def test_citation_harvard_with_arxiv() -> None:
    item = parse_citation(
        "15. Power, A., et al., 2022. Grokking: Generalization beyond overfitting on small "
        "algorithmic datasets. arXiv preprint arXiv:2201.02177v2."
    )
    assert item.authors == ["A. Power"]
    assert item.title.startswith("Grokking: Generalization")
    assert (item.year, item.arxiv_id, item.venue) == (2022, "2201.02177", "arXiv")


def test_citation_korean_mla() -> None:
    item = parse_citation(
        '7. 홍길동, 김철수. "딥러닝 기반 한국어 형태소 분석." '
        "한국정보과학회 논문지 47.3 (2020): 1-10."
    )
    assert item.number == 7
    assert item.title == "딥러닝 기반 한국어 형태소 분석"
    assert item.authors == ["홍길동", "김철수"]
    assert (item.year, item.venue) == (2020, "한국정보과학회 논문지")


def test_citation_korean_apa_with_oe() -> None:
    item = parse_citation(
        "8. 이영희 외 2인 (2021). 트랜스포머를 이용한 기계 번역 연구. "
        "정보과학회논문지, 48(2), 100-110."
    )
    assert item.title == "트랜스포머를 이용한 기계 번역 연구"
    assert item.authors == ["이영희"]
    assert (item.year, item.venue) == (2021, "정보과학회논문지")
    assert item.problems == []
    assert item.authors_incomplete


def test_citation_curly_quotes_and_latex_math_survive() -> None:
    item = parse_citation("4. Kim, Minsu. “On $\\ell_1$ regularization.” ICML, 2020.")
    assert item.title == "On $\\ell_1$ regularization"
    assert item.authors == ["Minsu Kim"]


def test_citation_garbage_is_kept_but_not_importable() -> None:
    item = parse_citation("11. this is just some garbage text")
    assert item.number == 11
    assert item.title == ""
    assert not item.importable
    assert item.problems[0].startswith("No title found")


def test_citation_without_year_has_problem() -> None:
    item = parse_citation('5. Doe, Jane. "A paper with no date." Some Workshop.')
    assert item.title == "A paper with no date"
    assert item.year is None
    assert item.problems == ["No year found."]
    assert item.importable


def test_citation_invalid_arxiv_id_is_left_out() -> None:
    item = parse_citation('6. Doe, Jane. "Bad id." arXiv preprint arXiv:1713.09846 (2017).')
    assert item.arxiv_id == ""
    assert "“1713.09846” is not a valid arXiv id; left out." in item.problems


def test_reading_list_skips_blank_lines_and_headings() -> None:
    text = (
        "## Week 3\n\n"
        '16. Jaderberg, Max, et al. "Population based training of neural networks." '
        "arXiv preprint arXiv:1711.09846 (2017).\n"
        "   \n"
        "1주차\n"
        "Week 4: regularization\n"
        '- 42.Lim, Sungbin, et al. "Fast autoaugment." Advances in Neural Information '
        "Processing Systems. 2019.\n"
        "nonsense line\n"
    )
    items = parse_reading_list(text)
    assert [item.number for item in items] == [16, 42, None]
    assert [item.importable for item in items] == [True, True, False]
    assert items[2].raw == "nonsense line"


def test_reading_list_decomposed_hangul_is_composed() -> None:
    decomposed = "\u1112\u1169\u11bc\u1100\u1175\u11af\u1103\u1169\u11bc"  # 홍길동, NFD
    items = parse_reading_list(f'1. {decomposed}. "제목." 학회, 2020.')
    assert items[0].authors == ["홍길동"]


def test_citation_very_long_line_is_refused_quickly() -> None:
    item = parse_citation("Doe, J. (" + "a" * 1_000_000)
    assert not item.importable
    assert item.problems == ["This line is over 2000 characters; it is not a citation."]
    assert len(item.raw) == 2000
