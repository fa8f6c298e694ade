import re

import pytest

from utils import config


def test_profile_explicit_and_env(clean_env):
    assert config.get_profile("quick") == "quick"
    assert config.get_profile(" FULL ") == "full"
    clean_env.setenv("TL_PROFILE", "full")
    assert config.get_profile() == "full"


def test_profile_default_follows_device(clean_env):
    expected = "quick" if config.detect_accelerator() == "cpu" else "full"
    assert config.get_profile() == expected


@pytest.mark.parametrize("bad", ["fast", "", "quik"])
def test_unknown_profile_names_the_valid_ones(clean_env, bad):
    with pytest.raises(ValueError, match="use one of quick, full"):
        config.get_profile(bad or "  ")


def test_unknown_profile_from_env_names_variable(clean_env):
    clean_env.setenv("TL_PROFILE", "medium")
    with pytest.raises(ValueError, match="TL_PROFILE 'medium'"):
        config.get_profile()


def test_seed_default_env_and_explicit(clean_env):
    assert config.get_seed() == 42
    clean_env.setenv("TL_SEED", "7")
    assert config.get_seed() == 7
    assert config.get_seed(3) == 3


@pytest.mark.parametrize("bad", ["abc", -1, 2**32, 1.5, True])
def test_bad_seed_is_rejected(clean_env, bad):
    with pytest.raises(ValueError, match="seed"):
        config.get_seed(bad)


def test_bad_seed_from_env(clean_env):
    clean_env.setenv("TL_SEED", "forty-two")
    with pytest.raises(ValueError, match="TL_SEED must be a non-negative integer"):
        config.get_seed()


def test_data_dir_from_env(clean_env, tmp_path):
    clean_env.setenv("TL_DATA_DIR", str(tmp_path))
    assert config.get_data_dir() == tmp_path


def test_missing_data_dir_says_what_to_do(clean_env, tmp_path):
    clean_env.setenv("TL_DATA_DIR", str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError, match="TL_DATA_DIR=.*not a folder.*unset TL_DATA_DIR"):
        config.get_data_dir()


def test_relative_weights_dir_resolves_against_cwd(clean_env, tmp_path):
    (tmp_path / "w").mkdir()
    clean_env.chdir(tmp_path)
    clean_env.setenv("TL_WEIGHTS_DIR", "w")
    assert config.get_weights_dir() == tmp_path / "w"


def test_pick():
    assert config.pick(quick=1, full=2, profile="quick") == 1
    assert config.pick(quick=1, full=2, profile="full") == 2


def test_describe_environment_names_everything(clean_env):
    line = config.describe_environment("quick", 5)
    for key in ("backend=", "keras=", "device=", "profile=quick", "seed=5"):
        assert key in line
    assert re.search(r"device=(cpu|gpu|tpu)", line)
