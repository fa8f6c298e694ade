"""Local-first files with verified downloads into the Keras cache (used by utils.data and utils.models)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import keras
from filelock import FileLock


class AssetNotFoundError(FileNotFoundError):
    """A data or weight file is neither local nor downloadable right now."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def missing_message(what: str, expected: str, local_hint: str, url: str, cause: object) -> str:
    return (
        f"Could not find {what} locally and could not download it ({cause}).\n"
        f"  Needed: {expected}\n"
        f"  Put a copy here: {local_hint}\n"
        f"  Or download it (with internet) from: {url}"
    )


def download(
    fname: str,
    origin: str,
    *,
    sha256: str | None,
    cache_subdir: str,
    what: str,
    local_hint: str,
    extract: bool = False,
) -> Path:
    """Downloads ``origin`` into the Keras cache through ``keras.utils.get_file``.

    A failed or corrupt download is removed (archive and partial extraction), so the
    cache never holds a half-written file. Processes sharing a cache (parallel test
    workers, two notebooks) take turns through a file lock: otherwise one could read,
    re-download or delete a file another is still writing. Returns the file, or the
    extraction folder.
    """
    with FileLock(lock_path(fname, cache_subdir), timeout=_LOCK_TIMEOUT_S):
        quiet = origin.startswith("file://") and keras.config.is_interactive_logging_enabled()
        if quiet:  # a local copy: no progress bar
            keras.config.disable_interactive_logging()
        try:
            result = keras.utils.get_file(
                fname, origin, file_hash=sha256, hash_algorithm="sha256",
                cache_subdir=cache_subdir, extract=extract,
            )
        except ValueError as error:  # hash mismatch: get_file leaves the bad file behind
            _remove_cached(fname, cache_subdir, extract)
            raise AssetNotFoundError(
                f"The download of {what} from {origin} is corrupt or incomplete "
                f"({error}); the bad file was removed from the cache. Try again, or put a "
                f"verified copy here: {local_hint}"
            ) from error
        except Exception as error:  # offline, HTTP error, interrupted
            _remove_cached(fname, cache_subdir, extract)
            raise AssetNotFoundError(
                missing_message(what, fname, local_hint, origin, error)
            ) from error
        finally:
            if quiet:
                keras.config.enable_interactive_logging()
        return Path(result)


_LOCK_TIMEOUT_S = 1800  # the largest file the course fetches (~230 MB) over a slow line


def lock_path(fname: str, cache_subdir: str) -> Path:
    """The lock file guarding ``fname`` in ``cache_subdir`` (kept beside, not inside, it)."""
    folder = cache_root(cache_subdir).parent / ".locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{cache_subdir.replace('/', '_')}__{fname}.lock"


def cache_root(cache_subdir: str) -> Path:
    """The folder ``keras.utils.get_file`` writes ``cache_subdir`` into."""
    from keras.src.backend import config as keras_config  # the same root get_file uses

    return Path(keras_config.keras_home()).expanduser() / cache_subdir


def _remove_cached(fname: str, cache_subdir: str, extract: bool) -> None:
    root = cache_root(cache_subdir)
    candidates = [root / fname]
    if extract:
        stem = fname.split(".")[0]
        candidates += [root / f"{stem}_extracted", root / f"{fname}_archive", root / stem]
    for path in candidates:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()
