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
