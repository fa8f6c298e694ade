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


def _cpuinfo(tmp_path, flags):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse2 {flags}\n")
    return path


def test_native_bfloat16_is_read_from_the_cpu_flags(tmp_path):
    assert config.cpu_has_native_bfloat16(_cpuinfo(tmp_path, "avx2 avx512f avx512_bf16"))
    assert config.cpu_has_native_bfloat16(_cpuinfo(tmp_path, "avx2 amx_tile amx_bf16"))
    assert not config.cpu_has_native_bfloat16(_cpuinfo(tmp_path, "avx2 avx512f avx512_vnni"))
    assert not config.cpu_has_native_bfloat16(tmp_path / "no-such-file")  # macOS, Windows


def test_precision_explicit_env_and_auto(clean_env, monkeypatch):
    assert config.get_precision("float32") == "float32"
    assert config.get_precision(" Mixed_BFloat16 ") == "mixed_bfloat16"
    clean_env.setenv("TL_PRECISION", "float32")
    assert config.get_precision() == "float32"
    clean_env.delenv("TL_PRECISION")
    monkeypatch.setattr(config, "detect_accelerator", lambda: "cpu")
    monkeypatch.setattr(config, "cpu_has_native_bfloat16", lambda: True)
    assert config.get_precision() == config.get_precision("auto", "quick") == "mixed_bfloat16"
    assert config.get_precision("auto", "full") == "float32"  # reference numbers stay float32
    monkeypatch.setattr(config, "cpu_has_native_bfloat16", lambda: False)
    assert config.get_precision("auto", "quick") == "float32"  # emulated bfloat16 is slower
    monkeypatch.setattr(config, "cpu_has_native_bfloat16", lambda: True)
    monkeypatch.setattr(config, "detect_accelerator", lambda: "gpu")
    assert config.get_precision("auto", "quick") == "float32"


@pytest.mark.parametrize("bad", ["fp16", "bfloat16", "", 16])
def test_bad_precision_names_the_valid_ones(clean_env, bad):
    with pytest.raises(ValueError, match="precision must be one of .*mixed_bfloat16"):
        config.get_precision(bad)


def test_bad_precision_from_env_names_the_variable(clean_env):
    clean_env.setenv("TL_PRECISION", "half")
    with pytest.raises(ValueError, match="TL_PRECISION must be one of"):
        config.get_precision()
