"""The README's Python example runs as written (from the top of the repository)."""

import os
import re

from conftest import ROOT


def test_readme_example_runs(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## From Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    # Paths in the example are relative to the repository; its output file goes to tmp_path.
    monkeypatch.chdir(ROOT)
    code = code.replace('"brown-2k.o3.arpa"', repr(os.fspath(tmp_path / "brown-2k.o3.arpa")))
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert len(namespace["scores"]) == 2
    assert sum(len(line.split()) for line in namespace["lines"]) >= 10_000
