"""groundsim explorer (placeholder until the explorer issue): lists the runs of a database.

Run with `streamlit run app.py -- --db results.duckdb`.
"""

from __future__ import annotations

import argparse

import streamlit as st

from analysis import list_runs
from simulator import Store, StoreError


def _db_path() -> str:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--db", default="groundsim.duckdb")
    args, _ = parser.parse_known_args()
    return args.db


st.set_page_config(page_title="groundsim explorer", layout="wide")
st.title("groundsim explorer")
db = _db_path()
try:
    rows = list_runs(Store(db))
except StoreError as exc:
    st.error(str(exc))
else:
    st.caption(f"Database: {db}")
    st.dataframe(
        [{k: v for k, v in r.items() if k != "config_json"} for r in rows],
        use_container_width=True,
    )
