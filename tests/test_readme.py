"""The front page is generated from results/ and lists every course notebook with its Colab badge."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


from tool_modules import load_tool as _load  # noqa: E402


def test_findings_section_is_rendered_from_results():
    update = _load("update_readme")
    assert update.main(["--check"]) == 0, "run `python tools/update_readme.py`"
    readme = (ROOT / "README.md").read_text()
    if update.DOUBLE.is_file():
        assert "Forgetting." in readme and f"results/{update.FIGURE.name}" in readme
        assert update.FIGURE.is_file()


def test_notebook_map_lists_every_notebook_with_its_badge():
    sync = _load("sync_notebooks")
    readme = (ROOT / "README.md").read_text()
    for path in sync.course_notebooks():
        assert f"(notebooks/{path.name})" in readme, f"{path.name} missing from the notebook map"
        assert sync.colab_url(path) in readme, f"{path.name}: Colab badge URL"


def test_notebook_map_runtimes_are_rendered_from_the_timing_file(tmp_path, monkeypatch):
    import json

    update, sync = _load("update_readme"), _load("sync_notebooks")
    readme = (ROOT / "README.md").read_text()
    times = update.load_times()
    rows = {m["name"]: line for line in readme.splitlines() if (m := update.MAP_ROW.match(line))}
    books = sync.course_notebooks()
    assert list(rows) == [p.name for p in books], "one map row per notebook in notebooks/, in order"
    for path in books:
        assert f"| {update.time_cell(times, path.name)} |" in rows[path.name], path.name
    # README drifting from the file fails the check: here the file changes under README.
    name = next(n for n in rows if times["notebooks"].get(n, {}).get("seconds") is not None)
    times["notebooks"][name]["seconds"] += 600
    changed = tmp_path / "notebook_times.json"
    changed.write_text(json.dumps(times), encoding="utf-8")
    monkeypatch.setattr(update, "TIMES", changed)
    assert update.main(["--check"]) == 1


def test_a_new_notebook_gets_a_row_even_without_a_timing():
    update, sync = _load("update_readme"), _load("sync_notebooks")
    readme = (ROOT / "README.md").read_text()
    path = sync.course_notebooks()[-1]
    times = update.load_times()
    times["notebooks"].pop(path.name, None)
    # README without that notebook's row, and with a row for a notebook that no longer exists
    lines = [line for line in readme.splitlines() if f"(notebooks/{path.name})" not in line]
    at = lines.index(update.MAP_START) + 3
    lines.insert(at, "| [99 · Gone](notebooks/99_gone.ipynb) | Why? | 1 s | x |")
    body = update.render_map("\n".join(lines), times)
    row = next(line for line in body.splitlines() if f"(notebooks/{path.name})" in line)
    title, _ = update._heading(path)
    assert row.startswith(f"| [{title}](notebooks/{path.name}) |")
    assert f"| {update.NOT_MEASURED} |" in row and sync.colab_url(path) in row
    missing = next(line for line in body.splitlines() if update.NOT_MEASURED.capitalize() in line)
    assert path.name[:2] in missing.split(f"{update.NOT_MEASURED.capitalize()}: ", 1)[1].split(".")[0]
    assert "99_gone" not in body, "a row for a notebook not in notebooks/ is dropped"
