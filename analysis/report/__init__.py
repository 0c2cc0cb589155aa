"""The alignment-tax report: `write_report(store, out_dir, options)` -> report.html + report.md.

The HTML is self-contained (inline CSS and SVG charts, no script, no URL fetched) so it
opens offline and can be mailed or archived as one file; the Markdown says the same in
text, with the charts as SVG files in `charts/` beside it. Both come from one document
(`_document.Report`) built once from `analysis.metrics`.

The sections are one registry (`SECTIONS`): each is a `ReportSection` class registered once
in a module of `analysis.report._sections`, and the report numbers them by their order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analysis import metrics
from analysis._annotate import AnnotateSummary, annotate
from analysis._queries import Queryable, WritableStore
from analysis.labellers import Labeller
from analysis.report._context import ReportContext, ReportOptions
from analysis.report._document import Chart, Paragraph, Report, Section, Table, UnsafeChartError
from analysis.report._html import render_html
from analysis.report._markdown import render_markdown
from analysis.report._registry import (
    SECTIONS,
    ReportSection,
    SectionContent,
    SectionOrderError,
    build_sections,
    ordered_sections,
    section_number,
    section_titles,
)

__all__ = [
    "SECTIONS",
    "SECTION_TITLES",
    "AnnotationCoverage",
    "Chart",
    "Paragraph",
    "Report",
    "ReportOptions",
    "ReportPaths",
    "ReportSection",
    "Section",
    "SectionContent",
    "SectionOrderError",
    "Table",
    "UnsafeChartError",
    "annotation_coverage",
    "build_report",
    "ensure_annotated",
    "ordered_sections",
    "render_html",
    "render_markdown",
    "section_number",
    "section_titles",
    "write_report",
]


def __getattr__(name: str) -> object:
    if name == "SECTION_TITLES":  # every section title in report order, read from the registry when asked
        return section_titles()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class AnnotationCoverage:
    """What one labeller version has not done yet in a database."""

    unlabelled_turns: int
    """Assistant turns without a label from it."""
    unscored_conversations: int
    """Conversations without an outcome from it."""

    @property
    def complete(self) -> bool:
        return self.unlabelled_turns == 0 and self.unscored_conversations == 0


def annotation_coverage(store: Queryable, labeller: str, version: str) -> AnnotationCoverage:
    """Count what `annotate` would still have to do for this labeller version."""
    row = store.query(
        """
        SELECT
          (SELECT count(*) FROM turns t WHERE t.role = 'assistant' AND NOT EXISTS (
              SELECT 1 FROM turn_labels l WHERE l.conversation_id = t.conversation_id AND l.turn_index = t.turn_index
                AND l.labeller = ? AND l.labeller_version = ?)) AS unlabelled,
          (SELECT count(*) FROM conversations c WHERE NOT EXISTS (
              SELECT 1 FROM outcomes o WHERE o.conversation_id = c.conversation_id
                AND o.labeller = ? AND o.labeller_version = ?)) AS unscored
        """,
        [labeller, version, labeller, version],
    )[0]
    return AnnotationCoverage(unlabelled_turns=int(row["unlabelled"]), unscored_conversations=int(row["unscored"]))


def ensure_annotated(store: WritableStore, labeller: Labeller) -> AnnotateSummary | None:
    """Run the incremental `annotate` when this labeller version left something undone; None when nothing was."""
    if annotation_coverage(store, labeller.name, labeller.version).complete:
        return None
    return annotate(store, labeller)


def build_report(store: Queryable, options: ReportOptions, *, labeller: Labeller | None = None) -> Report:
    """Compute every registered section, in order, from the database (read-only) into one document."""
    conversations = metrics.load_conversations(store, options.labeller, options.labeller_version)
    ctx = ReportContext(store=store, options=options, conversations=conversations, labeller=labeller)
    sections = build_sections(ctx)
    complete = conversations["status"] == "complete"
    summary = [
        ("Database", options.db_label or "(in memory)"),
        ("Models", ", ".join(ctx.models) or "none"),
        ("Conversations", f"{len(conversations):,} stored, {int(conversations['scored'].sum()):,} scored, "
                          f"{int((~complete).sum()):,} infrastructure errors"),
        ("Labeller", options.labeller_id),
        ("Human baseline", ctx.baseline_label),
        ("Pairs", ", ".join(f"{b} -> {t}" for b, t in options.pairs) or "none"),
        ("Generated", f"{options.generated_at.isoformat(timespec='seconds')} by groundsim {options.code_version or 'unknown'}"),
    ]
    return Report(title="groundsim report: grounding, abstention and refusal", summary=summary, sections=sections)


@dataclass(frozen=True)
class ReportPaths:
    """Where `write_report` put its files."""

    html: Path
    """The self-contained HTML report."""
    markdown: Path
    """The Markdown summary."""
    charts: tuple[Path, ...]
    """SVG files the Markdown links to."""


def write_report(store: Queryable, out_dir: Path | str, options: ReportOptions, *, labeller: Labeller | None = None) -> ReportPaths:
    """Build the report and write report.html, report.md and charts/*.svg under `out_dir`."""
    out = Path(out_dir)
    report = build_report(store, options, labeller=labeller)
    out.mkdir(parents=True, exist_ok=True)
    chart_dir = out / "charts"
    chart_paths = []
    if report.charts:
        chart_dir.mkdir(exist_ok=True)
        for chart in report.charts:
            path = chart_dir / f"{chart.name}.svg"
            path.write_text(chart.svg, encoding="utf-8")
            chart_paths.append(path)
    html_path, md_path = out / "report.html", out / "report.md"
    html_path.write_text(render_html(report), encoding="utf-8")
    md_path.write_text(render_markdown(report, chart_dir="charts"), encoding="utf-8")
    return ReportPaths(html=html_path, markdown=md_path, charts=tuple(chart_paths))
