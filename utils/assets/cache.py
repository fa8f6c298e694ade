"""The Keras cache: verified downloads and copies that never destroy what they did not create.

Three promises, each tested in ``tests/test_faults.py``:

* **Nothing lost.** A download or copy is written to a temporary name in the cache folder
  and renamed into place (``os.replace``) only once it is complete and verified; a failure
  removes this call's temporary files and nothing else (a user's own
  ``datasets/flower_photos/`` stays). File names are checked: no separators, no ``..``.
* **Nothing trusted without proof.** A file is accepted with its pinned sha256, or, where
  no hash can exist, after opening it (HDF5 signature and superblock, safetensors header,
  tokenizer JSON with a vocabulary, extracted archive contents).
* **Nothing silent.** Every error names the file, what is wrong with it and the fix.

Example:
    >>> from utils.assets.checks import validate_hdf5
    >>> path = download("w.h5", "file:///data/w.h5", sha256=None, cache_subdir="models",
    ...                 what="a weight file", local_hint="/data/w.h5", validate=validate_hdf5)
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import keras
from filelock import FileLock

from utils.assets.checks import (
    AssetCorruptError,
    AssetNotFoundError,
    Validator,
    check_file_name,
    missing_message,
    sha256_of,
    validate_non_empty,
)

__all__ = ["download", "cache_root", "lock_path"]

_HEX64 = re.compile(r"[0-9a-f]{64}")
_PARTIAL = ".partial-"  # temporary names: .<fname>.partial-<pid>-<random>
_LOCK_TIMEOUT_S = 1800  # the largest file the course fetches (~230 MB) over a slow line


def _check_subdir(cache_subdir: object) -> str:
    if not isinstance(cache_subdir, str) or not cache_subdir.strip():
        raise ValueError(f"cache_subdir must be a relative folder name, got {cache_subdir!r}.")
    for part in cache_subdir.split("/"):
        check_file_name(part, "cache_subdir part")
    return cache_subdir


def cache_root(cache_subdir: str) -> Path:
    """The cache folder for ``cache_subdir``: ``$KERAS_HOME/<cache_subdir>``.

    ``KERAS_HOME`` is read now (keras reads it once, at import, into its own config), so a
    test or notebook that sets it after ``import keras`` gets that folder; without it,
    keras's own home. Like ``keras.utils.get_file``, a read-only home falls back to
    ``/tmp/.keras``.
    """
    from keras.src.backend import config as keras_config  # the root get_file uses by default

    raw = os.environ.get("KERAS_HOME", "").strip()
    base = Path(raw or keras_config.keras_home()).expanduser()
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    if not os.access(base, os.W_OK):
        base = Path(tempfile.gettempdir()) / ".keras"
    return base / cache_subdir


def lock_path(fname: str, cache_subdir: str) -> Path:
    """The lock file guarding ``fname`` in ``cache_subdir`` (kept beside, not inside, it)."""
    folder = cache_root(cache_subdir).parent / ".locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{cache_subdir.replace('/', '_')}__{fname}.lock"


# --------------------------------------------------------------------------- download


def _extracted_name(fname: str) -> str:
    """Where ``keras.utils.get_file(fname, extract=True)`` puts the extracted files."""
    return f"{fname[: fname.find('.')]}_extracted" if "." in fname else fname


def _check(path: Path, sha256: str | None, validate: Validator | None) -> str | None:
    """None when ``path`` passes; otherwise what is wrong with it."""
    if not path.exists():
        return "missing"
    try:
        if sha256 is not None and path.is_file() and sha256_of(path) != sha256:
            return f"sha256 {sha256_of(path)} is not the pinned {sha256}"
        (validate or validate_non_empty)(path)
    except (AssetCorruptError, OSError) as error:
        return str(error)
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _sweep_stale_partials(root: Path, fname: str) -> None:
    """Removes temporaries of ``fname`` left by a call that died (SIGKILL, power cut).

    Only names this module makes (``.<fname>.partial-<pid>-…``) whose process is gone; we
    hold the file's lock, so no live call is writing them.
    """
    prefix = f".{fname}{_PARTIAL}"
    for entry in root.glob(f"{_glob_escape(prefix)}*"):
        pid_text = entry.name[len(prefix):].split("-", 1)[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and not _pid_alive(int(pid_text)):
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(True)


def _glob_escape(text: str) -> str:
    """``text`` with glob's special characters escaped (file names may contain ``[``)."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def _fetch(fname: str, origin: str, sha256: str | None, tmp: Path, extract: bool) -> Path:
    """``keras.utils.get_file`` into ``tmp``; a real hash mismatch is told apart from the rest."""
    quiet = origin.startswith("file://") and keras.config.is_interactive_logging_enabled()
    if quiet:  # a local copy: no progress bar
        keras.config.disable_interactive_logging()
    try:
        with warnings.catch_warnings():  # "Could not extract archive": download() says why
            warnings.filterwarnings("ignore", message="Could not extract archive")
            result = keras.utils.get_file(
                fname, origin, file_hash=sha256, hash_algorithm="sha256",
                cache_dir=str(tmp), cache_subdir="", extract=extract,
            )
    except Exception as error:
        got = tmp / fname  # get_file leaves a file whose hash did not match
        if sha256 is not None and got.is_file() and sha256_of(got) != sha256:
            raise _HashMismatch(f"sha256 {sha256_of(got)} is not the pinned {sha256}") from error
        raise
    finally:
        if quiet:
            keras.config.enable_interactive_logging()
    return Path(result)


class _HashMismatch(Exception):
    pass


def _move_into_place(new: Path, final: Path, tmp: Path) -> None:
    """Atomically renames ``new`` to ``final``; a failed old entry moves into ``tmp`` first."""
    if final.exists() and (new.is_dir() or final.is_dir()):
        os.replace(final, tmp / "replaced")  # a folder cannot be renamed over a full one
    os.replace(new, final)


def download(
    fname: str,
    origin: str,
    *,
    sha256: str | None,
    cache_subdir: str,
    what: str,
    local_hint: str,
    extract: bool = False,
    validate: Validator | None = None,
) -> Path:
    """Fetches ``origin`` into the Keras cache through ``keras.utils.get_file``, verified.

    A cached copy that passes its check (pinned ``sha256`` and/or ``validate``) is returned
    at once. Otherwise the file is fetched into a temporary folder inside the cache folder,
    checked, extracted there when ``extract``, checked again, and only then renamed into
    place. Whatever fails, only this call's temporary files are removed; a cached copy that
    failed its check is left where it is (and named in the error) unless a verified one
    replaces it. Processes sharing a cache (test workers, two notebooks) take turns through
    a file lock beside the folder.

    Args:
        fname: File name in the cache (no folder part).
        origin: ``https://``, ``http://`` or ``file://`` URL.
        sha256: The pinned hash of the file (the archive when ``extract``), or None.
        cache_subdir: Folder under ``$KERAS_HOME``, e.g. ``"models"``.
        what: Words for the error message ("the flowers photos").
        local_hint: Where a learner can put a copy instead.
        extract: Unpack the archive; the extraction folder is returned.
        validate: Content check of the file (or extracted folder) raising
            ``AssetCorruptError``; with neither hash nor check, a non-empty file is required.

    Returns:
        The cached file, or the extraction folder.

    Raises:
        ValueError: A bad name, folder, URL or hash. AssetNotFoundError: Not downloadable
        now, or the download failed its check (the message says which).

    Example:
        >>> download("w.h5", "file:///data/w.h5", sha256=None, cache_subdir="models",
        ...          what="a weight file", local_hint="/data/w.h5")  # doctest: +SKIP

    Used in: ``utils.data``, ``utils.models``.
    """
    check_file_name(fname)
    _check_subdir(cache_subdir)
    if not isinstance(origin, str) or not origin.startswith(("https://", "http://", "file://")):
        raise ValueError(f"origin must be an https://, http:// or file:// URL, got {origin!r}.")
    if sha256 is not None and not (isinstance(sha256, str) and _HEX64.fullmatch(sha256)):
        raise ValueError(f"sha256 must be 64 lowercase hex digits or None, got {sha256!r}.")
    root = cache_root(cache_subdir)
    root.mkdir(parents=True, exist_ok=True)
    final = root / (_extracted_name(fname) if extract else fname)
    with FileLock(lock_path(fname, cache_subdir), timeout=_LOCK_TIMEOUT_S):
        _sweep_stale_partials(root, fname)
        old_problem = _check(final, None if extract else sha256, validate)
        if old_problem is None:
            return final
        stale = "" if old_problem == "missing" else (
            f"\n  The cached copy {final} failed its check ({old_problem}); it was left in "
            f"place. Delete it (rm -r '{final}') and run again, or put a verified copy here: "
            f"{local_hint}"
        )
        tmp = Path(tempfile.mkdtemp(prefix=f".{fname}{_PARTIAL}{os.getpid()}-", dir=root))
        try:
            try:
                fetched = _fetch(fname, origin, sha256, tmp, extract)
                problem = _check(fetched, None if extract else sha256, validate)
                if problem == "missing":
                    problem = "not a tar or zip archive: nothing was extracted"
            except _HashMismatch as error:
                problem = str(error)
            except Exception as error:  # offline, HTTP error, interrupted
                raise AssetNotFoundError(
                    missing_message(what, fname, local_hint, origin, error) + stale
                ) from error
            if problem is not None:
                raise AssetNotFoundError(
                    f"The download of {what} from {origin} is corrupt or incomplete "
                    f"({problem}); the bad file was removed (it never entered the cache). Try "
                    f"again, or put a verified copy here: {local_hint}" + stale
                )
            _move_into_place(fetched, final, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return final
