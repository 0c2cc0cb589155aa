"""The groundsim explorer: runs, comparisons, transcripts, personas and human baselines of one results database.

Start it with `groundsim explore --db results.duckdb`, or `streamlit run app.py -- --db results.duckdb`
(the GROUNDSIM_DB environment variable works too). `app.py` at the repository root is only
the Streamlit entry: it calls `main()`.

Modules: `_args` (which database), `_data` (cached reads and the lock probe), `_state`
(navigation state mirrored to the URL), `_widgets` (filters, linked tables and charts),
`_format` (badges and number formats), one `_page_*` module per page, `_registry` (the
pages in sidebar order: adding a page is one module and one registration there) and `_app`
(the script body).

Why it is built this way:
- Navigation is a sidebar radio, and the page, the Transcripts filters, the labeller and the
  open conversation live in one `nav` dict mirrored to the URL's query parameters. Every view
  is therefore a link (`?page=transcripts&model=...&outcome=...`), and a chart point or a
  table row "opens the matching transcripts" by writing that dict, never by special cases.
- Model and user text is untrusted: it is only ever shown through st.text, st.dataframe,
  st.json, selectbox/multiselect option labels and Vega charts, which render it as literal
  characters. Nothing from the database is put into markdown (captions, info boxes, radio
  options, headers): escaping is not enough there, since Streamlit's markdown autolinks bare
  URLs even when every character is entity-encoded. So no HTML, script, link or image in a
  model's reply can come alive. Badges are drawn only for values of our own vocabulary.
- Fast on big databases: lists are paged in SQL, aggregates are computed by DuckDB, and every
  result is cached with st.cache_data keyed by the database path and a data version (counts
  and latest timestamps), so an unchanged database is served from memory and new data shows
  on the next rerun. Each query opens its own short read-only connection.
- Streamlit "magic" renders any bare string at module level of the script it runs, so
  `app.py` holds nothing but the call into this package (whose modules are imported
  normally, once per process).
- A run may be writing while the app reads: DuckDB lets one process write and nobody read
  meanwhile, so reads retry briefly; if the file stays locked the app keeps showing what it
  read last, with a note, and never crashes on the lock.
"""

from __future__ import annotations

from simulator.explorer._app import main
from simulator.explorer._args import db_path
from simulator.explorer._data import Data, open_data
from simulator.explorer._registry import PAGES, Page, register
from simulator.explorer._state import FILTER_PARAMS, open_transcripts

__all__ = [
    "FILTER_PARAMS",
    "PAGES",
    "Data",
    "Page",
    "db_path",
    "main",
    "open_data",
    "open_transcripts",
    "register",
]
