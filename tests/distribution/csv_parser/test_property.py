"""The Distribution Log CSV parser: bytes in, plain rows and cell errors out, no database: property."""

import re
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from distribution.imports.csv_file import (
    COLUMNS,
    CsvCellError,
    CsvImportError,
    parse_distribution_csv,
)
from tests.distribution.csv_parser.support import HEADER, cells_line

_TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=40)
_SHIP_DATE = st.one_of(
    _TEXT,
    st.dates(date(1990, 1, 1), date(2099, 12, 31)).flatmap(
        lambda d: st.sampled_from([d.isoformat(), f"{d.month}/{d.day}/{d.year}", f"{d:%m/%d/%Y}"])
    ),
)
_QUANTITY = st.one_of(
    _TEXT, st.integers(1, 10**7).flatmap(lambda n: st.sampled_from([str(n), f"{n:,}", f"{n}.0"]))
)
_ROW = st.fixed_dictionaries(
    {
        name: _SHIP_DATE if name == "ship_date" else _QUANTITY if name == "quantity"
        else st.one_of(st.just(""), _SHIP_DATE) if name == "expiry_date" else _TEXT
        for name in COLUMNS
    }
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@settings(max_examples=50, deadline=None)
@given(st.lists(_ROW, min_size=1, max_size=6))
def test_text_written_by_csv_writer_reads_back_trimmed_or_as_cell_errors(generated):
    text = HEADER + "\r\n"
    starts = []
    for values in generated:
        starts.append(len(_LINE_BREAK.findall(text)) + 1)
        text += cells_line([values[name] for name in COLUMNS])

    try:
        result = parse_distribution_csv(text.encode("utf-8"))
    except CsvImportError as exc:
        # Only possible when every generated row is blank.
        assert all(not v.strip() for values in generated for v in values.values()), exc
        return

    rows_by_line = {r.line: r for r in result.rows}
    error_lines = {e.line for e in result.errors}
    assert all(isinstance(e, CsvCellError) and e.column in ("", *COLUMNS) for e in result.errors)
    non_blank = 0
    for line, values in zip(starts, generated, strict=True):
        if not any(v.strip() for v in values.values()):
            assert line not in rows_by_line and line not in error_lines
            continue
        non_blank += 1
        if line in error_lines:
            assert line not in rows_by_line
            continue
        parsed = rows_by_line[line]
        for name in COLUMNS:
            if name not in {"ship_date", "quantity", "expiry_date"}:
                assert getattr(parsed, name) == values[name].strip()
        assert isinstance(parsed.ship_date, date)
        if values["expiry_date"].strip():
            assert isinstance(parsed.expiry_date, date)
        else:
            assert parsed.expiry_date is None
        assert parsed.quantity > 0
    assert result.total_rows == non_blank
    assert len(result.rows) + len(error_lines) == non_blank
