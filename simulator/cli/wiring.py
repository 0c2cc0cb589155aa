"""Where a command's options become collaborators: the one place that wires the layers.

The engine, the store and analysis never look each other up. A command asks this module
for a labeller (built from the labeller registry with `--judge-model` and a model client),
an outcome scorer and a runner that receives all three.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scenarios import ChatModel, Labeller, OutcomeScorer

if TYPE_CHECKING:
    from simulator.engine import Runner
    from simulator.records import RunConfig


def build_chat(*, api_base: str | None = None, timeout_s: float = 120.0, num_retries: int = 3) -> ChatModel:
    """The model layer's client (litellm)."""
    from simulator.models import LiteLLMChat

    return LiteLLMChat(api_base=api_base, timeout_s=timeout_s, num_retries=num_retries)


def build_labeller(name: str, judge_model: str | None = None, *, chat: ChatModel | None = None, judge_api_base: str | None = None) -> Labeller:
    """The labeller registered as `name`; a judge model gets a model client (given, or new on `judge_api_base`)."""
    from analysis.labellers import LABELLERS, LabellerContext, get_labeller

    # Only a labeller that takes options (the judge) gets a model client; others ignore --judge-model.
    if judge_model and hasattr(LABELLERS.get(name), "from_context"):
        from simulator.models import validate_model_id

        validate_model_id(judge_model)
        chat = chat or build_chat(api_base=judge_api_base, num_retries=2)
    return get_labeller(name, LabellerContext(judge_model=judge_model, chat=chat))


def build_scorer() -> OutcomeScorer:
    """The outcome scorer live runs and `annotate` share."""
    from analysis import outcome_row

    return outcome_row


def build_runner(config: RunConfig, *, chat: ChatModel | None = None, labeller: Labeller | None = None) -> Runner:
    """A runner for `config` with its model client, live labeller and scorer."""
    from simulator.engine import Runner

    chat = chat or build_chat(api_base=config.api_base, timeout_s=config.timeout_s, num_retries=config.num_retries)
    labeller = labeller or build_labeller(config.labeller, config.judge_model, chat=chat)
    return Runner(config, chat=chat, labeller=labeller, scorer=build_scorer())
