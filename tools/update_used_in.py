"""Rewrites every false "Used in:" paragraph of a ``utils`` docstring from what really calls it.

``tests/test_docstrings.py`` fails when a docstring names a notebook, script or ``utils`` name
that does not use the object. This tool fixes those paragraphs (only those): the notebooks
whose code mentions the name, the scripts and tools that do, and the ``utils`` references of
the old paragraph that still hold. Run it after moving code or editing notebooks:

    .venv/bin/python tools/update_used_in.py          # rewrite, then print what changed
    .venv/bin/python tools/update_used_in.py --check  # only list the false paragraphs
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _checker():
    spec = importlib.util.spec_from_file_location("test_docstrings", ROOT / "tests" / "test_docstrings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _true_places(t, label: str, obj: object, old: str) -> list[str]:
    name = label.rsplit(".", 1)[1]
    places = [file for number in t._all_numbers()
              for file, code in t._notebook_code(number).items() if t._mentions(name, code)]
    for folder in ("scripts", "tools"):
        for path in sorted((ROOT / folder).glob("*.py")):
            if path.name != Path(__file__).name and t._mentions(name, path.read_text("utf-8")):
                places.append(f"{folder}/{path.name}")
    refs = [f"``{ref}``" for ref in re.findall(r"``([\w.]+)``", old)]
    own = label.rsplit(".", 1)[0]
    refs += [f"``{m.__name__}``" for m in t._modules()
             if m.__name__ != own and not hasattr(m, "__path__") and t._mentions(name, t._source(m))]
    for ref in dict.fromkeys(refs):
        if ref not in places and all(ok for _, ok in t.claims(label, obj, ref)):
            places.append(ref)
    return places


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--check", action="store_true", help="list false paragraphs, change nothing")
    check = args.parse_args(argv).check
    t = _checker()
    edits: dict[Path, list[tuple[str, str]]] = {}
    for label, obj in t._public_objects():
        old = t.used_in(obj.__doc__)
        if not old or all(ok for _, ok in t.claims(label, obj, old)):
            continue
        new = _true_places(t, label, obj, old)
        print(f"{label}: {old!r} -> {', '.join(new) or '(nothing calls it)'}")
        edits.setdefault(Path(inspect.getsourcefile(obj)), []).append((label, ", ".join(new)))
    if check or not edits:
        return 1 if edits else 0
    for path, changes in edits.items():
        source = path.read_text("utf-8")
        for label, places in changes:
            name = label.rsplit(".", 1)[1]
            start = re.search(rf"^(?:class|def) {re.escape(name)}\b", source, re.M)
            match = re.compile(r"^( *)Used in:.*?(?=\n\s*\n|\n\s*\"\"\")", re.M | re.S).search(
                source, start.start())
            indent = match.group(1)
            text = f"Used in: {places}." if places else "Used in: nothing yet."
            lines = textwrap.wrap(text, 96 - len(indent), subsequent_indent="    ",
                                  break_on_hyphens=False)
            source = source[:match.start()] + "\n".join(indent + line for line in lines) + \
                source[match.end():]
        path.write_text(source, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
