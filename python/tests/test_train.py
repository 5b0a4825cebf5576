"""nglab.train, Model.save and Model.load against `nglab train` and each other."""

import pathlib
import warnings

import pytest

import nglab
from conftest import KENLM_DATA, cli_error


@pytest.mark.parametrize("order,smoothing", [(3, "mkn"), (2, "wb"), (4, "kn"), (1, "addk:0.5")])
def test_same_arpa_bytes_as_the_command_line(cli, tmp_path, brown_train, order, smoothing):
    cli("train", "--input", brown_train, "--order", order, "--smoothing", smoothing, "--out", tmp_path / "cli.arpa")
    model = nglab.train(brown_train, order=order, smoothing=smoothing)
    model.save(tmp_path / "py.arpa")
    assert (tmp_path / "py.arpa").read_bytes() == (tmp_path / "cli.arpa").read_bytes()
    assert model.order == order


def test_sentences_in_memory_train_like_the_file(tmp_path, brown_train):
    lines = brown_train.read_text(encoding="utf-8").splitlines()
    from_file = nglab.train(str(brown_train), order=3)
    from_list = nglab.train(lines, order=3)
    from_generator = nglab.train((line for line in lines), order=3)
    for i, m in enumerate((from_file, from_list, from_generator)):
        m.save(tmp_path / f"{i}.arpa")
    assert (tmp_path / "0.arpa").read_bytes() == (tmp_path / "1.arpa").read_bytes() == (tmp_path / "2.arpa").read_bytes()


def test_load_and_save_round_trip(tmp_path):
    arpa = KENLM_DATA / "brown-2k.o3.arpa"
    model = nglab.Model.load(arpa)
    assert model.order == 3
    assert model.n_grams == [int(line.split("=")[1]) for line in arpa.read_text().splitlines()[1:4]]
    model.save(tmp_path / "again.arpa")
    again = nglab.Model.load(tmp_path / "again.arpa")
    again.save(tmp_path / "twice.arpa")
    assert (tmp_path / "again.arpa").read_bytes() == (tmp_path / "twice.arpa").read_bytes()
    assert again.perplexity(["the jury said"]) == pytest.approx(model.perplexity(["the jury said"]), rel=1e-6)


def test_a_fixed_vocabulary(tmp_path):
    vocab = nglab.Vocab(["the", "cat", "dog", "sat"])
    model = nglab.train(["the cat sat", "the bird sat"], order=2, vocab=vocab)
    assert model.vocab == vocab
    assert "bird" not in model and "dog" in model
    vocab.save(tmp_path / "v.json")
    from_file = nglab.train(["the cat sat", "the bird sat"], order=2, vocab=tmp_path / "v.json")
    assert from_file.scores(["the dog sat"]) == pytest.approx(model.scores(["the dog sat"]))


def test_discount_fallback_warns_and_is_recorded():
    with pytest.warns(nglab.DiscountFallback, match=r"order 1: closed-form discounts fail \(n3 = 0\)"):
        model = nglab.train(["a b c", "a b d"], order=2)
    assert [d["fallback"] is not None for d in model.discounts] == [True, True]
    assert model.discounts[0]["discounts"] == [0.5, 1.0, 1.5]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nglab.train(["a b c", "a b d"], order=2, smoothing="wb")


@pytest.mark.parametrize(
    "kwargs,flags",
    [
        ({"order": 13}, ["--order", "13"]),
        ({"smoothing": "nope"}, ["--smoothing", "nope"]),
        ({"smoothing": "addk:-1"}, ["--smoothing", "addk:-1"]),
        ({"discount_fallback": "1,2"}, ["--discount-fallback", "1,2"]),
        ({"discount_fallback": "0,1,1.5"}, ["--discount-fallback", "0,1,1.5"]),
    ],
)
def test_bad_settings_give_the_command_lines_message(cli, tmp_path, brown_train, kwargs, flags):
    expected = cli_error(cli, "train", "--input", brown_train, "--out", tmp_path / "m.arpa", *flags)
    with pytest.raises(nglab.InvalidInput) as err:
        nglab.train(brown_train, **kwargs)
    assert str(err.value) == expected
    assert isinstance(err.value, ValueError) and isinstance(err.value, nglab.NglabError)


@pytest.mark.parametrize(
    "kwargs,flags",
    [({"order": 0}, ["--order", "0"]), ({"tokenizer": "bpe:3"}, ["--tokenizer", "bpe:3"])],
)
def test_values_the_flag_parser_checks(cli, tmp_path, brown_train, kwargs, flags):
    # The command line's flag parser prefixes its own "invalid value ... for '--flag <X>'".
    expected = cli_error(cli, "train", "--input", brown_train, "--out", tmp_path / "m.arpa", *flags)
    with pytest.raises(nglab.InvalidInput) as err:
        nglab.train(brown_train, **kwargs)
    reason = str(err.value).split(": ", 1)[1]
    assert expected.startswith("invalid value") and expected.endswith(": " + reason)


@pytest.mark.parametrize(
    "content,name",
    [
        (b"the cat\n<s> sat\n", "marker.txt"),
        (b"ok line\n\xff\xfe bad\n", "utf8.txt"),
        (b"a\x00b\n", "nul.txt"),
        (b"\n \n", "blank.txt"),
    ],
)
def test_bad_corpora_give_the_command_lines_message(cli, tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    expected = cli_error(cli, "train", "--input", path, "--out", tmp_path / "m.arpa")
    with pytest.raises(nglab.InvalidInput) as err:
        nglab.train(path)
    assert str(err.value) == expected
    assert not (tmp_path / "m.arpa").exists()


def test_missing_files_are_os_errors(cli, tmp_path):
    missing = tmp_path / "missing.txt"
    expected = cli_error(cli, "train", "--input", missing, "--out", tmp_path / "m.arpa")
    with pytest.raises(nglab.FileError) as err:
        nglab.train(missing)
    assert str(err.value) == expected
    assert isinstance(err.value, OSError) and err.value.errno == 2
    with pytest.raises(nglab.FileError, match="cannot open model"):
        nglab.Model.load(missing)
    with pytest.raises(nglab.InvalidInput, match=r"arpa line 1"):
        (tmp_path / "bad.arpa").write_text("not an arpa file\n")
        nglab.Model.load(tmp_path / "bad.arpa")


def test_save_to_a_directory_fails_and_leaves_nothing(tmp_path):
    model = nglab.train(["a b", "b c"], order=2, smoothing="wb")
    with pytest.raises(nglab.NglabError):
        model.save(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_sentences_must_be_strings_without_line_breaks():
    with pytest.raises(nglab.InvalidInput, match=r"<sentences>:2: a sentence must be a str, got int"):
        nglab.train(["a b", 3])
    with pytest.raises(nglab.InvalidInput, match=r"<sentences>:1: a sentence holds a line break"):
        nglab.train(["a\nb"])
    with pytest.raises(nglab.InvalidInput, match=r"<sentences>:2: the sentence marker </s> is written"):
        nglab.train(["a b", "c </s>"])


def test_tokenizers_and_bpe(tmp_path):
    words = nglab.Tokenizer("words:lower")
    assert words.encode("Hello, World!") == ["hello", ",", "world", "!"]
    assert words.spec == "words:lower"
    text = ["the cat sat on the mat", "a dog sat on a log"] * 20
    model = nglab.train(text, order=2, tokenizer="chars")
    assert model.tokenizer.spec == "chars" and "▁" in model
    bpe = nglab.Tokenizer("bpe:260", training=text)
    bpe.save(tmp_path / "tokenizer.json")
    loaded = nglab.Tokenizer(f"bpe-file:{tmp_path / 'tokenizer.json'}")
    assert loaded.encode("the cat") == bpe.encode("the cat")
    assert loaded.decode(loaded.encode("the cat sat")) == "the cat sat"
    with pytest.raises(nglab.InvalidInput, match="trained on a text"):
        nglab.Tokenizer("bpe:300")
    with pytest.raises(nglab.InvalidInput, match="unknown tokenizer"):
        nglab.Tokenizer("nope")
    with pytest.raises(nglab.InvalidInput, match="would train a new BPE"):
        nglab.Model.load(KENLM_DATA / "brown-2k.o2.arpa", tokenizer="bpe:300")


def test_vocab():
    v = nglab.Vocab(["b", "a"])
    assert v.tokens == ["<unk>", "<s>", "</s>", "b", "a"]
    assert (len(v), v["a"], v.id("zzz"), v.token(3), "a" in v, "zzz" in v) == (5, 4, 0, "b", True, False)
    with pytest.raises(KeyError):
        v["zzz"]
    with pytest.raises(IndexError):
        v.token(5)
    with pytest.raises(nglab.InvalidInput):
        nglab.Vocab(["a", "a"])
    with pytest.raises(nglab.InvalidInput):
        nglab.Vocab(["a b"])


def test_path_objects_and_strings_name_the_same_file(brown_train):
    a = nglab.train(pathlib.Path(brown_train), order=2)
    b = nglab.train(str(brown_train), order=2)
    assert a.n_grams == b.n_grams
