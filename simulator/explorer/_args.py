"""The explorer's command line: which results database to show."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def db_path() -> str:
    """`--db` after `--` on the streamlit command line, else GROUNDSIM_DB, else groundsim.duckdb."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--db", default=None)
    args, _ = parser.parse_known_args()
    return str(Path(args.db or os.environ.get("GROUNDSIM_DB") or "groundsim.duckdb").expanduser().resolve())
