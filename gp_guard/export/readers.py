"""Read a data export (CSV or XLSX) into columns, in bounded memory.

CSV: any of ``;`` ``,`` tab ``|`` as delimiter, UTF-8 with or without BOM, or cp1252 as French
Excel writes it. XLSX: the first sheet, read with openpyxl in read-only mode. Rows are read in
chunks and turned into columns; each column is its distinct values (each kept once, in the order
first seen) and one small integer code per row naming its value, so a 1,000,000-row export with
a few hundred distinct values per column costs about 8 bytes per cell.

Nothing read here is logged, and error messages never quote the file's content.
"""

from __future__ import annotations

import codecs
import collections
import csv
import datetime as dt
import io
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gp_guard.errors import UserError
from gp_guard.i18n import N_

CHUNK_ROWS = 50_000  # progress is reported (and cancel looked at) every so many rows
SLICE_ROWS = 1000  # XLSX rows turned into columns at once
# CSV text is read and decoded BLOCK_BYTES at a time, and split into columns SLICE_CHARS at a time:
# the cells just split are still in the processor's cache when they are matched with the column's
# distinct values (measured 2.5x faster than 8 MB at once on 1,000,000 rows).
BLOCK_BYTES = 1 << 20
SLICE_CHARS = 32 * 1024
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
    codes: list[list[int]]  # per column, the code of each row's value: an index into values
    values: list[list[str]]  # per column, its distinct values in the order first seen
    rows: int
    format: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""

    def column(self, index: int) -> list[str]:
        """The values of one column, row by row."""
        return list(map(self.values[index].__getitem__, self.codes[index]))

    def counts(self, index: int) -> Counter[str]:
        """How many rows hold each distinct value of one column (in the order first seen)."""
        values = self.values[index]
        by_code = Counter(self.codes[index])
        return Counter(dict(zip(values, map(by_code.__getitem__, range(len(values))), strict=True)))


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
    """Read the whole file into columns of codes (``Table``)."""
    path = Path(path)
    kind, encoding, delimiter = sniff(path)
    if kind == "csv":
        return _csv_table(path, encoding, delimiter, report, cancelled)
    headers, rows, kind, encoding, delimiter = iter_rows(path, report)
    built = _Columns(headers)
    while True:
        if cancelled():
            raise Cancelled()
        chunk = list(itertools.islice(rows, SLICE_ROWS))
        if not chunk:
            break
        built.add_rows(chunk)
    return built.table(path, kind, encoding, delimiter)


class _Columns:
    """The columns being read: per column, a dict from each distinct value to its code (codes
    given in the order values are first seen) and the list of codes of the rows."""

    def __init__(self, headers: list[str]) -> None:
        self.headers = headers
        self.width = len(headers)
        self.distinct: list[dict[str, int]] = [collections.defaultdict(itertools.count().__next__) for _ in headers]
        self.codes: list[list[int]] = [[] for _ in headers]
        self.count = 0

    def add_rows(self, chunk: list[list[str]]) -> None:
        """Rows as lists of cells: blank rows skipped, short ones padded, long ones cut."""
        width = self.width
        if chunk.count([]):
            chunk = [row for row in chunk if row]
        if not chunk:
            return
        if set(map(len, chunk)) != {width}:
            chunk = [row[:width] if len(row) >= width else row + [""] * (width - len(row)) for row in chunk]
        for index, values in enumerate(zip(*chunk, strict=True)):
            self.codes[index].extend(map(self.distinct[index].__getitem__, values))
        self.count += len(chunk)

    def add_plain(self, text: str, delimiter: str) -> bool:
        """Lines without quotes, each with exactly one cell per column, split at once (the csv
        module would give the same cells); False, and nothing added, for any other text."""
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        if '"' in text or "\r" in text or not text.endswith("\n"):
            return False
        lines, width = text.count("\n"), self.width
        if text.count(delimiter) != lines * (width - 1):
            return False
        if width == 1:
            if text.startswith("\n") or "\n\n" in text:  # a blank line: the csv module gives no row
                return False
            self.codes[0].extend(map(self.distinct[0].__getitem__, text[:-1].split("\n")))
            self.count += lines
            return True
        # Split at the delimiters only: with width - 1 of them on every line, the k-th line feed is
        # in piece k * (width - 1), which holds the last cell of line k and the first of line k + 1.
        # As many line feeds as lines and one in each of those pieces: every line has its cells.
        pieces = text.split(delimiter)
        step = width - 1
        ends = pieces[step::step]
        if len(ends) != lines or not all(map(str.__contains__, ends, itertools.repeat("\n"))):
            return False
        edges = "\n".join(ends).split("\n")  # last of line 1, first of line 2, ..., last of the last, ""
        columns = [[pieces[0], *edges[1:-1:2]]] + [pieces[i::step] for i in range(1, step)] + [edges[0::2]]
        for index, values in enumerate(columns):
            self.codes[index].extend(map(self.distinct[index].__getitem__, values))
        self.count += lines
        return True

    def table(self, path: Path, kind: str, encoding: str, delimiter: str) -> Table:
        values = [list(distinct) for distinct in self.distinct]
        blank = [i for i, column in enumerate(values) if not any(v.strip() for v in column)]
        if self.count == 0 or len(blank) == self.width:
            raise ExportError(N_("The file {name} holds no data rows."), name=path.name)
        return Table(path, self.headers, self.codes, values, self.count, kind, encoding, delimiter)


class _Text:
    """The decoded text of a CSV file, handed out in slices of about SLICE_CHARS that end at a
    line end, and line by line to the csv module (``pending``) for slices it must parse."""

    def __init__(self, raw: io.BufferedReader, encoding: str) -> None:
        self.raw = raw
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self.buffer, self.pos, self.eof = "", 0, False
        self.pending: collections.deque[str] = collections.deque()

    def slice(self) -> str:
        """The next slice; "" at the end of the file."""
        while True:
            end = self.buffer.find("\n", self.pos + SLICE_CHARS)
            if end < 0 and not self.eof and len(self.buffer) - self.pos > 4 * BLOCK_BYTES:
                # no line feed for megabytes: lines end with a lone carriage return (old Mac)
                end = max(self.buffer.rfind("\n", self.pos), self.buffer.rfind("\r", self.pos, len(self.buffer) - 1))
            if end >= 0:
                out, self.pos = self.buffer[self.pos:end + 1], end + 1
                return out
            if self.eof:
                out, self.buffer, self.pos = self.buffer[self.pos:], "", 0
                return out
            data = self.raw.read(BLOCK_BYTES)
            self.buffer = self.buffer[self.pos:] + self.decoder.decode(data, final=not data)
            self.pos, self.eof = 0, not data

    def __iter__(self) -> _Text:
        return self

    def __next__(self) -> str:
        if not self.pending:
            text = self.slice()
            if not text:
                raise StopIteration
            self.pending.extend(io.StringIO(text, newline=""))  # the same line ends as open(newline="")
        return self.pending.popleft()


def _csv_table(path: Path, encoding: str, delimiter: str, report: Report | None,
               cancelled: Callable[[], bool]) -> Table:
    """Slices of plain lines are split at once (``_Columns.add_plain``); a slice with quotes, blank
    or uneven lines goes through one csv reader that reads on into the next slices when a quoted
    cell spans lines, so the cells are the csv module's for the whole file."""
    total = path.stat().st_size
    built: _Columns | None = None
    with path.open("rb") as raw:
        text = _Text(raw, encoding)
        reader = csv.reader(text, delimiter=delimiter)
        ticked = 0
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    built = _Columns(_unique_headers(row))
                    break
            if built is None:
                raise ExportError(N_("The file {name} is empty."), name=path.name)
            while True:
                if text.pending:  # parsed by the csv module up to the end of a row and of a slice
                    rows = []
                    while text.pending:
                        rows.append(next(reader))
                    built.add_rows(rows)
                if built.count - ticked >= CHUNK_ROWS:
                    ticked = built.count
                    if cancelled():
                        raise Cancelled()
                    if report is not None:
                        report(raw.tell(), total)
                part = text.slice()
                if not part:
                    break
                if not built.add_plain(part, delimiter):
                    text.pending.extend(io.StringIO(part, newline=""))
        except csv.Error:
            raise ExportError(N_("The file {name} could not be read as CSV after row {row}."),
                              name=path.name, row=built.count if built else 0) from None
    if report is not None:
        report(total, total)
    return built.table(path, "csv", encoding, delimiter)
