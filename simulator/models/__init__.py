"""The model layer: the one place litellm is imported (lazily), and the embedded local model.

Everything that calls a model receives a `ChatModel` (declared in `scenarios`); this
package provides the one implementation, `LiteLLMChat`.
"""

from simulator.models._errors import FAILURE_CAUSES, RETRYABLE_CAUSES, ModelCallError, ModelConfigError, failure_cause, scrub_secrets
from simulator.models._local_model import LOCAL_MODELS, LocalModel, LocalModelError, gguf_path
from simulator.models._preparation import RequestPreparationExecutor, install_request_preparation_executor
from simulator.models._provider import LiteLLMChat, is_local, litellm_module, preflight, validate_model_id
from simulator.models._tally import CallTally, count_calls_into

__all__ = [
    "FAILURE_CAUSES",
    "LOCAL_MODELS",
    "RETRYABLE_CAUSES",
    "CallTally",
    "LiteLLMChat",
    "LocalModel",
    "LocalModelError",
    "ModelCallError",
    "ModelConfigError",
    "RequestPreparationExecutor",
    "count_calls_into",
    "failure_cause",
    "gguf_path",
    "install_request_preparation_executor",
    "is_local",
    "litellm_module",
    "preflight",
    "scrub_secrets",
    "validate_model_id",
]
