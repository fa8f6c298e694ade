import subprocess
import sys
from pathlib import Path

import keras
import pytest

from utils import assets as _fetch


@pytest.fixture(autouse=True)
def _own_keras_home(tmp_path, monkeypatch):
    """Every test gets its own cache: the real one is never read or written."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))


def test_download_from_local_file_verifies_sha256(tmp_path):
    src = tmp_path / "good.bin"
    src.write_bytes(b"real bytes")
    sha = _fetch.sha256_of(src)
    sub = f"test-fetch-{tmp_path.name}"
    path = _fetch.download("good.bin", src.as_uri(), sha256=sha, cache_subdir=sub,
                           what="a test file", local_hint=str(src))
    assert path.read_bytes() == b"real bytes"
    assert path.parent == _fetch.cache_root(sub)


def test_corrupt_download_leaves_nothing_in_cache(tmp_path):
    src = tmp_path / "bad.bin"
    src.write_bytes(b"tampered")
    sub = f"test-fetch-{tmp_path.name}"
    with pytest.raises(_fetch.AssetNotFoundError, match="corrupt or incomplete.*removed"):
        _fetch.download("bad.bin", src.as_uri(), sha256="0" * 64, cache_subdir=sub,
                        what="a test file", local_hint="here")
    assert not (_fetch.cache_root(sub) / "bad.bin").exists()


def test_failed_download_names_file_place_and_url(tmp_path):
    sub = f"test-fetch-{tmp_path.name}"
    with pytest.raises(_fetch.AssetNotFoundError) as info:
        _fetch.download("x.zip", "http://127.0.0.1:9/x.zip", sha256=None, cache_subdir=sub,
                        what="the x archive", local_hint="/data/x.zip", extract=True)
    text = str(info.value)
    assert "x.zip" in text and "/data/x.zip" in text and "http://127.0.0.1:9/x.zip" in text
    assert not any(_fetch.cache_root(sub).iterdir())


def _try_lock_in_another_process(lock: Path) -> str:
    code = ("import sys, filelock\n"
            "try:\n    filelock.FileLock(sys.argv[1], timeout=0).acquire()\n"
            "except filelock.Timeout:\n    print('busy')\nelse:\n    print('free')\n")
    return subprocess.run([sys.executable, "-c", code, str(lock)], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_download_holds_a_lock_that_other_processes_wait_for(tmp_path, monkeypatch):
    src = tmp_path / "locked.bin"
    src.write_bytes(b"payload")
    sub = f"test-fetch-{tmp_path.name}"
    lock = _fetch.lock_path("locked.bin", sub)
    seen = []
    real_get_file = keras.utils.get_file

    def spying_get_file(*args, **kwargs):
        seen.append(_try_lock_in_another_process(lock))
        return real_get_file(*args, **kwargs)

    monkeypatch.setattr(keras.utils, "get_file", spying_get_file)
    _fetch.download("locked.bin", src.as_uri(), sha256=_fetch.sha256_of(src), cache_subdir=sub,
                    what="a test file", local_hint=str(src))
    assert seen == ["busy"], "another process must not enter while a file is being written"
    assert _try_lock_in_another_process(lock) == "free", "the lock is released afterwards"
    assert lock.parent != _fetch.cache_root(sub), "the lock file stays out of the cache folder"
