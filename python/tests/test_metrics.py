"""nglab.metrics: the dict `nglab metrics --json` prints, value for value, and its errors."""

import json

import pytest

import nglab
from conftest import KENLM_DATA, cli_error


def cli_metrics(cli, *flags):
    return json.loads(cli("metrics", "--json", *flags).stdout)


@pytest.mark.parametrize(
    "kwargs,flags",
    [
        ({}, []),
        ({"draws": 3, "seed": 7, "sample_tokens": 2000}, ["--draws", 3, "--seed", 7, "--sample-tokens", 2000]),
        ({"sentence_order": "text", "mattr_window": 50}, ["--sentence-order", "text", "--mattr-window", 50]),
        ({"tokenizer": "words:lower"}, ["--tokenizer", "words:lower"]),
        ({"tokenizer": nglab.Tokenizer("chars")}, ["--tokenizer", "chars"]),
    ],
)
def test_same_dict_as_the_command_line(cli, brown_train, brown_test, kwargs, flags):
    expected = cli_metrics(cli, "--input", brown_test, "--reference", brown_train, "--heldout", brown_train, *flags)
    ours = nglab.metrics(str(brown_test), reference=str(brown_train), heldout=str(brown_train), **kwargs)
    assert ours == expected
    # Floats compare equal only when they are the same double: spot-check that they are there.
    assert isinstance(ours["mattr"], float) and ours["js_to_reference"] > 0 and ours["heldout_recall"]


def test_text_alone_and_sentences_as_lists(cli, brown_test, brown_train, test_sentences):
    # The defaults too (the dict holds the config) are the command line's.
    assert nglab.metrics(str(brown_test)) == cli_metrics(cli, "--input", brown_test)
    from_file = nglab.metrics(brown_test, reference=brown_train, seed=3)
    train_lines = brown_train.read_text(encoding="utf-8").splitlines()
    # brown-300.test.txt has no blank lines, so its list of lines is the same corpus.
    assert len(test_sentences) == len(brown_test.read_text(encoding="utf-8").splitlines())
    from_lists = nglab.metrics(test_sentences, reference=iter(train_lines), seed=3)
    assert from_lists["input"] == "<texts>" and from_lists["reference_path"] == "<reference>"
    for key in ("input", "reference_path"):
        del from_file[key], from_lists[key]
    assert from_lists == from_file
    assert nglab.metrics(test_sentences, seed=4) != nglab.metrics(test_sentences, seed=3)


def test_model_metrics_from_a_path_or_a_model(cli, brown_test):
    arpa = KENLM_DATA / "brown-2k.o3.arpa"
    expected = cli_metrics(cli, "--input", brown_test, "--model", arpa)
    assert nglab.metrics(str(brown_test), model=str(arpa)) == expected
    assert expected["model"]["perplexity"] > 1 and expected["model_path"] == str(arpa)
    from_model = nglab.metrics(str(brown_test), model=nglab.Model.load(arpa))
    assert "model_path" not in from_model
    del expected["model_path"]
    assert from_model == expected
    # The model's perplexity is Model.evaluate's (nglab ppl's).
    assert from_model["model"]["perplexity"] == nglab.Model.load(arpa).evaluate(brown_test)["perplexity"]


def test_bad_input_gives_the_command_lines_message(cli, tmp_path, brown_test):
    marked = tmp_path / "marked.txt"
    marked.write_text("a b\nc </s> d\n", encoding="utf-8")
    expected = cli_error(cli, "metrics", "--input", marked)
    with pytest.raises(nglab.InvalidInput) as err:
        nglab.metrics(str(marked))
    assert str(err.value) == expected and ":2: the sentence marker </s>" in expected
    assert isinstance(err.value, ValueError)

    missing = tmp_path / "missing.txt"
    expected = cli_error(cli, "metrics", "--input", brown_test, "--reference", missing)
    with pytest.raises(nglab.FileError) as err:
        nglab.metrics(str(brown_test), reference=str(missing))
    assert str(err.value) == expected and isinstance(err.value, OSError) and err.value.errno == 2

    expected = cli_error(cli, "metrics", "--input", brown_test, "--draws", 0)
    with pytest.raises(nglab.InvalidInput) as err:
        nglab.metrics(str(brown_test), draws=0)
    assert str(err.value) == expected and expected.startswith("invalid metrics options")

    bad_utf8 = tmp_path / "bad.txt"
    bad_utf8.write_bytes(b"a b\nc \xff d\n")
    expected = cli_error(cli, "metrics", "--input", bad_utf8)
    with pytest.raises(nglab.InvalidInput) as err:
        nglab.metrics(str(bad_utf8))
    assert str(err.value) == expected
    assert nglab.metrics(str(bad_utf8), lossy=True) == cli_metrics(cli, "--input", bad_utf8, "--lossy")

    expected = cli_error(cli, "metrics", "--input", brown_test, "--tokenizer", "bpe:300")
    with pytest.raises(nglab.InvalidInput) as err:
        nglab.metrics(str(brown_test), tokenizer="bpe:300")
    assert str(err.value) == expected


def test_bad_python_arguments():
    with pytest.raises(nglab.InvalidInput, match='sentence_order must be "shuffled" or "text"'):
        nglab.metrics(["a b"], sentence_order="random")
    with pytest.raises(nglab.InvalidInput, match=r"<texts>:2: a sentence must be a str, got int"):
        nglab.metrics(["a b", 3])
    model = nglab.train(["a b c", "b c a"], order=2)
    with pytest.raises(nglab.InvalidInput, match="does not match the model's tokenizer, whitespace"):
        nglab.metrics(["a b"], model=model, tokenizer="chars")
    assert nglab.metrics(["a b"], model=model, tokenizer="whitespace")["model"]["sentences"] == 1
