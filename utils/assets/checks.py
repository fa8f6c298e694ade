"""What makes a file trustworthy: pinned hashes, plain names and content validators.

``AssetNotFoundError`` (nothing usable here or downloadable now) and ``AssetCorruptError`` (a
file is here but wrong: truncated, garbled, out of range) are the two errors a learner meets;
each message names the file and the fix.

Example:
    >>> validate_hdf5(Path("mobilenet_2_5_224_tf_no_top.h5"))  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "AssetNotFoundError", "AssetCorruptError", "sha256_of", "missing_message", "check_file_name",
    "verify_file", "validate_hdf5", "validate_safetensors", "validate_json",
    "validate_tokenizer_json", "validate_non_empty",
]

Validator = Callable[[Path], None]


class AssetNotFoundError(FileNotFoundError):
    """A data or weight file is neither local nor downloadable right now."""


class AssetCorruptError(ValueError):
    """A data or weight file exists but its content is wrong (truncated, garbled, out of range).

    The message names the file (and the line where that applies), what is wrong and the fix.
    """


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


def validate_non_empty(path: Path) -> None:
    """A file with at least one byte, or a folder with at least one entry (the least proof)."""
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


