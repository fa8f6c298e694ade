"""Every "Used in:" line of a ``utils`` docstring is true.

For each public function or class of every ``utils`` module (packages included), the places
its "Used in:" paragraph names must refer to it by name:

* a notebook, by file name (``03_fine_tuning_low_lr.ipynb``), number (``03``), range (``02-04``)
  or as "every notebook": the code cells of each such ``notebooks/NN_*.ipynb``;
* a script (``scripts/double_finetune.py``): the file;
* a ``utils`` name, in double backticks or as a dotted ``utils.x`` path: a function or class
  (its source), a module (its source, less the object's own) or a package such as ``utils``
  itself (any of its modules other than the object's own).

Free text ("every loader here") is not checked.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

import utils

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

# ---- KNOWN_STALE: "Used in:" claims allowed to be false, as "name -> place it names" ---------
# Empty: every claim holds. `python tools/update_used_in.py` rewrites false paragraphs from what
# really calls each name. An entry that no longer fails makes the test fail too, so a list added
# here can only shrink. utils.checks may never appear here.
KNOWN_STALE: set[str] = set()


@cache
def _modules() -> tuple[ModuleType, ...]:
    names = ["utils"] + [m.name for m in pkgutil.walk_packages(utils.__path__, "utils.")]
    return tuple(importlib.import_module(name) for name in sorted(names))


@cache
def _public_objects() -> tuple[tuple[str, object], ...]:
    found = []
    for module in _modules():
        for name, obj in vars(module).items():
            if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if getattr(obj, "__module__", None) == module.__name__:
                found.append((f"{module.__name__}.{name}", obj))
    return tuple(found)


def used_in(doc: str | None) -> str | None:
    """The "Used in:" paragraph of a docstring (up to the next blank line), or None."""
    match = re.search(r"^\s*Used in:(.*?)(?:\n\s*\n|\Z)", inspect.cleandoc(doc or ""), re.M | re.S)
    return " ".join(match.group(1).split()) if match else None


@cache
def _notebook_code(number: str) -> dict[str, str]:
    """{file name: code of its code cells} of the course notebooks numbered ``number``."""
    code = {}
    for path in sorted(NOTEBOOKS.glob(f"{number}_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code[path.name] = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return code


def _all_numbers() -> list[str]:
    return sorted({p.name[:2] for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")})


def _resolve(ref: str) -> list[tuple[str, str, object]]:
    """``utils`` names matching ``ref``, as (label, kind, object); kind is "module" or "object"."""
    if ref == "utils":
        return [("utils", "package", utils)]
    dotted = ref if ref.startswith("utils.") else None
    if dotted:
        try:
            return [(ref, "module", importlib.import_module(ref))]
        except ImportError:
            head, _, tail = ref.rpartition(".")
            try:
                return [(ref, "object", getattr(importlib.import_module(head), tail))]
            except (ImportError, AttributeError):
                return []
    return [(label, "object", obj) for label, obj in _public_objects()
            if label.rsplit(".", 1)[1] == ref]


def _mentions(name: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


@cache
def _source(obj: object) -> str:
    return inspect.getsource(obj)


_NOTEBOOK = r"\b\d\d_\w+\.ipynb\b"
_SCRIPT = r"\b[\w-]+(?:/[\w-]+)*\.py\b"
_UTILS = r"\butils(?:\.\w+)+"
_RANGE = r"(?<!\w)(\d\d)\s*[-–]\s*(\d\d)(?!\w|\.\w)"
_NUMBER = r"(?<![\w-])(\d\d)(?!\w|\.\w|\s*[-–]\s*\d)"


def claims(label: str, obj: object, paragraph: str) -> list[tuple[str, bool]]:
    """(place, whether it refers to the object) for each place the paragraph names.

    "03_x.ipynb (through ``helper``)" also counts when the notebook calls ``helper``.
    """
    name = label.rsplit(".", 1)[1]
    via = {key[:2]: ref.rsplit(".", 1)[-1] for key, ref in re.findall(
        r"(\d\d(?:_\w+\.ipynb)?)\s*\(through ``([\w.]+)``", paragraph)}
    refs = re.findall(r"``([\w.]+)``", paragraph)
    text = re.sub(r"``[^`]*``", " ", paragraph)
    refs += re.findall(_UTILS, text)
    text = re.sub(_UTILS, " ", text)
    results = []
    for script in re.findall(_SCRIPT, text):
        path = ROOT / script
        results.append((script, path.is_file() and _mentions(name, path.read_text("utf-8"))))
    text = re.sub(_SCRIPT, " ", text)
    numbers = {file[:2]: file for file in re.findall(_NOTEBOOK, text)}  # file: that one only
    text = re.sub(_NOTEBOOK, " ", text)
    for low, high in re.findall(_RANGE, text):
        numbers.update({f"{n:02d}": None for n in range(int(low), int(high) + 1)})
    numbers.update({n: None for n in re.findall(_NUMBER, re.sub(_RANGE, " ", text))})
    if re.search(r"\bevery notebook\b", text):
        numbers.update({n: None for n in _all_numbers() if n not in numbers})
    for number, file in sorted(numbers.items()):
        code = _notebook_code(number)
        if not code or (file and file not in code):
            results.append((file or f"{number}_*.ipynb", False))
        for found, cells in code.items():
            if file in (None, found):
                uses = _mentions(name, cells) or (number in via and _mentions(via[number], cells))
                results.append((found, uses))
    own = _source(obj)
    for ref in refs:
        targets = _resolve(ref)
        hit = False
        for _, kind, target in targets:
            if kind == "package" or hasattr(target, "__path__"):  # the package and its modules
                inside = [m for m in _modules() if m.__name__ != label.rsplit(".", 1)[0]
                          and (m.__name__ + ".").startswith(target.__name__ + ".")]
                hit = hit or any(_mentions(name, _source(m)) for m in inside)
            else:
                hit = hit or _mentions(name, _source(target).replace(own, ""))
        results.append((f"``{ref}``", hit))
    return results


def _stale() -> dict[str, str]:
    """{"name -> place": "module.name -> place"} for each false claim."""
    stale = {}
    for label, obj in _public_objects():
        paragraph = used_in(obj.__doc__)
        for place, ok in claims(label, obj, paragraph) if paragraph else []:
            if not ok:
                stale[f"{label.rsplit('.', 1)[1]} -> {place}"] = f"{label} -> {place}"
    return stale


def test_every_used_in_claim_is_true():
    stale = _stale()
    new = sorted(stale[key] for key in set(stale) - KNOWN_STALE)
    assert not new, "docstrings name places that do not use them:\n" + "\n".join(new)
    fixed = sorted(KNOWN_STALE - set(stale))
    assert not fixed, "no longer stale, remove from KNOWN_STALE:\n" + "\n".join(fixed)


def test_the_checks_claims_are_all_true_and_none_allowed_stale():
    labels = [label for label, _ in _public_objects() if label.startswith("utils.checks.")]
    assert "utils.checks.vision.check_most_confused" in labels
    assert "utils.checks.answers.read_number" in labels
    names = {label.rsplit(".", 1)[1] for label in labels}
    assert not {entry for entry in KNOWN_STALE if entry.split(" -> ")[0] in names}
    assert not any(full.startswith("utils.checks.") for full in _stale().values())


@pytest.mark.parametrize("paragraph, places", [
    ("03_fine_tuning_low_lr.ipynb, 04_strategy_grid.ipynb.",
     ["03_fine_tuning_low_lr.ipynb", "04_strategy_grid.ipynb"]),
    ("00_setup_and_tour.ipynb, 02-04.", ["00_setup_and_tour.ipynb", "02_", "03_", "04_"]),
    ("01_trainable_weights_and_freezing.ipynb, 03.", ["01_", "03_"]),
    ("tools/update_readme.py, 06_double_fine_tuning.ipynb.", ["tools/update_readme.py", "06_"]),
    ("``check_accuracy``, utils.checks.vision (every check).",
     ["``check_accuracy``", "``utils.checks.vision``"]),
    ("every other check here.", []),
])
def test_claims_are_parsed_from_every_form(paragraph, places):
    from utils.checks import general

    found = [place for place, _ in claims("utils.checks.general.check_number_in_range",
                                          general.check_number_in_range, paragraph)]
    assert len(found) == len(places)
    for place, want in zip(sorted(found), sorted(places)):
        assert place.startswith(want), (found, places)


def test_a_false_claim_is_caught():
    from utils.checks import text

    claim = claims("utils.checks.text.check_recovery", text.check_recovery,
                   "01_trainable_weights_and_freezing.ipynb, ``check_accuracy``, ``no_such``.")
    assert [ok for _, ok in claim] == [False, False, False]


def test_used_in_reads_the_paragraph():
    doc = "Summary.\n\n    Used in: 05_a.ipynb,\n        06_b.ipynb.\n\n    More."
    assert used_in(doc) == "05_a.ipynb, 06_b.ipynb."
    assert used_in("No such line.") is None
