"""Local-first files with verified downloads into the Keras cache (used by utils.data and utils.models).

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
    >>> path = download("w.h5", "file:///data/w.h5", sha256=None, cache_subdir="models",
    ...                 what="a weight file", local_hint="/data/w.h5", validate=validate_hdf5)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path

import keras
from filelock import FileLock

__all__ = [
    "AssetNotFoundError", "AssetCorruptError", "sha256_of", "missing_message", "check_file_name",
    "download", "verify_file", "validate_hdf5", "validate_safetensors", "validate_json",
    "validate_tokenizer_json", "cache_root", "lock_path",
]

Validator = Callable[[Path], None]


class AssetNotFoundError(FileNotFoundError):
    """A data or weight file is neither local nor downloadable right now."""


class AssetCorruptError(ValueError):
    """A data or weight file exists but its content is wrong (truncated, garbled, out of range).

    The message names the file (and the line where that applies), what is wrong and the fix.
    """


_HEX64 = re.compile(r"[0-9a-f]{64}")
_PARTIAL = ".partial-"  # temporary names: .<fname>.partial-<pid>-<random>
_LOCK_TIMEOUT_S = 1800  # the largest file the course fetches (~230 MB) over a slow line
_SHA_MEMO: dict[tuple[str, int, int, int], str] = {}


def sha256_of(path: Path) -> str:
    """The sha256 hex digest of a file (memoised by path, size, mtime and inode)."""
    stat = os.stat(path)
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    if key not in _SHA_MEMO:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        _SHA_MEMO[key] = digest.hexdigest()
    return _SHA_MEMO[key]


def missing_message(what: str, expected: str, local_hint: str, url: str, cause: object) -> str:
    """The one error text for "not here and not downloadable": file, where to put it, URL."""
    return (
        f"Could not find {what} locally and could not download it ({cause}).\n"
        f"  Needed: {expected}\n"
        f"  Put a copy here: {local_hint}\n"
        f"  Or download it (with internet) from: {url}"
    )


def check_file_name(fname: object, label: str = "fname") -> str:
    """Returns ``fname`` when it is a plain file name (no folder part, no ``..``).

    Raises:
        TypeError: Not a string.
        ValueError: Empty, a path (``/`` or ``\\``), ``..`` inside, a leading ``.``
            (reserved for temporary files) or a control character.

    Example:
        >>> check_file_name("flower_photos.tgz")
        'flower_photos.tgz'
    """
    if not isinstance(fname, str):
        raise TypeError(f"{label} must be a file name (str), got {type(fname).__name__} {fname!r}.")
    bad = (
        not fname.strip() or "/" in fname or "\\" in fname or ".." in fname
        or fname.startswith(".") or any(ord(c) < 32 for c in fname)
        or (os.altsep is not None and os.altsep in fname)
    )
    if bad:
        raise ValueError(
            f"{label}={fname!r} is not a plain file name: it must not be empty, contain '/', "
            "'\\' or '..', or start with '.'. Pass the name only, e.g. 'flower_photos.tgz'."
        )
    return fname


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


# --------------------------------------------------------------------------- validators


def _corrupt(path: Path, problem: str, fix: str) -> AssetCorruptError:
    return AssetCorruptError(f"{path}: {problem}. {fix}")


def validate_hdf5(path: Path) -> None:
    """Opens ``path`` as a Keras HDF5 weight file (signature, complete superblock, layers).

    Raises:
        AssetCorruptError: Not HDF5, truncated, or no Keras weights inside.

    Example:
        >>> validate_hdf5(Path("mobilenet_2_5_224_tf_no_top.h5"))  # doctest: +SKIP
    """
    import h5py

    fix = "Delete it and copy or download the file again."
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head != b"\x89HDF\r\n\x1a\n":
        raise _corrupt(path, f"not an HDF5 file (it starts with {head!r})", fix)
    try:
        with h5py.File(path, "r") as f:
            if "layer_names" not in f.attrs and "model_weights" not in f:
                raise _corrupt(path, "an HDF5 file without Keras weights (no layer_names)", fix)
    except OSError as error:  # truncated: "eof = ..., stored_eof = ..."
        raise _corrupt(path, f"unreadable HDF5 ({error})", fix) from error


def validate_safetensors(path: Path) -> None:
    """Checks a safetensors file: JSON header, and tensor data exactly filling the file.

    Raises:
        AssetCorruptError: Truncated, garbled header, or tensors outside the file.

    Example:
        >>> validate_safetensors(encoder_folder() / "model.safetensors")  # doctest: +SKIP
    """
    fix = "The file is damaged: reinstall or download the checkpoint again."
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        raw = handle.read(8)
        if len(raw) < 8:
            raise _corrupt(path, f"too short for a safetensors file ({size} bytes)", fix)
        (n_header,) = struct.unpack("<Q", raw)
        if n_header > min(size - 8, 100 << 20):
            raise _corrupt(path, f"header length {n_header} does not fit a {size}-byte file "
                                 "(truncated or not safetensors)", fix)
        try:
            header = json.loads(handle.read(n_header))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise _corrupt(path, f"garbled safetensors header ({error})", fix) from error
    if not isinstance(header, dict):
        raise _corrupt(path, "the safetensors header is not a JSON object", fix)
    ends = [entry.get("data_offsets", [0, 0])[1] for key, entry in header.items()
            if key != "__metadata__" and isinstance(entry, dict)]
    if not ends:
        raise _corrupt(path, "a safetensors file without tensors", fix)
    data = size - 8 - n_header
    if max(ends) != data:
        raise _corrupt(path, f"tensors need {max(ends)} bytes of data, the file holds {data} "
                             "(truncated or padded)", fix)


def validate_json(path: Path) -> None:
    """Parses ``path`` as UTF-8 JSON; raises ``AssetCorruptError`` naming file and position."""
    try:
        json.loads(Path(path).read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _corrupt(path, f"not valid JSON ({error})", "Restore the original file.") from error


def validate_tokenizer_json(path: Path) -> None:
    """Checks a Hugging Face ``tokenizer.json``: JSON with a non-empty ``model.vocab``.

    Raises:
        AssetCorruptError: Not JSON, or no vocabulary.

    Example:
        >>> validate_tokenizer_json(encoder_folder() / "tokenizer.json")  # doctest: +SKIP
    """
    validate_json(path)
    spec = json.loads(Path(path).read_text(encoding="utf-8"))
    vocab = spec.get("model", {}).get("vocab") if isinstance(spec, dict) else None
    if not vocab:
        raise _corrupt(path, "a JSON file without a tokenizer vocabulary (model.vocab)",
                       "Restore the checkpoint's own tokenizer.json.")


def _non_empty(path: Path) -> None:
    empty = not any(path.iterdir()) if path.is_dir() else path.stat().st_size == 0
    if empty:
        raise _corrupt(path, "empty", "Download it again.")


def verify_file(
    path: Path, sha256: str | None = None, validate: Validator | None = None, fix: str = ""
) -> Path:
    """Checks a file that is used in place (not cached): present, pinned hash, content.

    Args:
        path: The file.
        sha256: Its pinned sha256, or None.
        validate: A content check (e.g. ``validate_hdf5``) raising ``AssetCorruptError``.
        fix: What the learner should do when it fails (appended to the message).

    Returns:
        ``path``.

    Raises:
        AssetNotFoundError: Missing. AssetCorruptError: Wrong hash or content.

    Example:
        >>> verify_file(folder / "config.json", validate=validate_json)  # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise AssetNotFoundError(f"{path} is missing. {fix}".strip())
    if validate is not None:
        try:
            validate(path)
        except AssetCorruptError as error:
            raise AssetCorruptError(f"{error} {fix}".strip()) from error
    if sha256 is not None and sha256_of(path) != sha256:
        raise AssetCorruptError(
            f"{path}: sha256 {sha256_of(path)} differs from the pinned {sha256} "
            f"(a changed, truncated or different version of the file). {fix}".strip()
        )
    return path


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
        (validate or _non_empty)(path)
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
