"""Model.score, scores, perplexity and evaluate: KenLM's numbers and `nglab ppl`'s."""

import json

import numpy as np
import pytest

import nglab
from conftest import DATA, KENLM_DATA


def kenlm_fixture(order):
    """What the `kenlm` module (0.3.0, built from PyPI's sdist) gave on the same ARPA
    (scripts/kenlm-python-parity.py --fixture): score, score without bos/eos, perplexity."""
    rows = []
    for line in (DATA / f"kenlm-python.brown-2k.o{order}.tsv").read_text().splitlines()[1:]:
        rows.append(tuple(map(float, line.split("\t"))))
    return rows


@pytest.mark.parametrize("order", [3, 5])
def test_scores_match_the_kenlm_module(order, test_sentences):
    expected = kenlm_fixture(order)
    assert len(expected) == len(test_sentences) == 300
    model = nglab.Model.load(KENLM_DATA / f"brown-2k.o{order}.arpa")
    scores = model.scores(test_sentences)
    assert isinstance(scores, np.ndarray) and scores.dtype == np.float64 and scores.shape == (300,)
    # KenLM sums each sentence in single precision: per sentence, agreement to a few f32 ulps.
    np.testing.assert_allclose(scores, [e[0] for e in expected], rtol=2e-6)
    bare = model.scores(test_sentences, bos=False, eos=False)
    np.testing.assert_allclose(bare, [e[1] for e in expected], rtol=2e-6)
    for s, e in zip(test_sentences[:50], expected):
        assert model.score(s) == pytest.approx(e[0], rel=2e-6)
        assert model.perplexity(s) == pytest.approx(e[2], rel=1e-5)
    # The corpus perplexity, kenlm's per-sentence scores summed the same way.
    tokens = sum(len(s.split()) + 1 for s in test_sentences)
    kenlm_ppl = 10.0 ** (-sum(e[0] for e in expected) / tokens)
    assert model.perplexity(test_sentences) == pytest.approx(kenlm_ppl, rel=1e-6)


@pytest.mark.parametrize("order", [2, 3, 5])
def test_perplexity_matches_kenlm_query_and_nglab_ppl(cli, order, brown_test):
    query = (KENLM_DATA / f"brown-2k.o{order}.query.txt").read_text().splitlines()
    ppl_incl, ppl_excl, oov, tokens = (line.split("\t")[1] for line in query)
    model = nglab.Model.load(KENLM_DATA / f"brown-2k.o{order}.arpa")
    report = model.evaluate(brown_test)
    assert report["perplexity"] == pytest.approx(float(ppl_incl), rel=1e-5)
    assert report["perplexity_excl_oov"] == pytest.approx(float(ppl_excl), rel=1e-5)
    assert (report["oov"], report["tokens"]) == (int(oov), int(tokens))
    ours = json.loads(cli("ppl", "--model", KENLM_DATA / f"brown-2k.o{order}.arpa", "--input", brown_test, "--json").stdout)
    assert report == ours
    assert model.perplexity(brown_test) == ours["perplexity"]


def test_bos_and_eos_compose():
    model = nglab.Model.load(KENLM_DATA / "brown-2k.o3.arpa")
    s = "the jury said it did find"
    # score(s) = score(s, eos=False) + log10 p(</s> | the last two words)
    without_end = model.score(s, eos=False)
    assert without_end > model.score(s)
    assert model.score("") == model.scores([""])[0] < 0
    assert model.score(s, bos=False, eos=False) != model.score(s, bos=True, eos=False)
    assert model.score("", eos=False) == 0.0 == model.score("", bos=False, eos=False)
    # Each word adds its own log10 probability: a prefix scores higher than the whole.
    prefixes = [model.score(" ".join(s.split()[:k]), eos=False) for k in range(1, 7)]
    assert all(a > b for a, b in zip(prefixes, prefixes[1:]))


def test_oov_words_score_as_unk_and_are_reported():
    model = nglab.Model.load(KENLM_DATA / "brown-2k.o3.arpa")
    a = model.score("the qqqzzz said")
    b = model.score("the <unk> said")
    assert a == b
    report = model.evaluate(["the qqqzzz said", "the jury said"])
    assert (report["oov"], report["tokens"], report["sentences"]) == (1, 8, 2)
    assert report["perplexity_excl_oov"] < report["perplexity"]
    assert "qqqzzz" not in model and "jury" in model


def test_scoring_input_forms(test_sentences, brown_test):
    model = nglab.Model.load(KENLM_DATA / "brown-2k.o2.arpa")
    from_list = model.scores(test_sentences)
    np.testing.assert_array_equal(model.scores(brown_test), from_list)
    np.testing.assert_array_equal(model.scores(tuple(test_sentences)), from_list)
    np.testing.assert_array_equal(model.scores(iter(test_sentences)), from_list)
    assert model.scores(test_sentences[0]).tolist() == [from_list[0]]
    assert model.scores([]).shape == (0,)
    with pytest.raises(nglab.InvalidInput, match="no sentences to score"):
        model.perplexity([])
    with pytest.raises(nglab.InvalidInput, match=r"<sentences>:2: the sentence marker <s>"):
        model.scores(["a", "b <s>"])


def test_stupid_backoff_scores_but_has_no_perplexity(cli, tmp_path):
    model = nglab.train(["a b c", "a c b", "b a"], order=2, smoothing="stupid")
    assert model.score("a b") < 0
    model.save(tmp_path / "s.arpa")
    (tmp_path / "t.txt").write_text("a b\n")
    proc = cli("ppl", "--model", tmp_path / "s.arpa", "--input", tmp_path / "t.txt", check=False)
    assert proc.returncode == 2
    with pytest.raises(nglab.InvalidInput) as err:
        model.perplexity(["a b"])
    assert str(err.value).startswith("perplexity is undefined for stupid backoff")
    assert str(err.value) in proc.stderr.decode()
