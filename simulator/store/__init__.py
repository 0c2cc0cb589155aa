"""The results store: one DuckDB file, its migrations and the Arrow schemas rows are written in.

One writer process owns a file; readers open it read-only. Every table's shape lives
here (`_schemas`), so labels written by `annotate` and by a live run cannot drift apart.
"""

from simulator.store._migrations import MIGRATIONS, SCHEMA_VERSION
from simulator.store._schemas import LABEL_SCHEMA, OUTCOME_SCHEMA
from simulator.store._store import SchemaTooNewError, Store, StoreError

__all__ = ["LABEL_SCHEMA", "MIGRATIONS", "OUTCOME_SCHEMA", "SCHEMA_VERSION", "SchemaTooNewError", "Store", "StoreError"]
