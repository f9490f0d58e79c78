"""Every ``cusp stress`` subcommand runs on every preset, through the preset's own mechanism pipeline."""

import pandas as pd
import pytest

from cusp.cli import main
from simulate.scenario import list_presets

PRESETS = list_presets()


def _run(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return exc.value.code, capsys.readouterr()


@pytest.mark.parametrize("preset", PRESETS)
def test_every_subcommand_runs_on_every_preset(preset, tmp_path, capsys):
    run = tmp_path / "run.parquet"
    code, printed = _run(["stress", "run", "--scenario", preset, "--draws", "6", "--seed", "1", "--method", "mc",
                          "--out", str(run)], capsys)
    assert code == 0, printed.err
    assert len(pd.read_parquet(run)) == 6
    for argv in (
        ["stress", "base", "--scenario", preset, "--replications", "2"],
        ["stress", "named", "--scenario", preset, "--draws", "3"],
        ["stress", "reverse", "--scenario", preset, "--replications", "2"],
        ["stress", "tornado", "--scenario", preset, "--replications", "2"],
        ["stress", "summary", str(run)],
        ["stress", "sobol", "--scenario", preset, "--base-draws", "4"],
        ["stress", "ledger", "--scenario", preset, "--out", str(tmp_path / "ledger.csv")],
    ):
        code, printed = _run(argv, capsys)
        assert code == 0, (argv[1], printed.err)
    ledger = pd.read_csv(tmp_path / "ledger.csv")
    assert ledger.groupby("month")["amount_gbp"].sum().abs().max() < 1e-6   # every £ leaves one party and reaches another
