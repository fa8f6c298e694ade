import numpy as np
import pytest

from utils import checks


def test_result_is_truthy_and_readable():
    ok = checks.CheckResult("x", True, "looks right.")
    bad = checks.CheckResult("x", False, "try again")
    assert ok and not bad
    assert repr(ok).startswith("✅") and repr(bad).startswith("❌")
    assert "**x**" in bad._repr_markdown_()


def test_number_in_range_gives_the_side_specific_hint():
    assert checks.check_number_in_range("n", np.float32(0.5), 0, 1, "LOW", "HIGH")
    assert checks.check_number_in_range("n", -1, 0, 1, "LOW", "HIGH").message == "LOW"
    assert checks.check_number_in_range("n", 2, 0, 1, "LOW", "HIGH").message == "HIGH"
    assert "NaN" in checks.check_number_in_range("n", float("nan"), 0, 1, "L", "H").message
    assert "expected a number" in checks.check_number_in_range("n", "abc", 0, 1, "L", "H").message
    with pytest.raises(ValueError, match="must not exceed"):
        checks.check_number_in_range("n", 1, 2, 1, "L", "H")


def test_zero_shot_spearman_check():
    assert checks.check_zero_shot_spearman(0.75)  # the solution's value is about 0.75
    assert "pretrained" in checks.check_zero_shot_spearman(0.45).message  # random encoder
    assert "itself" in checks.check_zero_shot_spearman(1.0).message  # compared with itself


def test_wider_backbone_check():
    assert checks.check_wider_backbone_probe(0.875, 0.80)
    assert "imagenet" in checks.check_wider_backbone_probe(0.2, 0.8).message  # random weights
    assert not checks.check_wider_backbone_probe(1.3, 0.8)
