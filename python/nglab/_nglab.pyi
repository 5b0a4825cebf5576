"""Type stubs of nglab's extension module (the docstrings are in the module itself)."""

import os
from collections.abc import Callable, Iterable
from typing import Any, Literal, Optional, Union, final

import numpy as np
import numpy.typing as npt
from typing_extensions import Self

__all__ = ["__version__", "Tokenizer", "Vocab", "Model", "train", "metrics", "run"]

__version__: str

_PathLike = Union[str, "os.PathLike[str]"]
# A corpus: a file (one sentence per line, a blank line the empty sentence) or sentences, one per item.
_Text = Union[_PathLike, Iterable[str]]
# Sentences to score: one sentence, sentences, or a corpus file as an os.PathLike.
_Sentences = Union[str, Iterable[str], "os.PathLike[str]"]

# The classes are final (no subclasses), as PyO3 makes them.

@final
class Tokenizer:
    def __new__(cls, spec: str = "whitespace", training: Optional[_Text] = None) -> Self: ...
    def encode(self, text: str) -> list[str]: ...
    def decode(self, tokens: list[str]) -> str: ...
    @property
    def spec(self) -> str: ...
    def save(self, path: _PathLike) -> None: ...

@final
class Vocab:
    def __new__(cls, tokens: Iterable[str] = ()) -> Self: ...
    @staticmethod
    def load(path: _PathLike) -> Vocab: ...
    def save(self, path: _PathLike) -> None: ...
    @property
    def tokens(self) -> list[str]: ...
    def id(self, token: str) -> int: ...
    def token(self, id: int) -> str: ...
    def __len__(self) -> int: ...
    def __contains__(self, token: str, /) -> bool: ...
    def __getitem__(self, token: str, /) -> int: ...

@final
class Model:
    @staticmethod
    def load(path: _PathLike, tokenizer: Union[str, Tokenizer, None] = None, *, threads: int = 0) -> Model: ...
    def save(self, path: _PathLike, *, threads: int = 0) -> None: ...
    @property
    def order(self) -> int: ...
    @property
    def vocab(self) -> Vocab: ...
    @property
    def tokenizer(self) -> Tokenizer: ...
    @property
    def smoothing(self) -> Optional[str]: ...
    @property
    def n_grams(self) -> list[int]: ...
    @property
    def discounts(self) -> list[dict[str, Any]]: ...
    def score(self, sentence: str, bos: bool = True, eos: bool = True) -> float: ...
    def scores(self, sentences: _Sentences, bos: bool = True, eos: bool = True) -> npt.NDArray[np.float64]: ...
    def perplexity(self, sentences: _Sentences) -> float: ...
    def evaluate(self, sentences: _Sentences) -> dict[str, Any]: ...
    def sample(
        self,
        n_sentences: Optional[int] = None,
        n_tokens: Optional[int] = None,
        *,
        seed: int,
        temperature: float = 1.0,
        top_k: Optional[int] = None,
        top_p: Optional[float] = None,
        min_p: Optional[float] = None,
        greedy: bool = False,
        unk: Literal["resample", "keep", "drop"] = "resample",
        max_len: int = 256,
        prompts: Optional[_Text] = None,
        prefix_tokens: Optional[int] = None,
        threads: int = 0,
    ) -> list[str]: ...
    def beam(
        self,
        width: int,
        n_sentences: Optional[int] = None,
        *,
        prompts: Optional[_Text] = None,
        prefix_tokens: Optional[int] = None,
        max_len: int = 256,
        threads: int = 0,
    ) -> list[str]: ...
    def __contains__(self, word: str, /) -> bool: ...

def train(
    text: _Text,
    order: int = 3,
    smoothing: str = "mkn",
    vocab: Union[Vocab, _PathLike, None] = None,
    *,
    tokenizer: Union[str, Tokenizer, None] = None,
    discount_fallback: str = "kenlm",
    threads: int = 0,
) -> Model: ...

def metrics(
    texts: _Text,
    reference: Optional[_Text] = None,
    heldout: Optional[_Text] = None,
    *,
    sample_tokens: Optional[int] = None,
    draws: int = 10,
    sentence_order: Literal["shuffled", "text"] = "shuffled",
    mattr_window: int = 1000,
    seed: int = 0,
    model: Union[Model, _PathLike, None] = None,
    tokenizer: Union[str, Tokenizer, None] = None,
    lossy: bool = False,
    threads: int = 0,
) -> dict[str, Any]: ...

# The engine of nglab.run (nglab/_run.py): settings as JSON or a TOML path.
def run(
    settings_json: Optional[str],
    toml: Optional[str],
    out_dir: str,
    resume: bool,
    on_step: Optional[Callable[[dict[str, Any]], object]],
) -> None: ...
