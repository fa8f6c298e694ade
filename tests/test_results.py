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


def test_seed_records_are_read_by_seed_and_a_broken_one_is_named(tmp_path):
    import json

    folder = tmp_path / "seeds"
    folder.mkdir()
    for seed in (7, 1):
        (folder / f"09_x.quick.seed{seed}.json").write_text(json.dumps(
            {"notebook": "09_x", "seed": seed, "passed": True, "metrics": {"checks": {"m": seed / 10}}}))
    (folder / "09_x.full.seed3.json").write_text("{}")  # another profile: not read
    got = results.load_seed_records("09_x", "quick", directory=tmp_path)
    assert [r["seed"] for r in got] == [1, 7]
    assert results.load_seed_records("09_y", "quick", directory=tmp_path) == []
    (folder / "09_x.quick.seed2.json").write_text("{not json")
    with pytest.raises(ValueError, match="seed2.json"):
        results.load_seed_records("09_x", "quick", directory=tmp_path)
    (folder / "09_x.quick.seed2.json").write_text(json.dumps({"notebook": "09_other", "seed": 2}))
    with pytest.raises(ValueError, match="not a record of 09_x"):
        results.load_seed_records("09_x", "quick", directory=tmp_path)
