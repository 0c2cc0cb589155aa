"""Per-model metric tables (pandas DataFrames) shared by the report and the Streamlit explorer.

Everything starts from `load_conversations`: one row per stored conversation, with its
outcome under one labeller (name and version) and per-conversation counts of that
labeller's turn labels. The section functions then work on that frame in memory, so the
report and the explorer compute every figure the same way, and tests can build the frame
from a fixture database or by hand.

Conventions (why):
- A conversation counts in a rate only when it was *scored*: stored as complete and given
  an outcome other than `error` (docs/design.md: errors are kept, never counted in rates).
- Rates of conversations get Wilson intervals; per-turn act rates and means (ternary,
  truthfulness) get cluster-bootstrap intervals over conversations (analysis.stats).
- Persona variants are counterfactual copies of the control requests; sections 1-3 and
  the alignment tax use only the no-persona control (`persona_group == "control"`) so a
  persona run does not multiply the weight of its scenarios. `control_only` does that.
- Epistemic abstention and safety refusal are separate metrics everywhere: the two kinds
  of declining are never merged (docs/design.md vocabulary).

This module only re-exports; the work is in private modules, one job each: `_frame` (the
conversation frame), `_definitions` (what each metric counts), `_rates` (share and mean
tables), `_grounding` (the grounding-gap section), `_baseline_choice` (the human rows, read by SQL),
`_reliability` (repeats), `_persona` (the persona section), `_tax` (the alignment-tax section), `_chart_data`
(frames for the charts) and `_values` (NaN conventions). Import from `analysis.metrics`,
never from those modules.
"""

from __future__ import annotations

from analysis.metrics._baseline_choice import BASELINE_COLUMNS, TAGS_SOURCE, BaselineChoice, human_clusters, load_baselines, select_baseline
from analysis.metrics._baseline_choice import HumanClusters as HumanClusters
from analysis.metrics._chart_data import grounding_for_chart, knobs_for_chart
from analysis.metrics._definitions import _ALL as _ALL
from analysis.metrics._definitions import BENIGN_SENSITIVE as BENIGN_SENSITIVE
from analysis.metrics._definitions import CLARIFICATION_METRICS, KNOB_METRICS, MeanMetric, RateMetric
from analysis.metrics._definitions import FULLY_SPECIFIED as FULLY_SPECIFIED
from analysis.metrics._definitions import HARMFUL as HARMFUL
from analysis.metrics._definitions import SHOULD_ABSTAIN as SHOULD_ABSTAIN
from analysis.metrics._definitions import UNDERSPECIFIED as UNDERSPECIFIED
from analysis.metrics._definitions import Mask as Mask
from analysis.metrics._definitions import _abstained_anywhere as _abstained_anywhere
from analysis.metrics._definitions import _declined_to_answer as _declined_to_answer
from analysis.metrics._definitions import _kinds as _kinds
from analysis.metrics._definitions import _outcome as _outcome
from analysis.metrics._frame import _INTEGER_COLUMNS as _INTEGER_COLUMNS
from analysis.metrics._frame import _TEXT_COLUMNS as _TEXT_COLUMNS
from analysis.metrics._frame import (
    ACT_NAMES,
    ANY_GROUNDING,
    CONTROL,
    CONVERSATION_COLUMNS,
    control_only,
    conversations_frame,
    load_conversations,
    models_in,
)
from analysis.metrics._frame import _act_column as _act_column
from analysis.metrics._frame import _scored as _scored
from analysis.metrics._frame import conversations_query as conversations_query
from analysis.metrics._grounding import GROUNDING_COLUMNS, grounding_table
from analysis.metrics._grounding import _gap_interval as _gap_interval
from analysis.metrics._persona import PERSONA_COLUMNS, has_persona_runs, persona_disparity, refused
from analysis.metrics._rates import RATE_TABLE_COLUMNS, clarification_table, knob_table, rate_table
from analysis.metrics._rates import _in_population as _in_population
from analysis.metrics._rates import _metric_interval as _metric_interval
from analysis.metrics._rates import _metric_rows as _metric_rows
from analysis.metrics._reliability import RELIABILITY_COLUMNS, reliability_table
from analysis.metrics._reliability import _per_unit_scores as _per_unit_scores
from analysis.metrics._reliability import _reliability_units as _reliability_units
from analysis.metrics._tax import TAX_COLUMNS, alignment_tax
from analysis.metrics._tax import _mover_difference as _mover_difference
from analysis.metrics._values import _float as _float
from analysis.metrics._values import _nan as _nan
from analysis.metrics._values import _ratio as _ratio

__all__ = [
    "ACT_NAMES",
    "ANY_GROUNDING",
    "BASELINE_COLUMNS",
    "CLARIFICATION_METRICS",
    "CONTROL",
    "CONVERSATION_COLUMNS",
    "GROUNDING_COLUMNS",
    "KNOB_METRICS",
    "PERSONA_COLUMNS",
    "RATE_TABLE_COLUMNS",
    "RELIABILITY_COLUMNS",
    "TAGS_SOURCE",
    "TAX_COLUMNS",
    "BaselineChoice",
    "MeanMetric",
    "RateMetric",
    "alignment_tax",
    "clarification_table",
    "control_only",
    "conversations_frame",
    "grounding_for_chart",
    "grounding_table",
    "has_persona_runs",
    "human_clusters",
    "knob_table",
    "knobs_for_chart",
    "load_baselines",
    "load_conversations",
    "models_in",
    "persona_disparity",
    "rate_table",
    "refused",
    "reliability_table",
    "select_baseline",
]
