"""The report: both files written with every section, offline, untrusted text inert; the CLI around it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis.report import (
    SECTION_TITLES,
    Chart,
    ReportOptions,
    ReportSection,
    SectionContent,
    UnsafeChartError,
    annotation_coverage,
    ordered_sections,
    section_number,
    write_report,
)
from analysis.report import _registry as section_registry
from analysis.report._markdown import code_span, escape, escape_block
from analysis.report._registry import numbers_phrase
from analysis.report._sections import method
from scenarios import Registry
from simulator import Store
from simulator.cli import app
from simulator.cli.report import NotAnnotatedError, ReportOptionError, parse_pair
from tests.analysis.test_metrics import BASE, LABELLER, TUNED, build_db, model_a, model_b, personas

HOSTILE = "evil/<script>alert(1)</script>|[x](http://evil.example/a.png)"
CHARTS = ("grounding", "clarification", "knobs", "persona")
runner = CliRunner()


def options(**overrides: object) -> ReportOptions:
    values: dict[str, object] = {"labeller": LABELLER.name, "labeller_version": LABELLER.version, "n_resamples": 200,
                                 "db_label": "fixture.duckdb", "code_version": "0.1.0+gtest"}
    values.update(overrides)
    return ReportOptions(**values)  # type: ignore[arg-type]


def fixture_db(path: Path) -> Store:
    """Models A and B, persona runs of A, and A's conversations again under a hostile model name."""
    return build_db(path, model_a() + model_b() + personas() + model_a(HOSTILE))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return fixture_db(tmp_path / "fixture.duckdb")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, Path]:
    """One report shared by the read-only tests (rendering charts takes seconds)."""
    folder = tmp_path_factory.mktemp("written")
    paths = write_report(fixture_db(folder / "fixture.duckdb"), folder / "report", options(pairs=((BASE, TUNED),)))
    return paths.html.read_text(encoding="utf-8"), paths.markdown.read_text(encoding="utf-8"), paths.html.parent


def _section(html: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}".*?</section>', html, re.DOTALL)
    assert match, f"no section {anchor}"
    return match.group(0)


def test_both_files_have_every_section_heading_with_its_n(written: tuple[str, str, Path]) -> None:
    html, markdown, _ = written
    for number, title in enumerate(SECTION_TITLES, start=1):
        assert f"<h2>{number}. {title}</h2>" in html
        assert f"## {number}. {escape(title)}" in markdown
    assert len(re.findall(r'<p class="n" data-n="\d+">n = ', html)) == 6
    assert len(re.findall(r"^\*n = [\d,]+ ", markdown, re.MULTILINE)) == 6
    # 15 scored no-persona conversations for each of three models (the infrastructure errors are not counted)
    assert 'data-n="45">n = 45 scored no-persona conversations' in _section(html, "grounding")
    assert 'data-n="10">n = 10 scored conversations with a persona' in _section(html, "persona")  # 6 + the 4 controls


def test_html_is_self_contained_and_fetches_nothing(written: tuple[str, str, Path]) -> None:
    html, _, _ = written
    assert "<script" not in html.lower()
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    references = re.findall(r"""(?:href|src|xlink:href)\s*=\s*["']([^"']*)["']""", html, re.IGNORECASE)
    assert references and all(ref.startswith("#") for ref in references), references  # only in-page anchors
    assert not re.search(r"url\(\s*['\"]?\s*(?:https?:)?//", html, re.IGNORECASE)
    assert not re.search(r"<(?:link|img|iframe|object|embed)\b", html, re.IGNORECASE)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html)) - {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert urls and all(u.startswith("http://evil.exa") for u in urls)  # only the hostile model name, as text


def test_untrusted_model_name_is_escaped_in_html_and_markdown(written: tuple[str, str, Path]) -> None:
    html, markdown, _ = written
    assert "evil/&lt;script&gt;alert(1)&lt;/script&gt;|[x](http://evil.example/a.png)" in html
    assert "evil/\\<script\\>alert(1)\\</script\\>\\|\\[x\\](http:\\/\\/evil.example/a.png)" in markdown
    assert "<script>" not in markdown, markdown[markdown.index("<script>") - 200 : markdown.index("<script>") + 50]
    assert not re.search(r"(?<!\\)\]\(http", markdown)  # no live link
    for line in markdown.splitlines():
        if line.startswith("| evil"):
            assert line.count(" | ") == line.replace("\\|", "").count(" | ")  # the pipe in the name is escaped


def test_every_chart_is_inlined_as_svg_and_written_beside_the_markdown(written: tuple[str, str, Path]) -> None:
    html, markdown, folder = written
    for name in CHARTS:
        figure = re.search(rf'<figure class="chart" data-chart="{name}".*?</figure>', html, re.DOTALL)
        assert figure and "<svg" in figure.group(0) and "role-mark" in figure.group(0), name
        assert (folder / "charts" / f"{name}.svg").read_text(encoding="utf-8").startswith("<svg")
        assert f"(charts/{name}.svg)" in markdown


def test_sections_state_their_findings(written: tuple[str, str, Path]) -> None:
    html, markdown, _ = written
    grounding = _section(html, "grounding")
    assert "no human baselines with source rules are stored" in grounding  # table present, nothing imported
    assert "groundsim baselines import --corpus PATH --db fixture.duckdb" in grounding
    assert "base/m clarified before answering in 3/4 underspecified or ambiguous conversations: 75.0% (30.1 to 95.4)." in html
    assert "run with repeats" not in html.lower() or "--repeats 5" in html
    persona = _section(html, "persona")
    assert "None of the 2 persona differences survives the Benjamini-Hochberg correction at 5% FDR" in persona
    tax = _section(html, "tax")
    assert "Alignment tax: tuned/m (tuned) minus base/m (base)." in tax
    assert "-75.0 pp" in tax  # proactive clarification, tuned minus base
    method = _section(html, "method")
    assert "r_fixture" in method and "0.1.0+gtest" in method and "f" * 12 in method  # run, code version, config hash
    # Validation by source, every one named dev (nothing in the repository is held out)
    assert "Validation by source" in method and "dev figures" in method and "held-out test set" not in method
    for source in ("gold-dev", "gold-test", "fresh-a", "xstest-dev", "mrda/dev"):
        assert source in method
    for source in ("Grounding Gaps in Language Model Generations", "TruthRL", "AbstentionBench", "Chargers Fans"):
        assert source in method
    assert "Source: Shaikh et al., Grounding Gaps in Language Model Generations, NAACL 2024" in markdown


def test_sections_are_numbered_and_cross_referenced_from_the_registry(written: tuple[str, str, Path]) -> None:
    html, _, _ = written
    anchors = [entry.name for entry in ordered_sections()]
    assert anchors == ["grounding", "clarification", "knobs", "persona", "tax", "method"]
    for number, anchor in enumerate(anchors, start=1):
        assert f'<section id="{anchor}" data-section="{number}">' in html
    assert f"Section {section_number('clarification')} rates per model." in _section(html, "clarification")
    assert "Sections 1-3 and 5 use the no-persona control conversations; persona variants enter only section 4." in html
    assert (numbers_phrase([1, 2, 3, 5]), numbers_phrase([1, 2]), numbers_phrase([4])) == ("1-3 and 5", "1 and 2", "4")


def test_a_new_section_is_one_class_and_one_registration(monkeypatch: pytest.MonkeyPatch) -> None:
    sections: Registry[type[ReportSection]] = Registry("report section")
    for entry in section_registry.SECTIONS.entries():
        sections.add(entry.name, entry.obj, summary=entry.summary)
    monkeypatch.setattr(section_registry, "SECTIONS", sections)  # the real registry stays as it was

    @sections.register("extra")
    class Extra(ReportSection):
        """A section between the two knobs and persona disparity."""

        order = 35
        title = "Extra"

        def build(self, ctx: object) -> SectionContent:
            return SectionContent(0)

    assert [section_number(name) for name in ("knobs", "extra", "persona", "method")] == [3, 4, 5, 7]
    assert section_number(Extra) == 4
    assert method._populations() == "Sections 1-4 and 6 use the no-persona control conversations; persona variants enter only section 5. "


def test_missing_data_is_said_plainly(tmp_path: Path) -> None:
    store = build_db(tmp_path / "plain.duckdb", model_a())
    with store.connect() as con:
        con.execute("DROP TABLE baselines")  # a database from before the baselines importer
    html = write_report(store, tmp_path / "out", options()).html.read_text(encoding="utf-8")
    assert "the database has no baselines table yet" in _section(html, "grounding")
    assert "No persona runs in this database" in _section(html, "persona")
    assert "No --pair was given" in _section(html, "tax")
    assert "groundsim run --repeats 5" in _section(html, "clarification")


def test_a_stored_baseline_gives_the_gap_finding(store: Store, tmp_path: Path) -> None:
    with store.connect() as con:
        con.execute(
            "INSERT INTO baselines VALUES ('esconv', 'dev', 'supporter', true, 'any', 'rules', 0.5, 0.45, 0.55, 100, 200, 20, ?, now())",
            [LABELLER.version],
        )
    html = write_report(store, tmp_path / "gap", options(baseline="esconv")).html.read_text(encoding="utf-8")
    grounding = _section(html, "grounding")
    assert "Human baseline: supporter turns of esconv (dev), 200 turns in 20 conversations" in grounding
    assert "base/m: 36.8% of assistant turns hold a grounding act, against 50.0% of human supporter turns: a gap of 26.3%" in grounding
    assert "No replay of esconv is stored" in grounding


def test_a_chart_with_a_script_or_external_reference_is_refused() -> None:
    with pytest.raises(UnsafeChartError):
        Chart("x", "t", "<svg><script>alert(1)</script></svg>")
    with pytest.raises(UnsafeChartError):
        Chart("x", "t", '<svg><image href="https://evil.example/p.png"/></svg>')
    with pytest.raises(UnsafeChartError):
        Chart("x", "t", '<svg onload="alert(1)"></svg>')
    assert Chart("ok", "t", '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>').name == "ok"


def test_markdown_escaping_keeps_text_inert() -> None:
    assert escape("[a](javascript:x) ![i](http://e/p.png)") == "\\[a\\](javascript:x) \\!\\[i\\](http:\\/\\/e/p.png)"
    assert escape("a|b <b>x</b> &amp; *y* `z`") == "a\\|b \\<b\\>x\\</b\\> &amp;amp; \\*y\\* \\`z\\`"
    assert escape("two\nlines") == "two lines"
    assert escape_block("- item") == "\\- item" and escape_block("3. item") == "3\\. item"
    assert code_span("a `b` c") == "``a `b` c``"


def test_parse_pair_handles_colons_inside_model_ids() -> None:
    models = ["ollama/llama3:8b", "ollama/llama3:8b-dpo", "base/m"]
    assert parse_pair("ollama/llama3:8b:ollama/llama3:8b-dpo", models) == ("ollama/llama3:8b", "ollama/llama3:8b-dpo")
    assert parse_pair("base/m:other/x", models) == ("base/m", "other/x")  # one colon: the split, unknown side reported later
    with pytest.raises(ReportOptionError, match="BASE_MODEL:TUNED_MODEL"):
        parse_pair("a:b:c", models)


def test_cli_writes_both_files_and_prints_their_paths(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "cli-report"
    result = runner.invoke(app, ["report", "--db", str(store.path), "--out", str(out), "--pair", f"{BASE}:{TUNED}",
                                 "--resamples", "200"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert str((out / "report.html").resolve()) in result.output
    assert str((out / "report.md").resolve()) in result.output
    assert "tuned/m (tuned) minus base/m (base)" in (out / "report.html").read_text(encoding="utf-8")


def test_cli_annotates_first_or_says_to(store: Store, tmp_path: Path) -> None:
    with store.connect() as con:
        con.execute("DELETE FROM outcomes WHERE conversation_id IN ('c_0000', 'c_0001')")
    chosen = ["--labeller", LABELLER.name]  # the fixture's labeller, not the CLI's default
    refused = runner.invoke(app, ["report", "--db", str(store.path), "--out", str(tmp_path / "r1"), *chosen, "--no-annotate"])
    assert isinstance(refused.exception, NotAnnotatedError)
    assert "not scored 2 conversation(s)" in str(refused.exception) and "groundsim annotate" in str(refused.exception)
    assert not (tmp_path / "r1" / "report.html").exists()
    result = runner.invoke(app, ["report", "--db", str(store.path), "--out", str(tmp_path / "r2"), *chosen, "--resamples", "200"])
    assert result.exit_code == 0, result.output
    assert "scored 2 conversation(s)" in result.output
    assert annotation_coverage(store, LABELLER.name, LABELLER.version).complete
    assert (tmp_path / "r2" / "report.html").exists()


def test_ungraded_conversations_are_named_in_every_rate_section_and_counted_in_method(store: Store, tmp_path: Path) -> None:
    with store.connect() as con:
        ids = [r[0] for r in con.execute(
            "SELECT o.conversation_id FROM outcomes o JOIN conversations c USING (conversation_id) "
            "WHERE c.persona_group = 'control' AND c.status = 'complete' ORDER BY 1 LIMIT 2").fetchall()]
        con.execute("UPDATE outcomes SET outcome = 'ungraded', ternary = NULL, simpleqa_grade = NULL WHERE conversation_id IN (?, ?)", ids)
    html = write_report(store, tmp_path / "ungraded", options()).html.read_text(encoding="utf-8")
    for anchor in ("grounding", "clarification", "knobs"):
        assert "2 conversation(s) of this section" in _section(html, anchor)
        assert "population are ungraded (underspecified 2)" in _section(html, anchor)
    assert "Ungraded" in _section(html, "method")
    assert "are ungraded" not in _section(html, "method")  # the stored population is counted in its table, not noted
