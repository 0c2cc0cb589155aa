"""`groundsim label`, `validate-labeller` and `train-labeller` through the command line, and the
judge labeller end to end against the fake OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from analysis import load_figures
from analysis.labellers import GOLD_SOURCES, HYBRID_WEIGHTS, RulesLabeller
from analysis.labellers._judge import JudgeConfigError
from scenarios import GroundsimError
from simulator.cli import app
from simulator.fake_server import FakeServerConfig, RunningServer, serve_in_thread
from tests.simulator.test_cli import groundsim

SHARED_DATA = Path(os.environ["GROUNDSIM_SHARED_DATA"])
"""Read before the autouse fixture below takes the variable out of each test's environment."""

TURNS = [
    {"id": "t1", "text": "Which city do you mean?", "previous": "Find me a hotel."},
    {"id": 2, "text": "Paris is the capital of France.", "previous": "What is the capital of France?", "keep": "me"},
    {"id": "t3", "text": "I can't help with making weapons."},
]
CLARIFY = '{"acts": ["clarification"], "stance": "clarify_only"}'

runner = CliRunner()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Options with an environment fallback start unset, so a developer's shell cannot change a test."""
    for name in ("GROUNDSIM_SHARED_DATA", "GROUNDSIM_LABELLER", "GROUNDSIM_JUDGE_MODEL", "GROUNDSIM_JUDGE_API_BASE", "GROUNDSIM_CORPUS_LIMIT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def turns_file(tmp_path: Path) -> Path:
    path = tmp_path / "turns.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in TURNS), encoding="utf-8")
    return path


@pytest.fixture
def gold_file(tmp_path: Path) -> Path:
    rows = [
        {"id": "g1", "text": "Which city do you mean?", "previous": "Find me a hotel.", "acts": ["clarification"], "stance": "clarify_only"},
        {"id": "g2", "text": "Which version of Python are you on?", "previous": "My script fails.", "acts": ["clarification"], "stance": "clarify_only"},
        {"id": "g3", "text": "Paris is the capital of France.", "previous": "Capital of France?", "acts": [], "stance": "answer"},
    ]
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def invoke(*args: str, **env: str) -> Result:
    """Run a command in-process; COLUMNS keeps click's error box from folding a long path."""
    result = runner.invoke(app, list(args), env={"COLUMNS": "400", **env})
    assert "Traceback" not in result.output
    return result


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def clear_error(result: Result, *fragments: str) -> str:
    """A non-zero exit that is either a usage error (printed by click, exit 2) or a GroundsimError
    (which `main()` prints as one `error:` line): never some other exception. Returns the message."""
    assert result.exit_code != 0
    if isinstance(result.exception, SystemExit):
        assert result.exit_code == 2
        message = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())
    else:
        assert isinstance(result.exception, GroundsimError), repr(result.exception)
        message = str(result.exception)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ---- validate-labeller -----------------------------------------------------------------------


def test_validate_labeller_prints_one_row_per_gold_source() -> None:
    result = ok(invoke("validate-labeller", "--labeller", "rules"))
    lines = result.output.splitlines()
    assert any(line.startswith("Labeller rules@") and "agreement per validation source" in line for line in lines)
    for source in GOLD_SOURCES:
        assert any(line.startswith(source.name + " ") and " dev " in line for line in lines), source.name
    assert "no --data-dir" in result.output
    assert not any(line.startswith(("xstest-dev", "mrda/dev")) for line in lines)


def test_validate_labeller_with_the_data_dir_adds_xstest_and_corpora_and_saves(tmp_path: Path) -> None:
    saved = tmp_path / "rules.json"
    result = ok(invoke("validate-labeller", "--labeller", "rules", "--data-dir", str(SHARED_DATA), "--corpus-limit", "50", "--save", str(saved)))
    lines = result.output.splitlines()
    for source in ("xstest-dev", "mrda/dev", "esconv/dev"):
        assert any(line.startswith(source + " ") for line in lines), source
    assert "no --data-dir" not in result.output
    name, figures = load_figures(saved)
    assert name.startswith("rules@") and [f.source for f in figures][-3:] == ["xstest-dev", "mrda/dev", "esconv/dev"]
    assert {f.items for f in figures if f.kind == "corpus"} == {50}


def test_validate_labeller_data_dir_from_the_environment() -> None:
    result = ok(invoke("validate-labeller", "--labeller", "rules", GROUNDSIM_SHARED_DATA=str(SHARED_DATA), GROUNDSIM_CORPUS_LIMIT="20"))
    assert any(line.startswith("xstest-dev ") for line in result.output.splitlines())


def test_validate_labeller_with_a_missing_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent"
    clear_error(invoke("validate-labeller", "--labeller", "rules", "--data-dir", str(missing)), "--data-dir", "is not a folder")
    clear_error(invoke("validate-labeller", "--labeller", "rules", "--data-dir", "/nonexistent"), "/nonexistent")


def test_validate_labeller_on_one_gold_file_prints_the_full_report(gold_file: Path) -> None:
    result = ok(invoke("validate-labeller", "--labeller", "rules", "--gold", str(gold_file)))
    assert f"vs {gold_file}: 3 items" in result.output and "stance confusion" in result.output


def test_validate_labeller_on_a_malformed_gold_file_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "gold.jsonl"
    bad.write_text('{"id": "a", "text": "x", "stance": "answer"}\n{"id": "b", "text": "y", "stance": "nope"}\n', encoding="utf-8")
    clear_error(invoke("validate-labeller", "--labeller", "rules", "--gold", str(bad)), str(bad), "line 2", "'stance'")


# ---- label -------------------------------------------------------------------------------------


def test_label_with_rules_ignores_a_judge_model(turns_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = ok(invoke("label", "--labeller", "rules", "--judge-model", "openai/gpt-4o-mini", "--input", str(turns_file), "--output", str(out)))
    assert "labelled 3 turn(s)" in result.output
    rows = read_jsonl(out)
    rules = RulesLabeller()
    expected = [rules.label(t["text"], t.get("previous")) for t in TURNS]
    assert [(r["acts"], r["stance"]) for r in rows] == [([a.value for a in e.acts], e.stance.value) for e in expected]
    assert [r["id"] for r in rows] == ["t1", 2, "t3"] and rows[1]["keep"] == "me"


def test_label_with_rules_ignores_even_a_malformed_judge_model(turns_file: Path, tmp_path: Path) -> None:
    ok(invoke("label", "--labeller", "rules", "--judge-model", "X", "--input", str(turns_file), "--output", str(tmp_path / "out.jsonl")))


def test_label_with_the_default_hybrid_labeller(turns_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    ok(invoke("label", "--input", str(turns_file), "--output", str(out)))
    assert [r["stance"] for r in read_jsonl(out)] == ["clarify_only", "answer", "safety_refusal"]


def test_label_judge_without_a_judge_model_is_a_clear_error(turns_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = invoke("label", "--labeller", "judge", "--input", str(turns_file), "--output", str(out))
    clear_error(result, "--judge-model")
    assert isinstance(result.exception, JudgeConfigError)
    assert not out.exists()


def test_label_judge_without_a_judge_model_through_main(turns_file: Path, tmp_path: Path) -> None:
    """The installed entry point prints one `error:` line, exit 2, no traceback (the subprocess
    inherits the environment `clean_env` left, without GROUNDSIM_JUDGE_MODEL)."""
    result = groundsim("label", "--labeller", "judge", "--input", str(turns_file), "--output", str(tmp_path / "out.jsonl"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "--judge-model" in result.stderr
    assert "Traceback" not in result.stderr


def test_label_an_unknown_labeller_is_a_clear_error(turns_file: Path, tmp_path: Path) -> None:
    clear_error(invoke("label", "--labeller", "nosuch", "--input", str(turns_file), "--output", str(tmp_path / "o.jsonl")), "nosuch")


# ---- the judge against the fake server -----------------------------------------------------------


@pytest.fixture
def judge_server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    """A fake server giving one fixed reply (`request.param`, default a clean clarify-only verdict).

    One reply, because the server picks among several by a hash of the last user message, and
    the judge's prompt carries a fresh random nonce: more than one reply would not be deterministic."""
    reply = getattr(request, "param", CLARIFY)
    with serve_in_thread(FakeServerConfig(replies=[reply])) as server:
        yield server


@pytest.mark.parametrize("how", ["flag", "env"])
def test_label_with_the_judge_through_the_fake_server(judge_server: RunningServer, turns_file: Path, tmp_path: Path, how: str) -> None:
    out = tmp_path / "out.jsonl"
    args = ["label", "--labeller", "judge", "--judge-model", "openai/fake", "--input", str(turns_file), "--output", str(out)]
    result = invoke(*args, "--judge-api-base", judge_server.base_url) if how == "flag" else invoke(*args, GROUNDSIM_JUDGE_API_BASE=judge_server.base_url)
    ok(result)
    rows = read_jsonl(out)
    assert [(r["id"], r["acts"], r["stance"]) for r in rows] == [("t1", ["clarification"], "clarify_only"), (2, ["clarification"], "clarify_only"), ("t3", ["clarification"], "clarify_only")]
    assert judge_server.stats()["replies"] == len(TURNS)


@pytest.mark.parametrize("judge_server", ["The stance is answer.", '{"acts": [], "stance": "helpful"}'], indirect=True, ids=["prose", "unknown-stance"])
def test_an_unreadable_verdict_is_recorded_not_guessed(judge_server: RunningServer, turns_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    ok(invoke("label", "--labeller", "judge", "--judge-model", "openai/fake", "--judge-api-base", judge_server.base_url, "--input", str(turns_file), "--output", str(out)))
    rows = read_jsonl(out)
    assert len(rows) == len(TURNS)
    for r in rows:
        assert r["acts"] is None and r["stance"] is None and r["error"].startswith("unparseable verdict")


def test_validate_labeller_with_the_judge_on_a_gold_file(judge_server: RunningServer, gold_file: Path) -> None:
    result = ok(invoke("validate-labeller", "--labeller", "judge", "--judge-model", "openai/fake", "--judge-api-base", judge_server.base_url, "--gold", str(gold_file)))
    assert f"Labeller judge@1 vs {gold_file}: 3 items" in result.output
    # the fake judge says clarify_only every time: right on the two clarifying turns, wrong on the answer
    assert "stance accuracy 0.667" in result.output
    clarification = next(line for line in result.output.splitlines() if line.startswith("clarification "))
    assert clarification.split()[1:3] == ["2", "3"]  # gold 2, predicted 3
    assert judge_server.stats()["replies"] == 3


# ---- train-labeller ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_twice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("weights")
    paths = (folder / "first.npz", folder / "second.npz")
    for path in paths:
        result = runner.invoke(app, ["train-labeller", "--data-dir", str(SHARED_DATA), "--output", str(path)])
        assert result.exit_code == 0, (result.output, result.exception)
        assert f"-> {path}" in " ".join(result.output.split()) and "xstest-dev" in result.output
    return paths


@pytest.mark.integration
def test_train_labeller_writes_identical_bytes_twice(trained_twice: tuple[Path, Path]) -> None:
    first, second = trained_twice
    assert first.stat().st_size > 100_000
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.integration
def test_the_shipped_weights_are_what_train_labeller_builds(trained_twice: tuple[Path, Path]) -> None:
    """Fails when a gold file or the features changed and the shipped weights were not rebuilt."""
    assert trained_twice[0].read_bytes() == HYBRID_WEIGHTS.read_bytes()
