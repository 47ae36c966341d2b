"""Bring your own data: ACLED, UCDP GED or our own CSV, adapted to our columns.

``detect_format`` never raises: a table it does not recognise is "unknown", and ``adapt``
turns that into an error problem that lists the columns each format needs, so the user sees
one clear message in the same place as every other problem with the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import ModuleType

import pandas as pd

from dashboard.ingest.formats import acled, ours, ucdp
from dashboard.ingest.formats.common import OUT_COLUMNS, Columns, Report, column_key
from dashboard.ingest.formats.finish import assemble, coordinates, duplicate_ids
from dashboard.ingest.readcsv import STR, RawTable
from dashboard.model.problems import ProblemTable

# Tried in this order: ACLED and UCDP signatures are distinctive; ours is the most generic.
FORMATS: dict[str, ModuleType] = {"acled": acled, "ucdp": ucdp, "ours": ours}

__all__ = ["FORMATS", "OUT_COLUMNS", "adapt", "columns_read", "detect_format"]


def detect_format(columns: Iterable[object]) -> str:
    """ "acled", "ucdp" or "ours" by the columns present (case and spacing ignored), else
    "unknown"."""
    keys = {column_key(c) for c in columns}
    for name, module in FORMATS.items():
        if _with_synonyms(keys, module).issuperset(module.SIGNATURE):
            return name
    return "unknown"


def columns_read(fmt: str, header: Iterable[str]) -> list[str]:
    """The names in ``header`` that ``adapt(..., fmt)`` reads (none for a format we do not
    know): read_table keeps only these, so unused columns cost nothing per cell."""
    module = FORMATS.get(fmt)
    if module is None:
        return []
    keys = _with_synonyms(set(module.READS), module)
    return [name for name in header if column_key(name) in keys]


def adapt(raw: RawTable, fmt: str, *,
          actor_aliases: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, ProblemTable]:
    """``raw`` in our columns (all str, plus int ``line``) and the problems adapting found.

    ``raw.problems`` are not repeated (the caller already has them). Rows with problems that
    make them unusable are left out; repaired rows are kept. A file that ``read_table`` found
    unusable gives an empty frame and no further problems.
    """
    report = Report(raw.name, raw.lines)
    if raw.problems.has("error"):
        return _empty(), ProblemTable()
    module = FORMATS.get(fmt)
    if module is None:
        found = ", ".join(raw.names()[:12]) or "none"
        needs = "; ".join(f"{m.TITLE}: {', '.join(m.SIGNATURE)}" for m in FORMATS.values())
        report.file(f"not a format we can read (columns found: {found}). Expected the columns "
                    f"of one of: {needs}. In the app, you can say which of your columns is "
                    "the date, the place and so on" if fmt == "unknown" else
                    f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return _empty(), report.problems
    cols = Columns(raw.frame.reset_index(drop=True), raw.header)
    for alias, name in getattr(module, "SYNONYMS", {}).items():
        if cols.has(alias) and not cols.has(name):
            cols.names[name] = cols.names[alias]
    missing = cols.missing(module.REQUIRED)
    if missing:
        report.file(f"not a complete {module.TITLE} file: missing column(s) "
                    f"{', '.join(missing)}")
        return _empty(), report.problems
    out = module.convert(cols, report, actor_aliases)
    coordinates(out, report)
    duplicate_ids(out, report)
    return assemble(out, report), report.problems.in_line_order()


def _with_synonyms(keys: set[str], module: ModuleType) -> set[str]:
    """``keys`` plus the names a format's other spellings stand for (UCDP's best_est is best)."""
    synonyms: dict[str, str] = getattr(module, "SYNONYMS", {})
    return keys | {synonyms[key] for key in keys if key in synonyms}


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype=STR) for name in OUT_COLUMNS})
    frame["line"] = pd.Series(dtype="int64")
    return frame
