"""Back tests: recompute each preset's outputs and compare them with the committed expected files.

The expected files under ``tests/expected/<preset>/`` were written by
``tests/expected/regenerate.py`` (see ``tests/expected/README.md``). A failure here means the
numbers changed: if that was not intended (a refactor), the change is a bug; if it was, run the
regenerate script and give the reason in the commit message.

Counts (keys, KPI count metrics, payment lines) must match exactly; other floats to a
relative 1e-9 (after the same rounding to 10 significant figures the committed files use).
"""

from __future__ import annotations

import importlib.util
import io
import math
from pathlib import Path

import pandas as pd
import pytest

EXPECTED = Path(__file__).resolve().parent / "expected"
_spec = importlib.util.spec_from_file_location("cusp_back_regenerate", EXPECTED / "regenerate.py")
regen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regen)

REL = 1e-9
ABS = 1e-12  # lets exact zeros compare; far below any figure's meaningful size
SHOW = 15  # mismatches listed per file
REGENERATE = ".venv/bin/python tests/expected/regenerate.py"

# KPI metrics that are counts of events, families or contacts: compared exactly
COUNT_METRICS = {
    "referrals", "accepted", "rejected", "families_started", "reneged", "returned_unallocated", "exits",
    "completions", "disengagements", "care_entries_during_support", "care_entries", "waiting_list_at_end",
    "reviews", "contacts_due", "contacts_done_in_window",
}
KEYS = {"kpis.csv": ["replication", "period", "index", "label", "district", "metric"], "payments.csv": ["metric", "payer"]}
COUNT_COLUMNS = {"payments.csv": ["lines"]}
FLOAT_COLUMNS = {"kpis.csv": ["value"], "payments.csv": ["amount"]}


def _same_float(want: float, got: float) -> bool:
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    return math.isclose(want, got, rel_tol=REL, abs_tol=ABS)


def _same_count(want: float, got: float) -> bool:
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    return want == got


def _row_name(frame: pd.DataFrame, keys: list[str], i: int) -> str:
    return ", ".join(f"{k}={frame.at[i, k]}" for k in keys)


def compare_frames(where: str, name: str, want: pd.DataFrame, got: pd.DataFrame) -> list[str]:
    """Every difference between an expected and a recomputed table, one line each."""
    if list(want.columns) != list(got.columns):
        return [f"{where}/{name}: columns {list(got.columns)}, expected {list(want.columns)}"]
    if len(want) != len(got):
        return [f"{where}/{name}: {len(got)} rows, expected {len(want)}"]
    keys = KEYS[name]
    problems = []
    for col in keys:
        differ = (want[col].astype(str).to_numpy() != got[col].astype(str).to_numpy()).nonzero()[0]
        for i in differ[:SHOW]:
            problems.append(f"{where}/{name} row {i + 2} column {col}: {got.at[i, col]!r}, expected {want.at[i, col]!r}")
    if problems:
        return problems  # rows out of step: value differences would only repeat it
    for col in COUNT_COLUMNS.get(name, []):
        for i in range(len(want)):
            if not _same_count(float(want.at[i, col]), float(got.at[i, col])):
                problems.append(f"{where}/{name} [{_row_name(want, keys, i)}] column {col}: {got.at[i, col]}, expected {want.at[i, col]} (count, exact)")
    for col in FLOAT_COLUMNS[name]:
        counts = want["metric"].isin(COUNT_METRICS).to_numpy() if name == "kpis.csv" else [False] * len(want)
        for i, (w, g, exact) in enumerate(zip(want[col].tolist(), got[col].tolist(), counts)):
            w, g = float(w), float(g)
            ok = _same_count(w, g) if exact else _same_float(w, g)
            if not ok:
                kind = "count, exact" if exact else f"rel {REL:g}"
                problems.append(f"{where}/{name} [{_row_name(want, keys, i)}] column {col}: {g!r}, expected {w!r} ({kind})")
    return problems


def compare_json(where: str, name: str, want: dict, got: dict) -> list[str]:
    """Every difference between an expected and a recomputed dictionary of figures."""
    problems = []
    for key in sorted(set(want) | set(got)):
        if key not in got:
            problems.append(f"{where}/{name} key {key}: missing, expected {want[key]!r}")
        elif key not in want:
            problems.append(f"{where}/{name} key {key}: {got[key]!r} is new (not in the expected file)")
        else:
            w, g = want[key], got[key]
            if isinstance(w, str) or isinstance(g, str) or w is None or g is None:
                ok = w == g
            else:
                ok = _same_float(float(w), float(g))
            if not ok:
                problems.append(f"{where}/{name} key {key}: {g!r}, expected {w!r}")
    return problems


def _report(problems: list[str]) -> str:
    shown = problems[:SHOW * 4]
    more = f"\n... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    return (f"{len(problems)} difference(s) from the committed expected outputs:\n" + "\n".join(shown) + more
            + f"\nIf the change in numbers is intended, run `{REGENERATE}` and say why in the commit message.")


@pytest.mark.parametrize("preset", regen.presets())
def test_preset_matches_expected_outputs(preset: str) -> None:
    folder = EXPECTED / preset
    assert folder.is_dir(), f"no expected outputs for preset {preset}: run `{REGENERATE} {preset}` and commit tests/expected/{preset}/"
    fresh = regen.compute(preset)
    committed = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert committed == sorted(fresh), f"{preset}: committed files {committed}, the regenerate script makes {sorted(fresh)}"
    problems: list[str] = []
    for name, got in fresh.items():
        want = regen.read_expected(folder / name)
        if isinstance(got, dict):
            problems += compare_json(preset, name, want, got)
        else:
            problems += compare_frames(preset, name, want, _through_text(got))
    assert not problems, _report(problems)


def _through_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` written and parsed exactly as a committed file is, so types and rounding match."""
    return regen.frame_from_csv(io.StringIO(regen.to_text(frame)))


def test_no_expected_outputs_for_missing_presets() -> None:
    folders = sorted(p.name for p in EXPECTED.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    stale = sorted(set(folders) - set(regen.presets()))
    assert not stale, f"tests/expected/ holds outputs for presets that no longer exist: {stale}"


def test_compare_frames_names_the_differing_column() -> None:
    want = pd.DataFrame({"replication": [0, 0], "period": ["year"] * 2, "index": [0, 0], "label": ["Y1"] * 2,
                         "district": ["all"] * 2, "metric": ["referrals", "utilisation"], "value": [12.0, 0.5]})
    got = want.copy()
    got.loc[0, "value"] = 13.0  # a count off by one
    got.loc[1, "value"] = 0.5 * (1 + 1e-12)  # within rel 1e-9
    problems = compare_frames("p", "kpis.csv", want, got)
    assert len(problems) == 1 and "metric=referrals" in problems[0] and "column value" in problems[0]
    got.loc[1, "value"] = 0.5 * (1 + 1e-8)  # outside rel 1e-9
    assert len(compare_frames("p", "kpis.csv", want, got)) == 2
