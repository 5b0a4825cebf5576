"""Type stubs of nglab's extension module (the docstrings are in the module itself)."""

import os
from collections.abc import Callable, Iterable
from typing import Any, Literal, Optional, Union

import numpy as np
import numpy.typing as npt

__version__: str

PathLike = Union[str, "os.PathLike[str]"]
# A corpus: a file (one sentence per line, a blank line the empty sentence) or sentences, one per item.
Text = Union[PathLike, Iterable[str]]
# Sentences to score: one sentence, sentences, or a corpus file as an os.PathLike.
Sentences = Union[str, Iterable[str], "os.PathLike[str]"]

class Tokenizer:
    def __init__(self, spec: str = "whitespace", training: Optional[Text] = None) -> None: ...
    def encode(self, text: str) -> list[str]: ...
    def decode(self, tokens: list[str]) -> str: ...
    @property
    def spec(self) -> str: ...
    def save(self, path: PathLike) -> None: ...

class Vocab:
    def __init__(self, tokens: Iterable[str] = ()) -> None: ...
    @staticmethod
    def load(path: PathLike) -> Vocab: ...
    def save(self, path: PathLike) -> None: ...
    @property
    def tokens(self) -> list[str]: ...
    def id(self, token: str) -> int: ...
    def token(self, id: int) -> str: ...
    def __len__(self) -> int: ...
    def __contains__(self, token: str) -> bool: ...
    def __getitem__(self, token: str) -> int: ...

class Model:
    @staticmethod
    def load(path: PathLike, tokenizer: Union[str, Tokenizer, None] = None, *, threads: int = 0) -> Model: ...
    def save(self, path: PathLike, *, threads: int = 0) -> None: ...
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
    def scores(self, sentences: Sentences, bos: bool = True, eos: bool = True) -> npt.NDArray[np.float64]: ...
    def perplexity(self, sentences: Sentences) -> float: ...
    def evaluate(self, sentences: Sentences) -> dict[str, Any]: ...
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
        prompts: Optional[Text] = None,
        prefix_tokens: Optional[int] = None,
        threads: int = 0,
    ) -> list[str]: ...
    def beam(
        self,
        width: int,
        n_sentences: Optional[int] = None,
        *,
        prompts: Optional[Text] = None,
        prefix_tokens: Optional[int] = None,
        max_len: int = 256,
        threads: int = 0,
    ) -> list[str]: ...
    def __contains__(self, word: str) -> bool: ...

def train(
    text: Text,
    order: int = 3,
    smoothing: str = "mkn",
    vocab: Union[Vocab, PathLike, None] = None,
    *,
    tokenizer: Union[str, Tokenizer, None] = None,
    discount_fallback: str = "kenlm",
    threads: int = 0,
) -> Model: ...

# The engine of nglab.run (nglab/_run.py): settings as JSON or a TOML path.
def run(
    settings_json: Optional[str],
    toml: Optional[str],
    out_dir: str,
    resume: bool,
    on_step: Optional[Callable[[dict[str, Any]], object]],
) -> None: ...
