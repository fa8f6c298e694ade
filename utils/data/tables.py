"""Reading tab-separated data files with every problem named by file, line and value.

The GLUE and MSR files are UTF-8 (MRPC's with a byte-order mark), tab-separated, with quote
characters inside sentences: they are read with ``quoting=csv.QUOTE_NONE``.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from utils.assets import AssetCorruptError

__all__ = ["read_tsv", "need_fields", "parse_score", "parse_label"]

Row = tuple[int, list[str]]  # (line number, fields)


def read_tsv(path: Path, fix: str) -> list[Row]:
    """Non-empty rows of a UTF-8 TSV file, each with its line number (1 = first line).

    Raises:
        AssetCorruptError: Not UTF-8 (the line and byte are named) or not parseable.

    Example:
        >>> read_tsv(Path("dev_ids.tsv"), "")[0]  # doctest: +SKIP
        (1, ['1606495', '1606619'])
    """
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise AssetCorruptError(
            f"{path}, line {line}: not UTF-8 text (byte 0x{raw[error.start]:02x} at column "
            f"{column}); the file was probably saved as Latin-1 or another encoding. {fix}"
        ) from error
    if "\x00" in text:  # csv accepts NUL since Python 3.11; in these files it is damage
        line = text[: text.index("\x00")].count("\n") + 1
        raise AssetCorruptError(f"{path}, line {line}: a NUL byte (binary garbage). {fix}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    rows: list[Row] = []
    try:
        for fields in reader:
            if fields and any(f.strip() for f in fields):
                rows.append((reader.line_num, fields))
    except csv.Error as error:
        raise AssetCorruptError(f"{path}, line {reader.line_num + 1}: {error}. {fix}") from error
    if not rows:
        raise AssetCorruptError(f"{path}: the file is empty ({len(raw)} bytes). {fix}")
    return rows


def need_fields(path: Path, row: Row, count: int, fix: str) -> list[str]:
    """The row's fields when there are at least ``count``; else an error naming the line."""
    line, fields = row
    if len(fields) < count:
        raise AssetCorruptError(
            f"{path}, line {line}: {len(fields)} tab-separated field(s), expected at least "
            f"{count} (a cut or garbled line?). {fix}"
        )
    return fields


def parse_score(path: Path, line: int, text: str, fix: str, low: float = 0.0,
                high: float = 5.0) -> float:
    """A similarity score in [low, high]; NaN, infinity and words are errors naming the line."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
        problem = "is not a number"
    else:
        problem = "is not finite" if not math.isfinite(value) else f"is outside [{low}, {high}]"
    if not (math.isfinite(value) and low <= value <= high):
        raise AssetCorruptError(f"{path}, line {line}: score {text!r} {problem}. {fix}")
    return value


def parse_label(path: Path, line: int, text: str, fix: str) -> int:
    """A binary label, ``0`` or ``1``; anything else is an error naming the line and value."""
    if text.strip() not in ("0", "1"):
        raise AssetCorruptError(
            f"{path}, line {line}: label {text!r} is not 0 or 1 (1 = paraphrase). {fix}"
        )
    return int(text)
