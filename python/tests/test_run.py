"""nglab.run: the records of `nglab run`, progress, interrupting and resuming."""

import os
import signal
import sys

import pytest

import nglab
from conftest import KENLM_DATA, cli_error

CONFIG = {
    "train": str(KENLM_DATA / "brown-2k.train.txt"),
    "heldout": str(KENLM_DATA / "brown-300.test.txt"),
    "order": 2,
    "regime": ["replace", "accumulate"],
    "generations": 4,
    "seeds": 1,
    "threads": 2,
}


def cli_run(cli, out, config):
    flags = []
    for key, value in config.items():
        value = ",".join(map(str, value)) if isinstance(value, list) else value
        flags += [f"--{key.replace('_', '-')}", str(value)]
    cli("run", "--out", out, *flags)


def test_records_are_the_command_lines_tables(cli, tmp_path):
    steps = []
    records = nglab.run(CONFIG, tmp_path / "py", progress=steps.append)
    cli_run(cli, tmp_path / "cli", CONFIG)
    for name in ("metrics.csv", "summary.csv", "config.json"):
        py_bytes = (tmp_path / "py" / name).read_bytes()
        cli_bytes = (tmp_path / "cli" / name).read_bytes()
        if name == "config.json":  # the output directory is not in it; the paths are the same
            assert py_bytes == cli_bytes
        assert py_bytes == cli_bytes, name
    assert len(records) == 2 * 4 and records.out_dir == tmp_path / "py"
    assert [(r["regime"], r["generation"]) for r in records][:4] == [("replace", g) for g in range(4)]
    assert all(isinstance(r["heldout_ppl"], float) for r in records)
    assert records[0]["heldout_ppl"] == records[4]["heldout_ppl"]  # generation 0 is shared
    assert sorted((s["regime"], s["generation"]) for s in steps) == sorted((r["regime"], r["generation"]) for r in records)
    assert {s["total"] for s in steps} == {8} and sorted(s["step"] for s in steps) == list(range(1, 9))
    assert (tmp_path / "py" / "report.html").is_file()


def test_to_pandas(tmp_path, monkeypatch):
    records = nglab.run({**CONFIG, "generations": 2, "regime": "replace"}, tmp_path, progress=False)
    frame = records.to_pandas()
    assert list(frame.columns) == list(records[0].keys())
    assert frame["heldout_ppl"].tolist() == pytest.approx([r["heldout_ppl"] for r in records])
    assert len(records.to_pandas("summary")) == len(records.summary)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        records.to_pandas()


def test_progress_true_prints_a_line_per_generation(tmp_path, capfd):
    nglab.run({**CONFIG, "generations": 2, "regime": "replace"}, tmp_path)
    err = capfd.readouterr().err
    assert "nglab run: [1/2] replace seed 0 gen " in err and "nglab run: [2/2]" in err
    nglab.run({**CONFIG, "generations": 2, "regime": "replace"}, tmp_path / "quiet", progress=False)
    assert capfd.readouterr().err == ""


def test_an_exception_in_the_callback_stops_the_run(tmp_path):
    def fail(step):
        raise RuntimeError(f"stop at step {step['step']}")

    with pytest.raises(RuntimeError, match="stop at step 1"):
        nglab.run({**CONFIG, "threads": 1}, tmp_path, progress=fail)
    assert not (tmp_path / "metrics.csv").exists() and not (tmp_path / ".nglab-run.lock").exists()


def test_interrupted_then_resumed_gives_the_uninterrupted_files(cli, tmp_path):
    config = {**CONFIG, "generations": 6, "threads": 1}

    def interrupt_after_the_first_generation(step):
        if step["step"] == 1:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        nglab.run(config, tmp_path / "py", progress=interrupt_after_the_first_generation)
    saved = list((tmp_path / "py" / "state").rglob("gen-*.json"))
    assert 1 <= len(saved) < 12 and not (tmp_path / "py" / "metrics.csv").exists()
    with pytest.raises(nglab.InvalidInput, match="resume"):
        nglab.run(config, tmp_path / "py", progress=False)
    nglab.run(config, tmp_path / "py", progress=False, resume=True)
    cli_run(cli, tmp_path / "cli", config)
    for name in ("metrics.csv", "summary.csv"):
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name


def test_a_toml_file_and_bad_settings(cli, tmp_path):
    toml = tmp_path / "run.toml"
    toml.write_text(f"train = {CONFIG['train']!r}\nheldout = {CONFIG['heldout']!r}\ngenerations = 2\nseeds = 1\nregime = 'replace'\norder = 2\n")
    records = nglab.run(toml, tmp_path / "out", progress=False)
    assert len(records) == 2
    expected = cli_error(cli, "run", "--out", tmp_path / "bad", "--config", toml, "--regime", "sideways")
    with pytest.raises(nglab.InvalidInput) as err:
        nglab.run({**CONFIG, "regime": "sideways"}, tmp_path / "bad", progress=False)
    assert str(err.value) == expected
    with pytest.raises(nglab.InvalidInput, match="unknown field `generashuns`"):
        nglab.run({"generashuns": 3}, tmp_path / "bad", progress=False)
    with pytest.raises(TypeError, match="dict of settings or the path"):
        nglab.run(3, tmp_path / "bad", progress=False)
    assert not (tmp_path / "bad").exists()
