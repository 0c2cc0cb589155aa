"""groundsim explorer: the Streamlit entry point; the pages live in `simulator.explorer`.

Start it with `groundsim explore --db results.duckdb`, or `streamlit run app.py -- --db results.duckdb`
(the GROUNDSIM_DB environment variable works too). Streamlit "magic" renders any bare
string or value at module level here, so this file holds only the call.
"""

from __future__ import annotations

from simulator.explorer import main

main()
