"""The CSV reader splits plain slices of lines at once and gives the others to the csv module: the
columns must be exactly the csv module's over the whole file, wherever the slices are cut."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gp_guard.export import readers

CELL = st.text(alphabet=st.sampled_from(list('ab é;,"\n\r 1')), max_size=6)
ROW = st.lists(CELL, min_size=0, max_size=5)


def reference(data: bytes, encoding: str, delimiter: str) -> tuple[list[str], list[list[str]]] | None:
    """What read_table must give: the csv module over the whole file, blank rows dropped, rows
    padded or cut to the header's width; None when the file holds no data rows."""
    rows = list(csv.reader(io.StringIO(data.decode(encoding, errors="replace"), newline=""), delimiter=delimiter))
    while rows and not any(cell.strip() for cell in rows[0]):
        rows.pop(0)
    if not rows:
        return None
    headers, body = rows[0], [r for r in rows[1:] if r]
    width = len(headers)
    body = [(r + [""] * width)[:width] for r in body]
    columns = [[r[i] for r in body] for i in range(width)]
    if not body or all(not any(v.strip() for v in col) for col in columns):
        return None
    return readers._unique_headers(headers), columns


def read(path, encoding, delimiter):
    try:
        table = readers._csv_table(path, encoding, delimiter, None, lambda: False)
    except readers.ExportError as exc:
        return exc.message
    return table.headers, [table.column(i) for i in range(len(table.headers))]


@pytest.fixture
def small_slices(monkeypatch):
    """Slices of a few characters and blocks of a few bytes: every boundary case is reached."""
    monkeypatch.setattr(readers, "SLICE_CHARS", 7)
    monkeypatch.setattr(readers, "BLOCK_BYTES", 16)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=12), delimiter=st.sampled_from([";", ","]),
       terminator=st.sampled_from(["\n", "\r\n", "\r"]), plain_header=st.booleans(),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]), final_newline=st.booleans())
def test_columns_are_the_csv_modules_wherever_the_slices_fall(tmp_path, small_slices, rows, delimiter, terminator,
                                                               plain_header, encoding, final_newline):
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator)
    if plain_header:
        writer.writerow(["a", "b", "c"])
    writer.writerows(rows)
    text = out.getvalue()
    if not final_newline:
        text = text.rstrip("\r\n")
    data = text.encode(encoding)
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    expected = reference(data, encoding, delimiter)
    got = read(path, encoding, delimiter)
    if expected is None:
        assert got in ("The file {name} holds no data rows.", "The file {name} is empty.")
    else:
        assert got == expected


def test_plain_lines_and_quoted_cells_spanning_many_slices(tmp_path, small_slices):
    lines = ["id;note;age"] + [f"P{i};ok;{i % 90}" for i in range(200)]
    lines[57] = 'P57;"a note\non three\nlines; with a ; in it";40'
    lines[120] = ""  # a blank line is skipped
    lines[150] = "P150;short"  # a short row is padded
    lines[151] = "P151;long;3;extra"  # a long one is cut
    path = tmp_path / "mixed.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    table = readers.read_table(path)
    assert table.headers == ["id", "note", "age"] and table.delimiter == ";"
    assert table.rows == 199
    assert table.column(1)[56] == "a note\non three\nlines; with a ; in it"
    assert table.column(2)[148:150] == ["", "3"]
    assert table.column(0)[-1] == "P199"


def test_each_value_is_kept_once_with_a_code_per_row_and_counted(tmp_path):
    path = tmp_path / "shared.csv"
    path.write_text("sexe,ville\n" + "F,Rennes\nM,Brest\nF,Brest\n" * 5000, encoding="utf-8")
    table = readers.read_table(path)
    assert table.values == [["F", "M"], ["Rennes", "Brest"]]  # in the order first seen
    assert table.codes[1][:6] == [0, 1, 1, 0, 1, 1] and len(table.codes[0]) == table.rows == 15000
    assert table.counts(1) == {"Rennes": 5000, "Brest": 10000}


def test_counts_of_a_column_with_many_values(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("id\n" + "".join(f"P{i % 300}\n" for i in range(900)), encoding="utf-8")
    counts = readers.read_table(path).counts(0)
    assert len(counts) == 300 and set(counts.values()) == {3} and next(iter(counts)) == "P0"


def test_lines_with_too_few_and_too_many_cells_are_not_shifted(tmp_path):
    path = tmp_path / "uneven.csv"
    path.write_text("x,y,z\na,b,c\nd,e\nf,g,h,i\nj,k,l\n", encoding="utf-8")  # as many commas as 4 even lines
    table = readers.read_table(path)
    assert [table.column(i) for i in range(3)] == [["a", "d", "f", "j"], ["b", "e", "g", "k"], ["c", "", "h", "l"]]
