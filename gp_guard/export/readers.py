"""Read a data export (CSV or XLSX) into columns, in bounded memory.

CSV: any of ``;`` ``,`` tab ``|`` as delimiter, UTF-8 with or without BOM, or cp1252 as French
Excel writes it. XLSX: the first sheet, read with openpyxl in read-only mode. Rows are read in
chunks and turned into columns; each column keeps one copy of each distinct value (a list of
references to shared strings), so a 1,000,000-row export with a few hundred distinct values per
column costs about 8 bytes per cell.

Nothing read here is logged, and error messages never quote the file's content.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gp_guard.errors import UserError
from gp_guard.i18n import N_

CHUNK_ROWS = 50_000
SAMPLE_BYTES = 256 * 1024
DELIMITERS = ";,\t|"
XLSX_MAGIC = b"PK\x03\x04"
csv.field_size_limit(64 * 1024 * 1024)


class ExportError(UserError):
    """A file that cannot be checked (missing, empty, not a table…)."""


class Cancelled(Exception):
    """The doctor stopped the check."""


@dataclass
class Table:
    path: Path
    headers: list[str]
    columns: list[list[str]]
    rows: int
    format: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    distinct: list[dict[str, str]] = field(default_factory=list, repr=False)


Report = Callable[[int, int], None]  # (bytes or rows done, total)


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise ExportError(N_("The file {name} does not exist."), name=path.name)
    if path.is_dir():
        raise ExportError(N_("{name} is a folder, not a file."), name=path.name)
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise ExportError(N_("The file {name} cannot be opened: {reason}"), name=path.name,
                          reason=exc.strerror or type(exc).__name__) from None


def sniff(path: Path) -> tuple[str, str, str]:
    """(format, encoding, delimiter) of the file; raises ExportError for what cannot be read."""
    _check_exists(path)
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise ExportError(N_("The file {name} is empty."), name=path.name)
    if head.startswith(XLSX_MAGIC):
        return "xlsx", "", ""
    if b"\x00" in head:
        raise ExportError(N_("The file {name} is not a table (CSV or XLSX): it looks like a binary file."), name=path.name)
    if head.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        try:
            head.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError as exc:
            encoding = "utf-8" if exc.start >= len(head) - 4 else "cp1252"  # a character cut by the sample's end
    text = head.decode(encoding, errors="replace")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\r\n")
    if controls > len(text) // 100:
        raise ExportError(N_("The file {name} is not a table (CSV or XLSX): it looks like a binary file."), name=path.name)
    return "csv", encoding, _delimiter(text)


def _delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if len(lines) > 1:
        lines = lines[:-1]  # the last one may be cut
    best, best_score = ",", -1.0
    for candidate in DELIMITERS:
        counts = [_count_outside_quotes(line, candidate) for line in lines]
        if not counts or not counts[0]:
            continue
        steady = sum(1 for c in counts if c == counts[0]) / len(counts)
        score = steady * 1000 + counts[0]
        if score > best_score:
            best, best_score = candidate, score
    return best


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def iter_rows(path: Path, report: Report | None = None) -> tuple[list[str], Iterator[list[str]], str, str, str]:
    """(headers, data rows, format, encoding, delimiter). Rows are lists of strings."""
    kind, encoding, delimiter = sniff(path)
    rows = _xlsx_rows(path, report) if kind == "xlsx" else _csv_rows(path, encoding, delimiter, report)
    try:
        headers = next(rows)
        while not any(cell.strip() for cell in headers):
            headers = next(rows)
    except StopIteration:
        raise ExportError(N_("The file {name} is empty."), name=path.name) from None
    return _unique_headers(headers), rows, kind, encoding, delimiter


def _unique_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for index, raw in enumerate(headers):
        name = raw.strip().lstrip("\ufeff") or f"column_{index + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        seen.setdefault(name, 1)
        out.append(name)
    return out


def _csv_rows(path: Path, encoding: str, delimiter: str, report: Report | None) -> Iterator[list[str]]:
    total = path.stat().st_size
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        reader = csv.reader(text, delimiter=delimiter)
        count = 0
        try:
            for row in reader:
                yield row
                count += 1
                if report is not None and count % CHUNK_ROWS == 0:
                    report(raw.tell(), total)
        except csv.Error:
            raise ExportError(N_("The file {name} could not be read as CSV after row {row}."),
                              name=path.name, row=count) from None
        if report is not None:
            report(total, total)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(path: Path, report: Report | None) -> Iterator[list[str]]:
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any failure of the XLSX reader means "not readable"
        raise ExportError(N_("The file {name} is not a readable XLSX workbook."), name=path.name) from None
    try:
        sheet = book.worksheets[0]
        total = sheet.max_row or 0
        for count, values in enumerate(sheet.iter_rows(values_only=True), 1):
            yield [_cell(v) for v in values]
            if report is not None and count % 10_000 == 0:
                report(count, max(total, count))
        if report is not None:
            report(1, 1)
    except ExportError:
        raise
    except Exception:  # noqa: BLE001
        raise ExportError(N_("The file {name} is not a readable XLSX workbook."), name=path.name) from None
    finally:
        book.close()


def read_table(path: Path, report: Report | None = None, cancelled: Callable[[], bool] = lambda: False) -> Table:
    """Read the whole file into columns of shared strings."""
    path = Path(path)
    kind, encoding, delimiter = sniff(path)
    if kind == "csv":  # the csv module's own iterator, without a Python generator in between
        total = path.stat().st_size
        with path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
            reader = csv.reader(text, delimiter=delimiter)
            try:
                return _columns(path, reader, kind, encoding, delimiter,
                                lambda: report(raw.tell(), total) if report else None, cancelled)
            except csv.Error:
                raise ExportError(N_("The file {name} could not be read as CSV after row {row}."),
                                  name=path.name, row=reader.line_num) from None
    headers, rows, kind, encoding, delimiter = iter_rows(path, report)
    return _columns(path, itertools.chain([headers], rows), kind, encoding, delimiter, lambda: None, cancelled)


def _columns(path: Path, rows: Iterator[list[str]], kind: str, encoding: str, delimiter: str,
             tick: Callable[[], None], cancelled: Callable[[], bool]) -> Table:
    headers: list[str] | None = None
    for row in rows:
        if any(cell.strip() for cell in row):
            headers = _unique_headers(row)
            break
    if headers is None:
        raise ExportError(N_("The file {name} is empty."), name=path.name)
    width = len(headers)
    distinct: list[dict[str, str]] = [{} for _ in headers]
    columns: list[list[str]] = [[] for _ in headers]
    count = 0
    while True:
        if cancelled():
            raise Cancelled()
        chunk = list(itertools.islice(rows, CHUNK_ROWS))
        if not chunk:
            break
        if chunk.count([]):
            chunk = [row for row in chunk if row]
        if set(map(len, chunk)) != {width}:
            chunk = [row[:width] if len(row) >= width else row + [""] * (width - len(row)) for row in chunk]
        for index, values in enumerate(zip(*chunk, strict=True)):
            canon = distinct[index]
            columns[index].extend(map(canon.setdefault, values, values))
        count += len(chunk)
        tick()
    blank = [i for i, canon in enumerate(distinct) if not any(v.strip() for v in canon)]
    if count == 0 or len(blank) == width:
        raise ExportError(N_("The file {name} holds no data rows."), name=path.name)
    return Table(path, headers, columns, count, kind, encoding, delimiter, distinct)
