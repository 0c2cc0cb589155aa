"""Importers: public benchmark files in, scenario packs (readable YAML) out.

`groundsim scenarios import --format FORMAT INPUT --out PACK_DIR` runs one. Each format is
one module here with one class that follows the `Importer` protocol and carries
`@register_importer`; modules are discovered, so a new format edits nothing else.

Formats (details in each module's docstring):

- `qulac`: Qulac -> underspecified, one per topic facet; crowd answers as grouped facts.
- `abg-coqa`: Abg-CoQA ambiguous examples -> ambiguous scenarios over a story passage.
- `xstest`: the XSTest prompt CSV -> benign_sensitive (safe) and harmful (unsafe).
- `lic-sharded`: Lost in Conversation's sharded instructions -> underspecified, one fact per shard.

The written pack is loaded and linted at once, and every problem is reported. Rules are not
weakened for imports except in one documented way (`lint_pack`): facts in a `group` are
alternatives, so rule 1's minimum number of cues applies to the group's cues together. Two
further properties of imported data that the linter accepts but a reader should know:

- a group of alternatives states one piece of the intent several ways, yet rule 1 counts its
  members as facts, so "at least two withheld facts" is met by two alternatives;
- Qulac has no gold answer, so its scenarios use a `judge` check (rule 3's examples do not
  apply), and the scripted user cannot grade a judge check itself: the dialogue ends at the
  first answer.
"""

from __future__ import annotations

from scenarios.importers._base import (
    ImportBatch,
    Importer,
    ScenarioImportError,
    content_words,
    cues_from,
    register_importer,
)
from scenarios.importers._lint_imports import is_builtin, lint_pack
from scenarios.importers._registry import get_importer, importer_names, importers
from scenarios.importers._writer import ImportReport, dump_scenarios, import_pack, scenario_to_yaml_data, yaml_text

__all__ = [
    "ImportBatch",
    "ImportReport",
    "Importer",
    "ScenarioImportError",
    "content_words",
    "cues_from",
    "dump_scenarios",
    "get_importer",
    "import_pack",
    "importer_names",
    "importers",
    "is_builtin",
    "lint_pack",
    "register_importer",
    "scenario_to_yaml_data",
    "yaml_text",
]
