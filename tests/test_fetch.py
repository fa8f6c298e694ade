import pytest

from utils import _fetch


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
