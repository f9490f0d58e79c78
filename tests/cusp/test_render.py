"""cusp render on a tiny notebook: checked parameters, HTML without code, provenance, atomicity."""

from __future__ import annotations

import hashlib
import json
import re
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cusp.cli import main
from cusp.render import ExecutionFailed, ParameterError, declared_parameters, render_notebook

sys.path.insert(0, str(Path(__file__).parent))
from render_fixtures import SOURCE_TOKEN, tiny_notebook  # noqa: E402


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("render")
    nb = tiny_notebook(root / "tiny.ipynb")
    result = render_notebook(nb, root / "reports" / "tiny", params={"code": "00123", "input_file": "in.csv"}, cwd=root, progress=False, timeout=120)
    return root, nb, result


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_report_folder_has_html_notebook_results_and_provenance(rendered):
    root, _, result = rendered
    assert sorted(p.name for p in result.folder.iterdir()) == [".cusp-output", "provenance.json", "results.json", "tiny.html", "tiny.ipynb"]
    # '00123' stays text: papermill's -p would have made it 123.
    assert json.loads(result.results.read_text()) == {"code": "00123", "rows": 3, "seed": 3}
    assert not list((root / "reports").glob(".tiny.*"))  # no temporary left beside it


def test_html_has_no_code_and_embeds_figures(rendered):
    html = rendered[2].html.read_text()
    assert SOURCE_TOKEN not in html and "sleep_seconds" not in html.split("Provenance</h2>")[0]
    assert 'class="highlight' not in html and 'class="jp-InputPrompt' not in html  # no code, no prompts
    assert len(re.findall(r'<img[^>]*src="data:image/png;base64,', html)) == 2
    assert "Narrative text for the reader." in html
    assert not re.search(r'<script[^>]*src="http', html)  # opens offline: nothing from the network
    assert "<title>Tiny report</title>" in html


def test_provenance_block_ends_the_report_with_input_hashes(rendered):
    root, nb, result = rendered
    html = result.html.read_text()
    assert html.rfind("Provenance") > html.rfind("data:image/png")
    for f in (root / "in.csv", nb):
        assert hashlib.sha256(f.read_bytes()).hexdigest() in html
    record = json.loads((result.folder / "provenance.json").read_text())
    assert record["parameters"]["code"] == "00123" and record["seeds"] == {"seed": 3}
    assert len(record["git"]["commit"]) == 40 and isinstance(record["git"]["dirty"], bool)
    assert record["packages"]["papermill"] and record["cusp_version"]


def test_declared_parameters_are_typed_from_defaults(rendered):
    declared = declared_parameters(rendered[1])
    assert {k: v["type"] for k, v in declared.items()} == {
        "input_file": "str", "code": "str", "seed": "int", "sleep_seconds": "float", "marker": "str", "fail": "bool", "results_path": "str"}


@pytest.mark.parametrize("args, message", [
    (["--param", "bogus=1"], "unknown parameter 'bogus'"),
    (["--param", "seed=1.5"], "parameter 'seed' expects int"),
    (["--param", "fail=maybe"], "parameter 'fail' expects bool"),
    (["--param", "novalue"], "expected key=value"),
])
def test_unknown_or_ill_typed_parameter_exits_2(rendered, args, message, capsys):
    root, nb, _ = rendered
    with pytest.raises(SystemExit) as info:
        main(["render", str(nb), "--out", str(root / "reports" / "never"), *args])
    assert info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (root / "reports" / "never").exists()


def test_yaml_parameters_are_checked_too(rendered, tmp_path):
    (tmp_path / "p.yaml").write_text("seed: '7'\n")
    with pytest.raises(ParameterError, match="expects int"):
        render_notebook(rendered[1], tmp_path / "out", params_file=tmp_path / "p.yaml")


def test_list_params(rendered, capsys):
    with pytest.raises(SystemExit) as info:
        main(["render", str(rendered[1]), "--list-params"])
    assert info.value.code == 0
    assert "sleep_seconds" in capsys.readouterr().out


def test_failed_cell_keeps_error_notebook_and_previous_report(rendered):
    root, nb, result = rendered
    before = _digests(result.folder)
    with pytest.raises(ExecutionFailed) as info:
        render_notebook(nb, result.folder, params={"fail": "true"}, cwd=root, progress=False, timeout=120)
    message = info.value.one_line()
    assert "ZeroDivisionError" in message and "tiny.failed.ipynb" in message and "\n" not in message
    assert Path(info.value.error_notebook).is_file()
    assert _digests(result.folder) == before


def test_killed_render_leaves_previous_report_intact(rendered):
    root, nb, result = rendered
    before = _digests(result.folder)
    marker = root / "running.txt"
    cusp = Path(sys.executable).with_name("cusp")
    proc = subprocess.Popen(
        [str(cusp), "render", str(nb), "--out", str(result.folder), "--no-progress",
         "--param", "sleep_seconds=30", "--param", f"marker={marker}"],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert marker.exists(), "the render never reached the sleeping cell"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert _digests(result.folder) == before
    assert sorted(p.name for p in (root / "reports").iterdir() if not p.name.startswith(".")) == sorted(
        p.name for p in (root / "reports").iterdir() if not p.name.startswith(".") and p.name in {"tiny", "tiny.failed.ipynb"})


def test_a_cell_over_the_timeout_fails_the_render_and_keeps_the_previous_report(rendered):
    root, nb, result = rendered
    before = _digests(result.folder)
    with pytest.raises(ExecutionFailed, match=r"ran longer than the 2 s timeout"):
        render_notebook(nb, result.folder, params={"sleep_seconds": "30"}, cwd=root, progress=False, timeout=2)
    assert _digests(result.folder) == before
