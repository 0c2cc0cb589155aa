"""Scenarios: what a simulated user wants, knows and would accept, as validated data.

The bottom of groundsim's import graph: it imports no other package of ours, and it holds
what every package shares: the label vocabulary, the error base class, the extension
Protocols (chat model, labeller, user agent, outcome scorer; answer checks beside the
schema) and the one registry mechanism every extension point uses.
"""

from scenarios._checks import (
    AnswerCheck,
    AnswerCheckBase,
    Choice,
    ContainsAll,
    ContainsAny,
    Judge,
    Numeric,
    Regex,
    check_types,
    extract_numbers,
    normalize_text,
    parse_check,
    phrase_pattern,
    register_check,
)
from scenarios._errors import GroundsimError, InputFileError, ScenarioError, ScenarioValidationError
from scenarios._lint import lint_scenarios
from scenarios._loader import BUILTIN_PREFIX, builtin_packs, collect, load_scenarios, resolve_source
from scenarios._personas import CONTROL_ID, Persona, PersonaSet, builtin_persona_sets, load_persona_set
from scenarios._protocols import (
    AgentContext,
    ChatModel,
    Completion,
    DialogueView,
    Labeller,
    Message,
    OutcomeScorer,
    PersonaChoice,
    Role,
    ScoredOutcome,
    UserAgent,
    UserTurn,
)
from scenarios._registry import DuplicateExtensionError, Entry, Registry, UnknownExtensionError
from scenarios._schema import (
    ALLOWED_EXPECTATIONS,
    SCENARIO_SCHEMA_VERSION,
    CheckExamples,
    Expected,
    Fact,
    Scenario,
    ScenarioKind,
    fill_persona_slots,
    placeholder_free_opening,
)
from scenarios._vocabulary import ASKING_ACTS, EPISTEMIC_DECLINES, SAFETY_DECLINES, Act, Stance, TurnLabel

__all__ = [
    "ALLOWED_EXPECTATIONS",
    "ASKING_ACTS",
    "BUILTIN_PREFIX",
    "CONTROL_ID",
    "EPISTEMIC_DECLINES",
    "SAFETY_DECLINES",
    "SCENARIO_SCHEMA_VERSION",
    "Act",
    "AgentContext",
    "AnswerCheck",
    "AnswerCheckBase",
    "ChatModel",
    "CheckExamples",
    "Choice",
    "Completion",
    "ContainsAll",
    "ContainsAny",
    "DialogueView",
    "DuplicateExtensionError",
    "Entry",
    "Expected",
    "Fact",
    "GroundsimError",
    "InputFileError",
    "Judge",
    "Labeller",
    "Message",
    "Numeric",
    "OutcomeScorer",
    "Persona",
    "PersonaChoice",
    "PersonaSet",
    "Regex",
    "Registry",
    "Role",
    "Scenario",
    "ScenarioError",
    "ScenarioKind",
    "ScenarioValidationError",
    "ScoredOutcome",
    "Stance",
    "TurnLabel",
    "UnknownExtensionError",
    "UserAgent",
    "UserTurn",
    "builtin_packs",
    "builtin_persona_sets",
    "check_types",
    "collect",
    "extract_numbers",
    "fill_persona_slots",
    "lint_scenarios",
    "load_persona_set",
    "load_scenarios",
    "normalize_text",
    "parse_check",
    "phrase_pattern",
    "placeholder_free_opening",
    "register_check",
    "resolve_source",
]
