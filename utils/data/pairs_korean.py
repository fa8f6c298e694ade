"""The Korean sentence-pair readers of ``utils.data.load_pairs``: question pairs and KLUE-STS.

* ``_load_korqpair``: Korean question pairs (songys/Question_pair), TSV. Their labels are
  flipped: the source's ``is_duplicate`` is 0 for the same question and 1 for different, and
  the loader returns ``1 - is_duplicate``, so that 1 = the same question (as MRPC's 1 =
  paraphrase).
* ``_json_records`` (with ``_Record``) and ``_load_kluests``: KLUE-STS v1.1's dev set, a JSON
  list of records read with the line of each record, so that a problem names its line.

KorSTS is read by ``_load_sts_tsv`` of ``utils.data.pairs``, shared with STS-B. The file
table, the download and the count/column checks are there too; ``load_pairs`` imports these
readers when it is called (this module imports ``utils.data.pairs``, not the other way round).
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from utils.assets import AssetCorruptError, verify_file
from utils.data.pairs import PAIR_COUNTS, SentencePairs, _check_count, _columns, _text_file
from utils.data.tables import need_fields, parse_score, read_tsv


def _load_korqpair(split: str) -> SentencePairs:
    """Korean question pairs, relabeled ``1 - is_duplicate``: 1 = the same question.

    The source's ``is_duplicate`` is inverted (its README: 0 = same question, 1 = different),
    so the raw value is checked to be 0 or 1 and flipped, giving MRPC's 1 = paraphrase.
    """
    path, sha, fix = _text_file("korqpair", split)
    rows = read_tsv(path, fix)
    i1, i2, il = _columns(path, rows[0], ("question1", "question2", "is_duplicate"), fix)
    need = max(i1, i2, il) + 1
    s1, s2, y = [], [], []
    for row in rows[1:]:
        fields = need_fields(path, row, need, fix)
        raw = fields[il].strip()
        if raw not in ("0", "1"):
            raise AssetCorruptError(
                f"{path}, line {row[0]}: is_duplicate {fields[il]!r} is not 0 or 1 (in this "
                f"file 0 = the same question, 1 = different). {fix}"
            )
        y.append(1 - int(raw))
        s1.append(fields[i1])
        s2.append(fields[i2])
    _check_count(path, len(y), PAIR_COUNTS[("korqpair", split)],
                 f"Korean question pairs ({split})", fix)
    verify_file(path, sha, fix=fix)
    return SentencePairs("korqpair", split, s1, s2, np.array(y, dtype=np.int64), "classification")


_SPACE = re.compile(r"[ \t\r\n]*")  # JSON whitespace


@dataclasses.dataclass
class _Record:
    """One item of a JSON list, with the line it starts on and its text (to find keys)."""

    line: int
    value: Any
    text: str

    def line_of(self, key: str) -> int:
        """The line of ``"key":`` inside the record (its first line when not found)."""
        at = self.text.find(f'"{key}"')
        return self.line + (self.text.count("\n", 0, at) if at >= 0 else 0)


def _json_records(path: Path, fix: str) -> list[_Record]:
    """The items of a UTF-8 JSON list, each with its line (1 = first); errors name the line."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise AssetCorruptError(
            f"{path}, line {line}: not UTF-8 text (byte 0x{raw[error.start]:02x}); the file "
            f"was probably saved in another encoding. {fix}"
        ) from error
    decoder = json.JSONDecoder()
    records: list[_Record] = []
    pos = _SPACE.match(text).end()
    if text[pos:pos + 1] != "[":
        raise AssetCorruptError(
            f"{path}, line {text.count(chr(10), 0, pos) + 1}: expected a JSON list of records "
            f"('['), got {text[pos:pos + 20]!r}. {fix}"
        )
    pos = _SPACE.match(text, pos + 1).end()
    line, counted = 1, 0  # line of text[counted]
    try:
        while text[pos:pos + 1] != "]" or records:
            item, end = decoder.raw_decode(text, pos)
            line, counted = line + text.count("\n", counted, pos), pos
            records.append(_Record(line, item, text[pos:end]))
            pos = _SPACE.match(text, end).end()
            if text[pos:pos + 1] == "]":
                break
            if text[pos:pos + 1] != ",":
                raise json.JSONDecodeError("expected ',' or ']' after a record", text, pos)
            pos = _SPACE.match(text, pos + 1).end()
    except json.JSONDecodeError as error:
        raise AssetCorruptError(
            f"{path}, line {error.lineno}: not valid JSON ({error.msg}, column {error.colno}); "
            f"the file is cut or garbled. {fix}"
        ) from error
    if text[pos + 1:].strip():
        raise AssetCorruptError(
            f"{path}, line {text.count(chr(10), 0, pos) + 1}: text after the closing ']'. {fix}"
        )
    return records


def _load_kluests(split: str) -> SentencePairs:
    """KLUE-STS v1.1 dev records; the score is ``labels["label"]`` in [0, 5]."""
    path, sha, fix = _text_file("kluests", split)
    s1, s2, y = [], [], []
    for index, record in enumerate(_json_records(path, fix)):
        value = record.value
        if not isinstance(value, dict):
            raise AssetCorruptError(
                f"{path}, line {record.line} (record {index}): expected a record {{guid, "
                f"sentence1, sentence2, labels, ...}}, got {type(value).__name__} "
                f"{str(value)[:60]!r}. {fix}"
            )
        where = f"(record {index}, guid {value.get('guid')!r})"
        for key in ("sentence1", "sentence2"):
            if not isinstance(value.get(key), str):
                raise AssetCorruptError(
                    f"{path}, line {record.line_of(key)} {where}: '{key}' is "
                    f"{str(value.get(key, 'missing'))[:60]!r}, not a string. {fix}"
                )
        labels = value.get("labels")
        score = labels.get("label") if isinstance(labels, dict) else None
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise AssetCorruptError(
                f"{path}, line {record.line_of('label')} {where}: labels['label'] is "
                f"{score!r}, not a number (labels = {str(labels)[:80]}). {fix}"
            )
        y.append(parse_score(path, record.line_of("label"), repr(score), fix))
        s1.append(value["sentence1"])
        s2.append(value["sentence2"])
    _check_count(path, len(y), PAIR_COUNTS[("kluests", split)], f"KLUE-STS {split} records", fix)
    verify_file(path, sha, fix=fix)
    return SentencePairs("kluests", split, s1, s2, np.array(y, dtype=np.float32), "regression")
