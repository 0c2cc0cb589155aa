"""The simulator: model calls, the dialogue loop, the batch runner and the DuckDB store."""

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
from simulator._records import DEFAULT_MODEL, ConversationRecord, Job, RunConfig, TurnRecord
from simulator._runner import PlannedJob, Progress, Runner, RunSummary, code_version, plan_jobs, select_scenarios
from simulator._store import SchemaTooNewError, Store, StoreError

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
