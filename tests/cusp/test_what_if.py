"""The capacity what-if: the answer is redrawn when a control changes, in Python and in the Voilà page."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cusp.paths import ROOT, repo_path
from cusp.render.export import chromium_path
from simulate.scenario import load_scenario

pytest.importorskip("ipywidgets")
sys.path.insert(0, str(Path(__file__).parent))


def test_repo_paths_resolve_from_the_repository_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # as JupyterLab runs a kernel in notebooks/
    assert repo_path("scenarios/lancs-edge-of-care-004.yaml") == str(ROOT / "scenarios" / "lancs-edge-of-care-004.yaml")
    assert repo_path("lancs-edge-of-care-004") == "lancs-edge-of-care-004"   # a preset name stays a name
    assert repo_path("") == ""
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "mine.yaml").write_text("x")
    assert repo_path("scenarios/mine.yaml") == "scenarios/mine.yaml"          # the caller's own file wins


def test_answer_is_redrawn_when_a_control_changes():
    from cusp.what_if import build_app

    app = build_app(load_scenario("lancs-edge-of-care-004"), reps=2, seed=1)
    before = app.children[-1].value
    assert "With 14.0 FTE and 100% of the expected referrals" in before and "Probability each target is met" in before
    app.controls["fte"].value = 7.0
    after = app.children[-1].value
    assert "With 7.0 FTE" in after and after != before
    app.controls["target"].value = "out_of_care"
    assert "children not in care is met in every period" in app.children[-1].value


@pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed")
def test_voila_page_loads_and_redraws_when_a_widget_changes():
    pytest.importorskip("voila")
    pytest.importorskip("websockets")
    from cdp import Page, free_port

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "voila", str(ROOT / "notebooks" / "capacity_what_if.ipynb"), "--no-browser",
                               f"--port={port}", "--Voila.ip=127.0.0.1"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/api/shutdown", timeout=1)
            except urllib.error.HTTPError:
                break  # the server answers
            except OSError:
                assert time.monotonic() < deadline, "Voilà did not start"
                time.sleep(0.5)
        with Page(f"http://127.0.0.1:{port}/") as page:
            text = page.wait_for("(document.body && document.body.innerText.indexOf('With 14.0 FTE') >= 0) ? document.body.innerText : ''")
            assert "support started within target is met in every period" in text
            # choose another target in the drop-down, as a commissioner would
            page.eval("var s = document.querySelector('select'); s.selectedIndex = 2; s.dispatchEvent(new Event('change', {bubbles: true}));")
            page.wait_for("document.body.innerText.indexOf('children not in care is met in every period') >= 0")
    finally:
        server.terminate()
        server.wait(timeout=20)
