"""Shared fixtures: the repository's test data and the `nglab` command to compare with."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
KENLM_DATA = ROOT / "tests" / "data" / "kenlm"
DATA = pathlib.Path(__file__).resolve().parent / "data"


def nglab_bin():
    """The `nglab` binary built from this checkout (scripts/test-python.sh sets NGLAB_BIN)."""
    path = os.environ.get("NGLAB_BIN") or str(ROOT / "target" / "debug" / "nglab")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"no nglab binary at {path}: build it (cargo build -p nglab-driver) or set NGLAB_BIN")
    return path


@pytest.fixture(scope="session")
def cli():
    """Runs `nglab ARGS...`; returns the completed process (stdout and stderr as bytes)."""

    def run(*args, check=True):
        proc = subprocess.run([nglab_bin(), *map(str, args)], capture_output=True)
        if check and proc.returncode != 0:
            raise AssertionError(f"nglab {' '.join(map(str, args))} failed: {proc.stderr.decode()}")
        return proc

    return run


def cli_error(cli, *args):
    """The one-line message `nglab ARGS...` fails with (after `nglab: `)."""
    proc = cli(*args, check=False)
    assert proc.returncode == 2, proc
    line = proc.stderr.decode().strip()
    assert "\n" not in line and line.startswith("nglab: "), line
    return line[len("nglab: "):]


@pytest.fixture(scope="session")
def brown_train():
    return KENLM_DATA / "brown-2k.train.txt"


@pytest.fixture(scope="session")
def brown_test():
    return KENLM_DATA / "brown-300.test.txt"


@pytest.fixture(scope="session")
def test_sentences(brown_test):
    return [line for line in brown_test.read_text(encoding="utf-8").splitlines() if line.strip()]
