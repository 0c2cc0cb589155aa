"""The report's sections as one registry: a section is one class and one registration.

A section class (`ReportSection`) has an `order`, a `title`, what its n counts and which
conversations its figures use, and `build(ctx)` returning its content. It registers itself
with `@SECTIONS.register("anchor")` in a module of `analysis.report._sections`; the registry
discovers that package's modules on first use, so a new section is a new module there and
nothing else is edited. The report takes the sections in `order` and numbers them by their
position in it: section numbers, and every cross-reference to one (`section_number`,
`numbers_phrase`), come from here and are never written as literals.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, ClassVar, Literal

from analysis.report._document import Block, Paragraph, Section
from scenarios import Entry, GroundsimError, Registry

if TYPE_CHECKING:
    from analysis.report._context import ReportContext

Population = Literal["control", "personas", "stored"]
"""Which conversations a section's figures use: the no-persona `control` conversations, persona
variants with their controls (`personas`), or every `stored` conversation (Method)."""


class SectionOrderError(GroundsimError):
    """Two report sections claim the same place in the report."""


@dataclass
class SectionContent:
    """What a section's `build` returns: its blocks in order and the conversations behind them."""

    n_conversations: int | None = None
    """Conversations behind the section's figures (None: no n line)."""
    blocks: list[Block] = field(default_factory=list)
    """Paragraphs, tables and charts in order."""

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


class ReportSection(ABC):
    """One section of the report (subclass, set the class attributes, register with `SECTIONS`)."""

    order: ClassVar[int]
    """Place in the report, ascending; the section's number is its position in this order."""
    title: ClassVar[str]
    """Heading text, without the number."""
    n_description: ClassVar[str] = "conversations"
    """What the section's n counts, e.g. 'scored no-persona conversations'."""
    population: ClassVar[Population] = "control"
    """Which conversations its figures use (the Method section says so per section)."""

    @abstractmethod
    def build(self, ctx: ReportContext) -> SectionContent:
        """Compute the section's content from the report context."""


SECTIONS: Registry[type[ReportSection]] = Registry("report section", discover="analysis.report._sections")
"""Report sections by anchor (the HTML id): the one list of what the report holds."""


def ordered_sections() -> list[Entry[type[ReportSection]]]:
    """Every registered section in report order (by `order`); two sections may not share a place."""
    entries = sorted(SECTIONS.entries(), key=lambda e: e.obj.order)
    for before, after in pairwise(entries):
        if before.obj.order == after.obj.order:
            raise SectionOrderError(f"report sections {before.name!r} and {after.name!r} both have order {before.obj.order}")
    return entries


def section_number(section: str | type[ReportSection]) -> int:
    """The number a section has in the report, by its registered name or its class."""
    for number, entry in enumerate(ordered_sections(), start=1):
        if entry.name == section or entry.obj is section:
            return number
    SECTIONS.get(section if isinstance(section, str) else section.__name__)  # raises, naming the known sections
    raise AssertionError("unreachable")


def section_numbers(population: Population) -> list[int]:
    """Numbers of the sections whose figures use `population`, ascending."""
    return [n for n, entry in enumerate(ordered_sections(), start=1) if entry.obj.population == population]


def numbers_phrase(numbers: Iterable[int]) -> str:
    """Section numbers in words: [1, 2, 3, 5] -> '1-3 and 5', [4] -> '4', [] -> 'none'."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [part for r in runs for part in ([f"{r[0]}-{r[-1]}"] if len(r) > 2 else [str(n) for n in r])]
    if not parts:
        return "none"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def sections_phrase(numbers: Iterable[int]) -> str:
    """'section 4' or 'sections 1-3 and 5'."""
    numbers = sorted(set(numbers))
    return f"{'section' if len(numbers) == 1 else 'sections'} {numbers_phrase(numbers)}"


def section_titles() -> tuple[str, ...]:
    """Every section's title in report order."""
    return tuple(entry.obj.title for entry in ordered_sections())


def build_sections(ctx: ReportContext) -> list[Section]:
    """Every registered section built in report order and numbered by its position."""
    sections = []
    for number, entry in enumerate(ordered_sections(), start=1):
        cls = entry.obj
        content = cls().build(ctx)
        note = _ungraded_note(ctx, cls.population)
        if note is not None:
            content.add(note)
        sections.append(Section(number, entry.name, cls.title, content.n_conversations, cls.n_description, content.blocks))
    return sections


def _ungraded_note(ctx: ReportContext, population: Population) -> Paragraph | None:
    """Every section whose rates use a population names its ungraded conversations (kept, never in a rate)."""
    if population == "stored":
        return None
    conv = ctx.control if population == "control" else ctx.conversations[ctx.conversations["persona_group"] != "control"]
    ungraded = conv[(conv["status"] == "complete") & (conv["outcome"] == "ungraded")]
    if ungraded.empty:
        return None
    kinds = ", ".join(f"{kind} {n}" for kind, n in ungraded["scenario_kind"].value_counts().sort_index().items())
    return Paragraph(
        f"{len(ungraded):,} conversation(s) of this section's population are ungraded ({kinds}): their answers need a "
        "judge verdict (a judge answer check) and none was given. They are counted here and left out of every rate above.",
        kind="note",
    )
