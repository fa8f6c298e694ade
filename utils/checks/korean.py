"""Checks of the exercises of notebook 11: Korean through an English tokenizer, the question pairs.

Each check computes the truth from the learner's own inputs (the word and tokenizer, the loaded
pairs) and returns a ``CheckResult`` with a hint, never the answer.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np

from utils.checks.answers import read_count, read_number
from utils.checks.core import CheckResult, WrongAnswer, report_wrong_answers

__all__ = ["check_jamo_tokens", "check_identical_rule_accuracy"]


@report_wrong_answers
def check_jamo_tokens(answer: Any, word: str, tokenizer: Any) -> CheckResult:
    """Exercise 11.1: how many WordPiece tokens the English tokenizer makes of a Korean word.

    Args:
        answer: The learner's count.
        word: The Korean word (one word, no spaces).
        tokenizer: ``models.load_pair_tokenizer(...)`` (its ``tokens`` method is the truth).

    Returns:
        A ``CheckResult``; a wrong count gets a hint about syllables versus jamo.

    Example:
        >>> bool(check_jamo_tokens(8, "한국어", models.load_pair_tokenizer(16)))  # doctest: +SKIP
        True

    Used in: 11_korean_double_fine_tuning.ipynb.
    """
    if not isinstance(word, str) or not word or " " in word:
        raise TypeError(f"word must be one Korean word (a non-empty string without spaces), got {word!r}.")
    if not callable(getattr(tokenizer, "tokens", None)):
        raise TypeError(f"tokenizer must be models.load_pair_tokenizer(...) (with .tokens), got "
                        f"{type(tokenizer).__name__}.")
    name = f"tokens of {word!r}"
    count = read_count(name, answer, "the token count")
    truth = len(tokenizer.tokens(word))
    if count == truth:
        return CheckResult(name, True, "looks right: NFD splits each syllable into its jamo, one token each.")
    if count == len(word):
        return CheckResult(name, False, "that is one token per syllable: the uncased tokenizer first "
                           "decomposes each syllable (NFD). Count what tokenizer.tokens returns.")
    jamo = len(unicodedata.normalize("NFD", word))
    if count == jamo + 2:
        return CheckResult(name, False, "close: leave out [CLS] and [SEP], which belong to the sequence, "
                           "not to the word.")
    return CheckResult(name, False, "count the strings tokenizer.tokens(word) returns (no [CLS]/[SEP]).")


@report_wrong_answers
def check_identical_rule_accuracy(answer: Any, test: Any) -> CheckResult:
    """Exercise 11.2: test accuracy of "same question if and only if the two texts are identical".

    Args:
        answer: The learner's test accuracy, a fraction in [0, 1].
        test: The question pairs the rule is scored on (``data.load_pairs("korqpair", ...)``).

    Returns:
        A ``CheckResult``; a percentage, the majority class, or the rule with the labels read the
        file's way round (0 = same) get their own hints.

    Example:
        >>> bool(check_identical_rule_accuracy(0.4, qp_test))  # doctest: +SKIP
        True

    Used in: 11_korean_double_fine_tuning.ipynb.
    """
    if not all(hasattr(test, a) for a in ("sentence1", "sentence2", "labels")):
        raise TypeError(f"test must be sentence pairs (data.load_pairs), got {type(test).__name__}.")
    name = "identical-text rule accuracy"
    value = read_number(name, answer)
    if not 0 <= value <= 1:
        raise WrongAnswer(name, "an accuracy is a fraction between 0 and 1 (not a percentage, not negative).")
    labels = np.asarray(test.labels)
    identical = np.array([a == b for a, b in zip(test.sentence1, test.sentence2)]).astype(int)
    truth = float(np.mean(identical == labels))
    if abs(value - truth) < 1e-6:
        return CheckResult(name, True, "looks right.")
    if abs(value - float(np.mean((1 - identical) == labels))) < 1e-6:
        return CheckResult(name, False, "after loading, 1 means the same question (the file's 0 was "
                           "flipped): predict 1 for identical texts.")
    if abs(value - max(labels.mean(), 1 - labels.mean())) < 1e-6:
        return CheckResult(name, False, "that is the majority class: the rule predicts 0 (different) "
                           "for every pair whose texts differ.")
    return CheckResult(name, False, "predict 1 where sentence1 == sentence2 and 0 elsewhere, then take "
                       "the mean of (prediction == label).")
