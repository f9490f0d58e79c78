"""Every named bad scenario input exits 2 with its key path and no traceback (issue 11).

Each case is the 004 preset with one line changed, as a user would write it. The reason and key
path asserted are the ones a user needs to find and fix the line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cusp.cli import main

ROOT = Path(__file__).resolve().parents[2]
PRESET_004 = (ROOT / "scenarios" / "lancs-edge-of-care-004.yaml").read_text(encoding="utf-8")

# (id, text in the preset, replacement, key path the message must name, words of the reason)
BAD = [
    ("cap_weeks yes", "  cap_weeks: 26", "  cap_weeks: yes", "intervention.cap_weeks", "not the yes/no value"),
    ("per_year .inf", "per_year: 44}", "per_year: .inf}", "referrals.streams[0].per_year", "finite"),
    ("per_year nan", "per_year: 44}", "per_year: .nan}", "referrals.streams[0].per_year", "finite"),
    ("per_year 1e12", "per_year: 44}", "per_year: 1e12}", "referrals.streams[0].per_year", "less than or equal to 100000"),
    ("per_year quoted", "per_year: 44}", "per_year: '44'}", "referrals.streams[0].per_year", "not text"),
    ("range up to 1.95", "referrals.acceptance_probability, low: 0.75, high: 0.95", "referrals.acceptance_probability, low: 0.75, high: 1.95", "uncertainty[1].high", "less than or equal to 1"),
    ("stress vacancy_rate 5", "{workforce.vacancy_rate: 0.5}", "{workforce.vacancy_rate: 5}", "stresses[2].overrides.workforce.vacancy_rate", "staff_turnover"),
    ("stress start date outside bounds", "{horizon.start_date: 2020-03-01}", "{horizon.start_date: 2320-03-01}", "stresses[1].overrides.horizon.start_date", "delayed_start_6_months"),
    ("impossible date", "start_date: 2019-09-01", "start_date: 2019-02-30", "horizon.start_date", "line 13"),
    ("referral window of 100 years", "referral_months: 60", "referral_months: 1200", "horizon.referral_months", "less than or equal to 240"),
    ("probability given as true", "extension_probability: 0.1", "extension_probability: true", "intervention.extension_probability", "not the yes/no value"),
    ("reviews every 10 minutes", "review_interval_weeks: 6", "review_interval_weeks: 0.001", "intervention.review_interval_weeks", "greater than or equal to 1"),
    ("sd a millionth of the mean", "{dist: gamma, mean: 16, sd: 6}", "{dist: gamma, mean: 16, sd: 0.00001}", "intervention.duration_weeks", "between mean / 1000"),
    ("volume beyond memory", "  annual_trend: 0.0", "  annual_trend: 1.0\n  volume_multiplier: 1000", "referrals", "at most 5,000,000"),
    ("duplicate key", "  annual_trend: 0.0", "  annual_trend: 0.0\n  annual_trend: 0.1", "referrals.annual_trend", "line 40"),
]


def _write(tmp_path: Path, old: str, new: str) -> Path:
    assert old in PRESET_004, old
    path = tmp_path / "bad.yaml"
    path.write_text(PRESET_004.replace(old, new, 1), encoding="utf-8")
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return int(info.value.code or 0), capsys.readouterr().err


@pytest.mark.parametrize(("old", "new", "key_path", "words"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_validate_names_key_path_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, key_path: str, words: str) -> None:
    path = _write(tmp_path, old, new)
    status, err = _run(["scenario", "validate", str(path)], capsys)
    assert status == 2
    line = next(ln for ln in err.splitlines() if f"{key_path}:" in ln)
    assert str(path) in line and words.lower() in line.lower()
    assert "Traceback" not in err and "internal error" not in err


LOADERS = [
    ["scenario", "show", "{path}"],
    ["scenario", "diff", "{path}", "lancs-edge-of-care-004"],
    ["synth", "--scenario", "{path}", "--seed", "1", "--out", "{tmp}/synth"],
    ["capacity", "run", "--scenario", "{path}", "--reps", "1"],
    ["stress", "run", "--scenario", "{path}", "--draws", "2", "--out", "{tmp}/stress.parquet"],
    ["payments", "settle", "--scenario", "{path}", "--data", "{tmp}/data", "--as-of", "2024-01-01", "--out", "{tmp}/settled"],
    ["data", "validate", "{tmp}/data", "--scenario", "{path}"],
]


@pytest.mark.parametrize("argv", LOADERS, ids=[" ".join(a[:2]) for a in LOADERS])
@pytest.mark.parametrize("case", [BAD[0], BAD[6], BAD[8]], ids=[BAD[0][0], BAD[6][0], BAD[8][0]])
def test_every_command_that_loads_a_scenario_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], case: tuple) -> None:
    _, old, new, key_path, _ = case
    path = _write(tmp_path, old, new)
    (tmp_path / "data").mkdir()
    status, err = _run([a.format(path=path, tmp=tmp_path) for a in argv], capsys)
    assert status == 2, err
    assert key_path in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "synth").exists() and not (tmp_path / "settled").exists()
