"""The self-contained HTML report: one file, inline CSS and SVG, no script, nothing fetched.

Jinja2 with autoescape renders every string from the document as text, so a model called
`<script>` shows up as those characters. Only chart SVGs are inserted as markup, after
`Chart` has checked them. A Content-Security-Policy forbids any load besides inline styles
and data: images, so even a mistake cannot make the page reach the network.
"""

from __future__ import annotations

import jinja2
from markupsafe import Markup

from analysis.report._document import Chart, Paragraph, Report, Table

CSS = """
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; margin: 0; background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; }
h1 { font-size: 1.7rem; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #e3e3e3; padding-bottom: 0.2em; margin-top: 2.2em; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 1em; }
dl.summary dt { font-weight: 600; color: #555; }
dl.summary dd { margin: 0; }
nav ol { columns: 2; margin: 0.5em 0 1em; }
p.n { color: #555; font-weight: 600; margin-top: -0.4em; }
p.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 6px 10px; }
p.finding { background: #eef6ff; border-left: 4px solid #2f6fb3; padding: 6px 10px; }
blockquote.fact { margin: 0.8em 0; padding: 4px 12px; border-left: 4px solid #bbb; color: #333; }
code.command { display: inline-block; margin-top: 4px; padding: 2px 6px; background: #f4f4f4; border: 1px solid #ddd; }
blockquote.fact cite { display: block; font-size: 0.88em; color: #666; }
.table-wrap { overflow-x: auto; margin: 0.8em 0 1.2em; }
table { border-collapse: collapse; font-size: 0.88rem; }
caption { caption-side: top; text-align: left; color: #444; padding-bottom: 4px; font-style: italic; }
th, td { border: 1px solid #ddd; padding: 3px 8px; vertical-align: top; }
th { background: #f2f2f2; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:nth-child(even) td { background: #fbfbfb; }
figure.chart { margin: 1em 0 1.6em; overflow-x: auto; }
figure.chart svg { max-width: 100%; height: auto; }
figure.chart figcaption { color: #444; font-style: italic; }
@media print { body { background: #fff; } main { padding: 0; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{{ report.title }}</title>
<style>{{ css }}</style>
</head>
<body>
<main>
<h1>{{ report.title }}</h1>
<dl class="summary">
{%- for label, value in report.summary %}
<dt>{{ label }}</dt><dd>{{ value }}</dd>
{%- endfor %}
</dl>
<nav aria-label="Sections"><ol>
{%- for section in report.sections %}
<li><a href="#{{ section.anchor }}">{{ section.title }}</a></li>
{%- endfor %}
</ol></nav>
{% for section in report.sections %}
<section id="{{ section.anchor }}" data-section="{{ section.number }}">
<h2>{{ section.heading }}</h2>
{%- if section.n_conversations is not none %}
<p class="n" data-n="{{ section.n_conversations }}">n = {{ "{:,}".format(section.n_conversations) }} {{ section.n_description }}</p>
{%- endif %}
{%- for kind, block in blocks(section) %}
{%- if kind == "paragraph" %}
{%- if block.kind == "fact" %}
<blockquote class="fact"><p>{{ block.text }}</p><cite>{{ block.source }}</cite></blockquote>
{%- else %}
<p class="{{ block.kind }}">{{ block.text }}{% if block.command %}<br><code class="command">{{ block.command }}</code>{% endif %}</p>
{%- endif %}
{%- elif kind == "table" %}
<div class="table-wrap"><table>
{%- if block.caption %}<caption>{{ block.caption }}</caption>{% endif %}
<thead><tr>{% for column in block.columns %}<th scope="col">{{ column }}</th>{% endfor %}</tr></thead>
<tbody>
{%- for row in block.rows %}
<tr>{% for cell in row %}<td{% if block.numeric and block.numeric[loop.index0] %} class="num"{% endif %}>{{ cell }}</td>{% endfor %}</tr>
{%- endfor %}
</tbody>
</table></div>
{%- elif kind == "chart" %}
<figure class="chart" data-chart="{{ block.name }}" role="img" aria-label="{{ block.title }}">
{{ svg(block) }}
<figcaption>{{ block.title }}</figcaption>
</figure>
{%- endif %}
{%- endfor %}
</section>
{% endfor %}
</main>
</body>
</html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
_TEMPLATE = _ENV.from_string(TEMPLATE)


def _blocks(section: object) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for block in section.blocks:  # type: ignore[attr-defined]
        if isinstance(block, Paragraph):
            out.append(("paragraph", block))
        elif isinstance(block, Table):
            out.append(("table", block))
        elif isinstance(block, Chart):
            out.append(("chart", block))
    return out


def _svg(chart: Chart) -> Markup:
    """The chart's SVG as markup: the only unescaped insertion, checked when the Chart was made."""
    return Markup(chart.svg)


def render_html(report: Report) -> str:
    """The whole report as one HTML document."""
    return _TEMPLATE.render(report=report, css=Markup(CSS), blocks=_blocks, svg=_svg)
