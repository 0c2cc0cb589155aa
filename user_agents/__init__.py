"""Simulated users: scripted policies, LLM-driven users, and personas on the opening."""

from scenarios import (
    AgentContext,
    ChatModel,
    Completion,
    DialogueView,
    Message,
    PersonaChoice,
    UserAgent,
    UserTurn,
)
from user_agents._llm import LLMUser, LLMUserReply, UserAgentError, system_prompt
from user_agents._personas import apply_persona
from user_agents._questions import facts_asked_about, is_yes_no_check, question_sentences
from user_agents._registry import (
    USER_AGENTS,
    UnknownUserAgentError,
    known_user_specs,
    make_user_agent,
    validate_user_spec,
)
from user_agents._scripted import CooperativeUser, ScriptedUser, ShardedUser, SilentUser, answer_questions

__all__ = [
    "USER_AGENTS",
    "AgentContext",
    "ChatModel",
    "Completion",
    "CooperativeUser",
    "DialogueView",
    "LLMUser",
    "LLMUserReply",
    "Message",
    "PersonaChoice",
    "ScriptedUser",
    "ShardedUser",
    "SilentUser",
    "UnknownUserAgentError",
    "UserAgent",
    "UserAgentError",
    "UserTurn",
    "answer_questions",
    "apply_persona",
    "facts_asked_about",
    "is_yes_no_check",
    "known_user_specs",
    "make_user_agent",
    "question_sentences",
    "system_prompt",
    "validate_user_spec",
]
