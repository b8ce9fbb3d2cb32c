"""A fixed group of papers in three topics, English and Korean, for the recommender's tests.

Korean abstracts carry English terms as Korean ML writing does, and the Korean papers of one
topic use the same words with other particles (강화학습을, 강화학습의).
"""

from __future__ import annotations

from dataclasses import dataclass

from reviews import services
from reviews.models import Member, Paper
from tests.factories import MemberFactory, PaperFactory

TOPICS = {
    "diffusion": [
        (
            "Denoising Diffusion Probabilistic Models",
            "We present high quality image synthesis using diffusion probabilistic models, "
            "latent variable models trained by denoising score matching. A fixed noise "
            "schedule adds Gaussian noise; the denoising network learns to reverse it.",
        ),
        (
            "Score-Based Generative Modeling through Stochastic Differential Equations",
            "Creating noise from data is easy; creating data from noise is generative modeling. "
            "A stochastic differential equation transforms the data distribution into a prior "
            "by slowly injecting noise, and the reverse-time SDE removes the noise with the "
            "score of the perturbed distribution, as in denoising diffusion.",
        ),
        (
            "잠재 확산 모델을 이용한 고해상도 이미지 합성",
            "확산 모델(diffusion model)은 노이즈를 점진적으로 제거하는 디노이징(denoising) "
            "과정으로 이미지를 생성한다. 잠재 공간에서 확산을 수행하여 고해상도 이미지 합성의 "
            "비용을 줄인다. 노이즈 스케줄과 score matching을 사용한다.",
        ),
    ],
    "rl": [
        (
            "Proximal Policy Optimization Algorithms",
            "We propose policy gradient methods for reinforcement learning which alternate "
            "between sampling data through interaction with the environment and optimizing a "
            "clipped surrogate objective. The agent maximizes expected reward.",
        ),
        (
            "Human-level control through deep reinforcement learning",
            "An agent trained with Q-learning from raw pixels reaches human-level reward on "
            "Atari games. Experience replay and a target network stabilize reinforcement "
            "learning of the action-value function and the policy.",
        ),
        (
            "강화학습의 정책 최적화와 보상 설계",
            "에이전트가 환경과 상호작용하며 보상을 최대화하도록 정책을 학습하는 "
            "강화학습(reinforcement learning)을 다룬다. 정책 경사(policy gradient)와 "
            "Q-learning 에이전트를 비교한다.",
        ),
        (
            "심층 강화학습을 위한 보상 모델링",
            "강화학습에서 보상을 직접 정의하기 어려운 환경을 위해 보상 모델을 학습한다. "
            "에이전트의 정책은 PPO(proximal policy optimization)로 최적화한다.",
        ),
    ],
    "graphs": [
        (
            "Semi-Supervised Classification with Graph Convolutional Networks",
            "We present a scalable approach for semi-supervised learning on graph-structured "
            "data based on convolutional networks which operate directly on graphs. The "
            "graph convolution aggregates features of neighbouring nodes along edges.",
        ),
        (
            "Graph Attention Networks",
            "Graph attention networks operate on graph-structured data with masked "
            "self-attention over the neighbourhood of each node, weighing the edges between "
            "nodes without a costly spectral graph convolution.",
        ),
        (
            "그래프 신경망을 이용한 노드 분류",
            "그래프의 노드(node)와 엣지(edge)를 따라 이웃 노드의 특징을 모으는 그래프 "
            "합성곱(graph convolution)으로 노드 분류를 수행한다.",
        ),
    ],
}


@dataclass
class Corpus:
    papers: dict[str, list[Paper]]

    def topic_of(self, paper_id: int) -> str:
        for topic, papers in self.papers.items():
            if any(p.pk == paper_id for p in papers):
                return topic
        raise KeyError(paper_id)


def make_corpus() -> Corpus:
    return Corpus(
        {
            topic: [PaperFactory(title=title, abstract=abstract) for title, abstract in rows]
            for topic, rows in TOPICS.items()
        }
    )


def reader_of(corpus: Corpus, topic: str, username: str = "") -> Member:
    """A member who bookmarked the first two papers of `topic`."""
    member = MemberFactory(username=username or f"reader-{topic}")
    for paper in corpus.papers[topic][:2]:
        services.bookmark_add(member=member, paper=paper)
    return member
