"""The readers of a learner's answer (``utils.checks.answers``) and the shared parts (``core``)."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from utils.checks import answers, core

NAN = float("nan")


@pytest.mark.parametrize("value, expected", [
    (0.9, 0.9), (3, 3.0), (np.float32(0.5), 0.5), (np.float64(0.9), 0.9), (np.int64(3), 3.0),
    (np.array(0.25), 0.25), (np.array(7, dtype=np.int8), 7.0), (-1e-4, -1e-4),
])
def test_read_number_accepts_python_and_numpy_numbers(value, expected):
    number = answers.read_number("x", value)
    assert type(number) is float and number == pytest.approx(expected)


@pytest.mark.parametrize("value, hint", [
    ("0.9", "without quotes"), (b"1", "without quotes"), (np.str_("0.9"), "without quotes"),
    (np.array("0.9"), "without quotes"), (True, "bool"), (np.bool_(False), "bool"),
    (np.array(True), "bool"), (None, "None"), (NAN, "NaN"), (np.float32("nan"), "NaN"),
    (float("inf"), "infinite"), ([0.9], "give one number"), ((0.9, 0.1), "give one number"),
    (np.array([0.9]), "shape (1,)"), (pd.Series([0.9, 0.8]), "give one number"),
    ({"acc": 0.9}, "give one number"), (1 + 2j, "a number is expected"),
    (object(), "a number is expected"),
])
def test_read_number_rejects_with_a_hint(value, hint):
    with pytest.raises(core.WrongAnswer, match="^x: ") as wrong:
        answers.read_number("x", value)
    assert hint in wrong.value.hint and wrong.value.name == "x"


def test_read_number_names_the_value_in_its_hint():
    with pytest.raises(core.WrongAnswer) as wrong:
        answers.read_number("x", "1", what="probe_acc")
    assert wrong.value.hint.startswith("probe_acc is the string '1'")


@pytest.mark.parametrize("value, expected", [
    (3, 3), (np.int64(3), 3), (np.uint8(3), 3), (3.0, 3), (np.float32(3.0), 3), (np.array(3), 3),
    (0, 0), (2**60, 2**60),
])
def test_read_count_accepts_whole_numbers(value, expected):
    count = answers.read_count("n", value)
    assert type(count) is int and count == expected


@pytest.mark.parametrize("value, hint", [
    (3.5, "whole number"), (-2, "negative"), ("3", "without quotes"), (True, "bool"),
    (None, "None"), (NAN, "NaN"), ([1, 2, 3], "len("), (np.array([3]), "one whole number"),
])
def test_read_count_rejects_with_a_hint(value, hint):
    with pytest.raises(core.WrongAnswer) as wrong:
        answers.read_count("n", value)
    assert hint in wrong.value.hint


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), (np.bool_(True), True), (np.array(False), False),
    (0, False), (np.int64(1), True),
])
def test_read_flag_accepts_bools(value, expected):
    assert answers.read_flag("f", value) is expected


@pytest.mark.parametrize("value, hint", [
    ("False", "True or False"), (None, "True or False"), (2, "True or False"),
    (0.0, "True or False"), (np.array([True, False]), "np.array_equal"), ([True], "reduce it"),
])
def test_read_flag_rejects_with_a_hint(value, hint):
    with pytest.raises(core.WrongAnswer) as wrong:
        answers.read_flag("f", value)
    assert hint in wrong.value.hint


@pytest.mark.parametrize("value", [
    [2.0, 3.0], (2, 3), np.array([2, 3], dtype=np.int32), np.array([[2.0], [3.0]]),
    pd.Series([2.0, 3.0]), [np.float32(2.0), np.int64(3)], np.array([2.0, 3.0], dtype=object),
])
def test_read_numbers_accepts_lists_arrays_series(value):
    numbers = answers.read_numbers("r", value)
    assert numbers.dtype == float and numbers.tolist() == [2.0, 3.0]


@pytest.mark.parametrize("value, hint", [
    (2.0, "list or array"), ("2, 3", "list or array"), ({1: 2.0}, "list or array"),
    (None, "list or array"), ([2.0, "3"], "[1] is the string '3'"), ([2.0, None], "[1] is None"),
    ([2.0, NAN], "[1] is NaN"), (np.array([1.0, np.inf]), "[1] is infinite"),
    ([True, False], "bool"), (np.array([True]), "bools"), ([[1.0], [2.0, 3.0]], "flat list"),
])
def test_read_numbers_rejects_with_a_hint(value, hint):
    with pytest.raises(core.WrongAnswer) as wrong:
        answers.read_numbers("r", value)
    assert hint in wrong.value.hint


def test_read_numbers_can_allow_nan_but_never_infinity():
    assert np.isnan(answers.read_numbers("r", [0.5, NAN], allow_nan=True)[1])
    assert np.isnan(answers.read_numbers("r", pd.Series([0.5, NAN]), allow_nan=True)[1])
    with pytest.raises(core.WrongAnswer, match="infinite"):
        answers.read_numbers("r", [0.5, float("inf")], allow_nan=True)


@pytest.mark.parametrize("value", [[2, 0], (0, 2), np.array([2, 0]), [2.0, 0.0], pd.Series([2, 0])])
def test_read_indices_accepts_k_different_indices(value):
    assert sorted(answers.read_indices("w", value, size=3, k=2)) == [0, 2]


@pytest.mark.parametrize("value, hint", [
    ([2, 2], "repeated"), ([0, 3], "outside"), ([0, -1], "no negative"), ([0], "exactly 2"),
    ([0, 1, 2], "exactly 2"), (np.array([True, False, True]), "boolean mask"),
    (["0", "2"], "without quotes"), ([0.5, 2], "whole number"), (1, "list or array"),
])
def test_read_indices_rejects_with_a_hint(value, hint):
    with pytest.raises(core.WrongAnswer) as wrong:
        answers.read_indices("w", value, size=3, k=2)
    assert hint in wrong.value.hint


def test_read_choice_accepts_a_name_and_suggests_the_closest():
    assert answers.read_choice("c", np.str_("roses"), ["roses", "tulips"]) == "roses"
    with pytest.raises(core.WrongAnswer, match="Did you mean 'roses'"):
        answers.read_choice("c", "rose", ["roses", "tulips"])
    with pytest.raises(core.WrongAnswer, match="answer one of"):
        answers.read_choice("c", 1, ["roses", "tulips"])


def test_report_wrong_answers_turns_the_signal_into_a_failing_result():
    def check_x(answer: object) -> core.CheckResult:
        """Doc."""
        return core.CheckResult("x", answers.read_number("x", answer) > 0, "ok")

    wrapped = core.report_wrong_answers(check_x)
    assert wrapped(1) and not wrapped("1") and "without quotes" in wrapped("1").message
    assert wrapped.__name__ == "check_x" and wrapped.__doc__ == "Doc."
    assert inspect.signature(wrapped) == inspect.signature(check_x)


@pytest.mark.parametrize("value, phrase", [
    (None, "None"), ("0.9", "the string '0.9'"), (np.bool_(True), "the bool True"),
    ([1, 2], "a list of 2 values"), (np.zeros((2, 3)), "shape (2, 3)"), (0.5, "a float (0.5)"),
])
def test_describe_names_what_was_passed(value, phrase):
    assert phrase in core.describe(value)


@pytest.mark.parametrize("value, dims", [
    (1.0, 0), ("abc", 0), (None, 0), (np.array(1), 0), ([1, 2], 1), (np.zeros((2, 2)), 2),
    ([[1], [2, 3]], 1),
])
def test_count_dims_never_raises(value, dims):
    assert core.count_dims(value) == dims
