"""Fixtures of the explorer's tests: the fixture database and clean Streamlit caches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from tests.app.app_fixtures import build_explorer_db


@pytest.fixture
def explorer_db(tmp_path: Path) -> dict[str, object]:
    return build_explorer_db(tmp_path / "explorer.duckdb")


@pytest.fixture(autouse=True)
def fresh_streamlit_caches() -> Iterator[None]:
    """st.cache_data / st.cache_resource are process-wide and leak between AppTests: clear them."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
