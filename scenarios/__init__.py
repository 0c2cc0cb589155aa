"""Scenarios: what a simulated user wants, knows and would accept, as validated data.

The root of groundsim's import graph: it imports no other package of ours, and it holds
what every package shares (the label vocabulary and the error base class).
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
    "AnswerCheck",
    "AnswerCheckBase",
    "CheckExamples",
    "Choice",
    "ContainsAll",
    "ContainsAny",
    "Expected",
    "Fact",
    "GroundsimError",
    "InputFileError",
    "Judge",
    "Numeric",
    "Persona",
    "PersonaSet",
    "Regex",
    "Scenario",
    "ScenarioError",
    "ScenarioKind",
    "ScenarioValidationError",
    "Stance",
    "TurnLabel",
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
