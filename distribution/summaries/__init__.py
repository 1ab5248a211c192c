"""Exact summaries behind the sales dashboard, kept in step with the entries.

Every service that writes entries collects the keys it touched (`Touched`) and calls
`refresh_summaries()` in the same transaction; an import calls `add_new_entries()`. Each summary is
defined once (definitions.py: key columns, source rows, one aggregate per column); refresh, growth,
rebuild and verification are generated from that definition (sql.py, maintenance.py), so they
cannot disagree. `verify_summaries()` recomputes everything and lists differences.
"""

from distribution.summaries.maintenance import (
    CHUNK,
    Touched,
    add_new_entries,
    batched,
    rebuild_summaries,
    refresh_summaries,
    verify_summaries,
)

__all__ = ["CHUNK", "Touched", "add_new_entries", "batched", "rebuild_summaries", "refresh_summaries",
           "verify_summaries"]
