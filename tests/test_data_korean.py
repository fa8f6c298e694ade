"""The Korean sentence-pair data sets of ``utils.data.load_pairs``: KorSTS, the Korean question
pairs (labels flipped to 1 = same question) and KLUE-STS's dev set. Counts, value ranges, the
flip, the names, and corrupted copies refused naming the file, the line and the value.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from utils import config, data
from utils.assets import AssetCorruptError, AssetNotFoundError, sha256_of
from utils.data import pairs as pairs_module

KOREAN = {"korsts": "korsts", "korqpair": "kor-question-pair", "kluests": "klue-sts-dev"}


def _shared() -> Path | None:
    try:
        root = config.get_data_dir()
    except FileNotFoundError:  # TL_DATA_DIR names no folder: the data tests skip
        return None
    return root if root is not None and all((root / f).is_dir() for f in KOREAN.values()) else None


SHARED = _shared()
needs_data = pytest.mark.skipif(SHARED is None, reason="needs the Korean folders of shared/data")


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    """Own KERAS_HOME, so that a download test never touches the real cache."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))


def _raw_rows(folder: str, name: str) -> list[list[str]]:
    text = (SHARED / folder / name).read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE))


def _copy_with(tmp_path: Path, monkeypatch, folder: str, name: str,
               edit: Callable[[str], str]) -> Path:
    """A TL_DATA_DIR in tmp_path laid out like the shared one, with ``folder/name`` edited."""
    root = tmp_path / "data"
    (root / folder).mkdir(parents=True)
    text = (SHARED / folder / name).read_bytes().decode("utf-8")
    # surrogateescape: a lone "\udce9" in the edited text becomes the byte 0xe9 (Latin-1 é)
    (root / folder / name).write_bytes(edit(text).encode("utf-8", "surrogateescape"))
    monkeypatch.setenv("TL_DATA_DIR", str(root))
    return root / folder / name


def _line(number: int, change: Callable[[str], str]) -> Callable[[str], str]:
    """An edit of line ``number`` (1 = first) of a text."""
    def edit(text: str) -> str:
        lines = text.split("\n")
        lines[number - 1] = change(lines[number - 1])
        return "\n".join(lines)
    return edit


def _field(number: int, index: int, change: Callable[[str], str]) -> Callable[[str], str]:
    """An edit of the tab-separated field ``index`` (0 = first) of line ``number``."""
    def edit_line(line: str) -> str:
        fields = line.split("\t")
        fields[index] = change(fields[index])
        return "\t".join(fields)
    return _line(number, edit_line)


def _drop_line(number: int) -> Callable[[str], str]:
    def edit(text: str) -> str:
        lines = text.split("\n")
        return "\n".join(lines[: number - 1] + lines[number:])
    return edit


# --------------------------------------------------------------------------- the registry


def test_registry_lists_every_korean_split_with_its_count():
    assert data.PAIR_DATASETS["korsts"] == ("train", "validation", "test")
    assert data.PAIR_DATASETS["korqpair"] == ("train", "validation", "test")
    assert data.PAIR_DATASETS["kluests"] == ("validation",)
    every = {(name, split) for name, splits in data.PAIR_DATASETS.items() for split in splits}
    assert set(data.PAIR_COUNTS) == every
    for name, split in every:
        if name in KOREAN:
            assert (name, split) in pairs_module._TEXT_FILES


@needs_data
def test_download_urls_are_the_commits_named_in_source_md():
    for name, folder in KOREAN.items():
        source = (SHARED / folder / "SOURCE.md").read_text(encoding="utf-8")
        repo = re.search(r"https://github\.com/([\w.-]+/[\w.-]+)", source).group(1)
        commit = re.search(r"commit: ([0-9a-f]{40})", source).group(1)
        base = pairs_module._RAW_FILES[name][0]
        assert base.startswith(f"https://raw.githubusercontent.com/{repo}/{commit}/"), name


@needs_data
def test_pinned_hashes_are_the_shared_files():
    for (name, _), (folder, rel, sha) in pairs_module._TEXT_FILES.items():
        if name in KOREAN:
            assert sha256_of(SHARED / folder / rel) == sha, rel


# --------------------------------------------------------------------------- counts and values


@needs_data
@pytest.mark.parametrize(
    "name,split,n,task,mean_range",
    [("korsts", "train", 5749, "regression", (2.6, 2.8)),
     ("korsts", "validation", 1500, "regression", (2.3, 2.4)),
     ("korsts", "test", 1379, "regression", (2.5, 2.7)),
     ("korqpair", "train", 6136, "classification", (0.67, 0.69)),
     ("korqpair", "validation", 682, "classification", (0.62, 0.64)),
     ("korqpair", "test", 758, "classification", (0.66, 0.68)),
     ("kluests", "validation", 519, "regression", (2.4, 2.6))],
)
def test_counts_tasks_and_label_ranges(name, split, n, task, mean_range):
    pairs = data.load_pairs(name, split)
    assert (pairs.name, pairs.split, pairs.task) == (name, split, task)
    assert len(pairs) == n == len(pairs.sentence1) == len(pairs.sentence2) == data.PAIR_COUNTS[
        (name, split)]
    assert mean_range[0] < float(pairs.labels.mean()) < mean_range[1]
    assert all(isinstance(s, str) and s.strip() for s in pairs.sentence1 + pairs.sentence2)
    if task == "regression":
        assert pairs.labels.dtype == np.float32
        assert pairs.labels.min() == 0.0 and pairs.labels.max() == 5.0
        assert len(np.unique(pairs.labels)) > 10  # real scores, not labels
    else:
        assert pairs.labels.dtype == np.int64 and set(np.unique(pairs.labels)) == {0, 1}


@needs_data
@pytest.mark.parametrize("split", ["train", "validation", "test"])
def test_korsts_scores_line_up_with_stsb_row_for_row(split):
    korean, english = data.load_pairs("korsts", split), data.load_pairs("stsb", split)
    assert np.array_equal(korean.labels, english.labels)


@needs_data
def test_korsts_keeps_sentences_with_quote_characters():
    pairs = data.load_pairs("korsts", "train")
    with_quotes = [s for s in pairs.sentence1 + pairs.sentence2 if '"' in s]
    assert len(with_quotes) >= 200  # QUOTE_NONE: a quote does not swallow the next rows
    assert not any("\t" in s or "\n" in s for s in with_quotes)


@needs_data
def test_kluests_scores_are_labels_label():
    records = json.loads((SHARED / "klue-sts-dev" / "klue-sts-v1.1_dev.json").read_text("utf-8"))
    pairs = data.load_pairs("kluests", "validation")
    assert np.allclose(pairs.labels, [r["labels"]["label"] for r in records])
    assert pairs.sentence1 == [r["sentence1"] for r in records]


# --------------------------------------------------------------------------- the flip


@needs_data
@pytest.mark.parametrize(
    "split,ones,identical,identical_ones",
    # SOURCE.md: raw 0 (= same question) on 4,169 / 432 / 508 rows. Identical questions are
    # labelled 1 after the flip, except one in train (line 904) and one in test (line 589)
    # that the source itself labels as different.
    [("train", 4169, 760, 759), ("validation", 432, 78, 78), ("test", 508, 108, 107)],
)
def test_question_pair_labels_are_flipped_to_one_for_the_same_question(
        split, ones, identical, identical_ones):
    pairs = data.load_pairs("korqpair", split)
    assert int(pairs.labels.sum()) == ones
    assert float(pairs.labels.mean()) == pytest.approx(ones / data.PAIR_COUNTS[("korqpair", split)])
    same = [y for a, b, y in zip(pairs.sentence1, pairs.sentence2, pairs.labels) if a == b]
    assert (len(same), sum(same)) == (identical, identical_ones)
    rows = _raw_rows("kor-question-pair", f"{split}.txt")
    assert rows[0] == ["question1", "question2", "is_duplicate"]  # a header row
    assert pairs.labels.tolist() == [1 - int(r[2]) for r in rows[1:]]
    assert pairs.sentence1 == [r[0] for r in rows[1:]]


def test_the_docstrings_say_the_labels_are_flipped():
    for doc in (data.load_pairs.__doc__, pairs_module.__doc__):
        assert "1 - is_duplicate" in doc and "same question" in doc


# --------------------------------------------------------------------------- names and splits


@needs_data
@pytest.mark.parametrize("spelling,key", [
    ("KorSTS", "korsts"), ("kor-sts", "korsts"), ("KOR_STS", "korsts"),
    ("kor-qpair", "korqpair"), ("KorQPair", "korqpair"), ("kor_qpair", "korqpair"),
    ("klue_sts", "kluests"), ("KLUE-STS", "kluests"), ("KlueSts", "kluests"),
])
def test_name_variants(spelling, key):
    assert data.load_pairs(spelling, "validation", n=3, seed=0).name == key


@pytest.mark.parametrize("split", ["train", "test", "dev"])
def test_kluests_has_only_validation_and_says_why(split):
    with pytest.raises(KeyError) as info:
        data.load_pairs("kluests", split)
    message = str(info.value)
    assert f"Unknown split '{split}' for kluests; known: ('validation',)." in message
    assert "klue-sts-v1.1_train.json) is not available offline" in message


def test_unknown_korean_names_suggest_the_known_ones():
    with pytest.raises(KeyError, match="Did you mean 'korsts'"):
        data.load_pairs("korst", "train")
    with pytest.raises(KeyError, match="known: \\['kluests', 'korqpair', 'korsts', 'mrpc', 'stsb'\\]"):
        data.load_pairs("kornli", "train")


@needs_data
def test_sample_is_a_seeded_subset():
    a = data.load_pairs("korqpair", "train", n=40, seed=5)
    b = data.load_pairs("korqpair", "train", n=40, seed=5)
    assert len(a) == 40 and a.sentence1 == b.sentence1 and (a.labels == b.labels).all()


# --------------------------------------------------------------------------- corrupted copies


CORRUPT = [
    # KorSTS: line 1 is the header, line 3 is "... 0004  3.800  한 남자가 큰 플루트를 ..."
    ("korsts score 7.5", "korsts", "sts-train.tsv", "train",
     _field(3, 4, lambda _: "7.5"),
     "sts-train.tsv, line 3: score '7.5' is outside [0.0, 5.0]"),
    ("korsts score word", "korsts", "sts-dev.tsv", "validation",
     _field(10, 4, lambda _: "high"),
     "sts-dev.tsv, line 10: score 'high' is not a number"),
    ("korsts cut row", "korsts", "sts-test.tsv", "test",
     _line(7, lambda s: s.rsplit("\t", 1)[0]),
     "sts-test.tsv, line 7: 6 tab-separated field(s), expected at least 7"),
    ("korsts no header", "korsts", "sts-dev.tsv", "validation", _drop_line(1),
     "sts-dev.tsv, line 1: no 'sentence1' column in the header"),
    ("korsts a row missing", "korsts", "sts-train.tsv", "train", _drop_line(100),
     "sts-train.tsv: 5748 KorSTS train pairs, but the course's copy has 5749"),
    ("korsts an unclosed quote", "korsts", "sts-test.tsv", "test",  # read as text, all rows
     _field(2, 5, lambda f: '"' + f), "differs from the pinned"),
    ("korsts latin-1", "korsts", "sts-dev.tsv", "validation",
     _line(4, lambda s: s + "\udce9"), "sts-dev.tsv, line 4: not UTF-8 text (byte 0xe9"),
    # Question pairs: line 1 is the header "question1  question2  is_duplicate"
    ("qpair label 2", "kor-question-pair", "train.txt", "train",
     _line(4, lambda s: s[:-1] + "2"), "train.txt, line 4: is_duplicate '2' is not 0 or 1"),
    ("qpair label empty", "kor-question-pair", "test.txt", "test",
     _line(9, lambda s: s[:-1]), "test.txt, line 9: is_duplicate '' is not 0 or 1"),
    ("qpair cut row", "kor-question-pair", "validation.txt", "validation",
     _line(6, lambda s: s.split("\t")[0]),
     "validation.txt, line 6: 1 tab-separated field(s), expected at least 3"),
    ("qpair no header", "kor-question-pair", "train.txt", "train", _drop_line(1),
     "train.txt, line 1: no 'question1' column in the header"),
    ("qpair a label flipped", "kor-question-pair", "validation.txt", "validation",
     _line(2, lambda s: s[:-1] + ("1" if s.endswith("0") else "0")), "differs from the pinned"),
    ("qpair rows missing", "kor-question-pair", "test.txt", "test", _drop_line(30),
     "test.txt: 757 Korean question pairs (test), but the course's copy has 758"),
    # KLUE-STS: record 0 starts on line 2; its labels.label (4.9) is on line 8
    ("klue score 7", "klue-sts-dev", "klue-sts-v1.1_dev.json", "validation",
     lambda t: t.replace('"label": 4.9,', '"label": 7.0,', 1),
     "klue-sts-v1.1_dev.json, line 8: score '7.0' is outside [0.0, 5.0]"),
    ("klue score string", "klue-sts-dev", "klue-sts-v1.1_dev.json", "validation",
     lambda t: t.replace('"label": 4.9,', '"label": "4.9",', 1),
     "klue-sts-v1.1_dev.json, line 8 (record 0, guid 'klue-sts-v1_dev_00000'): labels['label'] "
     "is '4.9', not a number"),
    ("klue score nan", "klue-sts-dev", "klue-sts-v1.1_dev.json", "validation",
     lambda t: t.replace('"label": 4.9,', '"label": NaN,', 1),
     "klue-sts-v1.1_dev.json, line 8: score 'nan' is not finite"),
    ("klue no sentence1", "klue-sts-dev", "klue-sts-v1.1_dev.json", "validation",
     lambda t: t.replace('"sentence1":', '"sentence_1":', 1),
     "klue-sts-v1.1_dev.json, line 2 (record 0, guid 'klue-sts-v1_dev_00000'): 'sentence1' is "
     "'missing', not a string"),
    ("klue cut", "klue-sts-dev", "klue-sts-v1.1_dev.json", "validation",
     lambda t: t[: len(t) // 2], "not valid JSON"),
    ("klue not a list", "klue-sts-dev", "klue-sts-v1.1_dev.json", "validation",
     lambda t: '{"data": ' + t + "}", "line 1: expected a JSON list of records"),
    ("klue a record missing", "klue-sts-dev", "klue-sts-v1.1_dev.json", "validation",
     lambda t: "[\r\n    {" + t.split("},\r\n    {", 1)[1],  # the file has CRLF lines
     "klue-sts-v1.1_dev.json: 518 KLUE-STS validation records, but the course's copy has 519"),
]


@needs_data
@pytest.mark.parametrize("label,folder,name,split,edit,needle", CORRUPT,
                         ids=[c[0] for c in CORRUPT])
def test_a_corrupted_copy_names_file_line_and_value(tmp_path, monkeypatch, label, folder, name,
                                                    split, edit, needle):
    key = next(k for k, f in KOREAN.items() if f == folder)
    path = _copy_with(tmp_path, monkeypatch, folder, name, edit)
    with pytest.raises(AssetCorruptError) as info:
        data.load_pairs(key, split)
    message = str(info.value)
    assert str(path) in message and needle in message, f"{label}: {message}"
    assert "SOURCE.md" in message  # the fix: restore the course's copy


# --------------------------------------------------------------------------- downloads


@needs_data
def test_without_a_local_copy_the_raw_file_is_downloaded_and_verified(tmp_path, monkeypatch):
    monkeypatch.setenv("TL_DATA_DIR", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    base, subdir, title = pairs_module._RAW_FILES["kluests"]
    origin = (SHARED / "klue-sts-dev").as_uri() + "/"
    monkeypatch.setitem(pairs_module._RAW_FILES, "kluests", (origin, subdir, title))
    pairs = data.load_pairs("kluests", "validation")
    assert len(pairs) == 519
    assert (tmp_path / "keras" / "datasets" / "klue-sts" / "klue-sts-v1.1_dev.json").is_file()


@needs_data
def test_a_download_that_fails_its_hash_is_refused(tmp_path, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    text = (SHARED / "kor-question-pair" / "validation.txt").read_text("utf-8")
    (served / "validation.txt").write_text(text.replace("\t0\n", "\t1\n", 1), "utf-8")
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("TL_DATA_DIR", str(tmp_path / "empty"))
    _, subdir, title = pairs_module._RAW_FILES["korqpair"]
    monkeypatch.setitem(pairs_module._RAW_FILES, "korqpair", (served.as_uri() + "/", subdir, title))
    with pytest.raises(AssetNotFoundError, match="kor-question-pair/validation.txt"):
        data.load_pairs("korqpair", "validation")
    assert not (tmp_path / "keras" / "datasets" / subdir / "validation.txt").exists()


def test_offline_without_a_local_copy_names_the_place_and_url(tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("TL_DATA_DIR", str(tmp_path / "empty"))
    _, subdir, title = pairs_module._RAW_FILES["korsts"]
    monkeypatch.setitem(pairs_module._RAW_FILES, "korsts", ("http://127.0.0.1:9/", subdir, title))
    with pytest.raises(AssetNotFoundError) as info:
        data.load_pairs("korsts", "validation")
    message = str(info.value)
    assert f"{tmp_path / 'empty'}/korsts/sts-dev.tsv" in message
    assert "http://127.0.0.1:9/sts-dev.tsv" in message
