"""nglab: n-gram language models and model-collapse experiments, at Rust speed.

Train KenLM-compatible models, score text with KenLM's conventions, sample
exactly and reproducibly, measure text, and run collapse experiments — the
same engine, numbers and messages as the ``nglab`` command.

>>> import nglab
>>> model = nglab.train(["the cat sat", "the dog sat"], order=2)
>>> round(model.perplexity("the cat sat"), 3) > 1
True
"""

from ._errors import DiscountFallback, FileError, InvalidInput, NglabError
from ._nglab import Model, Tokenizer, Vocab, __version__, metrics, train
from ._records import Records
from ._run import run

__all__ = [
    "DiscountFallback",
    "FileError",
    "InvalidInput",
    "Model",
    "NglabError",
    "Records",
    "Tokenizer",
    "Vocab",
    "__version__",
    "metrics",
    "run",
    "train",
]
