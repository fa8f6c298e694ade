import json

import numpy as np
import pytest

from utils import results


def test_recording_is_off_by_default(clean_env, tmp_path):
    assert results.record_results("02_x", {"a": 1}, directory=tmp_path) is None
    assert not list(tmp_path.iterdir())


def test_record_and_load_round_trip(clean_env, tmp_path):
    clean_env.setenv("TL_RECORD_RESULTS", "1")
    path = results.record_results(
        "02_x", {"acc": np.float32(0.8125), "per_seed": np.array([1, 2]), "bad": float("nan")},
        profile="quick", seed=7, directory=tmp_path)
    assert path == tmp_path / "02_x.quick.json"
    payload = json.loads(path.read_text())
    assert payload["metrics"] == {"acc": 0.8125, "per_seed": [1, 2], "bad": None}
    assert payload["seed"] == 7 and "backend=" in payload["environment"]
    assert "cores" in payload["hardware"] and payload["wall_seconds"] >= 0
    assert results.load_results("02_x", "quick", directory=tmp_path)["metrics"]["acc"] == 0.8125
    assert results.load_results("02_x", "full", directory=tmp_path) is None
    assert not list(tmp_path.glob("*.tmp"))


def test_record_rejects_non_notebook_names(tmp_path):
    with pytest.raises(ValueError, match="stem like"):
        results.record_results("feature_extraction", {}, directory=tmp_path)
