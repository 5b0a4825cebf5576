"""nglab.run: a collapse experiment, as the ``nglab run`` command runs it."""

import json
import os
import sys

from . import _nglab
from ._records import Records


def _plain(value):
    """A setting as JSON holds it: paths as strings, tuples as lists."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _print_step(step):
    ppl = step["heldout_ppl_fixed"]
    ppl = "-" if ppl is None else f"{ppl:.6f}"
    print(
        f"nglab run: [{step['step']}/{step['total']}] {step['label']} seed {step['seed']} "
        f"gen {step['generation']}: held-out ppl (fixed denominator) {ppl}",
        file=sys.stderr,
        flush=True,
    )


def run(config, out_dir, progress=True, *, resume=False):
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
    if isinstance(config, dict):
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
