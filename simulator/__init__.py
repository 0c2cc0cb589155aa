"""The simulator: the model layer, the store, the engine (dialogue loop and runner), the CLI.

Subpackages, bottom to top: `models` (the one litellm importer), `records`, `store`
(DuckDB), `engine` (loop and runner), `fake_server`, `explorer` and `cli` (which wires
everything). This module re-exports the most used names.

Names are imported on first use (PEP 562): LangGraph, litellm and llama.cpp cost seconds
to import, and commands such as `groundsim runs` or the explorer need none of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "LocalModel": "models",
    "LocalModelError": "models",
    "gguf_path": "models",
    "AssistantSettings": "engine",
    "DialogueLoop": "engine",
    "DialogueResult": "engine",
    "recursion_limit": "engine",
    "SCHEMA_VERSION": "store",
    "LiteLLMChat": "models",
    "ModelCallError": "models",
    "ModelConfigError": "models",
    "is_local": "models",
    "litellm_module": "models",
    "preflight": "models",
    "scrub_secrets": "models",
    "validate_model_id": "models",
    "DEFAULT_MODEL": "records",
    "ConversationRecord": "records",
    "Job": "records",
    "RunConfig": "records",
    "ScoredOutcome": "records",
    "TurnRecord": "records",
    "PlannedJob": "engine",
    "Progress": "engine",
    "RunSummary": "engine",
    "Runner": "engine",
    "code_version": "_version",
    "plan_jobs": "engine",
    "select_scenarios": "engine",
    "SchemaTooNewError": "store",
    "Store": "store",
    "StoreError": "store",
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
    from simulator._version import code_version
    from simulator.engine import (
        AssistantSettings,
        DialogueLoop,
        DialogueResult,
        PlannedJob,
        Progress,
        Runner,
        RunSummary,
        plan_jobs,
        recursion_limit,
        select_scenarios,
    )
    from simulator.models import (
        LiteLLMChat,
        LocalModel,
        LocalModelError,
        ModelCallError,
        ModelConfigError,
        gguf_path,
        is_local,
        litellm_module,
        preflight,
        scrub_secrets,
        validate_model_id,
    )
    from simulator.records import DEFAULT_MODEL, ConversationRecord, Job, RunConfig, ScoredOutcome, TurnRecord
    from simulator.store import SCHEMA_VERSION, SchemaTooNewError, Store, StoreError
