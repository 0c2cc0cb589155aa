"""The Markdown summary: the same document as plain text, charts as SVG files beside it.

Untrusted text (model names, scenario and persona labels) must not become live Markdown:
`escape` backslash-escapes every character that starts emphasis, code, links, images,
raw HTML or table cells, encodes `&` (no entity tricks), breaks `://` (no autolinks), and
folds newlines (no new blocks). It is applied to every string, ours included, so no caller
has to decide what is trusted.
"""

from __future__ import annotations

import re

from analysis.report._document import Chart, Paragraph, Report, Table

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!{}])")
_BLOCK_START = re.compile(r"^([-+=]|\d+[.)])")
"""Starts a list item or a setext underline when it opens a line."""


def escape(text: str) -> str:
    """Plain text as inert Markdown (CommonMark and GitHub's tables and autolinks)."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;")
    text = _SPECIAL.sub(r"\\\1", text)
    return text.replace("://", ":\\/\\/").replace("www.", "www\\.")


def escape_block(text: str) -> str:
    """`escape`, and also inert at the start of a line (no list item, no setext heading)."""
    return _BLOCK_START.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], escape(text))


def _table(table: Table) -> list[str]:
    lines = []
    if table.caption:
        lines += [f"*{escape(table.caption)}*", ""]
    lines.append("| " + " | ".join(escape(c) or " " for c in table.columns) + " |")
    aligns = [("---:" if table.numeric and table.numeric[i] else "---") for i in range(len(table.columns))]
    lines.append("| " + " | ".join(aligns) + " |")
    for row in table.rows:
        lines.append("| " + " | ".join(escape(cell) for cell in row) + " |")
    return [*lines, ""]


def code_span(text: str) -> str:
    """Text as an inline code span: literal whatever it holds (the fence outruns any backticks inside)."""
    text = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _paragraph(block: Paragraph) -> list[str]:
    text = escape_block(block.text)
    if block.kind == "fact":
        return [f"> {text}", ">", f"> Source: {escape(block.source or '')}", ""]
    command = [f"    {' '.join(block.command.split())}", ""] if block.command else []
    if block.kind == "note":
        lines = [f"> **Note:** {text}"]
        if block.command:
            lines += [">", f"> {code_span(block.command)}"]
        return [*lines, ""]
    if block.kind == "finding":
        return [f"**Finding:** {text}", "", *command]
    return [text, "", *command]


def _chart(chart: Chart, chart_dir: str) -> list[str]:
    return [f"![{escape(chart.title)}]({chart_dir}/{chart.name}.svg)", ""]


def render_markdown(report: Report, *, chart_dir: str = "charts") -> str:
    """The report as Markdown; charts are referenced as `chart_dir/NAME.svg` (relative, written by the caller)."""
    lines = [f"# {escape(report.title)}", ""]
    lines += [f"- **{escape(label)}:** {escape(value)}" for label, value in report.summary]
    lines.append("")
    for section in report.sections:
        lines += [f"## {escape(section.heading)}", ""]
        if section.n_conversations is not None:
            lines += [f"*n = {section.n_conversations:,} {escape(section.n_description)}*", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += _paragraph(block)
            elif isinstance(block, Table):
                lines += _table(block)
            elif isinstance(block, Chart):
                lines += _chart(block, chart_dir)
    return "\n".join(lines).rstrip() + "\n"
