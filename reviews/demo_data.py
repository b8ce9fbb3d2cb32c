"""Demo content for the `loaddemo` command: members, a cohort, its reading list, papers, reviews."""

from __future__ import annotations

import inspect


def _md(text: str) -> str:
    """Strip the source indentation from a triple-quoted Markdown block."""
    return inspect.cleandoc(text)


DEMO_PASSWORD = "demo-password-123"

# ---------------------------------------------------------------------------
# Members
# ---------------------------------------------------------------------------

MEMBERS: list[dict] = [
    {
        "username": "organizer",
        "display_name": "박지원 (Jiwon Park)",
        "email": "organizer@example.com",
        "bio": (
            "스터디 운영을 맡고 있습니다. 최적화와 meta-learning을 주로 봅니다. "
            "I run the weekly sessions and keep the reading list tidy."
        ),
        "preferred_language": "ko",
        "is_staff": True,
        "password": DEMO_PASSWORD,
    },
    {
        "username": "minji",
        "display_name": "김민지",
        "email": "minji@example.com",
        "bio": (
            "석사과정 학생입니다. 일반화(generalization), pruning, loss landscape에 관심이 많아요. "
            "리뷰는 주로 한국어로 씁니다."
        ),
        "preferred_language": "ko",
        "is_staff": False,
        "password": DEMO_PASSWORD,
    },
    {
        "username": "alex",
        "display_name": "Alex Chen",
        "email": "alex@example.com",
        "bio": (
            "ML engineer working on training infrastructure. Into hyperparameter optimisation "
            "and data augmentation; slowly learning Korean (천천히 배우는 중)."
        ),
        "preferred_language": "en",
        "is_staff": False,
        "password": DEMO_PASSWORD,
    },
]

# ---------------------------------------------------------------------------
# Cohort
# ---------------------------------------------------------------------------

COHORT: dict = {
    "name": "5th cohort — multi-task & meta-learning",
    "slug": "5th-cohort-multitask-meta-learning",
    "description": (
        "5기 스터디: 매주 목요일 저녁, 논문 한 편을 발표하고 리뷰를 남깁니다. "
        "This cohort covers meta-learning, training dynamics and generalization, and the large "
        "multi-task models that came after them. Reviews may be written in Korean or English."
    ),
    "memberships": [
        ("organizer", "organizer"),
        ("minji", "member"),
        ("alex", "member"),
    ],
}

# ---------------------------------------------------------------------------
# Reading list (numbers are the group's own running numbering across cohorts)
# ---------------------------------------------------------------------------

READING_LIST: dict = {
    "title": "5기 읽기 목록 · Reading list",
    "slug": "5th-cohort-reading-list",
    "description": (
        "번호는 1기부터 이어지는 스터디 고유 번호입니다. "
        "Numbers continue the group's running numbering, so they are not contiguous. "
        "Sessions without a date are still to be scheduled."
    ),
    "entries": [
        {
            "number": 16,
            "arxiv_id": "1703.03400",
            "session_date": "2025-03-06",
            "presenter": "organizer",
        },
        {"number": 19, "arxiv_id": "1710.09412", "session_date": "2025-03-13", "presenter": "alex"},
        {"number": 22, "arxiv_id": "1711.09846", "session_date": "2025-03-20", "presenter": "alex"},
        {
            "number": 27,
            "arxiv_id": "1801.06146",
            "session_date": "2025-03-27",
            "presenter": "organizer",
        },
        {
            "number": 31,
            "arxiv_id": "1803.03635",
            "session_date": "2025-04-03",
            "presenter": "minji",
        },
        {
            "number": 34,
            "arxiv_id": "1803.05407",
            "session_date": "2025-04-10",
            "presenter": "minji",
        },
        {
            "number": 38,
            "arxiv_id": "1806.09055",
            "session_date": "2025-04-17",
            "presenter": "organizer",
        },
        {"number": 41, "arxiv_id": "1904.03758", "session_date": "2025-04-24", "presenter": "alex"},
        {
            "number": 45,
            "arxiv_id": "1912.02292",
            "session_date": "2025-05-01",
            "presenter": "minji",
        },
        {
            "number": 53,
            "arxiv_id": "2005.14165",
            "session_date": "2025-05-08",
            "presenter": "organizer",
        },
        {"number": 57, "arxiv_id": "2010.11929", "session_date": "2025-05-15", "presenter": "alex"},
        {"number": 60, "arxiv_id": "2103.00020", "session_date": None, "presenter": None},
        {
            "number": 64,
            "arxiv_id": "2201.02177",
            "session_date": "2025-05-22",
            "presenter": "minji",
        },
        {"number": 71, "arxiv_id": "2212.04356", "session_date": None, "presenter": None},
    ],
}

# ---------------------------------------------------------------------------
# Papers (metadata as on arXiv; DOIs are the arXiv DataCite DOIs unless the
# publisher's DOI is known, as for ULMFiT in the ACL Anthology)
# ---------------------------------------------------------------------------


def _arxiv(arxiv_id: str) -> dict:
    return {
        "arxiv_id": arxiv_id,
        "url": f"https://arxiv.org/abs/{arxiv_id}",
        "pdf_url": f"https://arxiv.org/pdf/{arxiv_id}",
    }


PAPERS: list[dict] = [
    {
        **_arxiv("1711.09846"),
        "title": "Population Based Training of Neural Networks",
        "authors": [
            "Max Jaderberg",
            "Valentin Dalibard",
            "Simon Osindero",
            "Wojciech M. Czarnecki",
            "Jeff Donahue",
            "Ali Razavi",
            "Oriol Vinyals",
            "Tim Green",
            "Iain Dunning",
            "Karen Simonyan",
            "Chrisantha Fernando",
            "Koray Kavukcuoglu",
        ],
        "year": 2017,
        "venue": "arXiv",
        "doi": "10.48550/arXiv.1711.09846",
        "code_url": "",
        "project_url": "",
        "abstract": (
            "Neural networks dominate the modern machine learning landscape, but their training "
            "and success still suffer from sensitivity to empirical choices of hyperparameters "
            "such as model architecture, loss function, and optimisation algorithm. In this work "
            "we present Population Based Training (PBT), a simple asynchronous optimisation "
            "algorithm which effectively utilises a fixed computational budget to jointly "
            "optimise a population of models and their hyperparameters to maximise performance. "
            "Importantly, PBT discovers a schedule of hyperparameter settings rather than "
            "following the generally sub-optimal strategy of trying to find a single fixed set "
            "to use for the whole course of training."
        ),
        "tags": ["hyperparameters", "optimization", "reinforcement-learning"],
    },
    {
        **_arxiv("1803.05407"),
        "title": "Averaging Weights Leads to Wider Optima and Better Generalization",
        "authors": [
            "Pavel Izmailov",
            "Dmitrii Podoprikhin",
            "Timur Garipov",
            "Dmitry Vetrov",
            "Andrew Gordon Wilson",
        ],
        "year": 2018,
        "venue": "UAI 2018",
        "doi": "10.48550/arXiv.1803.05407",
        "code_url": "https://github.com/timgaripov/swa",
        "project_url": "",
        "abstract": (
            "Deep neural networks are typically trained by optimizing a loss function with an "
            "SGD variant, in conjunction with a decaying learning rate, until convergence. We "
            "show that simple averaging of multiple points along the trajectory of SGD, with a "
            "cyclical or constant learning rate, leads to better generalization than "
            "conventional training. We also show that this Stochastic Weight Averaging (SWA) "
            "procedure finds much flatter solutions than SGD, and approximates the recent Fast "
            "Geometric Ensembling (FGE) approach with a single model. Using SWA we achieve "
            "notable improvement in test accuracy over conventional SGD training on a range of "
            "state-of-the-art residual networks, PyramidNets, DenseNets, and Shake-Shake "
            "networks on CIFAR-10, CIFAR-100, and ImageNet. In short, SWA is extremely easy to "
            "implement, improves generalization, and has almost no computational overhead."
        ),
        "tags": ["optimization", "generalization"],
    },
    {
        **_arxiv("2005.14165"),
        "title": "Language Models are Few-Shot Learners",
        "authors": [
            "Tom B. Brown",
            "Benjamin Mann",
            "Nick Ryder",
            "Melanie Subbiah",
            "Jared Kaplan",
            "Prafulla Dhariwal",
            "Arvind Neelakantan",
            "Pranav Shyam",
            "Girish Sastry",
            "Amanda Askell",
            "Sandhini Agarwal",
            "Ariel Herbert-Voss",
            "Gretchen Krueger",
            "Tom Henighan",
            "Rewon Child",
            "Aditya Ramesh",
            "Daniel M. Ziegler",
            "Jeffrey Wu",
            "Clemens Winter",
            "Christopher Hesse",
            "Mark Chen",
            "Eric Sigler",
            "Mateusz Litwin",
            "Scott Gray",
            "Benjamin Chess",
            "Jack Clark",
            "Christopher Berner",
            "Sam McCandlish",
            "Alec Radford",
            "Ilya Sutskever",
            "Dario Amodei",
        ],
        "year": 2020,
        "venue": "NeurIPS 2020",
        "doi": "10.48550/arXiv.2005.14165",
        "code_url": "",
        "project_url": "",
        "abstract": (
            "Recent work has demonstrated substantial gains on many NLP tasks and benchmarks by "
            "pre-training on a large corpus of text followed by fine-tuning on a specific task. "
            "While typically task-agnostic in architecture, this method still requires "
            "task-specific fine-tuning datasets of thousands or tens of thousands of examples. "
            "By contrast, humans can generally perform a new language task from only a few "
            "examples or from simple instructions - something which current NLP systems still "
            "largely struggle to do. Here we show that scaling up language models greatly "
            "improves task-agnostic, few-shot performance, sometimes even reaching "
            "competitiveness with prior state-of-the-art fine-tuning approaches. Specifically, "
            "we train GPT-3, an autoregressive language model with 175 billion parameters, 10x "
            "more than any previous non-sparse language model, and test its performance in the "
            "few-shot setting."
        ),
        "tags": ["nlp", "llm", "transformers", "few-shot"],
    },
    {
        **_arxiv("1803.03635"),
        "title": "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks",
        "authors": ["Jonathan Frankle", "Michael Carbin"],
        "year": 2018,
        "venue": "ICLR 2019",
        "doi": "10.48550/arXiv.1803.03635",
        "code_url": "",
        "project_url": "",
        "abstract": (
            "Neural network pruning techniques can reduce the parameter counts of trained "
            "networks by over 90%, decreasing storage requirements and improving computational "
            "performance of inference without compromising accuracy. However, contemporary "
            "experience is that the sparse architectures produced by pruning are difficult to "
            "train from the start, which would similarly improve training performance. We find "
            "that a standard pruning technique naturally uncovers subnetworks whose "
            "initializations made them capable of training effectively. Based on these results, "
            'we articulate the "lottery ticket hypothesis:" dense, randomly-initialized, '
            'feed-forward networks contain subnetworks ("winning tickets") that - when trained '
            "in isolation - reach test accuracy comparable to the original network in a similar "
            "number of iterations."
        ),
        "tags": ["pruning", "generalization", "optimization"],
    },
    {
        **_arxiv("2201.02177"),
        "title": "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets",
        "authors": [
            "Alethea Power",
            "Yuri Burda",
            "Harri Edwards",
            "Igor Babuschkin",
            "Vedant Misra",
        ],
        "year": 2022,
        "venue": "arXiv",
        "doi": "10.48550/arXiv.2201.02177",
        "code_url": "https://github.com/openai/grok",
        "project_url": "",
        "abstract": (
            "In this paper we propose to study generalization of neural networks on small "
            "algorithmically generated datasets. In this setting, questions about data "
            "efficiency, memorization, generalization, and speed of learning can be studied in "
            "great detail. In some situations we show that neural networks learn through a "
            'process of "grokking" a pattern in the data, improving generalization performance '
            "from random chance level to perfect generalization, and that this improvement in "
            "generalization can happen well past the point of overfitting. We also study "
            "generalization as a function of dataset size and find that smaller datasets "
            "require increasing amounts of optimization for generalization."
        ),
        "tags": ["generalization", "transformers"],
    },
    {
        **_arxiv("1912.02292"),
        "title": "Deep Double Descent: Where Bigger Models and More Data Hurt",
        "authors": [
            "Preetum Nakkiran",
            "Gal Kaplun",
            "Yamini Bansal",
            "Tristan Yang",
            "Boaz Barak",
            "Ilya Sutskever",
        ],
        "year": 2019,
        "venue": "ICLR 2020",
        "doi": "10.48550/arXiv.1912.02292",
        "code_url": "",
        "project_url": "",
        "abstract": (
            'We show that a variety of modern deep learning tasks exhibit a "double-descent" '
            "phenomenon where, as we increase model size, performance first gets worse and then "
            "gets better. Moreover, we show that double descent occurs not just as a function "
            "of model size, but also as a function of the number of training epochs. We unify "
            "the above phenomena by defining a new complexity measure we call the effective "
            "model complexity and conjecture a generalized double descent with respect to this "
            "measure. Furthermore, our notion of model complexity allows us to identify certain "
            "regimes where increasing (even quadrupling) the number of train samples actually "
            "hurts test performance."
        ),
        "tags": ["generalization"],
    },
    {
        **_arxiv("1710.09412"),
        "title": "mixup: Beyond Empirical Risk Minimization",
        "authors": ["Hongyi Zhang", "Moustapha Cisse", "Yann N. Dauphin", "David Lopez-Paz"],
        "year": 2017,
        "venue": "ICLR 2018",
        "doi": "10.48550/arXiv.1710.09412",
        "code_url": "https://github.com/facebookresearch/mixup-cifar10",
        "project_url": "",
        "abstract": (
            "Large deep neural networks are powerful, but exhibit undesirable behaviors such as "
            "memorization and sensitivity to adversarial examples. In this work, we propose "
            "mixup, a simple learning principle to alleviate these issues. In essence, mixup "
            "trains a neural network on convex combinations of pairs of examples and their "
            "labels. By doing so, mixup regularizes the neural network to favor simple linear "
            "behavior in-between training examples. Our experiments on the ImageNet-2012, "
            "CIFAR-10, CIFAR-100, Google commands and UCI datasets show that mixup improves the "
            "generalization of state-of-the-art neural network architectures. We also find "
            "that mixup reduces the memorization of corrupt labels, increases the robustness to "
            "adversarial examples, and stabilizes the training of generative adversarial "
            "networks."
        ),
        "tags": ["data-augmentation", "generalization", "vision"],
    },
    {
        **_arxiv("1806.09055"),
        "title": "DARTS: Differentiable Architecture Search",
        "authors": ["Hanxiao Liu", "Karen Simonyan", "Yiming Yang"],
        "year": 2018,
        "venue": "ICLR 2019",
        "doi": "10.48550/arXiv.1806.09055",
        "code_url": "https://github.com/quark0/darts",
        "project_url": "",
        "abstract": (
            "This paper addresses the scalability challenge of architecture search by "
            "formulating the task in a differentiable manner. Unlike conventional approaches of "
            "applying evolution or reinforcement learning over a discrete and non-differentiable "
            "search space, our method is based on the continuous relaxation of the architecture "
            "representation, allowing efficient search of the architecture using gradient "
            "descent. Extensive experiments on CIFAR-10, ImageNet, Penn Treebank and WikiText-2 "
            "show that our algorithm excels in discovering high-performance convolutional "
            "architectures for image classification and recurrent architectures for language "
            "modeling, while being orders of magnitude faster than state-of-the-art "
            "non-differentiable techniques."
        ),
        "tags": ["nas", "optimization", "vision"],
    },
    {
        **_arxiv("2103.00020"),
        "title": "Learning Transferable Visual Models From Natural Language Supervision",
        "authors": [
            "Alec Radford",
            "Jong Wook Kim",
            "Chris Hallacy",
            "Aditya Ramesh",
            "Gabriel Goh",
            "Sandhini Agarwal",
            "Girish Sastry",
            "Amanda Askell",
            "Pamela Mishkin",
            "Jack Clark",
            "Gretchen Krueger",
            "Ilya Sutskever",
        ],
        "year": 2021,
        "venue": "ICML 2021",
        "doi": "10.48550/arXiv.2103.00020",
        "code_url": "https://github.com/openai/CLIP",
        "project_url": "",
        "abstract": (
            "State-of-the-art computer vision systems are trained to predict a fixed set of "
            "predetermined object categories. This restricted form of supervision limits their "
            "generality and usability since additional labeled data is needed to specify any "
            "other visual concept. Learning directly from raw text about images is a promising "
            "alternative which leverages a much broader source of supervision. We demonstrate "
            "that the simple pre-training task of predicting which caption goes with which "
            "image is an efficient and scalable way to learn SOTA image representations from "
            "scratch on a dataset of 400 million (image, text) pairs collected from the "
            "internet. After pre-training, natural language is used to reference learned visual "
            "concepts (or describe new ones) enabling zero-shot transfer of the model to "
            "downstream tasks."
        ),
        "tags": ["multimodal", "vision", "nlp", "transformers"],
    },
    {
        **_arxiv("2010.11929"),
        "title": ("An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale"),
        "authors": [
            "Alexey Dosovitskiy",
            "Lucas Beyer",
            "Alexander Kolesnikov",
            "Dirk Weissenborn",
            "Xiaohua Zhai",
            "Thomas Unterthiner",
            "Mostafa Dehghani",
            "Matthias Minderer",
            "Georg Heigold",
            "Sylvain Gelly",
            "Jakob Uszkoreit",
            "Neil Houlsby",
        ],
        "year": 2020,
        "venue": "ICLR 2021",
        "doi": "10.48550/arXiv.2010.11929",
        "code_url": "https://github.com/google-research/vision_transformer",
        "project_url": "",
        "abstract": (
            "While the Transformer architecture has become the de-facto standard for natural "
            "language processing tasks, its applications to computer vision remain limited. In "
            "vision, attention is either applied in conjunction with convolutional networks, or "
            "used to replace certain components of convolutional networks while keeping their "
            "overall structure in place. We show that this reliance on CNNs is not necessary "
            "and a pure transformer applied directly to sequences of image patches can perform "
            "very well on image classification tasks. When pre-trained on large amounts of data "
            "and transferred to multiple mid-sized or small image recognition benchmarks "
            "(ImageNet, CIFAR-100, VTAB, etc.), Vision Transformer (ViT) attains excellent "
            "results compared to state-of-the-art convolutional networks while requiring "
            "substantially fewer computational resources to train."
        ),
        "tags": ["vision", "transformers"],
    },
    {
        **_arxiv("2212.04356"),
        "title": "Robust Speech Recognition via Large-Scale Weak Supervision",
        "authors": [
            "Alec Radford",
            "Jong Wook Kim",
            "Tao Xu",
            "Greg Brockman",
            "Christine McLeavey",
            "Ilya Sutskever",
        ],
        "year": 2022,
        "venue": "ICML 2023",
        "doi": "10.48550/arXiv.2212.04356",
        "code_url": "https://github.com/openai/whisper",
        "project_url": "",
        "abstract": (
            "We study the capabilities of speech processing systems trained simply to predict "
            "large amounts of transcripts of audio on the internet. When scaled to 680,000 "
            "hours of multilingual and multitask supervision, the resulting models generalize "
            "well to standard benchmarks and are often competitive with prior fully supervised "
            "results but in a zero-shot transfer setting without the need for any fine-tuning. "
            "When compared to humans, the models approach their accuracy and robustness. We are "
            "releasing models and inference code to serve as a foundation for further work on "
            "robust speech processing."
        ),
        "tags": ["speech", "transformers", "multi-task"],
    },
    {
        **_arxiv("1703.03400"),
        "title": "Model-Agnostic Meta-Learning for Fast Adaptation of Deep Networks",
        "authors": ["Chelsea Finn", "Pieter Abbeel", "Sergey Levine"],
        "year": 2017,
        "venue": "ICML 2017",
        "doi": "10.48550/arXiv.1703.03400",
        "code_url": "https://github.com/cbfinn/maml",
        "project_url": "",
        "abstract": (
            "We propose an algorithm for meta-learning that is model-agnostic, in the sense "
            "that it is compatible with any model trained with gradient descent and applicable "
            "to a variety of different learning problems, including classification, regression, "
            "and reinforcement learning. The goal of meta-learning is to train a model on a "
            "variety of learning tasks, such that it can solve new learning tasks using only a "
            "small number of training samples. In our approach, the parameters of the model are "
            "explicitly trained such that a small number of gradient steps with a small amount "
            "of training data from a new task will produce good generalization performance on "
            "that task. In effect, our method trains the model to be easy to fine-tune."
        ),
        "tags": ["meta-learning", "few-shot", "optimization"],
    },
    {
        **_arxiv("1904.03758"),
        "title": "Meta-Learning with Differentiable Convex Optimization",
        "authors": [
            "Kwonjoon Lee",
            "Subhransu Maji",
            "Avinash Ravichandran",
            "Stefano Soatto",
        ],
        "year": 2019,
        "venue": "CVPR 2019",
        "doi": "10.48550/arXiv.1904.03758",
        "code_url": "https://github.com/kjunelee/MetaOptNet",
        "project_url": "",
        "abstract": (
            "Many meta-learning approaches for few-shot learning rely on simple base learners "
            "such as nearest-neighbor classifiers. However, even in the few-shot regime, "
            "discriminatively trained linear predictors can offer better generalization. We "
            "propose to use these predictors as base learners to learn representations for "
            "few-shot learning and show they offer better tradeoffs between feature size and "
            "performance across a range of few-shot recognition benchmarks. Our objective is to "
            "learn feature embeddings that generalize well under a linear classification rule "
            "for novel categories. To efficiently solve the objective, we exploit two properties "
            "of linear classifiers: implicit differentiation of the optimality conditions of the "
            "convex problem and the dual formulation of the optimization problem."
        ),
        "tags": ["meta-learning", "few-shot", "vision", "optimization"],
    },
    {
        **_arxiv("1801.06146"),
        "title": "Universal Language Model Fine-tuning for Text Classification",
        "authors": ["Jeremy Howard", "Sebastian Ruder"],
        "year": 2018,
        "venue": "ACL 2018",
        "doi": "10.18653/v1/P18-1031",
        "code_url": "",
        "project_url": "",
        "abstract": (
            "Inductive transfer learning has greatly impacted computer vision, but existing "
            "approaches in NLP still require task-specific modifications and training from "
            "scratch. We propose Universal Language Model Fine-tuning (ULMFiT), an effective "
            "transfer learning method that can be applied to any task in NLP, and introduce "
            "techniques that are key for fine-tuning a language model. Our method significantly "
            "outperforms the state-of-the-art on six text classification tasks, reducing the "
            "error by 18-24% on the majority of datasets. Furthermore, with only 100 labeled "
            "examples, it matches the performance of training from scratch on 100x more data. "
            "We open-source our pretrained models and code."
        ),
        "tags": ["nlp", "transfer-learning"],
    },
]

# ---------------------------------------------------------------------------
# Reviews
# ---------------------------------------------------------------------------

_SWA_MINJI: dict = {
    "arxiv_id": "1803.05407",
    "author": "minji",
    "language": "ko",
    "status": "published",
    "tldr": (
        "SGD가 지나온 경로 위의 가중치들을 평균내기만 해도 더 넓고 평평한 해에 도달하고, "
        "추가 비용이 거의 없이 일반화 성능이 올라간다."
    ),
    "introduction": _md(
        r"""
        이 논문은 UAI 2018에 발표된 **Stochastic Weight Averaging (SWA)** 논문이다. 보통 딥러닝
        모델은 SGD 계열 옵티마이저로 learning rate를 점점 줄여 가며 학습하고, 마지막 체크포인트
        하나를 최종 모델로 쓴다. 저자들은 여기에 아주 단순한 질문을 던진다. *마지막 한 점 대신,
        SGD가 지나온 궤적 위의 여러 점을 평균내면 어떻게 될까?*

        배경에는 같은 그룹의 이전 연구인 Fast Geometric Ensembling(FGE, Garipov et al., 2018)이
        있다. FGE는 cyclical learning rate로 학습하면서 loss가 낮은 영역을 돌아다니는 스냅샷들을
        모아 앙상블하면 성능이 좋아진다는 것을 보였다. 다만 앙상블이라서 테스트할 때 모델 $k$개를
        전부 forward 해야 한다. SWA의 핵심 아이디어는 **예측을 평균내는 대신 가중치 자체를
        평균**내서, 모델 하나의 비용으로 앙상블에 가까운 효과를 얻자는 것이다.

        우리 스터디 흐름에서 이 논문이 흥미로운 이유는 두 가지다.

        - 앞에서 읽은 PBT와 마찬가지로, *학습 절차*(특히 learning rate schedule)를 어떻게
          설계하느냐가 최종 성능을 크게 바꾼다는 것을 보여 준다.
        - 지난주 Lottery Ticket 세션에서 나왔던 "가중치 공간의 기하학" 이야기와 바로 이어진다.
          평평한(flat) 해와 일반화의 관계를 실험적으로 다룬 대표적인 논문이기도 하다.
        """
    ),
    "core_algorithm": _md(
        r"""
        알고리즘 자체는 정말 간단하다. 먼저 평소처럼 모델을 어느 정도 학습해서 $\hat{w}$ 를
        얻는다. 그다음부터는 learning rate를 **크게 유지한 채로** 학습을 계속하면서, 일정
        주기마다 현재 가중치 $w$ 를 running average에 더한다. 지금까지 평균에 들어간 모델 수를
        $n_{\text{models}}$ (줄여서 $n$)이라고 하면 업데이트는
        $w_{\text{SWA}} \leftarrow \frac{w_{\text{SWA}} \cdot n + w}{n + 1}$ 꼴이다.

        $$
        w_{\text{SWA}} \leftarrow
        \frac{w_{\text{SWA}} \cdot n_{\text{models}} + w}{n_{\text{models}} + 1}
        $$

        Learning rate schedule은 두 가지를 쓴다.

        - **Cyclical**: 길이 $c$ 의 cycle 안에서 learning rate를 $\alpha_1$ 에서 $\alpha_2$ 로
          선형으로 줄이고, 각 cycle이 끝나는 시점(learning rate가 가장 작을 때)의 가중치를
          평균에 넣는다.
            - $\alpha(i) = (1 - t(i))\,\alpha_1 + t(i)\,\alpha_2$, 여기서
              $t(i) = \frac{1}{c}\left(\operatorname{mod}(i - 1, c) + 1\right)$
            - cycle이 짧으면 평균에 들어가는 모델이 많아지지만 서로 비슷해진다.
        - **Constant**: $\alpha_1 = \alpha_2$ 인 특수한 경우. 저자 코드에서는 CIFAR 실험에 이
          방식을 쓰고, epoch이 끝날 때마다 평균을 업데이트한다.
            - 튜닝할 것이 SWA 시작 시점과 SWA learning rate 두 개뿐이라 실무에서 훨씬 편하다.

        중요한 디테일이 하나 있다. 평균낸 가중치 $w_{\text{SWA}}$ 는 학습 중에 한 번도 forward
        된 적이 없는 점이라서 BatchNorm의 running mean/variance가 맞지 않는다. 그래서 학습이
        끝난 뒤 **학습 데이터로 forward pass를 한 번 더 돌려 BN 통계를 다시 계산**한다. 이
        과정을 빼먹으면 성능이 크게 떨어진다(직접 해 보고 확인했다…).

        ```text
        입력: 사전 학습된 가중치 w_hat, LR schedule alpha(i), cycle 길이 c, 총 iteration 수 n
        w     <- w_hat
        w_swa <- w_hat
        for i = 1 .. n:
            w <- w - alpha(i) * grad L_i(w)        # 평범한 SGD step
            if i mod c == 0:                       # cycle의 끝 (constant LR이면 epoch 끝)
                n_models <- i / c
                w_swa <- (w_swa * n_models + w) / (n_models + 1)
        w_swa 로 train data를 한 번 forward 해서 BN 통계 재계산
        return w_swa
        ```

        **왜 잘 될까?** 논문의 설명은 기하학적이다.

        - learning rate가 큰 SGD는 loss가 낮은 넓은 영역의 *가장자리*를 계속 맴돈다.
        - 그 점들을 평균내면 영역의 *안쪽*, 즉 더 평평한 곳으로 들어간다.
        - train loss 표면과 test error 표면은 살짝 어긋나 있기 때문에, 가장자리보다 중심이
          test에서 더 안전하다. 실제로 $w_{\text{SGD}}$ 와 $w_{\text{SWA}}$ 를 잇는 직선 위에서
          그려 보면, SWA 해는 train loss가 SGD보다 약간 높을 때도 test error는 더 낮다.

        FGE와의 관계도 깔끔하다. 평균에 들어가는 가중치들이 서로 가까우면 1차 근사로
        "평균 가중치의 예측 ≈ 예측의 평균"이 되므로, SWA는 FGE 앙상블을 모델 하나로 근사한 것으로
        볼 수 있다. 추가 비용은 가중치 사본 하나의 메모리와 평균 연산 정도다.
        """
    ),
    "results": _md(
        r"""
        CIFAR-10/100에서는 VGG-16, PreResNet-164, Wide ResNet-28-10, Shake-Shake, PyramidNet
        등으로 실험했다. 비교 기준은 학습 예산, 즉 **budget**이다. 일반 SGD로 수렴시키는 데 필요한
        epoch 수를 1 budget으로 두고, SWA를 1, 1.25, 1.5 budget으로 돌렸을 때의 테스트
        정확도를 비교한다.

        아래 표는 CIFAR-100 결과 중 일부를 옮긴 것이다 (논문 Table 1에 보고된 값, 테스트
        정확도 %). 1 budget은 VGG-16과 WRN-28-10이 200 epoch, PreResNet-164가 150 epoch이다.

        | 모델 | SGD | SWA 1 budget | SWA 1.25 budget | SWA 1.5 budget |
        |---|---|---|---|---|
        | VGG-16 | $72.55 \pm 0.10$ | $73.91 \pm 0.12$ | $74.17 \pm 0.15$ | $74.27 \pm 0.25$ |
        | PreResNet164 | $78.49 \pm 0.36$ | $79.77 \pm 0.17$ | $80.18 \pm 0.23$ | $80.35 \pm 0.16$ |
        | WRN-28-10 | $80.82 \pm 0.23$ | $81.46 \pm 0.23$ | $81.91 \pm 0.27$ | $82.15 \pm 0.27$ |

        눈여겨볼 점:

        - **같은 예산(1 budget)에서도** SWA가 SGD보다 1%p 안팎 높다. 즉 "더 오래 학습해서"
          좋아진 게 아니다.
            - VGG-16은 $72.55 \to 73.91$, PreResNet-164는 $78.49 \to 79.77$.
        - 예산을 늘리면 대체로 조금 더 좋아지지만, 개선 폭의 대부분은 1 budget에서 이미 나온다.
        - CIFAR-10에서도 방향은 같지만 이미 정확도가 높아서 차이는 더 작다.

        ImageNet에서는 torchvision의 사전 학습된 ResNet-50, ResNet-152, DenseNet-161에서 출발해
        SWA를 5~10 epoch만 더 돌렸는데, 세 모델 모두 top-1 정확도가 올라갔다. 처음부터 다시 학습할
        필요 없이 **이미 학습된 모델에 짧게 덧붙이는 것만으로도** 이득이 있다는 점이 실용적으로
        크다. 또한 SWA는 모델 하나로 FGE 앙상블과 비슷한 수준의 성능에 근접한다.
        """
    ),
    "thoughts": _md(
        r"""
        읽으면서 정리한 장점과 의문점.

        - **좋았던 점**
            - 구현이 몇 줄이면 끝나고, 추가 비용이 사실상 없다. 지금은 PyTorch에
              `torch.optim.swa_utils`로 들어가 있어서 바로 써 볼 수 있다.
            - "flat minima가 일반화에 좋다"는 오래된 직관을 그림과 실험으로 잘 보여 준다.
        - **조심할 점 / 의문점**
            - BN 통계 재계산은 필수다. BN이 없는 구조(예: LayerNorm 기반 Transformer)에서는
              이 부분이 어떻게 달라지는지 궁금하다.
            - SWA 시작 시점과 SWA learning rate에 따라 결과가 꽤 달라질 것 같다. 논문은
              주로 CIFAR에서 잘 튜닝된 설정만 보여 준다.
            - flatness는 파라미터 스케일에 따라 얼마든지 바뀔 수 있다(reparametrization 문제).
              "평평해서 일반화가 좋다"를 인과관계로 읽기에는 조심스럽다.
        - **다른 논문과의 연결**
            - EMA(Polyak averaging)와 무엇이 다른지: SWA는 큰 learning rate로 *탐색*하면서
              균등 평균을 낸다는 점이 핵심인 것 같다.
            - 이후의 SWAG(Maddox et al., 2019)는 SWA 궤적으로 가우시안 posterior를 근사하고,
              model soups(Wortsman et al., 2022)는 fine-tuning한 여러 모델의 가중치를 평균낸다.

        다음 세션 전까지 CIFAR-100에서 ResNet으로 SGD vs SWA를 직접 돌려 보고, BN 재계산을 뺐을
        때 얼마나 떨어지는지도 같이 공유할 예정이다.
        """
    ),
}

_SWA_ALEX: dict = {
    "arxiv_id": "1803.05407",
    "author": "alex",
    "language": "en",
    "status": "published",
    "tldr": (
        "Keep SGD's learning rate high at the end of training and average the weights it visits: "
        "you land in the middle of a wide basin and generalise better, for the cost of one extra "
        "copy of the weights."
    ),
    "introduction": _md(
        r"""
        Minji already covered the story of this paper in Korean, so I will come at it from the
        practitioner's side: *what exactly do I change in my training loop, and what can go
        wrong?*

        The setting is ordinary supervised training with SGD and a decaying learning rate. The
        paper's claim is that the last iterate of such a run is a poor summary of everything
        SGD has explored. If instead you keep the learning rate high for the final part of
        training and take an **equal-weight average of the iterates**, you get a solution that

        - sits in a flatter region of the loss surface,
        - generalises better than the last SGD iterate, and
        - behaves much like an ensemble of those iterates (Fast Geometric Ensembling), while
          being a single network at test time.

        The paper appeared at UAI 2018. Its lasting impact is that the recipe became a standard
        tool: PyTorch ships it as `torch.optim.swa_utils`.
        """
    ),
    "core_algorithm": _md(
        r"""
        Write the iterates collected during the averaging phase as $w_1, \dots, w_n$ and their
        mean as $w_{\text{SWA}} = \frac{1}{n} \sum_{i=1}^{n} w_i$. In practice the mean is kept
        as a running average, $w_{\text{SWA}} \leftarrow \frac{w_{\text{SWA}} \cdot n + w}{n + 1}$,
        so memory cost is one extra copy of the parameters.

        **Why the average behaves like an ensemble.** Let $w_i = w_{\text{SWA}} + \Delta_i$, so
        that $\sum_i \Delta_i = 0$. A first-order expansion of the network output $f$ gives

        $$
        \frac{1}{n} \sum_{i=1}^{n} f(w_i)
        = f(w_{\text{SWA}})
        + \left\langle \nabla f(w_{\text{SWA}}), \frac{1}{n} \sum_{i=1}^{n} \Delta_i \right\rangle
        + \mathcal{O}(\Delta^2)
        = f(w_{\text{SWA}}) + \mathcal{O}(\Delta^2)
        $$

        so when the iterates stay close to each other, averaging weights approximates averaging
        predictions. This only works because the iterates lie in one connected low-loss region;
        averaging two independently trained networks would not work this way.

        **The recipe.**

        1. Train normally for a good part of the budget. In the authors' reference CIFAR
           scripts, VGG-16 with 1.5 budgets runs 300 epochs and starts averaging at epoch 161.
        2. Switch to a constant (or short cyclical) learning rate that is still fairly large.
        3. At the end of every epoch (or cycle), fold the current weights into the average.
        4. After training, recompute BatchNorm statistics for $w_{\text{SWA}}$ with one pass over
           the training data.

        In modern PyTorch this is only a few lines:

        ```python
        from torch.optim.swa_utils import AveragedModel, SWALR, update_bn

        swa_model = AveragedModel(model)              # holds the running average
        swa_scheduler = SWALR(optimizer, swa_lr=0.05)  # constant LR for the SWA phase

        for epoch in range(epochs):
            train_one_epoch(model, loader, optimizer)
            if epoch >= swa_start:
                swa_model.update_parameters(model)
                swa_scheduler.step()
            else:
                scheduler.step()

        update_bn(loader, swa_model)   # step 4: BN statistics for the averaged weights
        ```

        The two knobs that matter are `swa_start` and `swa_lr`:

        - too small a learning rate and the iterates barely move, so the average is the last
          iterate;
        - too large and the iterates leave the good region, so their average is meaningless.
        """
    ),
    "results": _md(
        r"""
        The headline experiment compares SGD with SWA under the same or slightly larger
        *training budget*, where one budget is the number of epochs that plain SGD needs. The
        CIFAR-10 rows below are test accuracies (%) as reported in the paper (Table 1). One
        budget is 200 epochs for VGG-16 and WRN-28-10, and 150 epochs for PreResNet-164.

        | Model | SGD | SWA 1 budget | SWA 1.25 budgets | SWA 1.5 budgets |
        |---|---|---|---|---|
        | VGG-16 | $93.25 \pm 0.16$ | $93.59 \pm 0.16$ | $93.70 \pm 0.22$ | $93.64 \pm 0.18$ |
        | PreResNet164 | $95.28 \pm 0.10$ | $95.56 \pm 0.11$ | $95.77 \pm 0.04$ | $95.83 \pm 0.03$ |
        | WRN-28-10 | $96.18 \pm 0.11$ | $96.45 \pm 0.11$ | $96.64 \pm 0.08$ | $96.79 \pm 0.05$ |

        My reading of the numbers:

        - At equal budget SWA wins on every row, by roughly 0.3 points on CIFAR-10. On CIFAR-100
          (see Minji's review) the gap is larger, around 0.6 to 1.4 points at one budget.
        - Extra budget helps a little but is not the main effect. VGG-16 even peaks at 1.25
          budgets, which is within the reported standard deviation.
        - The equal-budget gains are larger than the seed-to-seed standard deviations, so they
          are not noise. The differences *between* the SWA budgets, on the other hand, often are.

        On ImageNet the authors start from pretrained torchvision models (ResNet-50, ResNet-152,
        DenseNet-161) and run SWA for 5 or 10 extra epochs; all three improve in top-1 accuracy.
        The geometry section supports the mechanism: along the line from $w_{\text{SGD}}$ to
        $w_{\text{SWA}}$, the SGD solution sits near the edge of the low-loss region, while SWA
        sits in the middle, with lower test error even where its train loss is slightly higher.
        """
    ),
    "thoughts": _md(
        r"""
        This is one of those papers whose idea I now use without thinking about it.

        - **What I liked**
            - The cost–benefit ratio is unbeatable: no extra forward passes at test time and
              one extra parameter copy during training.
            - The FGE connection gives a clean explanation of *why* weight averaging is allowed
              here, not just that it works.
        - **Caveats from using it**
            - Forgetting the BatchNorm update is the number one bug. With `update_bn` it is a
              non-issue, but hand-rolled implementations get it wrong.
            - For LayerNorm models (Transformers) there are no running statistics, so the
              BN step disappears; in my experience an EMA of weights is the more common choice
              there, and the two are close cousins.
            - The flatness argument is suggestive rather than conclusive: sharpness measures are
              not invariant to reparameterisation.
        - **Connections to our reading list**
            - Compared with PBT, SWA changes *what we keep* from a run rather than *how the run
              is steered*. The two compose: PBT could pick the SWA learning rate.
            - Minji's Lottery Ticket review raised the question of whether pruned subnetworks
              can be averaged; later work on linear mode connectivity suggests that works only
              once training has become stable.
        """
    ),
}

_LTH_MINJI: dict = {
    "arxiv_id": "1803.03635",
    "author": "minji",
    "language": "ko",
    "status": "published",
    "tldr": (
        "큰 네트워크 안에는 원래 초기값 그대로 따로 학습해도 원본만큼(혹은 더 빨리, "
        "더 잘) 학습되는 작은 subnetwork, 즉 '당첨 복권'이 들어 있으며, magnitude pruning 후 "
        "초기값으로 되돌리는 방법으로 찾을 수 있다."
    ),
    "introduction": _md(
        r"""
        Pruning을 하면 학습이 끝난 네트워크의 파라미터를 90% 이상 줄여도 정확도가 거의 떨어지지
        않는다는 건 잘 알려져 있다. 그런데 이상한 점이 있다. *그렇게 작은 네트워크로 충분하다면,
        왜 처음부터 작은 네트워크를 학습하지 않을까?* 경험적으로 pruning으로 얻은 sparse 구조를
        랜덤 초기화해서 처음부터 학습하면 잘 안 된다. 학습이 느리고 정확도도 낮다.

        이 논문(ICLR 2019)은 그 이유가 구조가 아니라 **초기값**에 있다고 주장한다. 저자들이 제안한
        **Lottery Ticket Hypothesis**(복권 가설)는 다음과 같다.

        > 랜덤 초기화된 dense 네트워크 안에는, 따로 떼어 내서 학습해도 원래 네트워크와 비슷한
        > iteration 안에 비슷한 테스트 정확도에 도달하는 subnetwork("winning ticket")가 있다.

        즉 큰 네트워크를 학습한다는 건 엄청나게 많은 복권을 한꺼번에 사는 것이고, 그중 초기값이
        "당첨된" 작은 subnetwork가 실제로 일을 한다는 비유다. 이번 세션에서는 가설의 정확한 정의,
        winning ticket을 찾는 방법, 그리고 깊은 네트워크에서의 한계를 중심으로 정리했다.
        """
    ),
    "core_algorithm": _md(
        r"""
        **정의.** dense 네트워크 $f(x; \theta)$ 의 초기값을 $\theta_0 \sim \mathcal{D}_\theta$ 라고
        하자. SGD로 학습하면 iteration $j$ 에서 validation loss가 최소가 되고 그때 테스트 정확도가
        $a$ 다. 마스크 $m$ 을 씌운 $f(x; m \odot \theta)$ 를 같은 초기값 $m \odot \theta_0$ 에서
        학습했을 때 iteration $j'$ 에서 정확도 $a'$ 를 얻는다고 하면, 가설은 다음을 만족하는 $m$ 이
        존재한다는 것이다.

        $$
        \exists\, m \in \lbrace 0, 1 \rbrace^{|\theta|} :
        \quad j' \le j, \quad a' \ge a, \quad \lVert m \rVert_0 \ll |\theta|
        $$

        앞으로 남아 있는 가중치의 비율을 $P_m = \lVert m \rVert_0 / |\theta|$ 로 쓴다.

        **Winning ticket 찾기 (Iterative Magnitude Pruning).**

        1. 네트워크를 랜덤 초기화한다 ($\theta_0$).
        2. $j$ iteration 학습해서 $\theta_j$ 를 얻는다.
        3. 절댓값이 작은 가중치 $p\%$ 를 잘라 마스크 $m$ 을 만든다.
        4. **남은 가중치를 학습된 값이 아니라 원래 초기값 $\theta_0$ 로 되돌린다.**
        5. 2~4를 반복한다. $n$ 라운드에 걸쳐 자를 때는 라운드마다 남은 가중치의 $p^{1/n}\%$ 를
           자른다.

        ```python
        mask = ones_like(theta0)
        for round in range(n_rounds):
            theta = train(mask * theta0, iters=j)          # 항상 theta0에서 다시 시작
            mask = prune_smallest(theta, mask, rate=0.2)   # 층별로 남은 가중치의 20% 제거
        winning_ticket = (mask, theta0)                    # 구조 + 원래 초기값
        ```

        핵심은 4번이다. 논문은 이걸 검증하기 위해 항상 두 가지 대조군과 비교한다.

        - **랜덤 재초기화**: 같은 마스크 $m$ 에 새로운 초기값 $\theta_0' \sim \mathcal{D}_\theta$ 를
          넣는다. 구조만 같고 "복권 번호"는 다르다.
        - **랜덤 pruning**: 같은 비율로 무작위로 자른 subnetwork.

        세부 설정도 정리해 두면:

        - 작은 네트워크(LeNet, Conv-2/4/6)는 층별(layer-wise)로 자른다. FC 층은 라운드당 20%,
          conv 층은 10~15%, 출력층은 그 절반 비율로 자른다.
        - VGG-19, ResNet-18처럼 깊은 네트워크는 층마다 파라미터 수 차이가 커서 전체 conv
          층을 한꺼번에 보고 자르는 global pruning을 쓴다.
            - 이 경우 learning rate가 크면 winning ticket이 잘 안 찾아져서, **learning rate
              warmup**을 넣어야 했다.
        """
    ),
    "results": _md(
        r"""
        **MNIST, LeNet-300-100 (파라미터 266K).** iterative pruning으로 찾은 winning ticket은
        $P_m$ 이 21% 근처일 때 원래 네트워크보다 조기 종료(early stopping) 시점이 38% 빨라졌고,
        $P_m = 13.5\%$ 에서는 테스트 정확도가 0.3%p 넘게 더 높았다. $P_m = 3.6\%$ 근처에 가서야
        원래 정확도 수준으로 돌아온다. 반면 같은 마스크를 랜덤 재초기화하면 $P_m = 21.1\%$ 부근부터
        정확도가 떨어지기 시작하는데, winning ticket은 2.9%까지 버틴다. 구조만으로는 설명이 안 되고
        초기값이 중요하다는 직접적인 증거다.

        **CIFAR-10, Conv-2/4/6.** 아래는 논문 본문에 보고된 수치를 표로 옮긴 것이다.

        | 네트워크 | 파라미터 | 최소 val loss 도달 (최대) | P_m | 정확도 향상 (최대) | P_m |
        |---|---|---|---|---|---|
        | Conv-2 | 4.3M | 3.5배 빠름 | 8.8% | +3.4%p | 4.6% |
        | Conv-4 | 2.4M | 3.5배 빠름 | 9.2% | +3.5%p | 11.1% |
        | Conv-6 | 1.7M | 2.5배 빠름 | 15.1% | +3.3%p | 26.4% |

        정리하면:

        - 세 네트워크 모두 $P_m$ 이 2% 정도까지 줄어도 원래 평균 테스트 정확도보다 높다.
        - 랜덤 재초기화 대조군은 pruning할수록 학습이 느려지고 정확도도 떨어진다.
        - dropout과 같이 써도 winning ticket이 찾아지고, 두 효과가 어느 정도 상호 보완적이다.

        **VGG-19, ResNet-18 (CIFAR-10).** 여기서는 결과가 조금 복잡하다.

        - 보통 쓰는 큰 learning rate에서는 iterative pruning으로 찾은 subnetwork가 랜덤
          재초기화보다 나을 게 없었다.
        - learning rate를 작게 하면 winning ticket이 보이지만, 그 경우 원래 네트워크 자체의
          정확도가 낮아진다.
        - learning rate warmup을 넣으면 큰 learning rate에서도 winning ticket을 찾을 수 있었다.
        """
    ),
    "thoughts": _md(
        r"""
        발표 준비하면서 든 생각들.

        - **의의**
            - "큰 네트워크가 학습이 잘 되는 이유는 좋은 초기값을 가진 subnetwork가 많기
              때문"이라는 설명은 over-parameterization에 대한 직관으로 꽤 설득력 있다.
            - 실험 설계가 깔끔하다. 특히 랜덤 재초기화 대조군 덕분에 "구조 vs 초기값"을 분리해서
              볼 수 있다.
        - **한계**
            - winning ticket을 찾으려면 결국 dense 네트워크를 여러 번 끝까지 학습해야 한다.
              학습 비용을 줄이는 방법은 아직 아니다.
            - 실험이 MNIST/CIFAR-10 규모에 머물러 있고, 깊은 네트워크에서는 warmup 같은 추가
              장치가 필요했다.
                - 이후 논문들(Frankle et al.의 후속 연구)은 초기값 $\theta_0$ 대신 학습 초반의
                  가중치로 되돌리는 *rewinding*으로 이 문제를 다룬다.
            - unstructured sparsity라서 실제 GPU에서 속도 이득을 얻기는 어렵다.
        - **질문 (세션에서 토론하고 싶은 것)**
            - 같은 마스크를 공유하는 winning ticket 두 개를 학습하면, 그 둘을 SWA처럼 평균낼 수
              있을까? 다음 주 SWA 발표와 연결해서 보면 재미있을 것 같다.
            - Rethinking the Value of Network Pruning(Liu et al., 2019)처럼 "구조만으로 충분하다"는
              반론과 이 논문의 결과는 어떻게 화해할 수 있을까? learning rate 설정 차이가 큰 것 같다.
        """
    ),
}

_GROKKING_MINJI_DRAFT: dict = {
    "arxiv_id": "2201.02177",
    "author": "minji",
    "language": "ko",
    "status": "draft",
    "tldr": (
        "작은 알고리즘 데이터셋에서 transformer는 train 데이터를 다 외운 한참 뒤에야 갑자기 "
        "일반화한다(grokking). weight decay가 이 현상을 앞당기는 데 특히 효과적이다."
    ),
    "introduction": _md(
        r"""
        (초안 — 세션 전에 계속 고칠 예정)

        이 논문은 OpenAI에서 나온 짧은 논문으로, 일부러 아주 작은 **알고리즘적으로 생성된
        데이터셋**을 써서 일반화를 관찰한다. 예를 들어 $a \circ b = c$ 꼴의 이항 연산 표
        ($p = 97$ 일 때 $a + b \bmod p$, $a / b \bmod p$ 등)를 만들고, 표의 일부 칸만 학습에 쓴 뒤
        나머지 칸을 맞히는지 본다.

        제목의 grokking은 "완전히 이해하다"라는 뜻의 속어인데, 논문에서는 **train 정확도가 이미
        100%가 된 한참 뒤에 validation 정확도가 우연 수준에서 거의 100%로 뛰어오르는 현상**을
        가리킨다. 보통 "overfitting이 시작되면 학습을 멈춰라"라고 배우는데, 이 설정에서는 그
        시점을 훨씬 지나서야 일반화가 일어난다는 점이 충격적이다.

        우리 목록의 Deep Double Descent(45번)와 함께 읽으면 좋을 것 같다. 둘 다 "학습을 더 오래
        하면 어떻게 되는가"를 다룬다.
        """
    ),
    "core_algorithm": _md(
        r"""
        **데이터.** 각 식을 `a ∘ b = c` 같은 토큰 시퀀스로 만들고, 모델은 `c` 를 예측한다. 각
        원소는 그냥 추상적인 기호(토큰)라서 모델은 숫자의 십진 표현 같은 정보를 전혀 모른다.
        연산은 modular 덧셈/뺄셈/나눗셈, 몇 가지 다항식, 순열군 $S_5$ 의 합성 등 여러 가지를 쓴다.

        **모델과 학습 (TODO: Appendix에서 수치 다시 확인).**

        - 2층 decoder-only transformer, width 128, attention head 4개 (약 $4 \times 10^5$ 파라미터)
        - AdamW, learning rate $10^{-3}$, 처음 10 step warmup
        - 여러 정규화 기법을 비교: weight decay, dropout, gradient noise 등

        관찰하고 싶은 양은 "validation 정확도가 99%에 도달할 때까지 필요한 optimization step
        수"다. 학습에 쓰는 데이터 비율(training fraction)을 바꿔 가면서 이 값을 잰다.

        $$
        \text{training fraction} = \frac{|\text{학습에 쓴 칸}|}{|\text{표 전체의 칸}|}
        $$
        """
    ),
    "results": _md(
        r"""
        지금까지 정리한 것 (그림 위주라 수치는 대략적인 값):

        - modular division, 데이터 50% 설정에서 train 정확도는 대략 $10^3$ step 근처에서 거의
          100%가 되지만 validation 정확도는 $10^5$ step 가까이 가서야 올라간다 (Figure 1).
        - 학습 데이터 비율이 작아질수록 일반화까지 필요한 step 수가 급격히 늘어난다.
        - 비교한 기법 중 **weight decay**가 데이터 효율을 가장 크게 개선했다.
        - 출력층 embedding을 시각화하면 연산의 수학적 구조가 드러난다고 한다.
            - TODO: Figure 3 다시 보고 어떤 구조인지 정확히 적기

        | 항목 | 내용 |
        |---|---|
        | 데이터 | $p = 97$ 인 이항 연산 표 |
        | 모델 | 2층 transformer, width 128 |
        | 가장 효과적인 개입 | weight decay |
        """
    ),
    "thoughts": _md(
        r"""
        아직 정리 중인 질문들:

        - 왜 weight decay가 이렇게 중요할까? "외우는 해"보다 "일반화하는 해"의 norm이 더 작아서
          weight decay가 천천히 그쪽으로 밀어 주는 걸까?
            - Nanda et al. (2023)의 mechanistic interpretability 분석이 이 질문에 답하는 것
              같으니 같이 읽어 볼 것.
        - SWA 리뷰에서 다뤘던 flatness와도 관련이 있을까? 논문에서도 sharpness 얘기가 잠깐
          나왔던 것 같은데 확인 필요.
        - 실제 대규모 데이터셋에서는 grokking이 잘 안 보이는 이유는?
        """
    ),
}

_PBT_ALEX: dict = {
    "arxiv_id": "1711.09846",
    "author": "alex",
    "language": "en",
    "status": "published",
    "tldr": (
        "Train a population in parallel; every so often the weak members copy a strong member's "
        "weights (exploit) and jitter its hyperparameters (explore). You get adaptive "
        "hyperparameter schedules for roughly the cost of a random search."
    ),
    "introduction": _md(
        r"""
        Hyperparameters decide a surprising share of a model's final quality, and tuning them is
        expensive. The paper frames the usual options as two families:

        - **Parallel search** (grid or random search) launches many independent runs with
          different settings and keeps the best one. It parallelises perfectly, but no run learns
          anything from the others.
        - **Sequential optimisation** (e.g. Bayesian optimisation) uses the results of finished
          runs to choose the next settings. It is sample-efficient, but needs many rounds of full
          training one after another.

        Population Based Training (PBT), from DeepMind, sits in between. It runs a population of
        models in parallel like random search, but lets them *share information during training*:
        poorly performing members are replaced by copies of better ones, whose hyperparameters
        are then perturbed. Because the hyperparameters change while training goes on, the output
        is not a single configuration but a **schedule**, which matters a lot in non-stationary
        problems such as deep reinforcement learning.

        The paper evaluates PBT on deep RL (DeepMind Lab, Atari, StarCraft II), on machine
        translation with a Transformer, and on GAN training.
        """
    ),
    "core_algorithm": _md(
        r"""
        Each population member holds model weights $\theta$ and hyperparameters $\mathbf{h}$.
        Ordinary training is a sequence of updates
        $\theta_{k+1} \leftarrow \operatorname{step}(\theta_k \mid \mathbf{h}_k)$, and the goal is
        the member that scores best on a held-out metric:

        $$
        \theta^{\star} = \arg\max_{\theta \in \mathcal{P}} \operatorname{eval}(\theta),
        \qquad \mathcal{P} = \lbrace \theta^{1}, \dots, \theta^{N} \rbrace
        $$

        where `eval` can be anything measurable, including non-differentiable metrics such as BLEU
        or an Inception score. PBT is defined by four operations on top of `step` and `eval`:

        - **ready**: decides when a member may be updated, e.g. after a fixed number of steps since
          its last exploit.
        - **exploit**: decides whether to abandon the current member and copy another one.
            - *Truncation selection*: rank the population; a member in the bottom 20% copies the
              weights and hyperparameters of a member sampled uniformly from the top 20%.
            - *Binary tournament*: compare with one random member and copy it if it is better.
            - *t-test selection*: for noisy RL returns, compare recent episode rewards with
              Welch's t-test before copying.
        - **explore**: changes the hyperparameters of a member that just copied.
            - *Perturb*: multiply each hyperparameter by a factor
              $u \in \lbrace 0.8, 1.2 \rbrace$ chosen at random.
            - *Resample*: with some probability draw the hyperparameter from its original prior.

        ```python
        # runs asynchronously on every worker; the population table is shared
        theta, h = init_weights(), sample_prior()
        while not done:
            theta = step(theta, h)                      # ordinary training
            score = eval(theta)
            population.report(worker_id, theta, h, score)
            if ready(worker_id):
                donor = exploit(worker_id, population)  # e.g. truncation selection
                if donor is not None:
                    theta, h = copy(donor.theta), copy(donor.h)
                    h = explore(h)                      # perturb by 0.8 / 1.2 or resample
        ```

        Three properties make this practical:

        1. **No central controller.** Workers read and write a shared table asynchronously, which
           is only a small change to a typical distributed hyperparameter-search setup.
        2. **Compute is reallocated, not added.** The total budget equals that of a random search
           with the same number of workers; PBT simply stops spending it on hopeless members.
        3. **Schedules for free.** The hyperparameter trajectory of the final winner, traced back
           through its ancestors, is a learned schedule you can inspect.
        """
    ),
    "results": _md(
        r"""
        The experimental section covers quite different domains. The table summarises the
        setups as described in the paper; I leave the exact scores to its results table and
        only note the direction of each result below it.

        | Domain | Model | Hyperparameters adapted (examples) | Exploit metric |
        |---|---|---|---|
        | RL: DeepMind Lab | UNREAL | learning rate, entropy cost | episode reward |
        | RL: Atari | FeUdal Networks | LR, entropy cost, intrinsic reward cost | episode reward |
        | RL: StarCraft II | A3C | learning rate, entropy cost | episode reward |
        | MT: WMT'14 En-De | Transformer | learning rate, dropout rates | BLEU |
        | GAN: CIFAR-10 | GAN | generator and discriminator LRs | Inception score |

        Outcomes as reported:

        - In all three RL domains PBT ends with higher reward than the hand-tuned or
          random-search baselines, and typically gets there faster in wall-clock time.
        - For the Transformer, PBT matches or slightly exceeds a heavily tuned baseline while
          optimising BLEU directly.
        - For the GAN, PBT reaches a higher Inception score than the baseline.

        Observations worth remembering:

        - The Transformer result is notable because the baseline was already a well-tuned
          published configuration, and PBT optimised BLEU directly rather than a proxy loss.
        - The discovered schedules often resemble hand-designed ones, for example learning rates
          that decrease over training, but they arise automatically and sometimes have
          non-monotonic phases that a human would not design.
        - The paper's ablations indicate that both exploit and explore are needed, and that very
          small populations hurt.
        - The lineage plots (a "family tree" of which member copied which) show the population
          quickly concentrating on a few good lineages.
        """
    ),
    "thoughts": _md(
        r"""
        PBT is one of the few hyperparameter methods I have seen survive contact with real
        training infrastructure, mostly because it needs so little: a shared table and the ability
        to checkpoint and restore.

        - **Strengths**
            - Cost is predictable: it is a random search whose bad runs get recycled.
            - Works with any metric you can evaluate, including non-differentiable ones.
            - Library support exists (Ray Tune ships a `PopulationBasedTraining` scheduler), so
              trying it is cheap.
        - **Weaknesses**
            - **Greediness / short-horizon bias.** Exploit compares members over a short window,
              which favours changes that pay off immediately. Lowering the learning rate gives an
              instant gain and can win even when it hurts the final result.
            - Copying weights collapses diversity; with a small population you can end up with
              one lineage very early.
            - The outcome is a schedule tied to one run, and it is not obvious how well it
              transfers to a new seed or a slightly different model.
        - **Connections**
            - Follow-ups such as population-based bandits (PB2) replace random perturbation with
              a model of how hyperparameters affect reward, to make small populations viable.
            - Pairs naturally with SWA from our reading list: PBT could choose the SWA learning
              rate, and averaging within the winning lineage is an interesting open question.

        For our group: next time someone runs a grid search over learning rate and weight decay,
        it is worth trying PBT with the same number of workers as a baseline.
        """
    ),
}

_MIXUP_ALEX: dict = {
    "arxiv_id": "1710.09412",
    "author": "alex",
    "language": "en",
    "status": "published",
    "tldr": (
        "Train on convex combinations of random pairs of examples and of their one-hot labels. "
        "One extra hyperparameter, almost no compute, and consistent gains in accuracy and "
        "robustness."
    ),
    "introduction": _md(
        r"""
        Most supervised training is **Empirical Risk Minimisation (ERM)**: minimise the average
        loss on the training set, i.e. treat the data distribution as a sum of point masses at the
        training examples. The paper points out two symptoms of relying on ERM with very large
        networks:

        - they can memorise the training set, even with random labels;
        - their predictions can change drastically just outside the training points, which is
          where adversarial examples live.

        An older alternative is **Vicinal Risk Minimisation (VRM)** (Chapelle et al., 2000),
        where each training point is replaced by a small *vicinity* distribution around it.
        Standard data augmentation is VRM with hand-designed, class-preserving vicinities. mixup
        proposes a generic, data-agnostic vicinity: the straight lines *between* pairs of
        training examples, including pairs from different classes.

        The paper appeared at ICLR 2018 and tests the idea on ImageNet, CIFAR-10/100, speech
        commands, tabular UCI data and GANs.
        """
    ),
    "core_algorithm": _md(
        r"""
        Given two training examples $(x_i, y_i)$ and $(x_j, y_j)$ with one-hot labels, mixup
        builds a virtual example

        $$
        \tilde{x} = \lambda x_i + (1 - \lambda) x_j, \qquad
        \tilde{y} = \lambda y_i + (1 - \lambda) y_j, \qquad
        \lambda \sim \operatorname{Beta}(\alpha, \alpha)
        $$

        with $\alpha \in (0, \infty)$. As $\alpha \to 0$ the mixing weight concentrates at 0 or 1
        and we recover ERM; larger $\alpha$ produces stronger mixing. Compare the two objectives:

        - ERM minimises $\frac{1}{n} \sum_{i=1}^{n} \ell(f(x_i), y_i)$ over the training points.
        - mixup minimises the same loss in expectation over pairs and over $\lambda$, on
          $(\tilde{x}, \tilde{y})$ instead.
            - With cross-entropy, the loss on a soft label splits into
              $\lambda \, \ell(f(\tilde{x}), y_i) + (1 - \lambda) \, \ell(f(\tilde{x}), y_j)$,
              which is how most implementations compute it.

        In code it is a handful of lines. Pairs are formed by mixing a minibatch with a shuffled
        copy of itself, which the paper reports works as well as drawing two separate minibatches
        and halves the data loading:

        ```python
        import numpy as np
        import torch
        import torch.nn.functional as F

        def mixup_step(model, x, y, alpha=0.2):
            lam = np.random.beta(alpha, alpha)
            perm = torch.randperm(x.size(0))
            x_mix = lam * x + (1 - lam) * x[perm]
            logits = model(x_mix)
            return lam * F.cross_entropy(logits, y) + (1 - lam) * F.cross_entropy(logits, y[perm])
        ```

        Design choices the paper checked in its ablations:

        - Mixing three or more examples (Dirichlet weights) gave no further gain but cost more.
        - Interpolating only between examples of the same class did *not* give the gains;
          mixing across classes is essential.
        - Mixing the inputs without mixing the labels in the same way was weaker than full
          mixup.

        The resulting inductive bias is that the model should behave *linearly between training
        examples*, which gives smoother decision boundaries and less over-confident predictions
        away from the data.
        """
    ),
    "results": _md(
        r"""
        CIFAR test errors (%), as reported in the paper (Table 2), ERM versus mixup:

        | Dataset | Model | ERM | mixup |
        |---|---|---|---|
        | CIFAR-10 | PreAct ResNet-18 | 5.6 | 4.2 |
        | CIFAR-10 | WRN-28-10 | 3.8 | 2.7 |
        | CIFAR-10 | DenseNet-BC-190 | 3.7 | 2.7 |
        | CIFAR-100 | PreAct ResNet-18 | 25.6 | 21.1 |
        | CIFAR-100 | WRN-28-10 | 19.4 | 17.5 |
        | CIFAR-100 | DenseNet-BC-190 | 19.0 | 16.8 |

        On ImageNet-2012 the gains are smaller but consistent, and grow with model size and
        training length. For example, ResNet-50 top-1 error goes from 23.5 to 23.3 with 90 epochs,
        and from 23.6 to 22.1 with 200 epochs. The paper recommends $\alpha$ between 0.1 and 0.4
        for ImageNet; larger values underfit.

        Beyond accuracy:

        - **Corrupted labels.** With a large fraction of randomly corrupted labels, mixup with a
          large $\alpha$ keeps the test error much lower than ERM and than dropout alone, i.e. it
          memorises less.
        - **Adversarial robustness.** On ImageNet, mixup-trained models are noticeably more
          robust to FGSM and iterative attacks than ERM-trained ones, without adversarial training.
        - **Other modalities.** It also helps on speech commands and on some of the UCI tabular
          datasets, and it stabilises GAN training when applied to the discriminator's inputs.
        """
    ),
    "thoughts": _md(
        r"""
        mixup is almost embarrassingly simple, which is exactly why it became a default in many
        vision pipelines.

        - **What convinced me**
            - The gains show up across architectures, datasets and modalities, not in one
              cherry-picked setting.
            - The VRM framing explains *why* it is a sensible thing to do instead of presenting
              it as a trick.
        - **Where I am less convinced**
            - Mixed images are not realistic images, so the "vicinity" is not plausible data. It
              works anyway, which suggests the benefit comes mostly from the label side
              (smoother, less confident targets), a bit like label smoothing.
            - The interaction with longer training is real: on ImageNet the gain is small at 90
              epochs and clear at 200. With short schedules it can look useless.
            - For structured outputs (detection, sequence prediction) it is not obvious what
              mixing labels should mean.
        - **Follow-ups worth reading**
            - CutMix (Yun et al., 2019) pastes patches instead of blending pixels.
            - Manifold Mixup (Verma et al., 2019) mixes hidden representations.
            - Later work on calibration finds that mixup-trained networks are better calibrated.

        A question for the session: the linear behaviour mixup encourages between examples sounds
        related to the "average of nearby solutions" story from SWA, but in input space rather
        than weight space. Is there a formal connection?
        """
    ),
}

REVIEWS: list[dict] = [
    _SWA_MINJI,
    _LTH_MINJI,
    _GROKKING_MINJI_DRAFT,
    _PBT_ALEX,
    _MIXUP_ALEX,
    _SWA_ALEX,
]

# ---------------------------------------------------------------------------
# Comments (one level of replies)
# ---------------------------------------------------------------------------

COMMENTS: list[dict] = [
    {
        "review": ("1803.05407", "minji"),
        "author": "alex",
        "section": "results",
        "body": _md(
            r"""
            Nice table. Worth stressing that the **1 budget** column already beats SGD, so the
            gain is not just "train longer". Did you try the BN recomputation ablation yet?
            """
        ),
        "replies": [
            {
                "review": ("1803.05407", "minji"),
                "author": "minji",
                "section": "results",
                "body": _md(
                    r"""
                    네, 아직 CIFAR-10에서만 돌려 봤는데 BN 재계산을 빼면 정확도가 크게 떨어졌어요.
                    CIFAR-100 결과는 세션 때 공유할게요!
                    """
                ),
                "replies": [],
            },
        ],
    },
    {
        "review": ("1803.05407", "alex"),
        "author": "organizer",
        "section": "",
        "body": _md(
            r"""
            두 분이 같은 논문을 리뷰해 주셔서 비교 화면으로 보기 좋네요. Minji는 CIFAR-100, Alex는
            CIFAR-10 표를 정리해서 서로 보완이 됩니다. 👍
            """
        ),
        "replies": [
            {
                "review": ("1803.05407", "alex"),
                "author": "alex",
                "section": "",
                "body": "That was the plan 😄 — 감사합니다!",
                "replies": [],
            },
        ],
    },
    {
        "review": ("1711.09846", "alex"),
        "author": "organizer",
        "section": "core_algorithm",
        "body": _md(
            r"""
            `ready` 조건을 얼마나 자주 두느냐가 greediness 문제와 직결될 것 같은데, 논문에서
            권장하는 기준이 있었나요? 너무 자주 exploit하면 말씀하신 short-horizon bias가 심해질
            것 같아서요.
            """
        ),
        "replies": [
            {
                "review": ("1711.09846", "alex"),
                "author": "alex",
                "section": "core_algorithm",
                "body": _md(
                    r"""
                    Good question. The paper sets it per domain (a fixed number of steps since the
                    last exploit) rather than giving a universal rule. My rule of thumb: make the
                    window long enough that a learning-rate drop has time to show its *final*
                    effect, not just the immediate one.
                    """
                ),
                "replies": [],
            },
        ],
    },
    {
        "review": ("1803.03635", "minji"),
        "author": "alex",
        "section": "thoughts",
        "body": _md(
            r"""
            On your averaging question: the follow-up on *linear mode connectivity* looks at
            exactly this. Two copies trained from the same rewound weights with different data
            order end up linearly connected (so averaging works) only once training is stable,
            which is also when rewinding finds winning tickets in deep nets.
            """
        ),
        "replies": [
            {
                "review": ("1803.03635", "minji"),
                "author": "minji",
                "section": "thoughts",
                "body": "오 딱 궁금했던 내용이에요. 읽기 목록 후보로 올려 둘게요!",
                "replies": [],
            },
            {
                "review": ("1803.03635", "minji"),
                "author": "organizer",
                "section": "thoughts",
                "body": "6기 목록 후보에 추가했습니다. SWA 세션 끝나고 같이 정하죠.",
                "replies": [],
            },
        ],
    },
    {
        "review": ("1710.09412", "alex"),
        "author": "minji",
        "section": "",
        "body": _md(
            r"""
            label 쪽 효과가 크다는 해석 공감해요. $\alpha$ 를 크게 하면 label smoothing과 비슷하게
            confidence가 낮아지는 것 같은데, calibration 실험도 논문에 있었나요?
            """
        ),
        "replies": [
            {
                "review": ("1710.09412", "alex"),
                "author": "alex",
                "section": "",
                "body": _md(
                    r"""
                    Not in this paper; calibration came in later work (Thulasidasan et al., 2019).
                    I can bring a short summary to the session.
                    """
                ),
                "replies": [],
            },
        ],
    },
]

# ---------------------------------------------------------------------------
# Bookmarks and per-member reading status
# ---------------------------------------------------------------------------

BOOKMARKS: list[tuple[str, str]] = [
    ("minji", "2201.02177"),
    ("minji", "1912.02292"),
    ("minji", "2005.14165"),
    ("alex", "1803.03635"),
    ("alex", "2103.00020"),
    ("alex", "2212.04356"),
    ("organizer", "1711.09846"),
    ("organizer", "1703.03400"),
]

READING_STATUS: list[tuple[str, int, str]] = [
    ("minji", 31, "reviewed"),
    ("minji", 34, "reviewed"),
    ("minji", 45, "reading"),
    ("minji", 64, "reading"),
    ("minji", 53, "to_read"),
    ("alex", 19, "reviewed"),
    ("alex", 22, "reviewed"),
    ("alex", 34, "reviewed"),
    ("alex", 31, "reading"),
    ("alex", 57, "to_read"),
    ("alex", 60, "to_read"),
    ("organizer", 16, "reading"),
    ("organizer", 27, "reading"),
    ("organizer", 38, "to_read"),
    ("organizer", 71, "to_read"),
]
