"""The checks of notebook 11 (utils.checks.korean), in test_checks.py's style: the right answer
passes in every form, each typical wrong answer gets its own hint, nothing a learner passes
makes a check raise, and only the notebook's own arguments (the word, the pairs) are refused.

The truth is computed from the course tokenizer (``tokenizer.tokens``): 한국어 is 3 syllables
and 8 jamo, 학교 2 syllables and 5 jamo, one WordPiece token per jamo.
"""

from __future__ import annotations

import numpy as np
import pytest

from utils import checks
from utils.data import SentencePairs

NAN = float("nan")
GARBAGE = ["8", "0.7", True, False, None, NAN, float("inf"), [8], [0.7], {"a": 1}, object(),
           np.array([[1, 2], [3, 4]])]


@pytest.fixture(scope="module")
def tokenizer():
    from utils.models import load_pair_tokenizer

    return load_pair_tokenizer(16)


def question_pairs() -> SentencePairs:
    """10 pairs: 3 identical (labels 1, 1, 0), 7 different (labels 1, 1, 0, 0, 0, 0, 0).

    The rule (1 for identical texts) is right on 2 + 5 = 7 of 10; read the other way round
    (the file's 0 = same) on 1 + 2 = 3; the majority class (0) is 6 of 10.
    """
    first = ["q0", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9"]
    second = ["q0", "q1", "q2", "x3", "x4", "x5", "x6", "x7", "x8", "x9"]
    labels = np.array([1, 1, 0, 1, 1, 0, 0, 0, 0, 0])
    return SentencePairs("korqpair", "test", first, second, labels, "classification")


QP = question_pairs()
RULE, FLIPPED, MAJORITY = 0.7, 0.3, 0.6


# --- check_jamo_tokens ----------------------------------------------------------------------------

def test_the_truth_is_one_token_per_jamo(tokenizer):
    assert len(tokenizer.tokens("한국어")) == 8 and len(tokenizer.tokens("학교")) == 5


@pytest.mark.parametrize("answer", [8, np.int64(8), np.int32(8), 8.0, np.float32(8.0), np.array(8)],
                         ids=lambda a: type(a).__name__)
def test_jamo_tokens_right_answer_passes_in_every_form(tokenizer, answer):
    result = checks.check_jamo_tokens(answer, "한국어", tokenizer)
    assert isinstance(result, checks.CheckResult) and result.passed, result
    assert "jamo" in result.message


def test_jamo_tokens_of_another_word(tokenizer):
    assert checks.check_jamo_tokens(5, "학교", tokenizer)
    assert "one token per syllable" in checks.check_jamo_tokens(2, "학교", tokenizer).message
    assert "[CLS] and [SEP]" in checks.check_jamo_tokens(7, "학교", tokenizer).message


@pytest.mark.parametrize("answer, hint", [
    (3, "one token per syllable"),  # len("한국어")
    (10, "leave out [CLS] and [SEP]"),  # 8 jamo + [CLS] + [SEP]
    (9, "count the strings tokenizer.tokens(word) returns"),
    (0, "count the strings tokenizer.tokens(word) returns"),
    (-1, "cannot be negative"),
    (8.5, "whole number"),
    ("8", "without quotes"),
    (None, "is None"),
    (True, "a number is expected"),
    (NAN, "NaN"),
    ([8], "one whole number"),
    (np.array([8, 8]), "one whole number"),
], ids=repr)
def test_jamo_tokens_wrong_answer_fails_with_its_hint(tokenizer, answer, hint):
    result = checks.check_jamo_tokens(answer, "한국어", tokenizer)
    assert isinstance(result, checks.CheckResult)
    assert not result.passed and hint in result.message, result
    if isinstance(answer, int) and not isinstance(answer, bool) and answer >= 0:
        assert "8" not in result.message, "a hint never gives the answer"


def test_jamo_tokens_garbage_fails_and_never_raises(tokenizer):
    for value in GARBAGE:
        result = checks.check_jamo_tokens(value, "한국어", tokenizer)
        assert isinstance(result, checks.CheckResult), (value, result)
        assert not result.passed and result.message, (value, result)


@pytest.mark.parametrize("word", ["", "한국 어", 3, None, ["한국어"], b"abc"], ids=repr)
def test_jamo_tokens_refuses_a_bad_word(tokenizer, word):
    with pytest.raises(TypeError, match="one Korean word"):
        checks.check_jamo_tokens(8, word, tokenizer)


# --- check_identical_rule_accuracy ------------------------------------------------------------------

def test_the_table_tells_its_answers_apart():
    identical = np.array([a == b for a, b in zip(QP.sentence1, QP.sentence2)]).astype(int)
    assert np.mean(identical == QP.labels) == RULE
    assert np.mean((1 - identical) == QP.labels) == FLIPPED
    assert max(QP.labels.mean(), 1 - QP.labels.mean()) == MAJORITY


@pytest.mark.parametrize("answer", [0.7, np.float32(0.7), np.float64(0.7), np.array(0.7), 7 / 10,
                                    np.mean([1, 1, 1, 1, 1, 1, 1, 0, 0, 0])],
                         ids=lambda a: type(a).__name__)
def test_identical_rule_right_answer_passes_in_every_form(answer):
    result = checks.check_identical_rule_accuracy(answer, QP)
    assert isinstance(result, checks.CheckResult) and result.passed, result


@pytest.mark.parametrize("answer, hint", [
    (FLIPPED, "1 means the same question"),
    (MAJORITY, "majority class"),
    (0.5, "predict 1 where sentence1 == sentence2"),
    (0.0, "predict 1 where sentence1 == sentence2"),
    (70, "not a percentage"),
    (70.0, "not a percentage"),
    ("0.7", "without quotes"),
    (None, "is None"),
    (True, "a number is expected"),
    (NAN, "NaN"),
    ([0.7], "give one number"),
    (np.array([0.7, 0.3]), "give one number"),
], ids=repr)
def test_identical_rule_wrong_answer_fails_with_its_hint(answer, hint):
    result = checks.check_identical_rule_accuracy(answer, QP)
    assert isinstance(result, checks.CheckResult)
    assert not result.passed and hint in result.message, result
    if isinstance(answer, float) and 0 <= answer <= 1:
        assert "0.7" not in result.message, "a hint never gives the answer"


def test_identical_rule_garbage_fails_and_never_raises():
    for value in GARBAGE:
        result = checks.check_identical_rule_accuracy(value, QP)
        assert isinstance(result, checks.CheckResult), (value, result)
        assert not result.passed and result.message, (value, result)


def test_identical_rule_reads_any_pairs_with_sentences_and_labels():
    all_identical = SentencePairs("korqpair", "test", ["a", "b"], ["a", "b"], np.array([1, 0]),
                                  "classification")
    assert checks.check_identical_rule_accuracy(0.5, all_identical)
    assert checks.check_identical_rule_accuracy(1.0, QP.subset(np.array([0, 1, 5])))


@pytest.mark.parametrize("test", [None, [("a", "a", 1)], "pairs", {"sentence1": ["a"]}], ids=repr)
def test_identical_rule_refuses_what_is_not_sentence_pairs(test):
    with pytest.raises(TypeError, match="sentence pairs"):
        checks.check_identical_rule_accuracy(0.7, test)
