"""The model layer: the one place litellm is imported (lazily), and the embedded local model.

Everything that calls a model receives a `ChatModel` (declared in `scenarios`); this
package provides the one implementation, `LiteLLMChat`.
"""

from simulator.models._local_model import LOCAL_MODELS, LocalModel, LocalModelError, gguf_path
from simulator.models._provider import (
    FAILURE_CAUSES,
    RETRYABLE_CAUSES,
    CallTally,
    LiteLLMChat,
    ModelCallError,
    ModelConfigError,
    RequestPreparationExecutor,
    count_calls_into,
    failure_cause,
    install_request_preparation_executor,
    is_local,
    litellm_module,
    preflight,
    scrub_secrets,
    validate_model_id,
)

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
