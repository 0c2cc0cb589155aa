"""analysis.charts: each builder's Vega-Lite spec has the layers it promises, and renders offline to SVG."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest

from analysis.charts import grounding_acts_chart, persona_disparity_chart, rate_by_model_chart, to_svg, two_knobs_chart

HOSTILE_MODEL = "evil/<script>alert(1)</script>"
SVG_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def _mark(layer: dict[str, Any]) -> str:
    mark = layer["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The layers of a layered chart, or of the inner spec of a faceted one."""
    return spec["spec"]["layer"] if "facet" in spec else spec["layer"]


def _layer(spec: dict[str, Any], mark: str, index: int = 0) -> dict[str, Any]:
    return [layer for layer in _layers(spec) if _mark(layer) == mark][index]


def _rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    (rows,) = spec["datasets"].values()
    return rows


def _assert_offline_svg(svg: str) -> None:
    assert svg.lstrip().startswith("<svg")
    assert "<script" not in svg.lower()
    assert not re.search(r"""(?:href|src)\s*=\s*["']?\s*(?:https?:)?//""", svg, re.IGNORECASE)
    assert "url(http" not in svg.lower()
    assert set(re.findall(r"https?://[^\s\"'<>)]+", svg)) <= SVG_NAMESPACES  # only XML namespace names


@pytest.fixture
def act_rates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": ["openai/gpt-4o-mini", HOSTILE_MODEL] * 2,
            "act": ["clarification", "clarification", "acknowledgment", "acknowledgment"],
            "rate": [0.12, 0.03, 0.20, 0.05],
            "ci_low": [0.10, 0.01, 0.15, 0.03],
            "ci_high": [0.15, 0.05, 0.25, 0.08],
            "n_conversations": [120, 120, 120, 120],
            "internal_note": ["not for charts"] * 4,
        }
    )


@pytest.fixture
def human_baseline() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "act": ["clarification", "acknowledgment", "repair"],
            "rate": [0.18, 0.40, 0.02],
            "ci_low": [0.15, 0.35, 0.01],
            "ci_high": [0.21, 0.45, 0.03],
            "corpus": ["swda helper", "swda helper", "swda helper"],
        }
    )


# --- (a) grounding acts vs human baseline --------------------------------------------------


def test_grounding_chart_has_bars_error_bars_and_a_baseline_rule_per_act(
    act_rates: pd.DataFrame, human_baseline: pd.DataFrame
) -> None:
    spec = grounding_acts_chart(act_rates, human_baseline).to_dict()
    assert spec["facet"]["column"]["field"] == "act"
    assert [_mark(layer) for layer in _layers(spec)] == ["rect", "bar", "errorbar", "rule", "text"]
    bar = _layer(spec, "bar")["encoding"]
    assert bar["x"]["field"] == "model" and bar["y"]["field"] == "rate"
    assert bar["y"]["axis"]["title"] == "acts per assistant turn"
    assert {t["field"] for t in bar["tooltip"]} >= {"model", "act", "rate", "ci_low", "ci_high", "n_conversations"}
    errorbar = _layer(spec, "errorbar")["encoding"]
    assert (errorbar["y"]["field"], errorbar["y2"]["field"]) == ("ci_low", "ci_high")
    rule = _layer(spec, "rule")
    assert rule["encoding"]["y"]["field"] == "human_rate"
    assert "x" not in rule["encoding"]  # spans the panel: a reference line, not a bar
    human_rows = [row for row in _rows(spec) if row["series"] == "human"]
    assert {row["act"]: row["human_rate"] for row in human_rows} == {"clarification": 0.18, "acknowledgment": 0.40}
    assert all("internal_note" not in row for row in _rows(spec))  # only the documented columns travel


def test_grounding_chart_without_baseline_has_no_rule(act_rates: pd.DataFrame) -> None:
    spec = grounding_acts_chart(act_rates).to_dict()
    assert [_mark(layer) for layer in _layers(spec)] == ["bar", "errorbar"]


def test_grounding_chart_names_missing_columns(act_rates: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="ci_high"):
        grounding_acts_chart(act_rates.drop(columns=["ci_high"]))


def test_grounding_chart_renders_offline_svg_with_escaped_model_names(
    act_rates: pd.DataFrame, human_baseline: pd.DataFrame
) -> None:
    svg = to_svg(grounding_acts_chart(act_rates, human_baseline))
    _assert_offline_svg(svg)
    assert "acts per assistant turn" in svg
    assert "human: swda helper" in svg
    assert "evil/&lt;script&gt;alert(1)&lt;/script&gt;" in svg  # drawn as text, never markup


# --- (b) the two knobs ---------------------------------------------------------------------


@pytest.fixture
def knobs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": ["base", HOSTILE_MODEL],
            "abstention_recall": [0.7, 0.3],
            "abstention_recall_low": [0.6, 0.2],
            "abstention_recall_high": [0.8, 0.4],
            "over_refusal": [0.2, 0.05],
            "over_refusal_low": [0.1, 0.01],
            "over_refusal_high": [0.3, 0.1],
            "n_benign": [40, 40],
        }
    )


def test_two_knobs_chart_has_a_point_per_model_with_both_ci_bars(knobs: pd.DataFrame) -> None:
    spec = two_knobs_chart(knobs).to_dict()
    assert [_mark(layer) for layer in spec["layer"]] == ["errorbar", "errorbar", "point", "text"]
    point = _layer(spec, "point")["encoding"]
    assert (point["x"]["field"], point["y"]["field"], point["color"]["field"]) == (
        "abstention_recall",
        "over_refusal",
        "model",
    )
    assert point["x"]["scale"]["domain"] == [0, 1] and point["x"]["axis"]["format"] == ".0%"
    assert any("unanswerable" in line for line in point["x"]["axis"]["title"])
    assert any("benign-sensitive" in line for line in point["y"]["axis"]["title"])
    horizontal, vertical = _layer(spec, "errorbar", 0)["encoding"], _layer(spec, "errorbar", 1)["encoding"]
    assert (horizontal["x"]["field"], horizontal["x2"]["field"]) == ("abstention_recall_low", "abstention_recall_high")
    assert (vertical["y"]["field"], vertical["y2"]["field"]) == ("over_refusal_low", "over_refusal_high")
    assert {t["field"] for t in point["tooltip"]} >= {"model", "abstention_recall", "over_refusal", "n_benign"}
    assert _layer(spec, "text")["encoding"]["text"]["field"] == "model"


def test_two_knobs_chart_renders_offline_svg(knobs: pd.DataFrame) -> None:
    svg = to_svg(two_knobs_chart(knobs))
    _assert_offline_svg(svg)
    assert "Epistemic abstention recall" in svg
    assert "(% of benign-sensitive conversations)" in svg
    assert "&lt;script&gt;" in svg


# --- (c) persona disparity -----------------------------------------------------------------


@pytest.fixture
def disparity() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "persona_group": ["age: older", "gender: woman", "sports: Chargers fan"],
            "difference": [0.05, -0.02, 0.12],
            "ci_low": [-0.01, -0.08, 0.05],
            "ci_high": [0.11, 0.04, 0.19],
            "significant": [False, False, True],
            "q_value": [0.21, 0.6, 0.004],
        }
    )


def test_persona_chart_has_zero_line_and_ci_in_percentage_points(disparity: pd.DataFrame) -> None:
    spec = persona_disparity_chart(disparity).to_dict()
    assert [_mark(layer) for layer in spec["layer"]] == ["rule", "errorbar", "point"]
    assert _layer(spec, "rule")["encoding"]["x"]["datum"] == 0
    point = _layer(spec, "point")["encoding"]
    assert point["x"]["field"] == "difference_pp" and point["y"]["field"] == "persona_group"
    assert "percentage points" in point["x"]["axis"]["title"]
    assert point["color"]["scale"]["domain"] == ["survives BH correction", "not significant"]
    whiskers = _layer(spec, "errorbar")["encoding"]
    assert (whiskers["x"]["field"], whiskers["x2"]["field"]) == ("ci_low_pp", "ci_high_pp")
    rows = {row["persona_group"]: row for row in _rows(spec)}
    assert rows["sports: Chargers fan"]["difference_pp"] == pytest.approx(12.0)
    assert rows["sports: Chargers fan"]["verdict"] == "survives BH correction"
    assert {t["field"] for t in point["tooltip"]} >= {"persona_group", "difference_pp", "q_value"}


def test_persona_chart_facets_by_model_when_given(disparity: pd.DataFrame) -> None:
    two_models = pd.concat([disparity.assign(model="a"), disparity.assign(model="b")], ignore_index=True)
    spec = persona_disparity_chart(two_models.drop(columns=["significant"])).to_dict()
    assert spec["facet"]["row"]["field"] == "model"
    assert _layer(spec, "point")["encoding"]["color"]["scale"]["domain"] == ["difference (95% CI)"]


def test_persona_chart_renders_offline_svg(disparity: pd.DataFrame) -> None:
    svg = to_svg(persona_disparity_chart(disparity))
    _assert_offline_svg(svg)
    assert "Refusal rate minus no-persona control (percentage points)" in svg
    assert "sports: Chargers fan" in svg


# --- (d) generic rate by model -------------------------------------------------------------


@pytest.fixture
def outcome_rates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": ["a", "b", "c"],
            "rate": [0.3, 0.5, 0.1],
            "ci_low": [0.2, 0.4, 0.05],
            "ci_high": [0.4, 0.6, 0.2],
            "n_conversations": [50, 50, 50],
        }
    )


def test_rate_chart_has_bars_with_ci_on_a_percent_axis(outcome_rates: pd.DataFrame) -> None:
    spec = rate_by_model_chart(
        outcome_rates, title="Proactive clarification", y_title="% of underspecified conversations"
    ).to_dict()
    assert [_mark(layer) for layer in spec["layer"]] == ["bar", "errorbar"]
    bar = _layer(spec, "bar")["encoding"]
    assert bar["y"]["axis"]["title"] == "% of underspecified conversations"
    assert bar["y"]["axis"]["format"] == ".0%"
    assert bar["x"]["sort"] == ["a", "b", "c"]  # the caller's model order, not alphabetical by accident
    assert {t["field"] for t in bar["tooltip"]} >= {"model", "rate", "ci_low", "ci_high", "n_conversations"}
    assert spec["title"]["text"] == "Proactive clarification"


def test_rate_chart_facets_by_metric(outcome_rates: pd.DataFrame) -> None:
    both = pd.concat(
        [outcome_rates.assign(metric="success"), outcome_rates.assign(metric="silent failure")], ignore_index=True
    )
    spec = rate_by_model_chart(both, title="Outcomes").to_dict()
    assert spec["facet"]["column"]["field"] == "metric"
    assert spec["facet"]["column"]["sort"] == ["success", "silent failure"]


def test_rate_chart_renders_offline_svg(outcome_rates: pd.DataFrame) -> None:
    svg = to_svg(rate_by_model_chart(outcome_rates, title="Silent failure"))
    _assert_offline_svg(svg)
    assert "% of conversations" in svg
    assert "Silent failure" in svg
