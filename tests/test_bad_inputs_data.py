"""Table-driven bad inputs for every public function of utils.data, utils.assets and the asset
functions of utils.models: each must raise the right type with a message naming the bad value or
file, and the natural good inputs (NumPy numbers included) must be accepted. Each case ~1 s.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from utils import assets, data
from utils.assets import AssetCorruptError, AssetNotFoundError
from utils.data import splits, tables
from utils.models import encoder, tokenizer, vision

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NAN = float("nan")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, clean_env):
    """Own KERAS_HOME; data and weights from the defaults (../shared) when they exist."""
    clean_env.setenv("KERAS_HOME", str(tmp_path / "keras"))


def _pairs() -> data.SentencePairs:
    return data.SentencePairs("stsb", "train", ["a", "b", "c"], ["d", "e", "f"],
                              np.array([1.0, 2.0, 3.0], np.float32), "regression")


ARGUMENTS = [
    # load_flowers: every check happens before a file is read
    ("flowers size 8", lambda: data.load_flowers(image_size=8), ValueError,
     "image_size must be an int in [32, 512], got 8"),
    ("flowers size float", lambda: data.load_flowers(image_size=96.0), TypeError,
     "image_size must be an int, got float 96.0"),
    ("flowers size bool", lambda: data.load_flowers(image_size=True), TypeError, "True"),
    ("flowers size str", lambda: data.load_flowers(image_size="96"), TypeError, "'96'"),
    ("flowers n 2", lambda: data.load_flowers(n_per_class=2), ValueError,
     "n_per_class must be an int in [5, inf], got 2"),
    ("flowers n float", lambda: data.load_flowers(n_per_class=np.float64(10)), TypeError,
     "n_per_class must be an int, got float64"),
    ("flowers profile", lambda: data.load_flowers(profile="medium"), ValueError, "'medium'"),
    ("flowers seed -1", lambda: data.load_flowers(seed=-1), ValueError, "got -1"),
    ("flowers seed 1.5", lambda: data.load_flowers(seed=1.5), TypeError, "1.5"),
    ("flowers nan fraction", lambda: data.load_flowers(fractions=(0.6, 0.2, NAN)), ValueError,
     "fractions[2] (test) must be a finite number, got nan"),
    ("flowers negative fraction", lambda: data.load_flowers(fractions=(0.6, 0.5, -0.1)),
     ValueError, "fractions[2] (test) must be in (0.0, 1.0), got -0.1"),
    ("flowers two fractions", lambda: data.load_flowers(fractions=(0.8, 0.2)), ValueError,
     "got (0.8, 0.2)"),
    ("flowers one fraction", lambda: data.load_flowers(fractions=0.6), TypeError, "float 0.6"),
    ("flowers fractions sum", lambda: data.load_flowers(fractions=(0.5, 0.3, 0.3)), ValueError,
     "fractions must sum to 1, got (0.5, 0.3, 0.3)"),
    # load_digits_rgb
    ("digits size 1000", lambda: data.load_digits_rgb(1000), ValueError, "got 1000"),
    ("digits n too many", lambda: data.load_digits_rgb(32, n_per_class=175), ValueError,
     "n_per_class=175 but class '8' has only 174 examples available; ask for at most 174"),
    ("digits n str", lambda: data.load_digits_rgb(32, n_per_class="10"), TypeError, "'10'"),
    ("digits inf fraction", lambda: data.load_digits_rgb(fractions=(np.inf, 0.2, 0.2)),
     ValueError, "got inf"),
    # stratified_split / pick_per_class
    ("split 2-D labels", lambda: data.stratified_split(np.zeros((4, 2)), (0.6, 0.2, 0.2), 0),
     ValueError, "shape (4, 2)"),
    ("split empty labels", lambda: data.stratified_split([], (0.6, 0.2, 0.2), 0), ValueError,
     "shape (0,)"),
    ("split nan label", lambda: data.stratified_split([0.0, NAN, 1.0], (0.6, 0.2, 0.2), 0),
     ValueError, "got nan"),
    ("split tiny class", lambda: data.stratified_split([0] * 10 + [1], (0.6, 0.2, 0.2), 0),
     ValueError, "class 1 has only 1 examples"),
    ("split seed str", lambda: data.stratified_split([0] * 10, (0.6, 0.2, 0.2), "abc"),
     ValueError, "'abc'"),
    ("split seed too big", lambda: data.stratified_split([0] * 10, (0.6, 0.2, 0.2), 2**32),
     ValueError, str(2**32)),
    ("pick 0", lambda: data.pick_per_class([0, 1], 0), ValueError, "got 0"),
    ("fractions four", lambda: splits.check_fractions([0.25] * 4), ValueError,
     "got [0.25, 0.25, 0.25, 0.25]"),
    ("fractions strings", lambda: splits.check_fractions("0.6,0.2,0.2"), TypeError,
     "str '0.6,0.2,0.2'"),
    ("seed float32", lambda: splits.check_seed(np.float32(3)), TypeError, "float32"),
    ("n_per_class 3", lambda: splits.check_n_per_class(3), ValueError, "got 3"),
    ("pick more than a class has",
     lambda: data.pick_per_class([0, 0, 0, 1, 1], 3, 0, ("cats", "dogs")), ValueError,
     "n_per_class=3 but class 'dogs' has only 2 examples available"),
    # load_pairs and SentencePairs
    ("pairs name int", lambda: data.load_pairs(3, "train"), TypeError, "got 3"),
    ("pairs unknown name", lambda: data.load_pairs("qqp", "train"), KeyError, "'qqp'"),
    ("pairs near name", lambda: data.load_pairs("stbs", "train"), KeyError, "Did you mean 'stsb'"),
    ("pairs split dev", lambda: data.load_pairs("mrpc", "dev"), KeyError,
     "Unknown split 'dev' for mrpc; known: ('train', 'validation', 'test'). Did you mean "
     "'validation'?"),
    ("pairs split int", lambda: data.load_pairs("mrpc", 1), TypeError, "got 1"),
    ("pairs n 0", lambda: data.load_pairs("mrpc", "validation", n=0), ValueError, "got 0"),
    ("pairs n float", lambda: data.load_pairs("mrpc", "validation", n=2.5), TypeError, "2.5"),
    ("pairs seed bool", lambda: data.load_pairs("mrpc", "validation", seed=True), TypeError,
     "True"),
    ("subset out of range", lambda: _pairs().subset([1, 3]), ValueError,
     "index 3 is out of range for 3 pairs"),
    ("subset negative", lambda: _pairs().subset(np.array([-1])), ValueError, "index -1"),
    ("subset strings", lambda: _pairs().subset(["a"]), TypeError, "['a']"),
    ("sample 0", lambda: _pairs().sample(0, 1), ValueError, "n must be an int in [1, inf], got 0"),
    ("sample nan seed", lambda: _pairs().sample(2, NAN), TypeError, "nan"),
    # utils.assets
    ("download ftp", lambda: assets.download("x.h5", "ftp://host/x.h5", sha256=None,
                                             cache_subdir="models", what="x", local_hint="h"),
     ValueError, "'ftp://host/x.h5'"),
    ("download bad sha", lambda: assets.download("x.h5", "file:///x.h5", sha256="ABC",
                                                 cache_subdir="models", what="x", local_hint="h"),
     ValueError, "'ABC'"),
    ("download path name", lambda: assets.download("../x.h5", "file:///x.h5", sha256=None,
                                                   cache_subdir="models", what="x",
                                                   local_hint="h"),
     ValueError, "fname='../x.h5' is not a plain file name"),
    ("download absolute subdir", lambda: assets.download("x.h5", "file:///x.h5", sha256=None,
                                                         cache_subdir="/etc", what="x",
                                                         local_hint="h"),
     ValueError, "cache_subdir part=''"),
    ("download empty subdir", lambda: assets.download("x.h5", "file:///x.h5", sha256=None,
                                                      cache_subdir="", what="x",
                                                      local_hint="h"),
     ValueError, "cache_subdir must be a relative folder name, got ''"),
    ("file name type", lambda: assets.check_file_name(Path("a.h5")), TypeError, "PosixPath"),
    ("file name control char", lambda: assets.check_file_name("a\n.h5"), ValueError, "'a\\n.h5'"),
    # the asset functions of utils.models
    ("weights name path", lambda: vision.install_local_weights("models/x.h5"), ValueError,
     "'models/x.h5'"),
    ("weights name int", lambda: vision.install_local_weights(5), TypeError, "int 5"),
    ("tokenizer max_length 4", lambda: tokenizer.load_pair_tokenizer(4), ValueError,
     "max_length must be an int in [8, 512], got 4"),
    ("tokenizer max_length float", lambda: tokenizer.load_pair_tokenizer(16.0), TypeError,
     "float 16.0"),
    ("tokenizer max_length bool", lambda: tokenizer.PairTokenizer("t.json", True), TypeError,
     "True"),
]


@pytest.mark.parametrize("label,call,error,needle", ARGUMENTS, ids=[a[0] for a in ARGUMENTS])
def test_bad_arguments_are_refused_naming_the_value(label, call, error, needle):
    with pytest.raises(error) as info:
        call()
    assert needle in str(info.value), f"{label}: {info.value}"


def _write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


FILES = [
    ("hdf5 text", assets.validate_hdf5, "w.h5", "hello", "not an HDF5 file (it starts with b'hello')"),
    ("hdf5 empty", assets.validate_hdf5, "w.h5", b"", "not an HDF5 file"),
    ("hdf5 signature only", assets.validate_hdf5, "w.h5", b"\x89HDF\r\n\x1a\n" + bytes(100),
     "unreadable HDF5"),
    ("safetensors short", assets.validate_safetensors, "m.safetensors", b"\x01\x02",
     "too short for a safetensors file (2 bytes)"),
    ("safetensors huge header", assets.validate_safetensors, "m.safetensors",
     (10**9).to_bytes(8, "little") + b"{}", "header length 1000000000 does not fit"),
    ("safetensors garbled header", assets.validate_safetensors, "m.safetensors",
     (5).to_bytes(8, "little") + b"{nope", "garbled safetensors header"),
    ("safetensors no tensors", assets.validate_safetensors, "m.safetensors",
     (2).to_bytes(8, "little") + b"{}", "without tensors"),
    ("safetensors padded", assets.validate_safetensors, "m.safetensors",
     (len(b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}')).to_bytes(8, "little")
     + b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}' + bytes(9),
     "tensors need 4 bytes of data, the file holds 9"),
    ("json cut", assets.validate_json, "c.json", '{"a": ', "not valid JSON"),
    ("json latin-1", assets.validate_json, "c.json", b'{"a": "\xe9"}', "not valid JSON"),
    ("tokenizer no vocab", assets.validate_tokenizer_json, "t.json", json.dumps({"model": {}}),
     "without a tokenizer vocabulary"),
    ("tokenizer a list", assets.validate_tokenizer_json, "t.json", "[1, 2]",
     "without a tokenizer vocabulary"),
    ("empty file", assets.validate_non_empty, "e.bin", b"", "e.bin: empty"),
    ("tsv empty", lambda p: tables.read_tsv(p, "FIX"), "x.tsv", b"\n\n", "the file is empty"),
    ("tsv latin-1", lambda p: tables.read_tsv(p, "FIX"), "x.tsv", b"a\tb\nc\t\xe9\n",
     "line 2: not UTF-8 text (byte 0xe9 at column 3)"),
    ("tsv NUL", lambda p: tables.read_tsv(p, "FIX"), "x.tsv", b"a\tb\nc\x00d\n",
     "line 2: a NUL byte"),
]


@pytest.mark.parametrize("label,check,name,content,needle", FILES, ids=[f[0] for f in FILES])
def test_bad_files_are_refused_naming_the_file(tmp_path, label, check, name, content, needle):
    path = _write(tmp_path, name, content)
    with pytest.raises(AssetCorruptError) as info:
        check(path)
    assert str(path) in str(info.value) and needle in str(info.value), f"{label}: {info.value}"


VALUES = [
    ("score nan", lambda: tables.parse_score(Path("f.tsv"), 3, "nan", "FIX"),
     "f.tsv, line 3: score 'nan' is not finite. FIX"),
    ("score 42", lambda: tables.parse_score(Path("f.tsv"), 4, "42", "FIX"),
     "line 4: score '42' is outside [0.0, 5.0]"),
    ("score -3", lambda: tables.parse_score(Path("f.tsv"), 5, "-3", "FIX"), "score '-3'"),
    ("score empty", lambda: tables.parse_score(Path("f.tsv"), 6, "", "FIX"),
     "score '' is not a number"),
    ("label 2", lambda: tables.parse_label(Path("f.tsv"), 7, "2", "FIX"), "line 7: label '2'"),
    ("label 0.0", lambda: tables.parse_label(Path("f.tsv"), 8, "0.0", "FIX"), "label '0.0'"),
    ("fields", lambda: tables.need_fields(Path("f.tsv"), (9, ["a", "b"]), 5, "FIX"),
     "f.tsv, line 9: 2 tab-separated field(s), expected at least 5"),
    ("verify missing", lambda: assets.verify_file(Path("/nope/w.h5"), fix="FIX"),
     "/nope/w.h5 is missing. FIX"),
    ("tokenizer missing", lambda: tokenizer.PairTokenizer("/nope/tokenizer.json", 16),
     "No tokenizer file at /nope/tokenizer.json"),
]


@pytest.mark.parametrize("label,call,needle", VALUES, ids=[v[0] for v in VALUES])
def test_bad_values_name_file_line_and_value(label, call, needle):
    with pytest.raises((AssetCorruptError, AssetNotFoundError)) as info:
        call()
    assert needle in str(info.value), f"{label}: {info.value}"


def test_a_wrong_hash_names_file_and_both_hashes(tmp_path):
    path = _write(tmp_path, "f.bin", b"abc")
    with pytest.raises(AssetCorruptError) as info:
        assets.verify_file(path, "0" * 64, fix="FIX")
    assert f"{path}: sha256 {assets.sha256_of(path)} differs from the pinned {'0' * 64}" in str(
        info.value)
    with pytest.raises(FileNotFoundError):
        assets.sha256_of(tmp_path / "missing.bin")


def test_encoder_dir_override_must_be_a_folder_with_valid_files(tmp_path, clean_env):
    clean_env.setenv("TL_ENCODER_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(AssetNotFoundError, match="nowhere.*config.json"):
        encoder.encoder_folder()
    (tmp_path / "config.json").write_text("{broken")
    clean_env.setenv("TL_ENCODER_DIR", str(tmp_path))
    with pytest.raises(AssetCorruptError, match=f"{tmp_path}/config.json: not valid JSON"):
        encoder.encoder_folder()


# --------------------------------------------------------------------------- good inputs


needs_data = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="needs ../shared/data")


@needs_data
def test_numpy_numbers_are_accepted_like_python_ones():
    a = data.load_flowers(image_size=np.int64(32), n_per_class=np.int32(5), profile="quick",
                          seed=np.uint8(3), fractions=np.array([0.6, 0.2, 0.2]))
    b = data.load_flowers(image_size=32, n_per_class=5, profile="quick", seed=3,
                          fractions=[0.6, 0.2, 0.2])
    assert (a.x_train == b.x_train).all() and a.sizes() == {"train": 15, "val": 5, "test": 5}
    pairs = data.load_pairs("mrpc", "validation", n=np.int64(5), seed=np.int16(1))
    assert pairs.sentence1 == data.load_pairs("mrpc", "validation", n=5, seed=1).sentence1
    assert len(pairs.sample(np.int64(2), np.int64(0))) == 2
    assert data.load_digits_rgb(np.int32(32), n_per_class=np.int64(174)).sizes()["train"] == 1040
    assert len(data.pick_per_class(np.array([0, 0, 1, 1]), np.int8(2), np.int64(0))) == 4
    assert tokenizer.load_pair_tokenizer(np.int64(16)).max_length == 16


def test_stratified_split_keeps_its_seeded_split():
    """The same split as before issue 12 for the same seed (notebook results stay reproducible)."""
    labels = np.repeat(np.arange(3), 10)
    tr, va, te = data.stratified_split(labels, (0.6, 0.2, 0.2), 0)
    assert va.tolist() == [0, 9, 17, 18, 21, 26] and te.tolist() == [1, 8, 11, 15, 23, 27]
    assert len(tr) == 18
