"""Model.sample and Model.beam write the text `nglab sample` writes, byte for byte."""

import pytest

import nglab
from conftest import KENLM_DATA, cli_error

ARPA = KENLM_DATA / "brown-2k.o3.arpa"


@pytest.fixture(scope="module")
def model():
    return nglab.Model.load(ARPA)


def cli_lines(cli, tmp_path, *flags):
    out = tmp_path / "cli.txt"
    cli("sample", "--model", ARPA, "--out", out, *flags)
    return out.read_bytes()


def as_file(lines):
    return "".join(line + "\n" for line in lines).encode()


@pytest.mark.parametrize(
    "kwargs,flags",
    [
        ({"n_sentences": 300, "seed": 1}, ["--sentences", "300", "--seed", "1"]),
        ({"n_tokens": 5000, "seed": 7}, ["--tokens", "5000", "--seed", "7"]),
        ({"n_sentences": 600, "seed": 3, "threads": 2}, ["--sentences", "600", "--seed", "3", "--threads", "1"]),
        ({"n_sentences": 200, "seed": 2, "temperature": 0.7, "top_k": 50}, ["--sentences", "200", "--seed", "2", "--temperature", "0.7", "--top-k", "50"]),
        ({"n_sentences": 200, "seed": 2, "top_p": 0.9, "min_p": 0.01}, ["--sentences", "200", "--seed", "2", "--top-p", "0.9", "--min-p", "0.01"]),
        ({"n_sentences": 100, "seed": 4, "unk": "keep", "max_len": 12}, ["--sentences", "100", "--seed", "4", "--unk", "keep", "--max-len", "12"]),
        ({"n_sentences": 5, "seed": 0, "greedy": True}, ["--sentences", "5", "--seed", "0", "--greedy"]),
    ],
)
def test_sample_is_the_command_lines_text(cli, tmp_path, model, kwargs, flags):
    lines = model.sample(**kwargs)
    assert isinstance(lines, list) and all(isinstance(s, str) for s in lines)
    assert as_file(lines) == cli_lines(cli, tmp_path, *flags)


def test_same_seed_same_text_other_seed_other_text(model):
    a = model.sample(200, seed=11)
    assert a == model.sample(200, seed=11, threads=1) == model.sample(200, seed=11, threads=3)
    assert a != model.sample(200, seed=12)
    tokens = model.sample(n_tokens=3000, seed=5)
    assert sum(len(s.split()) for s in tokens) >= 3000 > sum(len(s.split()) for s in tokens[:-1])


def test_prompts_continue_like_the_command_line(cli, tmp_path, model, test_sentences):
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("\n".join(test_sentences[:40]) + "\n")
    expected = cli_lines(cli, tmp_path, "--prefix-file", prompts, "--prefix-tokens", "3", "--seed", "9", "--sentences", "30")
    got = model.sample(30, seed=9, prompts=test_sentences[:40], prefix_tokens=3)
    assert as_file(got) == expected
    assert model.sample(30, seed=9, prompts=prompts, prefix_tokens=3) == got
    for prompt, line in zip(test_sentences, got):
        kept = [w if w in model else "<unk>" for w in prompt.split()[:3]]
        assert line.split()[: len(kept)] == kept


def test_beam_is_the_command_lines_text(cli, tmp_path, model, test_sentences):
    assert as_file(model.beam(4, 3)) == cli_lines(cli, tmp_path, "--beam", "4", "--sentences", "3")
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("\n".join(test_sentences[:10]) + "\n")
    expected = cli_lines(cli, tmp_path, "--beam", "3", "--prefix-file", prompts, "--prefix-tokens", "2", "--max-len", "20")
    assert as_file(model.beam(3, prompts=test_sentences[:10], prefix_tokens=2, max_len=20)) == expected


@pytest.mark.parametrize(
    "kwargs,flags",
    [
        ({"n_sentences": 3, "seed": 1, "temperature": 0}, ["--sentences", "3", "--seed", "1", "--temperature", "0"]),
        ({"n_sentences": 3, "seed": 1, "top_p": 1.5}, ["--sentences", "3", "--seed", "1", "--top-p", "1.5"]),
        ({"n_sentences": 3, "seed": 1, "unk": "maybe"}, ["--sentences", "3", "--seed", "1", "--unk", "maybe"]),
        ({"n_sentences": 3, "seed": 1, "max_len": 0}, ["--sentences", "3", "--seed", "1", "--max-len", "0"]),
    ],
)
def test_bad_sampling_settings_give_the_command_lines_message(cli, model, kwargs, flags):
    expected = cli_error(cli, "sample", "--model", ARPA, *flags)
    with pytest.raises(nglab.InvalidInput) as err:
        model.sample(**kwargs)
    assert str(err.value) == expected


def test_bad_beam_settings_give_the_command_lines_message(cli, model):
    for width, n, flags in [(0, None, ["--beam", "0"]), (2, 3, ["--beam", "2", "--sentences", "3"])]:
        expected = cli_error(cli, "sample", "--model", ARPA, *flags)
        with pytest.raises(nglab.InvalidInput) as err:
            model.beam(width, n)
        assert str(err.value) == expected


def test_a_budget_is_required_and_single(model):
    with pytest.raises(nglab.InvalidInput, match="give n_sentences or n_tokens"):
        model.sample(seed=1)
    with pytest.raises(nglab.InvalidInput, match="not both"):
        model.sample(3, 100, seed=1)
    with pytest.raises(TypeError):
        model.sample(3)
