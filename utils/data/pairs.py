"""Sentence-pair data sets, English and Korean, each a similarity score or a paraphrase label.

* ``stsb``: STS-B (GLUE), similarity 0-5; train / validation / test (the labeled original).
* ``mrpc``: MRPC, 1 = paraphrase, 0 = not; train / validation / test.
* ``korsts``: KorSTS (kakaobrain/KorNLUDatasets), STS-B translated to Korean row for row,
  similarity 0-5; train / validation / test.
* ``korqpair``: Korean question pairs (songys/Question_pair), 1 = the same question, 0 =
  different. The source's ``is_duplicate`` column is inverted (0 = same question); the
  loader returns ``1 - is_duplicate`` so that 1 means paraphrase, as in MRPC.
* ``kluests``: KLUE-STS v1.1 dev set only (as ``validation``), similarity 0-5; the KLUE
  train file is not available offline.

Local files first (``TL_DATA_DIR``), else verified downloads into the Keras cache (the
Korean files from the raw GitHub files at the commits named in their ``SOURCE.md``).
Every file is read with its values checked (scores in [0, 5], labels 0/1, the columns
present; a problem names the file, the line and the value), every split is counted
against its documented size (``SOURCE.md``), and every file must match its pinned sha256.

Here: ``SentencePairs``, the registry, the file table and download, the shared checks, the
STS-B/KorSTS and MRPC readers and ``load_pairs``. The question-pair and KLUE-STS readers are
in ``utils.data.pairs_korean``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from utils import config
from utils.assets import AssetCorruptError, download, verify_file
from utils.data.splits import check_seed
from utils.data.tables import need_fields, parse_label, parse_score, read_tsv
from utils.validate import check_int, did_you_mean

__all__ = ["SentencePairs", "PAIR_DATASETS", "PAIR_COUNTS", "load_pairs"]


@dataclasses.dataclass
class SentencePairs:
    """Sentence pairs with a 0-5 score (stsb, korsts, kluests) or a 1/0 label (mrpc, korqpair).

    Labels: 1 = paraphrase (MRPC) or the same question (korqpair, already flipped), 0 = not.
    """

    name: str
    split: str
    sentence1: list[str]
    sentence2: list[str]
    labels: np.ndarray
    task: str  # "regression" or "classification"

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, indices: np.ndarray) -> SentencePairs:
        """The pairs at ``indices`` (integers in [0, len)), in that order."""
        idx = np.asarray(indices)
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise TypeError(f"indices must be a 1-D array of integers, got {indices!r}."[:300])
        idx = idx.astype(np.int64)
        bad = idx[(idx < 0) | (idx >= len(self))]
        if len(bad):
            raise ValueError(
                f"index {int(bad[0])} is out of range for {len(self)} pairs (valid: 0 to "
                f"{len(self) - 1})."
            )
        return SentencePairs(
            self.name, self.split, [self.sentence1[i] for i in idx],
            [self.sentence2[i] for i in idx], self.labels[idx], self.task,
        )

    def sample(self, n: int | None, seed: int) -> SentencePairs:
        """Returns ``n`` pairs drawn without replacement (all if n is None or larger)."""
        n = None if n is None else check_int("n", n, low=1)
        seed = check_seed(seed)
        if n is None or n >= len(self):
            return self
        rng = np.random.default_rng(seed)
        return self.subset(np.sort(rng.choice(len(self), n, replace=False)))


_STSB_URL = "https://dl.fbaipublicfiles.com/glue/data/STS-B.zip"
_MRPC_TRAIN_URL = "https://dl.fbaipublicfiles.com/senteval/senteval_data/msr_paraphrase_train.txt"
_MRPC_TEST_URL = "https://dl.fbaipublicfiles.com/senteval/senteval_data/msr_paraphrase_test.txt"
_MRPC_DEV_IDS_URL = (
    "https://firebasestorage.googleapis.com/v0/b/mtl-sentence-representations.appspot.com/"
    "o/data%2Fmrpc_dev_ids.tsv?alt=media&token=ec5c0836-31d5-48f4-b431-7480817f1adc"
)
# The Korean files: raw GitHub files at the commits named in each SOURCE.md, as
# {dataset: (URL folder, cache folder, name in messages)}; the file name is appended.
_RAW_FILES = {
    "korsts": ("https://raw.githubusercontent.com/kakaobrain/KorNLUDatasets/"
               "0df0fe7d496eb61b092e022e238c2230b29f1cbc/KorSTS/", "datasets/korsts", "KorSTS"),
    "korqpair": ("https://raw.githubusercontent.com/songys/Question_pair/"
                 "e84b6f0e784c10c6a22cbbc7b1e415b901baa877/", "datasets/kor-question-pair",
                 "Korean question pairs"),
    "kluests": ("https://raw.githubusercontent.com/KLUE-benchmark/KLUE/"
                "3efd98708a40ff49251fddde35453f8fbb11f536/klue_benchmark/klue-sts-v1.1/",
                "datasets/klue-sts", "KLUE-STS"),
}
# (local folder, file inside it, sha256 of the course's copy = the downloaded file)
_TEXT_FILES = {
    ("stsb", "train"): ("glue-stsb", "train.tsv",
                        "41c4d978b6162abdcada7e49a982211954cca5459c228db478af333124b257a2"),
    ("stsb", "validation"): ("glue-stsb", "dev.tsv",
                             "fe7dc0632a5033562f3cadff991f6e8d9b9b6311861660e78c3c82eb7db67f59"),
    ("stsb", "test"): ("glue-stsb", "original/sts-test.tsv",
                       "affe45928a66ee5a708531233c95b7dacbbdc57f974f002a3d32ea0180cf816a"),
    ("mrpc", "msr_train"): ("glue-mrpc", "msr_paraphrase_train.txt",
                            "61a88818ec384d8465297dda1883b469f1b22d442ab90183d13e06233b180591"),
    ("mrpc", "msr_test"): ("glue-mrpc", "msr_paraphrase_test.txt",
                           "0360d0d3427a0ae14882e2b3a799df0fab6cb5203d5e8ee481949283da62acb6"),
    ("mrpc", "dev_ids"): ("glue-mrpc", "dev_ids.tsv",
                          "971d7767d81b997fd9060ade0ec23c4fc31cbb226a55d1bd4a1bac474eb81dc7"),
    ("korsts", "train"): ("korsts", "sts-train.tsv",
                          "b5aaa7f957d6ff46f4b6834a8b0f024a9234a6eefe9289aed66746b4533da3b8"),
    ("korsts", "validation"): ("korsts", "sts-dev.tsv",
                               "d835b65b424401fbcce6be28a78159df8d61f5b19977ea7a0b83b8cb6105f393"),
    ("korsts", "test"): ("korsts", "sts-test.tsv",
                         "13f83a3440d9db52d134eb40303ce021b03264aa338fbf2871c8786ce04d2105"),
    ("korqpair", "train"): ("kor-question-pair", "train.txt",
                            "addf4c88b19066ad55a09f466c5c3f6428b3f2bd5d55100d3ca5b93d9d8daff9"),
    ("korqpair", "validation"): (
        "kor-question-pair", "validation.txt",
        "3928c783f561f36547fd8e0c9d78a6e1d6013db3debcf559c4135aa5536badea"),
    ("korqpair", "test"): ("kor-question-pair", "test.txt",
                           "0d5738107ea3742de4dcaf3a358b6bfa4818781bc6aec11a9956a3fbe35f8b61"),
    ("kluests", "validation"): ("klue-sts-dev", "klue-sts-v1.1_dev.json",
                                "b6a0ae0c370e21687f7eef0fdea872a328bb2ecbdb020c546cb870d28606bf80"),
}
PAIR_DATASETS = {"stsb": ("train", "validation", "test"), "mrpc": ("train", "validation", "test"),
                 "korsts": ("train", "validation", "test"),
                 "korqpair": ("train", "validation", "test"), "kluests": ("validation",)}
# Pairs per split (SOURCE.md of glue-stsb, glue-mrpc, korsts, kor-question-pair and
# klue-sts-dev; STS-B and MRPC the same as Hugging Face's GLUE, KLUE-STS's as klue/klue "sts").
PAIR_COUNTS = {("stsb", "train"): 5749, ("stsb", "validation"): 1500, ("stsb", "test"): 1379,
               ("mrpc", "train"): 3668, ("mrpc", "validation"): 408, ("mrpc", "test"): 1725,
               ("korsts", "train"): 5749, ("korsts", "validation"): 1500,
               ("korsts", "test"): 1379, ("korqpair", "train"): 6136,
               ("korqpair", "validation"): 682, ("korqpair", "test"): 758,
               ("kluests", "validation"): 519}
# Said when a split is asked for that the course does not have.
_SPLIT_NOTES = {
    "kluests": " Only KLUE-STS's dev set (klue-sts-v1.1_dev.json) ships with the course, as "
               "'validation': the KLUE train file (klue-sts-v1.1_train.json) is not available "
               "offline (load it with Hugging Face's datasets.load_dataset('klue/klue', 'sts') "
               "when online).",
}
_FILE_ROWS = {"dev_ids": 408, "msr_train": 4076, "msr_test": 1725}  # data rows per MRPC file


def _find_in(folder: Path, rel: str) -> Path:
    candidates = [folder / "STS-B" / rel, folder / rel]
    return next((p for p in candidates if p.is_file()), candidates[0])


def _check_stsb_folder(folder: Path) -> None:
    """The extracted STS-B.zip must hold the three files the course reads, byte for byte."""
    for (dataset, _), (_, rel, sha) in _TEXT_FILES.items():
        if dataset == "stsb":
            verify_file(_find_in(folder, rel), sha, fix="STS-B.zip is not the GLUE release.")


def _text_file(dataset: str, key: str) -> tuple[Path, str, str]:
    """(path, pinned sha256, the fix to print when the file is broken)."""
    folder, rel, sha = _TEXT_FILES[(dataset, key)]
    data_dir = config.get_data_dir()
    if data_dir is not None and (data_dir / folder / rel).is_file():
        fix = f"Restore {data_dir / folder / rel} from the course's data (see its SOURCE.md)."
        return data_dir / folder / rel, sha, fix
    hint = f"{data_dir or '$TL_DATA_DIR'}/{folder}/{rel}"
    if dataset == "stsb":
        root = download(
            "STS-B.zip", _STSB_URL, sha256=None, cache_subdir="datasets",
            what="GLUE STS-B (STS-B.zip)", local_hint=hint, extract=True,
            validate=_check_stsb_folder,
        )
        path = _find_in(root, rel)
    elif dataset == "mrpc":
        url = {"msr_train": _MRPC_TRAIN_URL, "msr_test": _MRPC_TEST_URL,
               "dev_ids": _MRPC_DEV_IDS_URL}[key]
        path = download(Path(rel).name, url, sha256=sha, cache_subdir="datasets/glue-mrpc",
                        what=f"MRPC file {rel}", local_hint=hint)
    else:
        base, subdir, title = _RAW_FILES[dataset]
        path = download(Path(rel).name, base + rel, sha256=sha, cache_subdir=subdir,
                        what=f"{title} file {rel}", local_hint=hint)
    return path, sha, f"Delete {path} and run again online, or put a copy here: {hint}"


def _check_count(path: Path, found: int, expected: int, what: str, fix: str) -> None:
    if found != expected:
        raise AssetCorruptError(
            f"{path}: {found} {what}, but the course's copy has {expected} (SOURCE.md): the "
            f"file is incomplete or a different version. {fix}"
        )


def _columns(path: Path, row: tuple[int, list[str]], names: tuple[str, ...],
             fix: str) -> list[int]:
    """Where each of ``names`` is in the header ``row``; a missing one names file and line."""
    line, header = row
    for column in names:
        if column not in header:
            raise AssetCorruptError(
                f"{path}, line {line}: no '{column}' column in the header {header[:10]}. {fix}"
            )
    return [header.index(column) for column in names]


def _load_sts_tsv(dataset: str, split: str) -> SentencePairs:
    """STS-B or KorSTS: TSV rows with two sentences and a score in [0, 5]."""
    path, sha, fix = _text_file(dataset, split)
    rows = read_tsv(path, fix)
    if dataset == "stsb" and split == "test":  # original/sts-test.tsv: genre, file, year, id,
        body, i1, i2, isc = rows, 5, 6, 4      # score, s1, s2[, ...] and no header
    else:  # GLUE train/dev and KorSTS: a header names the columns
        body = rows[1:]
        i1, i2, isc = _columns(path, rows[0], ("sentence1", "sentence2", "score"), fix)
    need = max(i1, i2, isc) + 1
    s1, s2, y = [], [], []
    for row in body:
        fields = need_fields(path, row, need, fix)
        y.append(parse_score(path, row[0], fields[isc], fix))
        s1.append(fields[i1])
        s2.append(fields[i2])
    title = {"stsb": "STS-B", "korsts": "KorSTS"}[dataset]
    _check_count(path, len(y), PAIR_COUNTS[(dataset, split)], f"{title} {split} pairs", fix)
    verify_file(path, sha, fix=fix)
    return SentencePairs(dataset, split, s1, s2, np.array(y, dtype=np.float32), "regression")


def _read_msr(key: str) -> tuple[Path, list[tuple[int, list[str]]]]:
    """Data rows of an MSR paraphrase file (header ``Quality  #1 ID  #2 ID  ...``)."""
    path, sha, fix = _text_file("mrpc", key)
    rows = read_tsv(path, fix)
    if rows[0][1][0].strip() != "Quality":
        raise AssetCorruptError(
            f"{path}, line {rows[0][0]}: expected the header 'Quality  #1 ID  #2 ID  #1 String  "
            f"#2 String', got {rows[0][1][:5]}. {fix}"
        )
    body = rows[1:]
    for row in body:
        parse_label(path, row[0], need_fields(path, row, 5, fix)[0], fix)
    _check_count(path, len(body), _FILE_ROWS[key], "data rows", fix)
    verify_file(path, sha, fix=fix)
    return path, body


def _load_mrpc(split: str) -> SentencePairs:
    if split == "test":
        _, rows = _read_msr("msr_test")
    else:
        ids_path, sha, fix = _text_file("mrpc", "dev_ids")
        id_rows = read_tsv(ids_path, fix)
        dev_ids = {tuple(need_fields(ids_path, r, 2, fix)[:2]) for r in id_rows}
        _check_count(ids_path, len(dev_ids), _FILE_ROWS["dev_ids"], "dev id pairs", fix)
        verify_file(ids_path, sha, fix=fix)
        path, rows = _read_msr("msr_train")
        in_dev = [tuple(f[1:3]) in dev_ids for _, f in rows]
        _check_count(path, sum(in_dev), len(dev_ids), f"pairs listed in {ids_path.name}", fix)
        rows = [r for r, dev in zip(rows, in_dev) if dev == (split == "validation")]
    labels = np.array([int(f[0]) for _, f in rows], dtype=np.int64)
    return SentencePairs(
        "mrpc", split, [f[3] for _, f in rows], [f[4] for _, f in rows], labels, "classification"
    )


def _check_name_split(name: Any, split: Any) -> tuple[str, str]:
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, one of {sorted(PAIR_DATASETS)}; got {name!r}.")
    key = name.lower().replace("-", "").replace("_", "")
    if key not in PAIR_DATASETS:
        raise KeyError(
            f"Unknown sentence-pair data set {name!r}; known: {sorted(PAIR_DATASETS)}."
            f"{did_you_mean(key, PAIR_DATASETS)}"
        )
    if not isinstance(split, str):
        raise TypeError(f"split must be a string, one of {PAIR_DATASETS[key]}; got {split!r}.")
    if split not in PAIR_DATASETS[key]:
        hint = " Did you mean 'validation'?" if split.lower() in ("dev", "val", "valid") else (
            did_you_mean(split, PAIR_DATASETS[key]))
        raise KeyError(f"Unknown split {split!r} for {key}; known: {PAIR_DATASETS[key]}.{hint}"
                       f"{_SPLIT_NOTES.get(key, '')}")
    return key, split


def load_pairs(
    name: str, split: str, n: int | None = None, seed: int | None = None
) -> SentencePairs:
    """Loads sentence pairs: STS-B, MRPC, KorSTS, Korean question pairs or KLUE-STS.

    Local files first (``TL_DATA_DIR``), then a verified download. STS-B, KorSTS and
    KLUE-STS scores are floats in [0, 5] (task "regression"); MRPC labels are 1
    (paraphrase) or 0, and Korean question-pair labels are 1 (the same question) or 0
    (task "classification"). The question-pair source labels the other way round
    (``is_duplicate`` 0 = same question): the loader returns ``1 - is_duplicate``, so 1
    means paraphrase for both MRPC and ``korqpair``. The test splits carry their gold
    labels (the original STS Benchmark and MSR files, KorSTS's), unlike GLUE's unlabeled
    test files. KLUE-STS has only ``"validation"`` (its dev set): the KLUE train file is
    not available offline.

    Args:
        name: ``"stsb"``, ``"mrpc"``, ``"korsts"``, ``"korqpair"`` or ``"kluests"``; case,
            ``-`` and ``_`` are ignored (``"STS-B"``, ``"KorSTS"``, ``"klue_sts"`` work too).
        split: ``"train"``, ``"validation"`` or ``"test"`` (``"kluests"``: ``"validation"``).
        n: Keep a seeded random sample of ``n`` pairs (>= 1); None keeps all.
        seed: Sample seed; None reads ``TL_SEED``.

    Returns:
        A ``SentencePairs``.

    Raises:
        KeyError: Unknown name or split. TypeError/ValueError: Bad ``n`` or ``seed``.
        AssetNotFoundError: Missing offline. AssetCorruptError: A file with a bad line,
        value, column or count (the file, line and value are named).

    Example:
        >>> len(load_pairs("mrpc", "validation"))
        408

    Used in: 00_setup_and_tour.ipynb, 05-08, 11_korean_double_fine_tuning.ipynb.
    """
    key, split = _check_name_split(name, split)
    n = None if n is None else check_int("n", n, low=1)
    seed = check_seed(seed)
    from utils.data.pairs_korean import _load_kluests, _load_korqpair  # it imports this module

    if key in ("stsb", "korsts"):
        pairs = _load_sts_tsv(key, split)
    elif key == "mrpc":
        pairs = _load_mrpc(split)
    elif key == "korqpair":
        pairs = _load_korqpair(split)
    else:
        pairs = _load_kluests(split)
    return pairs.sample(n, seed)
