"""User agents by spec string: `scripted:POLICY` or `llm:MODEL_ID`."""

from __future__ import annotations

from collections.abc import Callable

from scenarios import AgentContext, GroundsimError, UserAgent
from user_agents._llm import LLMUser
from user_agents._scripted import CooperativeUser, ShardedUser, SilentUser


class UnknownUserAgentError(GroundsimError):
    """A `--user` spec names no registered user agent."""

    def __init__(self, spec: str, reason: str) -> None:
        self.spec = spec
        super().__init__(f"user agent {spec!r}: {reason}. Known: {', '.join(known_user_specs())}")


Factory = Callable[[str, AgentContext], UserAgent]
_FACTORIES: dict[str, Factory] = {}
_SCRIPTED: dict[str, Callable[[], UserAgent]] = {}


def register_user_kind(kind: str, factory: Factory) -> None:
    """Register a kind of user agent (the part before the colon of a spec)."""
    _FACTORIES[kind] = factory


def register_scripted_policy(name: str, factory: Callable[[], UserAgent]) -> None:
    """Register a scripted policy usable as `scripted:NAME`."""
    _SCRIPTED[name] = factory


def known_user_specs() -> list[str]:
    return [f"scripted:{name}" for name in sorted(_SCRIPTED)] + ["llm:MODEL_ID"]


def _scripted(arg: str, ctx: AgentContext) -> UserAgent:
    if arg not in _SCRIPTED:
        raise UnknownUserAgentError(f"scripted:{arg}", "no such scripted policy")
    return _SCRIPTED[arg]()


def _llm(arg: str, ctx: AgentContext) -> UserAgent:
    if not arg:
        raise UnknownUserAgentError("llm:", "give a model id, e.g. llm:local/smollm2")
    if ctx.chat is None:
        raise UnknownUserAgentError(f"llm:{arg}", "no model client available")
    return LLMUser(arg, ctx.chat, seed=ctx.seed)


register_user_kind("scripted", _scripted)
register_user_kind("llm", _llm)
register_scripted_policy("cooperative", CooperativeUser)
register_scripted_policy("sharded", ShardedUser)
register_scripted_policy("silent", SilentUser)


def validate_user_spec(spec: str) -> str:
    """Check a spec without building it (no model client needed)."""
    kind, sep, arg = spec.partition(":")
    if not sep or kind not in _FACTORIES:
        raise UnknownUserAgentError(spec, "expected KIND:ARG with KIND one of " + ", ".join(sorted(_FACTORIES)))
    if kind == "scripted" and arg not in _SCRIPTED:
        raise UnknownUserAgentError(spec, "no such scripted policy")
    if kind == "llm" and not arg:
        raise UnknownUserAgentError(spec, "give a model id, e.g. llm:local/smollm2")
    return spec


def make_user_agent(spec: str, ctx: AgentContext) -> UserAgent:
    """Build the user agent a spec names."""
    validate_user_spec(spec)
    kind, _, arg = spec.partition(":")
    return _FACTORIES[kind](arg, ctx)
