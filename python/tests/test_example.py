"""python/examples/collapse.py runs as documented, on the committed Brown slices (seconds)."""

import re
import subprocess
import sys

import pytest

import nglab
from conftest import KENLM_DATA, ROOT

EXAMPLE = ROOT / "python" / "examples" / "collapse.py"
ARGS = [KENLM_DATA / "brown-2k.train.txt", KENLM_DATA / "brown-300.test.txt"]
# The example run under Python with matplotlib made unimportable.
WITHOUT_MATPLOTLIB = "import runpy, sys; sys.modules['matplotlib'] = None; sys.argv = sys.argv[1:]; " \
    "runpy.run_path(sys.argv[0], run_name='__main__')"


def run_example(out, *prefix):
    proc = subprocess.run(
        [sys.executable, *prefix, EXAMPLE, *ARGS, out], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def curves(stdout):
    """The held-out perplexities the example prints, by regime."""
    rows = {}
    for line in stdout.splitlines():
        m = re.fullmatch(r"  (replace|accumulate) +((?:\s+[0-9.]+)+)", line)
        if m:
            rows[m.group(1)] = [float(x) for x in m.group(2).split()]
    return rows


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("collapse") / "run"
    return out, run_example(out, "-c", WITHOUT_MATPLOTLIB)


def test_five_generations_of_replace_and_accumulate(example_run):
    out, stdout = example_run
    printed = curves(stdout)
    assert set(printed) == {"replace", "accumulate"}
    records = nglab.Records(out)
    assert len(records) == 10
    for regime, ppls in printed.items():
        rows = sorted((r["generation"], r["heldout_ppl"]) for r in records if r["regime"] == regime)
        assert [g for g, _ in rows] == [0, 1, 2, 3, 4]
        # What it prints is the run's records, rounded.
        assert ppls == [round(p, 1) for _, p in rows]
    replace, accumulate = printed["replace"], printed["accumulate"]
    # Generation 0 is the same human-trained model; then replace collapses faster than accumulate.
    assert replace[0] == accumulate[0]
    assert replace[-1] > accumulate[-1] > accumulate[0]
    assert f"report: {out / 'report.html'}" in stdout and (out / "report.html").is_file()
    # Without matplotlib there is no plot, and no error.
    assert "plot:" not in stdout and not (out / "collapse.png").exists()


def test_plot_with_matplotlib(example_run):
    pytest.importorskip("matplotlib")
    out, first = example_run
    # Run again into the same directory: the example resumes the finished run, then plots.
    stdout = run_example(out)
    assert curves(stdout) == curves(first)
    assert f"plot: {out / 'collapse.png'}" in stdout
    assert (out / "collapse.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
