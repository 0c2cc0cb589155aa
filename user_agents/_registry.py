"""User agents by spec string: `scripted:POLICY` or `llm:MODEL_ID`, through the one registry.

A new kind of user is one class and one registration: `@USER_AGENTS.register("scripted:NAME")`
for a fixed policy (built with no arguments), or `@USER_AGENTS.register("KIND")` for a kind
that takes an argument after the colon (the class provides `from_spec(arg, context)` and
`check_arg(arg)`). `--user` help and error messages list what is registered.
"""

from __future__ import annotations

from typing import Any

from scenarios import AgentContext, GroundsimError, Registry, UserAgent


class UnknownUserAgentError(GroundsimError):
    """A `--user` spec names no registered user agent, or a bad argument for its kind."""

    def __init__(self, spec: str, reason: str) -> None:
        self.spec = spec
        self.reason = reason
        super().__init__(f"user agent {spec!r}: {reason}. Known: {', '.join(known_user_specs())}")


USER_AGENTS: Registry[Any] = Registry("user agent")
"""Fixed specs (`scripted:cooperative`) and parameterised kinds (`llm`, spec `llm:MODEL_ID`)."""


def known_user_specs() -> list[str]:
    fixed = sorted(n for n in USER_AGENTS.names() if ":" in n)
    kinds = sorted(f"{n}:{getattr(USER_AGENTS.get(n), 'ARG', 'ARG')}" for n in USER_AGENTS.names() if ":" not in n)
    return fixed + kinds


def _resolve(spec: str) -> tuple[Any, str | None]:
    """The registered class for `spec`, and the argument after the colon for a parameterised kind."""
    if spec in USER_AGENTS:
        return USER_AGENTS.get(spec), None
    kind, sep, arg = spec.partition(":")
    if not sep:
        raise UnknownUserAgentError(spec, "expected KIND:ARG")
    if kind in USER_AGENTS:
        return USER_AGENTS.get(kind), arg
    if any(n.startswith(kind + ":") for n in USER_AGENTS.names()):
        raise UnknownUserAgentError(spec, f"no such {kind} policy")
    raise UnknownUserAgentError(spec, "no such kind of user")


def validate_user_spec(spec: str) -> str:
    """Check a spec without building it (no model client needed)."""
    cls, arg = _resolve(spec)
    if arg is not None:
        problem = cls.check_arg(arg)
        if problem:
            raise UnknownUserAgentError(spec, problem)
    return spec


def make_user_agent(spec: str, ctx: AgentContext) -> UserAgent:
    """Build the user agent a spec names."""
    validate_user_spec(spec)
    cls, arg = _resolve(spec)
    if arg is None:
        return cls()
    return cls.from_spec(arg, ctx)
