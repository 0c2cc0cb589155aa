"""The report as plain data: sections of paragraphs, tables and charts.

The builder fills this structure once and two renderers (HTML, Markdown) turn it into
files, so both outputs say exactly the same thing. Every string here is plain text, never
markup: each renderer escapes it for its own format, which is what keeps model names and
other untrusted text inert. The one exception is `Chart.svg`, produced by vl-convert and
checked by `Chart.__post_init__` before it is trusted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_UNSAFE_SVG = re.compile(
    r"<\s*script|<\s*foreignObject|\bon[a-z]+\s*=|javascript:|(?:href|src)\s*=\s*[\"']?\s*(?:https?:|//)|url\(\s*[\"']?\s*(?:https?:|//)",
    re.IGNORECASE,
)


class UnsafeChartError(ValueError):
    """A rendered chart holds something a self-contained, script-free report must not."""


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text."""

    text: str
    """The text (escaped by the renderer)."""
    kind: str = "text"
    """`text`, `note` (a caveat or a missing-data message), `fact` (a cited finding) or `finding` (a result in words)."""
    source: str | None = None
    """For `fact`: the publication it comes from."""
    command: str | None = None
    """A shell command the reader can run (shown as code after the text), e.g. to fill a gap in the data."""


@dataclass(frozen=True)
class Table:
    """A table of preformatted cells."""

    columns: tuple[str, ...]
    """Column headers."""
    rows: tuple[tuple[str, ...], ...]
    """Cells as display strings, one tuple per row, as many cells as columns."""
    caption: str = ""
    """What the table shows (and its unit)."""
    numeric: tuple[bool, ...] = ()
    """Per column: right-align (numbers). Empty: all left-aligned."""

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"table {self.caption!r}: a row has {len(row)} cells for {len(self.columns)} columns")


@dataclass(frozen=True)
class Chart:
    """An SVG chart rendered offline, inlined in HTML and written beside the Markdown."""

    name: str
    """File-safe id (`grounding`, `knobs`, ...): the HTML data-chart attribute and the SVG file name."""
    title: str
    """Alternative text and caption."""
    svg: str
    """The `<svg>` element, script-free with no external references (checked on creation)."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9_-]+", self.name):
            raise ValueError(f"chart name {self.name!r} must be file-safe")
        if not self.svg.lstrip().startswith("<svg"):
            raise UnsafeChartError(f"chart {self.name}: not an SVG element")
        if _UNSAFE_SVG.search(self.svg):
            raise UnsafeChartError(f"chart {self.name}: holds a script, event handler or external reference")


Block = Paragraph | Table | Chart


@dataclass
class Section:
    """One numbered section of the report."""

    number: int
    """Its position in the report, from 1 (given by `analysis.report._registry`, never written by hand)."""
    anchor: str
    """HTML id: the name the section is registered under (`grounding`, `knobs`, `method`, ...)."""
    title: str
    """Heading text, without the number."""
    n_conversations: int | None
    """Conversations behind the section's figures (None: no n line)."""
    n_description: str = "conversations"
    """What n counts, e.g. 'scored no-persona conversations'."""
    blocks: list[Block] = field(default_factory=list)
    """Content in order."""

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}"

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


@dataclass
class Report:
    """The whole report."""

    title: str
    """Document title."""
    summary: list[tuple[str, str]]
    """Header facts as (label, value): database, labeller, baseline, generated at, ..."""
    sections: list[Section]
    """Every section, in report order."""

    @property
    def charts(self) -> list[Chart]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]
