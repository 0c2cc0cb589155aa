"""The simulator: model calls, the dialogue loop, the batch runner and the DuckDB store.

Names are imported on first use (PEP 562): LangGraph, litellm and llama.cpp cost seconds
to import, and commands such as `groundsim runs` or the explorer need none of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "LocalModel": "_local_model",
    "LocalModelError": "_local_model",
    "gguf_path": "_local_model",
    "AssistantSettings": "_loop",
    "DialogueLoop": "_loop",
    "DialogueResult": "_loop",
    "recursion_limit": "_loop",
    "SCHEMA_VERSION": "_migrations",
    "LiteLLMChat": "_provider",
    "ModelCallError": "_provider",
    "ModelConfigError": "_provider",
    "is_local": "_provider",
    "litellm_module": "_provider",
    "preflight": "_provider",
    "scrub_secrets": "_provider",
    "validate_model_id": "_provider",
    "DEFAULT_MODEL": "_records",
    "ConversationRecord": "_records",
    "Job": "_records",
    "RunConfig": "_records",
    "ScoredOutcome": "_records",
    "TurnRecord": "_records",
    "PlannedJob": "_runner",
    "Progress": "_runner",
    "RunSummary": "_runner",
    "Runner": "_runner",
    "code_version": "_version",
    "plan_jobs": "_runner",
    "select_scenarios": "_runner",
    "SchemaTooNewError": "_store",
    "Store": "_store",
    "StoreError": "_store",
}

__all__ = [
    "DEFAULT_MODEL",
    "SCHEMA_VERSION",
    "AssistantSettings",
    "ConversationRecord",
    "DialogueLoop",
    "DialogueResult",
    "Job",
    "LiteLLMChat",
    "LocalModel",
    "LocalModelError",
    "ModelCallError",
    "ModelConfigError",
    "PlannedJob",
    "Progress",
    "RunConfig",
    "RunSummary",
    "Runner",
    "SchemaTooNewError",
    "ScoredOutcome",
    "Store",
    "StoreError",
    "TurnRecord",
    "code_version",
    "gguf_path",
    "is_local",
    "litellm_module",
    "plan_jobs",
    "preflight",
    "recursion_limit",
    "scrub_secrets",
    "select_scenarios",
    "validate_model_id",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"simulator.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from simulator._local_model import LocalModel, LocalModelError, gguf_path
    from simulator._loop import AssistantSettings, DialogueLoop, DialogueResult, recursion_limit
    from simulator._migrations import SCHEMA_VERSION
    from simulator._provider import (
        LiteLLMChat,
        ModelCallError,
        ModelConfigError,
        is_local,
        litellm_module,
        preflight,
        scrub_secrets,
        validate_model_id,
    )
    from simulator._records import DEFAULT_MODEL, ConversationRecord, Job, RunConfig, ScoredOutcome, TurnRecord
    from simulator._runner import PlannedJob, Progress, Runner, RunSummary, plan_jobs, select_scenarios
    from simulator._store import SchemaTooNewError, Store, StoreError
    from simulator._version import code_version
