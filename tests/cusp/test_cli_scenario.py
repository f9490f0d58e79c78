"""The ``cusp scenario`` commands as a user meets them: output, exit statuses, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cusp.cli import main

ROOT = Path(__file__).resolve().parents[2]
PRESET_004 = ROOT / "scenarios" / "lancs-edge-of-care-004.yaml"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out, captured.err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["--version"], capsys)
    assert status == 0 and out.startswith("cusp ")


def test_list_names_the_004_preset(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["scenario", "list"], capsys)
    assert status == 0 and "lancs-edge-of-care-004" in out


def test_show_prints_horizon_cohorts_payment(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["scenario", "show", "lancs-edge-of-care-004"], capsys)
    assert status == 0
    assert "2019-09-01" in out and "60 months" in out and "24 months" in out
    assert "diversion_5_9" in out and "Social Impact Bond" in out


def test_validate_accepts_a_good_file(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["scenario", "validate", str(PRESET_004)], capsys)
    assert status == 0 and out.startswith("ok:")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["horizon"].__setitem__("referal_months", d["horizon"].pop("referral_months")), "horizon.referal_months: unknown key"),
        (lambda d: d["referrals"]["streams"][2].__setitem__("per_year", -5), "referrals.streams[2].per_year"),
        (lambda d: d["referrals"].__setitem__("need_mix", {3: 0.5, 4: 0.6}), "referrals.need_mix: shares must sum to 1"),
    ],
    ids=["misspelt key", "negative rate", "shares not summing to 1"],
)
def test_validate_rejects_with_status_2_and_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], edit, expected: str) -> None:
    data = yaml.safe_load(PRESET_004.read_text())
    edit(data)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False))
    status, out, err = run(["scenario", "validate", str(bad)], capsys)
    assert status == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert str(bad) in lines[0] and expected in lines[0]


def test_show_unknown_preset_suggests_a_name(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["scenario", "show", "lancs-edge-of-care-04"], capsys)
    assert status == 2 and "did you mean 'lancs-edge-of-care-004'" in err


def test_diff_of_a_preset_with_itself_is_empty(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["scenario", "diff", "lancs-edge-of-care-004", str(PRESET_004)], capsys)
    assert status == 0 and "no differences" in out


def test_diff_shows_changed_key_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = yaml.safe_load(PRESET_004.read_text())
    data["workforce"]["pooled_fte"] = 10
    other = tmp_path / "fewer-staff.yaml"
    other.write_text(yaml.safe_dump(data, sort_keys=False))
    status, out, _ = run(["scenario", "diff", "lancs-edge-of-care-004", str(other)], capsys)
    assert status == 0 and "workforce.pooled_fte" in out and "1 differences" in out


def test_usage_error_is_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["scenario", "show"], capsys)
    assert status == 2 and "Missing argument" in err


def test_every_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("list", "show", "validate", "diff"):
        status, out, _ = run(["scenario", command, "--help"], capsys)
        assert status == 0 and "Example: cusp scenario" in out


def test_console_script_prints_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("service: [\n")
    proc = subprocess.run([sys.executable, "-m", "cusp", "scenario", "validate", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "not valid YAML" in proc.stderr
