"""nglab.run: a collapse experiment, as the ``nglab run`` command runs it."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, Optional, Union

from . import _nglab
from ._records import Records


def _plain(value: Any) -> Any:
    """A setting as JSON holds it: paths as strings, tuples as lists."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _print_step(step: dict[str, Any]) -> None:
    value = step["heldout_ppl_fixed"]
    ppl = "-" if value is None else f"{value:.6f}"
    print(
        f"nglab run: [{step['step']}/{step['total']}] {step['label']} seed {step['seed']} "
        f"gen {step['generation']}: held-out ppl (fixed denominator) {ppl}",
        file=sys.stderr,
        flush=True,
    )


def run(
    config: Union[Mapping[str, Any], str, os.PathLike[str]],
    out_dir: Union[str, os.PathLike[str]],
    progress: Union[bool, Callable[[dict[str, Any]], object]] = True,
    *,
    resume: bool = False,
) -> Records:
    """Runs a collapse experiment into ``out_dir``, as ``nglab run`` does, and
    returns its :class:`Records` (the rows of ``metrics.csv``; ``to_pandas()``).

    ``config``: a dict of settings, keyed as the TOML file of ``nglab run
    --config`` (``{"regime": ["replace", "accumulate"], "generations": 5,
    "order": 3, "train": "human.txt"}``; a list or a comma-separated string
    for a list setting), or the path of such a TOML file (its relative paths
    are relative to it). ``out_dir`` must be new or empty, or hold this run
    with ``resume=True`` (which continues an interrupted run, or extends a
    finished one with more generations or seeds). The files written and the
    numbers are the command line's for the same settings.

    ``progress``: True prints a line per generation on ``sys.stderr``; False
    prints nothing; a callable gets a dict per generation done (``step`` of
    ``total``, ``cell``, ``cell_name``, ``label``, ``regime``, ``seed``,
    ``generation``, ``heldout_ppl_fixed``, ``elapsed`` seconds), called on
    the calling thread.

    Ctrl-C (KeyboardInterrupt), or an exception the callable raises, stops
    the run within a generation or a sampling chunk; the generations done
    are saved, and ``resume=True`` continues to the same files. Bad settings
    raise :class:`InvalidInput` with the command line's message, before
    anything is written.
    """
    settings_json: Optional[str]
    toml: Optional[str]
    on_step: Optional[Callable[[dict[str, Any]], object]]
    if isinstance(config, Mapping):
        settings_json = json.dumps({key: _plain(value) for key, value in config.items()})
        toml = None
    elif isinstance(config, (str, os.PathLike)):
        settings_json, toml = None, os.fspath(config)
    else:
        raise TypeError(
            f"nglab.run takes a dict of settings or the path of a TOML file, got {type(config).__name__}"
        )
    if progress is True:
        on_step = _print_step
    elif progress is False or progress is None:
        on_step = None
    elif callable(progress):
        on_step = progress
    else:
        raise TypeError(f"progress must be True, False or a callable, got {progress!r}")
    _nglab.run(settings_json, toml, os.fspath(out_dir), bool(resume), on_step)
    return Records(out_dir)
