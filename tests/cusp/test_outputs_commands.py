"""A user's files are sacred: every writing command refuses an --out over a user's folder or its inputs.

Each command is pointed at (a) a user's folder holding other files and (b) its own input folder;
it must exit 2 with one line naming the path, print no traceback, and leave every byte of the
user's tree as it was (names, contents, nothing added). The two cases the issue found by hand
come first: ``payments settle --data D --out D`` deleted the extracts and a ``notes/`` folder,
and ``render --out reports`` deleted a sibling report and the README.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from cusp.cli import main
from simulate.scenario import resolve_scenario_path

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "annual_evaluation.ipynb"
PRESET = "lancs-edge-of-care-004"


def tree_digest(root: Path) -> dict[str, str]:
    """Every path under ``root`` (hidden ones too) → SHA-256 of its bytes ("dir" for folders)."""
    out = {}
    for p in sorted(root.rglob("*")):
        out[p.relative_to(root).as_posix()] = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def run(argv: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in argv])
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.err + captured.out


def user_folder(root: Path) -> Path:
    """A user's folder: extracts, a notes/ folder, a README and a scenario copy (their inputs)."""
    folder = root / "council"
    (folder / "notes").mkdir(parents=True)
    (folder / "notes" / "meeting.txt").write_text("ask finance about Q3\n")
    (folder / "README.md").write_text("# Our data\n")
    (folder / "referrals.csv").write_text("case_id,child_id\n")
    (folder / "care_episodes.csv").write_text("episode_id,child_id,start_date,end_date,episode_type\n")
    (folder / "waiting.csv").write_text("district,referral_date\n")
    (folder / "episodes.csv").write_text("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n")
    (folder / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n")
    shutil.copy(resolve_scenario_path(PRESET), folder / "scenario.yaml")
    return folder


# Each writing command: argv with @OUT for --out and @IN for the user's folder (its input).
COMMANDS = {
    "payments settle": ["payments", "settle", "--scenario", PRESET, "--data", "@IN", "--as-of", "2021-06-30", "--out", "@OUT"],
    "synth": ["synth", "--scenario", "@IN/scenario.yaml", "--seed", "1", "--rows-scale", "0.01", "--out", "@OUT"],
    "render": ["render", NOTEBOOK, "--param", "data_dir=@IN", "--no-progress", "--out", "@OUT"],
    "capacity run": ["capacity", "run", "--scenario", "hereford-mentoring-002", "--reps", "1", "--waiting", "@IN/waiting.csv", "--out", "@OUT"],
    "stress run": ["stress", "run", "--scenario", "@IN/scenario.yaml", "--draws", "2", "--out", "@OUT"],
    "stress run --monthly": ["stress", "run", "--scenario", "@IN/scenario.yaml", "--draws", "2", "--out", "@NEW/run.parquet", "--monthly", "@OUT"],
    "stress ledger": ["stress", "ledger", "--scenario", "@IN/scenario.yaml", "--out", "@OUT"],
    "capacity plan": ["capacity", "plan", "--scenario", "@IN/scenario.yaml", "--target", "responded_within_timescale", "--reps", "2", "--max-fte", "1", "--out", "@OUT"],
    "capacity check-history": ["capacity", "check-history", "--scenario", "hereford-mentoring-002", "--data", "@IN", "--reps", "2", "--out", "@OUT"],
    "reforecast": ["reforecast", "--scenario", PRESET, "--data", "@IN", "--as-of", "2021-06-30", "--draws", "2", "--kpi-replications", "0", "--out", "@OUT"],
    "data import ssda903": ["data", "import", "ssda903", "@IN/episodes.csv", "@IN/header.csv", "--out", "@OUT"],
    "stress indigo": ["stress", "indigo", "--scenario", "@IN/scenario.yaml", "--replications", "2", "--out", "@OUT"],
}
FILE_OUTPUTS = {"stress run", "stress run --monthly", "stress ledger", "stress indigo"}


def argv_for(name: str, folder: Path, out: Path, new: Path) -> list[str]:
    swap = {"@OUT": str(out), "@NEW": str(new), "@IN": str(folder)}
    result = []
    for a in map(str, COMMANDS[name]):
        for key, value in swap.items():
            a = a.replace(key, value)
        result.append(a)
    return result


def targets(name: str, folder: Path) -> list[tuple[Path, str]]:
    """Where to point --out: the user's folder itself, and (file outputs) one of their files."""
    found = [(folder, "its input folder / a user's folder")]
    if name in FILE_OUTPUTS:
        found.append((folder / "README.md", "a user's file"))
        found.append((folder / "scenario.yaml", "its input file"))
    else:
        found.append((folder / "notes", "a folder inside its input folder"))
    return found


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_writing_command_refuses_a_users_folder_and_its_inputs(name, tmp_path, capsys):
    folder = user_folder(tmp_path)
    before = tree_digest(tmp_path)
    for out, what in targets(name, folder):
        status, printed = run(argv_for(name, folder, out, tmp_path / "new"), capsys)
        assert status == 2, f"{name} --out {what}: exit {status}: {printed}"
        assert str(out) in printed, f"{name} --out {what}: message does not name the path: {printed}"
        assert "Traceback" not in printed and len(printed.strip().splitlines()) == 1, printed
        assert tree_digest(tmp_path) == before, f"{name} --out {what} changed the user's files"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_writing_command_refuses_an_unmarked_folder_beside_its_inputs(name, tmp_path, capsys):
    """A folder of someone else's that is not an input (a sibling report with a README)."""
    folder = user_folder(tmp_path)
    other = tmp_path / "reports"
    (other / "last-year").mkdir(parents=True)
    (other / "last-year" / "report.html").write_text("<p>signed off</p>")
    (other / "README.md").write_text("reports go here\n")
    before = tree_digest(tmp_path)
    out = other / "last-year" / "report.html" if name in FILE_OUTPUTS else other
    status, printed = run(argv_for(name, folder, out, tmp_path / "new"), capsys)
    assert status == 2 and str(out) in printed and "Traceback" not in printed, printed
    assert "not made by Cusp" in printed or "not written by Cusp" in printed
    assert tree_digest(tmp_path) == before


def test_settle_with_out_equal_to_data_keeps_the_extracts_and_notes(tmp_path, capsys):
    """The issue's case: this used to exit 0 and delete the extracts and notes/."""
    folder = user_folder(tmp_path)
    before = tree_digest(folder)
    status, printed = run(["payments", "settle", "--scenario", PRESET, "--data", folder, "--as-of", "2021-06-30", "--out", folder], capsys)
    assert status == 2
    assert f"{folder}: is the input --data" in printed
    assert tree_digest(folder) == before


def test_render_into_the_reports_folder_keeps_the_sibling_report_and_readme(tmp_path, capsys):
    """The issue's case: this used to replace reports/ whole, deleting a report and the README."""
    reports = tmp_path / "reports"
    (reports / "annual-2023").mkdir(parents=True)
    (reports / "annual-2023" / "annual-2023.html").write_text("<p>last year</p>")
    (reports / "README.md").write_text("rendered reports\n")
    before = tree_digest(tmp_path)
    status, printed = run(["render", NOTEBOOK, "--no-progress", "--out", reports], capsys)
    assert status == 2
    assert f"{reports}: exists and was not made by Cusp" in printed
    assert tree_digest(tmp_path) == before


def test_settle_restating_into_its_previous_folder_is_refused(tmp_path, capsys):
    previous = tmp_path / "s1"
    previous.mkdir()
    (previous / ".cusp-output").write_text('{"made_by": "cusp", "files": ["payments.csv"]}')
    (previous / "payments.csv").write_text("child_id,amount\n")
    folder = user_folder(tmp_path)
    before = tree_digest(tmp_path)
    status, printed = run(["payments", "settle", "--scenario", PRESET, "--data", folder, "--as-of", "2021-06-30",
                           "--previous", previous, "--out", previous], capsys)
    assert status == 2 and f"{previous}: is the input --previous" in printed
    assert tree_digest(tmp_path) == before


def test_synth_then_capacity_rewrite_their_own_folders(tmp_path, capsys):
    """What Cusp made, Cusp may replace: a second run swaps the folder and leaves no temporary."""
    out = tmp_path / "data"
    argv = ["synth", "--scenario", PRESET, "--seed", "1", "--rows-scale", "0.01", "--out", out]
    assert run(argv, capsys)[0] == 0
    first = tree_digest(out)
    assert ".cusp-output" in first and "referrals.csv" in first
    assert run(argv, capsys)[0] == 0
    assert tree_digest(out).keys() == first.keys()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_a_user_file_dropped_into_a_cusp_folder_is_never_deleted(tmp_path, capsys):
    out = tmp_path / "cap"
    argv = ["capacity", "run", "--scenario", "hereford-mentoring-002", "--reps", "1", "--out", out]
    assert run(argv, capsys)[0] == 0
    (out / "my-notes.txt").write_text("keep me\n")
    before = tree_digest(tmp_path)
    status, printed = run(argv, capsys)
    assert status == 2 and "'my-notes.txt'" in printed and str(out) in printed
    assert tree_digest(tmp_path) == before


def test_an_empty_existing_folder_is_adopted(tmp_path, capsys):
    out = tmp_path / "empty"
    out.mkdir()
    status, printed = run(["capacity", "run", "--scenario", "hereford-mentoring-002", "--reps", "1", "--out", out], capsys)
    assert status == 0, printed
    assert {"kpis.csv", "summary.csv", "targets.csv", ".cusp-output"} <= {p.name for p in out.iterdir()}


def test_stress_file_outputs_replace_only_what_cusp_wrote(tmp_path, capsys):
    out = tmp_path / "ledger.csv"
    argv = ["stress", "ledger", "--scenario", PRESET, "--out", out]
    assert run(argv, capsys)[0] == 0
    assert (tmp_path / ".ledger.csv.cusp-output").is_file()
    assert run(argv, capsys)[0] == 0                       # Cusp's own file: replaced
    out.write_text("my own ledger\n")                      # the user's now
    status, printed = run(argv, capsys)
    assert status == 2 and f"{out}: exists and was not written by Cusp" in printed
    assert out.read_text() == "my own ledger\n"
