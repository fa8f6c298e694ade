"""Local-first files with verified downloads into the Keras cache (used by utils.data and utils.models).

* ``cache``: ``download`` (temporary name, verify, ``os.replace``), ``cache_root``, ``lock_path``;
* ``checks``: the errors, ``sha256_of``, file-name checks and content validators.
"""

from utils.assets.cache import cache_root, download, lock_path
from utils.assets.checks import (
    AssetCorruptError,
    AssetNotFoundError,
    check_file_name,
    missing_message,
    sha256_of,
    validate_hdf5,
    validate_json,
    validate_non_empty,
    validate_safetensors,
    validate_tokenizer_json,
    verify_file,
)

__all__ = [
    "AssetCorruptError", "AssetNotFoundError", "cache_root", "check_file_name", "download",
    "lock_path", "missing_message", "sha256_of", "validate_hdf5", "validate_json",
    "validate_non_empty", "validate_safetensors", "validate_tokenizer_json", "verify_file",
]
