"""What every exercise check shares: the result, the wrong-answer signal, hint phrases.

A check reads each answer with a ``read_*`` helper of ``utils.checks.answers``. A wrong type
or shape raises ``WrongAnswer`` with a hint, and ``report_wrong_answers`` turns it into a
failing ``CheckResult``: a check *returns* a hint for a learner's mistake, never raises.
``describe`` and ``count_dims`` name what a learner passed, for those hints.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["CheckResult", "WrongAnswer", "report_wrong_answers", "count_dims", "describe"]


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """Outcome of one check: ``passed`` and a message (a hint when it failed).

    It prints as one line (✅ or ❌ plus the message) and is truthy when the answer
    passes, so a solution can ``assert`` it and classroom tooling can collect it.

    Example:
        >>> bool(CheckResult("x", True, "looks right."))
        True

    Used in: ``utils.checks.general``, ``utils.checks.vision``, ``utils.checks.tuning``,
    ``utils.checks.text``.
    """

    name: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        mark = "✅" if self.passed else "❌"
        return f"{mark} {self.name}: {self.message}"

    def _repr_markdown_(self) -> str:
        return ("✅ " if self.passed else "❌ ") + f"**{self.name}**: {self.message}"


class WrongAnswer(Exception):
    """Raised by a ``read_*`` helper: the answer has the wrong type, shape or value.

    Args:
        name: The check's name (shown to the learner).
        hint: What is wrong and how to fix it (never the answer).

    Example:
        >>> WrongAnswer("accuracy", "give one number").hint
        'give one number'

    Used in: ``report_wrong_answers``, ``read_number``.
    """

    def __init__(self, name: str, hint: str) -> None:
        super().__init__(f"{name}: {hint}")
        self.name = name
        self.hint = hint


def report_wrong_answers(check: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    """Decorates a check so that a ``WrongAnswer`` becomes a failing ``CheckResult``.

    Args:
        check: A function returning a ``CheckResult``.

    Returns:
        The same function (same name, signature and docstring), which never lets a
        ``WrongAnswer`` escape.

    Example:
        >>> def check_x(x): raise WrongAnswer("x", "give a number")
        >>> report_wrong_answers(check_x)("0.9").message
        'give a number'

    Used in: ``utils.checks.general``, ``utils.checks.vision``, ``utils.checks.tuning``,
    ``utils.checks.text``.
    """

    @functools.wraps(check)
    def wrapper(*args: Any, **kwargs: Any) -> CheckResult:
        try:
            return check(*args, **kwargs)
        except WrongAnswer as wrong:
            return CheckResult(wrong.name, False, wrong.hint)

    return wrapper


def count_dims(value: Any) -> int:
    """``np.ndim`` that never raises: a ragged nesting (which NumPy refuses) counts as 1.

    Args:
        value: Anything a learner passed.

    Returns:
        0 for a scalar (a string, None and a 0-d array too), else the number of dimensions.

    Example:
        >>> count_dims([[1], [2, 3]])
        1

    Used in: ``read_number``, ``utils.checks.vision``.
    """
    try:
        return int(np.ndim(value))
    except (TypeError, ValueError, RuntimeError):
        return 1


def describe(value: Any) -> str:
    """A short phrase naming what a value is, for a hint ("the string '0.9'", "a list of 3 values").

    Args:
        value: Anything a learner passed.

    Returns:
        The phrase.

    Example:
        >>> describe([1, 2])
        'a list of 2 values'

    Used in: ``read_number``, ``utils.checks.vision``.
    """
    if value is None:
        return "None"
    if isinstance(value, bool | np.bool_):
        return f"the bool {bool(value)}"
    if isinstance(value, str | bytes):
        return f"the string {str(value) if isinstance(value, str) else value!r}"
    if isinstance(value, list | tuple | set | dict):
        return f"a {type(value).__name__} of {len(value)} values"
    shape = getattr(value, "shape", None)
    if shape is not None and len(tuple(shape)) > 0:
        return f"a {type(value).__name__} of shape {tuple(shape)}"
    return f"a {type(value).__name__} ({value!r})"
