"""Renders README.md's notebook map, "Findings" and "Backends" sections (and a figure) from results/.

Every number on the front page comes from a results file that a command regenerates:
* results/double_finetune_full.json  <- scripts/double_finetune.py (GPU, full profile)
* results/NN_notebook.<profile>.json <- `make results` (notebooks run with TL_RECORD_RESULTS=1)
* results/backends.json              <- `make test-backends` (benchmarks/backend_notebooks.py)
* results/notebook_times.json        <- `make bench` (benchmarks/time_notebooks.py): the map's
  runtime column and the sentence below it; an entry not made by the bench says where it came from
* results/09_*.full.json, else results/seeds/09_*.quick.seed*.json <- notebook 09 (full profile),
  else its seed sweep (benchmarks/seed_sweep.py): the "without forgetting" table and its frontier
  figure (results/09_frontier.png)

The map has one row per course notebook in notebooks/, in file order. Its title and question
cells are prose, edited in README.md and kept as they are; a new notebook's row starts from the
notebook's first heading. The runtime and Colab cells are rendered.

Usage:  python tools/update_readme.py          # rewrite README.md's section + figure
        python tools/update_readme.py --check  # exit 1 if README.md is out of date
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path

import numpy as np

from utils import metrics, results

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
START, END = "<!-- findings:start -->", "<!-- findings:end -->"
BACKENDS_START, BACKENDS_END = "<!-- backends:start -->", "<!-- backends:end -->"
BACKENDS = RESULTS / "backends.json"
COLAB = RESULTS / "colab_sim.json"
COLAB_START, COLAB_END = "<!-- colab-run:start -->", "<!-- colab-run:end -->"
MAP_START, MAP_END = "<!-- notebook-map:start -->", "<!-- notebook-map:end -->"
TIMES = RESULTS / "notebook_times.json"
NOT_MEASURED = "not yet measured"
BACKEND_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}
DOUBLE = RESULTS / "double_finetune_full.json"
FIGURE = RESULTS / "double_finetune_full.png"
FORGET = "09_fine_tune_twice_without_forgetting"
FRONTIER = RESULTS / "09_frontier.png"
ARM_NAMES = {"A": "A · MRPC only", "B": "B · STS-B → MRPC", "C": "C · joint (both at once)",
             "D": "D · STS-B → MRPC → joint", "E": "E · MRPC as scores merged with STS-B",
             "A+": "A⁺ · MRPC only, B's optimizer steps (control)",
             "S": "S · shuffled STS-B scores → MRPC (control)", "R": "R · MRPC → STS-B (reverse order)"}


def _ms(values: list[float]) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    std = np.std(values, ddof=1) if len(values) > 1 else 0.0
    return f"{np.mean(values):.3f} ± {std:.3f}"


def _final(run: dict, key: str) -> float:
    return run["stages"][-1]["metrics"].get(key)


def double_finetune_section(report: dict) -> tuple[str, dict]:
    runs = [r for r in report["runs"] if r.get("later_lr") is None]
    by_arm: dict[str, dict[int, dict]] = {}
    for run in runs:
        by_arm.setdefault(run["arm"], {})[run["seed"]] = run
    lines = [
        "| arm | MRPC test accuracy | MRPC test F1 | STS-B dev Spearman (end of arm) | MRPC acc. gain over A (paired, 95 % CI over seeds) |",
        "|---|---|---|---|---|",
    ]
    summary = {}
    base = by_arm.get("A", {})
    gains = metrics.paired_gains(runs) if base else None
    for arm in sorted(by_arm):
        seeds = sorted(by_arm[arm])
        acc = [_final(by_arm[arm][s], "mrpc_test_accuracy") for s in seeds]
        f1 = [_final(by_arm[arm][s], "mrpc_test_f1") for s in seeds]
        rho = [_final(by_arm[arm][s], "stsb_dev_spearman") for s in seeds]
        if gains is not None and arm in gains.index:
            g = gains.loc[arm]
            gain = (f"{g['gain']:+.3f} [{g['low']:+.3f}, {g['high']:+.3f}] "
                    f"({int(g['wins'])}/{int(g['n_seeds'])} seeds up)")
        else:
            gain = "—"
        lines.append(f"| {ARM_NAMES.get(arm, arm)} | {_ms(acc)} | {_ms(f1)} | {_ms(rho)} | {gain} |")
        summary[arm] = {"acc": acc, "rho": rho}
    forgetting = []
    for run in by_arm.get("B", {}).values():
        after_sts = run["stages"][1]["metrics"]["stsb_dev_spearman"]
        after_mrpc = run["stages"][2]["metrics"]["stsb_dev_spearman"]
        forgetting.append((after_sts, after_mrpc))
    zero_shot = [r["stages"][0]["metrics"]["stsb_dev_spearman"] for r in runs][:1]
    hw = report.get("hardware", {})
    text = [
        "### Fine-tune twice: STS-B → MRPC, against every ablation",
        "",
        f"all-MiniLM-L6-v2, full data (STS-B {report['data_sizes'].get('stsb_train')} + MRPC "
        f"{report['data_sizes'].get('mrpc_train')} training pairs), {report['params'].get('epochs')} epochs per stage, "
        f"lr {report['params'].get('lr')}, seeds {report['seeds']} (mean ± std over seeds; same seeds in every arm). "
        f"Hardware: {hw.get('device', '?')}, Keras {report['versions'].get('keras')} on "
        f"{report['versions'].get('backend')} (jax {report['versions'].get('jax', '-')}); {len(report['runs'])} runs in {report.get('wall_seconds')} s"
        + ("" if report.get("complete") else " (**stopped early**: fewer seeds than planned)") + ".",
        "",
        *lines,
        "",
    ]
    if forgetting:
        before = [b for b, _ in forgetting]
        after = [a for _, a in forgetting]
        lost = metrics.forgetting(runs) if len(forgetting) > 1 else None
        text += [
            f"**Forgetting.** After the STS-B stage of arm B, STS-B dev Spearman is {_ms(before)}; after the "
            f"second fine-tune on MRPC (the STS head kept, the encoder moved on) it is {_ms(after)} "
            f"(zero-shot checkpoint: {zero_shot[0]:.3f})"
            + (f": a loss of {lost['mean']:.3f} [95 % CI {lost['low']:.3f}, {lost['high']:.3f}], on "
               f"{lost['wins']}/{lost['n']} seeds." if lost else "."),
            "",
        ]
    later = sorted({r["later_lr"] for r in report["runs"] if r.get("later_lr") is not None})
    if later and "B" in by_arm:
        text += ["**Stage 2's learning rate** (arm B; stage 1 at "
                 f"{report['params'].get('lr')}):", "",
                 "| stage-2 rate | MRPC test accuracy | STS-B forgetting (after STS-B − after MRPC) |",
                 "|---|---|---|"]
        rows = [(report["params"].get("lr"), list(by_arm["B"].values()))]
        rows += [(lr, [r for r in report["runs"] if r.get("later_lr") == lr]) for lr in later]
        for lr, group in rows:
            acc = [_final(r, "mrpc_test_accuracy") for r in group]
            forget = [r["stages"][1]["metrics"]["stsb_dev_spearman"]
                      - r["stages"][2]["metrics"]["stsb_dev_spearman"] for r in group]
            text.append(f"| {lr:g} | {_ms(acc)} | {_ms(forget)} |")
        text.append("")
    text += ["Arm A trains no STS-B head: its STS-B column is the cosine of mean-pooled sentence "
             "embeddings (the checkpoint's own way to score similarity). Seeds are paired: every arm "
             "sees the same data subsets and seeds; dropout streams are not reset between runs of "
             "one process, so the same seed can differ slightly between two invocations.", "",
             f"![double fine-tuning](results/{FIGURE.name})", "",
             "Regenerate: `KERAS_BACKEND=jax python scripts/double_finetune.py --profile full --seeds "
             + " ".join(str(s) for s in report["seeds"])
             + (" --later-lrs " + " ".join(f"{lr:g}" for lr in later) if later else "")
             + "` on a GPU, then `python tools/update_readme.py`."]
    return "\n".join(text), summary


def plot_double(summary: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    arms = sorted(summary)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, key, label in ((axes[0], "acc", "MRPC test accuracy"),
                           (axes[1], "rho", "STS-B dev Spearman (end of arm)")):
        vals = [[v for v in summary[a][key] if v is not None] for a in arms]
        means = [np.mean(v) if v else np.nan for v in vals]
        stds = [np.std(v, ddof=1) if len(v) > 1 else 0 for v in vals]
        ax.bar(arms, means, yerr=stds, capsize=4, color="#4c72b0")
        for i, v in enumerate(vals):
            ax.scatter([i] * len(v), v, color="k", s=10, zorder=3)
        finite = [m for m in means if np.isfinite(m)]
        if finite:
            ax.set_ylim(max(0, min(finite) - 0.1), min(1, max(finite) + 0.05))
        ax.set_title(label)
        ax.set_xlabel("arm")
    fig.suptitle("Double fine-tuning, full profile (bars: mean ± std over seeds; dots: seeds)")
    fig.tight_layout()
    fig.savefig(FIGURE, dpi=110, metadata={"Software": None})
    plt.close(fig)


def forgetting_record() -> tuple[str, list[dict], list[dict], dict] | None:
    """Notebook 09's runs: its full-profile record, else its quick seed sweep merged (or None)."""
    full = results.load_results(FORGET, "full", RESULTS)
    if full is not None:
        m = full["metrics"]
        return "full", m["runs"], m["curve"], {"seeds": m["seeds"], "where": _where(full), "steps_2": m["steps_2"]}
    sweep = results.load_seed_records(FORGET, "quick", RESULTS)
    if len(sweep) < 2:
        return None
    runs = [r for rec in sweep for r in rec["metrics"]["runs"]]
    curve = [c for rec in sweep for c in rec["metrics"]["curve"]]
    hardware = {rec.get("hardware") for rec in sweep}
    where = f" [{hardware.pop()}, {sum(rec['wall_seconds'] for rec in sweep):.0f} s in all]" if len(hardware) == 1 else ""
    return "quick", runs, curve, {"seeds": [rec["seed"] for rec in sweep], "where": where,
                                  "steps_2": sweep[0]["metrics"]["steps_2"],
                                  "passed": sum(rec["passed"] for rec in sweep)}


def forgetting_section(write_figure: bool) -> str | None:
    """Notebook 09's frontier: each method vs naive, paired 95 % intervals over seeds, and its figure."""
    found = forgetting_record()
    if found is None:
        return None
    import pandas as pd

    profile, runs, curve, info = found
    table = pd.DataFrame(runs)
    only = table[table.label == "MRPC only"].set_index("seed")["mrpc_test"]
    table["mrpc_gain"] = table["mrpc_test"] - table["seed"].map(only)
    table["stsb_kept"] = table["stsb_dev"]
    naive = table[table.label == "naive"].set_index("seed")
    seeds = sorted(naive.index)
    source = (f"`results/{FORGET}.full.json`" if profile == "full" else
              f"the quick profile's seed sweep (`results/seeds/`, `benchmarks/seed_sweep.py`; "
              f"every cell passed on {info['passed']} of {len(seeds)} seeds)")
    lines = ["### Fine-tune twice without forgetting (notebook 09, " + profile + " profile)", "",
             f"Stage 1 on STS-B, then stage 2 on MRPC by each method, every one {info['steps_2']} optimizer "
             f"steps from the same stage-1 weights and linear probe; seeds {', '.join(map(str, seeds))}, "
             f"paired; from {source}{info['where']}. Differences with the naive stage 2: mean and paired "
             "95 % t-interval over seeds (ddof = 1). STS-B: dev Spearman of the encoder's cosine after "
             "stage 2 (report half); MRPC: test accuracy.", "",
             "| method | trainable weights | STS-B Spearman kept | STS-B vs naive | MRPC test accuracy | MRPC vs naive |",
             "|---|---|---|---|---|---|"]

    def versus(group: pd.DataFrame, col: str) -> str:
        g = group.set_index("seed").loc[seeds, col].to_numpy()
        if group.label.iloc[0] == "naive":
            return "—"
        ci = metrics.paired_interval(naive.loc[seeds, col].to_numpy(), g)
        return f"{ci['mean']:+.3f} [{ci['low']:+.3f}, {ci['high']:+.3f}] ({ci['wins']}/{ci['n']} up)"

    for label, group in table.groupby("label", sort=False):
        if sorted(group.seed) != seeds:
            continue
        lines.append(f"| {label} | {int(group.trainable.iloc[0]):,} | {_ms(group.stsb_dev.tolist())} | "
                     f"{versus(group, 'stsb_dev')} | {_ms(group.mrpc_test.tolist())} | {versus(group, 'mrpc_test')} |")
    stage1 = naive["stsb_after_1"]
    lines += ["", f"After stage 1 the encoder's STS-B Spearman was {_ms(stage1.tolist())}; MRPC only (no stage 1) "
              f"reached {_ms(only.loc[seeds].tolist())} on MRPC.", "",
              f"![fine-tune twice without forgetting](results/{FRONTIER.name})"]
    if write_figure:
        import matplotlib

        matplotlib.use("Agg")
        from utils import plotting

        frame = pd.DataFrame(curve)
        frame["mrpc_gain"] = frame["mrpc_test"] - frame["seed"].map(only)
        frame["stsb_kept"] = frame["stsb_dev"]
        mean = frame.groupby("alpha", as_index=False)[["mrpc_gain", "stsb_kept"]].mean()
        fig = plotting.plot_frontier(table, mean, x="stsb_kept", y="mrpc_gain")
        fig.savefig(FRONTIER, dpi=110, metadata={"Software": None})
    return "\n".join(lines)


def _where(payload: dict) -> str:
    """How a notebook's result was made: hardware and wall time, when the file says."""
    parts = [payload[k] if k == "hardware" else f"{payload[k]:.0f} s"
             for k in ("hardware", "wall_seconds") if payload.get(k) is not None]
    return f" [{', '.join(parts)}]" if parts else ""


def notebook_lines() -> list[str]:
    """One line per notebook: its full-profile result, or its quick one where no full run exists."""
    lines = []
    for path in sorted(RESULTS.glob("[0-9][0-9]_*.*.json")):
        stem, profile = path.name.removesuffix(".json").rsplit(".", 1)
        if profile == "quick" and (RESULTS / f"{stem}.full.json").is_file():
            continue
        payload = results.load_results(stem, profile, RESULTS)
        facts = payload.get("metrics", {}).get("findings")
        if not facts:
            continue
        seeds = payload["metrics"].get("seeds") or [payload["seed"]]
        label = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {', '.join(map(str, seeds))}"
        lines.append(f"- **{payload['notebook']}** ({payload['profile']} profile, {label}): "
                     + "; ".join(facts) + _where(payload))
    return lines


GRID = RESULTS / "04_strategy_grid.full.json"
STRATEGIES = ("linear probe", "fine-tune top", "fine-tune all", "from scratch")


def grid_section(payload: dict) -> str:
    """Notebook 04's full-profile grid: test accuracy, mean ± std (ddof=1) over its seeds."""
    m = payload["metrics"]
    cells: dict[tuple, dict[str, list[float]]] = {}
    for run in m["runs"]:
        row = (run["domain"], run["size"], run["per_class"])
        cells.setdefault(row, {}).setdefault(run["strategy"], []).append(run["test"])
    lines = [
        "### Which transfer strategy, by data size and similarity (notebook 04, full profile)",
        "",
        f"MobileNetV2 alpha {m['alpha']} at {m['image_size']} px; every trained strategy gets {m['steps']} "
        f"optimizer steps, its learning rate ({', '.join(f'{k} {v}' for k, v in m['learning_rates'].items())}) "
        f"and checkpoint chosen on validation; test accuracy, mean ± std over seeds {m['seeds']}"
        f"{_where(payload)}.",
        "",
        "| domain, training size | " + " | ".join(STRATEGIES) + " |",
        "|---|" + "---|" * len(STRATEGIES),
    ]
    for (domain, size, per_class), by in cells.items():
        lines.append(f"| {domain}, {size} ({per_class}/class) | "
                     + " | ".join(_ms(by.get(s, [])) for s in STRATEGIES) + " |")
    return "\n".join(lines)


def render(write_figure: bool = True) -> str:
    parts = ["## Findings", ""]
    facts = notebook_lines()
    if facts:
        parts += ["Measured by the notebooks, in the full profile where it has been run, else the quick one "
                  "(`make results`, with `TL_PROFILE=full` for the full profile, regenerates these files):",
                  "", *facts, ""]
    if GRID.is_file():
        parts += [grid_section(results.load_results("04_strategy_grid", "full", RESULTS)), ""]
    forgetting = forgetting_section(write_figure)
    if forgetting:
        parts += [forgetting, ""]
    if DOUBLE.is_file():
        section, summary = double_finetune_section(json.loads(DOUBLE.read_text()))
        parts += [section, ""]
        if write_figure:
            plot_double(summary)
    else:
        parts += ["The full-profile double fine-tuning table appears here once "
                  "`results/double_finetune_full.json` exists (see `scripts/double_finetune.py`).", ""]
    return "\n".join(parts).rstrip() + "\n"


def _cell(run: dict | None) -> str:
    if run is None:
        return "not run"
    if run.get("pinned") and run["passed"]:
        return f"✓ {run['seconds']:.0f} s (pins {BACKEND_NAMES.get(run['pinned'], run['pinned'])})"
    if run["passed"]:
        return f"✓ {run['seconds']:.0f} s"
    return f"✗ cell {run.get('failed_cell')}: `{run.get('error') or run['summary']}`"


def render_backends() -> str:
    """Which notebooks passed on which backend, from `make test-backends`'s record."""
    if not BACKENDS.is_file():
        return ("`make test-backends` has not recorded a run yet (`results/backends.json`).\n")
    record = json.loads(BACKENDS.read_text(encoding="utf-8"))
    runs = record["runs"]
    backends = [b for b in BACKEND_NAMES if any(r["backend"] == b for r in runs)]
    books = sorted({r["notebook"] for r in runs})
    by = {(r["backend"], r["notebook"]): r for r in runs}
    v = record["versions"]
    dates = sorted({r.get("date", record["date"]) for r in runs})
    lines = [
        f"Every notebook, quick profile, one at a time per process as CI runs them (`pytest --nbval-lax`), "
        f"run by `make test-backends` on {' and '.join(dates)} ({record['machine']}; Python {record['python']}, "
        f"Keras {v.get('keras')}, KerasHub {v.get('keras-hub')}, JAX {v.get('jax')}, PyTorch {v.get('torch')}). "
        "TensorFlow runs every notebook in each CI run (`make test`); the `utils` unit tests run on all "
        "three backends there.",
        "",
        "| notebook | " + " | ".join(BACKEND_NAMES[b] for b in backends) + " |",
        "|---|" + "---|" * len(backends),
    ]
    for book in books:
        lines.append(f"| {book.removesuffix('.ipynb')} | "
                     + " | ".join(_cell(by.get((b, book))) for b in backends) + " |")
    return "\n".join(lines) + "\n"


def render_colab() -> str:
    """README's last Colab-simulation run, from `tools/colab_sim.py --record` (results/colab_sim.json)."""
    if not COLAB.is_file():
        return "`tools/colab_sim.py --record` has not recorded a run yet (`results/colab_sim.json`).\n"
    r = json.loads(COLAB.read_text(encoding="utf-8"))
    t = r["times"]
    tests = [*(["the unit tests"] if r["unit"] else []),
             *(f"notebook {Path(n).name.split('_')[0]}" for n in r["notebooks"])]
    phases = ", ".join(f"{k} {format_seconds(v)}" for k, v in t.items() if k != "total")
    m = r["machine"]
    return (f"Last recorded run, {r['date']} (`tools/colab_sim.py --record`, Python {m['python']}): "
            f"{' and '.join(tests)} {'passed' if r['passed'] else 'FAILED: ' + '; '.join(r['failed'])} "
            f"({r['jobs']} pytest workers); after the install cell: "
            + ", ".join(f"`{v}`" for v in r["versions"])
            + f". It took {format_seconds(t['total'])} on {m['cores']} cores ({phases}; 1-minute load "
            f"{m['load_1min_after']} when it ended).\n")


def _sync():
    """tools/sync_notebooks.py (the course's notebook list, Colab URLs) as a module."""
    spec = importlib.util.spec_from_file_location("sync_notebooks", ROOT / "tools" / "sync_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# A map row: | [title](notebooks/NAME.ipynb) | question | runtime | Colab badge |
MAP_ROW = re.compile(r"^\| \[(?P<title>[^\]]+)\]\(notebooks/(?P<name>[^)]+\.ipynb)\) \| "
                     r"(?P<question>.*?) \| [^|]* \| [^|]* \|$")


def format_seconds(seconds: float) -> str:
    """A runtime cell: ``53 s`` below 100 s, else minutes with one decimal (``2.6 min``)."""
    return f"{seconds:.0f} s" if seconds < 100 else f"{seconds / 60:.1f} min"


def load_times(path: Path | None = None) -> dict:
    """The timing record (``make bench``); an empty one when the file does not exist yet."""
    path = TIMES if path is None else path
    if not path.is_file():
        return {"notebooks": {}, "notes": []}
    return json.loads(path.read_text(encoding="utf-8"))


def time_cell(times: dict, name: str) -> str:
    """A notebook's runtime cell, or "not yet measured" when the record has no time for it."""
    seconds = times.get("notebooks", {}).get(name, {}).get("seconds")
    return NOT_MEASURED if seconds is None else format_seconds(seconds)


def _heading(path: Path) -> tuple[str, str]:
    """A new row's title and question from the notebook's first heading (``# 09 · Title: more``)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    text = next(("".join(c["source"]).strip() for c in cells if c["cell_type"] == "markdown"), "")
    line = text.splitlines()[0].lstrip("#").strip() if text else path.stem
    title, _, rest = line.partition(":")
    title = re.sub(r"^\d\d\s*·\s*", "", title).strip()
    return f"{path.name[:2]} · {title}", rest.strip() or "—"


def _numbers(names: list[str]) -> str:
    nums = [n[:2] for n in names]
    return nums[0] if len(nums) == 1 else ", ".join(nums[:-1]) + " and " + nums[-1]


def runtime_sentence(times: dict, names: list[str]) -> str:
    """Where the runtime column comes from: a line per source (its notebooks, machine, load and
    notes), the notebooks not yet measured, the record's notes, and what ran on a GPU."""
    record = times.get("notebooks", {})
    groups: dict[str, list[str]] = {}
    for name in names:
        if record.get(name, {}).get("seconds") is not None:
            groups.setdefault(record[name]["source"], []).append(name)
    lines = ["Runtimes (quick profile, each notebook alone) from "
             "[`results/notebook_times.json`](results/notebook_times.json)"
             + (", by source:" if groups else ": none recorded yet (`make bench`)."), ""]
    for source, members in groups.items():
        entries = [record[n] for n in members]
        details = sorted({f"{e['machine']}, {e['cores']} cores" for e in entries if e.get("machine")})
        loads = [v for e in entries for v in e.get("load_1min", [])]
        if loads:
            low, high = f"{min(loads):.1f}", f"{max(loads):.1f}"
            details.append(f"1-minute load average {low}" + ("" if low == high else f" to {high}")
                           + ", the run itself included")
        details += sorted({f"threads: {e['threads']}" for e in entries if e.get("threads")})
        details += list(dict.fromkeys(e["note"] for e in entries if e.get("note")))
        lines.append(f"- **{_numbers(members)}**: {source}" + "".join(f"; {d}" for d in details) + ".")
    missing = [n for n in names if n not in {m for group in groups.values() for m in group}]
    tail = [f"{NOT_MEASURED.capitalize()}: {_numbers(missing)}."] if missing else []
    tail += times.get("notes", [])
    gpu = []
    if DOUBLE.is_file():
        report = json.loads(DOUBLE.read_text(encoding="utf-8"))
        device = report.get("hardware", {}).get("device", "")
        if device.startswith(("gpu", "cuda")) and report.get("wall_seconds") is not None:
            gpu.append(f"the case study's reference run below ({len(report['runs'])} fine-tuning "
                       f"runs in {report['wall_seconds']:.0f} s, {device})")
    for path in sorted(RESULTS.glob("[0-9][0-9]_*.full.json")):
        payload = json.loads(path.read_text(encoding="utf-8"))
        if "accelerator: cpu" not in payload.get("hardware", "accelerator: cpu"):
            gpu.append(f"{payload['notebook']} ({_where(payload).strip(' []')})")
    tail.append("Full-profile runtimes on a GPU have been measured for " + " and ".join(gpu) + " only."
                if gpu else "No full-profile runtime on a GPU has been recorded yet.")
    return "\n".join(lines) + ("\n\n" if groups else "") + " ".join(tail) + "\n"


def render_map(readme: str, times: dict | None = None, notebooks: list[Path] | None = None) -> str:
    """The notebook map: a row per notebook in notebooks/ (prose kept from ``readme``), the
    runtime column and the sentence below it from the timing record, the Colab badges."""
    sync = _sync()
    times = load_times() if times is None else times
    notebooks = sync.course_notebooks() if notebooks is None else notebooks
    old = readme.split(MAP_START, 1)[1].split(MAP_END, 1)[0] if MAP_START in readme else ""
    prose = {m["name"]: (m["title"], m["question"])
             for m in map(MAP_ROW.match, old.splitlines()) if m}
    record = times.get("notebooks", {})
    cores = {record[p.name].get("cores") for p in notebooks
             if record.get(p.name, {}).get("seconds") is not None}
    column = f"quick, {cores.pop()} CPU cores" if len(cores) == 1 and None not in cores else "quick"
    badge = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
    lines = [f"| notebook | the question it answers | {column} | Colab |", "|---|---|---|---|"]
    for path in notebooks:
        title, question = prose.get(path.name) or _heading(path)
        lines.append(f"| [{title}](notebooks/{path.name}) | {question} | "
                     f"{time_cell(times, path.name)} | {badge}({sync.colab_url(path)}) |")
    return "\n".join(lines) + "\n\n" + runtime_sentence(times, [p.name for p in notebooks])


def _replace(readme: str, start: str, end: str, body: str) -> str:
    if start not in readme or end not in readme:
        raise KeyError(f"README.md lacks the {start} ... {end} markers")
    head, rest = readme.split(start, 1)
    _, tail = rest.split(end, 1)
    return head + start + "\n" + body + end + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    try:
        new = _replace(readme, MAP_START, MAP_END, render_map(readme))
        new = _replace(new, START, END, render(write_figure=not args.check))
        new = _replace(new, BACKENDS_START, BACKENDS_END, render_backends())
        new = _replace(new, COLAB_START, COLAB_END, render_colab())
    except KeyError as err:
        print(err.args[0])
        return 1
    if args.check:
        if new != readme or (DOUBLE.is_file() and not FIGURE.is_file()) or (
                forgetting_record() is not None and not FRONTIER.is_file()):
            print("README.md's notebook map, findings or backends are stale: run "
                  "python tools/update_readme.py")
            return 1
        return 0
    (ROOT / "README.md").write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
