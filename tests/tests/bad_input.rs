//! Bad input, one table: every case runs one `nglab` command that
//! must fail with exit code 2 and ONE line on stderr naming the problem (the
//! file, line and value where they apply), and must leave nothing in its own
//! output directory: no output file, no temporary file.
//!
//! Unreadable files: the tests run as root, for whom `chmod 000` does not stop
//! a read, so the table uses files that fail honestly whoever reads them:
//! `/proc/self/mem` (opens, then every read at offset 0 fails with EIO), a
//! path under a regular file (`good.txt/x`: ENOTDIR) and a directory.
//!
//! What is not an error, by design, is checked at the end: CRLF line ends,
//! a literal `<unk>`, a 100 MB line.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::scratch_dir;

/// The fixture directory, written once per test process.
fn fixtures() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = scratch_dir("bad-input");
        let kenlm = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kenlm");
        let arpa = std::fs::read_to_string(kenlm.join("repeated-6x.o3.fallback.arpa")).unwrap();
        let good = std::fs::read(kenlm.join("repeated-6x.train.txt")).unwrap();
        // A corrupted copy of the fixture model: `from` replaced by `to` once.
        let corrupt = |from: &str, to: &str| {
            assert!(arpa.contains(from), "{from:?} is in the fixture");
            arpa.replacen(from, to, 1).into_bytes()
        };
        let files: Vec<(&str, Vec<u8>)> = vec![
            ("good.txt", good),
            ("good.arpa", arpa.clone().into_bytes()),
            ("empty.txt", Vec::new()),
            ("blank.txt", b"\n  \n\t\r\n\n".to_vec()),
            ("bad-utf8.txt", b"good line\nbad \xff byte\n".to_vec()),
            ("nul.txt", b"a b\nc\0d\n".to_vec()),
            ("bos.txt", b"the cat\nthe <s> dog\n".to_vec()),
            ("eos.txt", b"the cat </s>\n".to_vec()),
            ("bad.toml", b"order = [2, 3\n".to_vec()),
            ("type.toml", b"regime = 'replace'\ngenerations = 'ten'\n".to_vec()),
            ("dup.toml", b"regime = 'replace'\nregime = 'mix:0.1'\n".to_vec()),
            ("unknown.toml", b"regimes = 'replace'\n".to_vec()),
            ("nan.toml", b"temperature = nan\n".to_vec()),
            ("neg.toml", b"synthetic_tokens = -5\n".to_vec()),
            ("utf8.toml", b"regime = 'r\xffplace'\n".to_vec()),
            // Cut inside the line of a trigram.
            ("truncated.arpa", arpa.as_bytes()[..arpa.rfind("\tthe cat").unwrap() + 5].to_vec()),
            ("count.arpa", corrupt("ngram 2=17", "ngram 2=18")),
            ("count1.arpa", corrupt("ngram 1=", "ngram 1=99999999999999\nngram 9=")),
            ("huge.arpa", corrupt("ngram 3=16", "ngram 3=99999999999999")),
            ("noend.arpa", arpa.replace("\\end\\", "").into_bytes()),
            ("nodata.arpa", arpa.replace("\\data\\", "").into_bytes()),
            ("nan.arpa", corrupt("-0.27134082\tmat </s>", "NaN\tmat </s>")),
            ("pos.arpa", corrupt("-0.27134082\tmat </s>", "0.5\tmat </s>")),
            ("infbo.arpa", corrupt("\tmat\t-0.30103", "\tmat\tinf")),
            ("bigbo.arpa", corrupt("\tmat\t-0.30103", "\tmat\t699")),
            ("nounigram.arpa", corrupt("the cat sat", "the zebra sat")),
            ("dupuni.arpa", corrupt("\tdog\t", "\tcat\t")),
            ("binary.arpa", (0..3000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect()),
        ];
        for (name, bytes) in files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        std::fs::create_dir(dir.join("adir")).unwrap();
        // A planned sweep of two tasks, and one whose plan is corrupt.
        let planned = dir.join("planned").display().to_string();
        let good = dir.join("good.txt").display().to_string();
        let args = ["sweep", "plan", "--out", &planned, "--train", &good, "--heldout", &good];
        common::stdout_ok(&common::nglab(&[&args[..], &["--regime", "replace", "--seeds", "2"]].concat()));
        std::fs::create_dir_all(dir.join("badplan/sweep")).unwrap();
        std::fs::write(dir.join("badplan/sweep/plan.toml"), "workdir = '/'\ntasks = 'two'\n").unwrap();
        dir
    })
}

/// Runs `nglab args` (`{d}` is the fixture directory, `{o}` a new empty
/// output directory of this case; a first word `>full` sends standard output
/// to /dev/full) and checks: exit code 2, one line `nglab: ...` holding
/// `expect` and saying no part twice in a row (an error's reason repeated by
/// its source), no panic, and `{o}` still empty. Returns what is wrong.
fn check(args: &str, expect: &str) -> Result<(), String> {
    let d = fixtures();
    let o = scratch_dir("bad-input-out");
    let mut words: Vec<&str> = args.split_whitespace().collect();
    let full_stdout = words.first() == Some(&">full");
    if full_stdout {
        words.remove(0);
    }
    let argv: Vec<String> = words
        .iter()
        .map(|w| w.replace("{d}", &d.display().to_string()).replace("{o}", &o.display().to_string()))
        .collect();
    let mut cmd = Command::new(common::nglab_bin());
    cmd.args(&argv).stderr(Stdio::piped());
    if full_stdout {
        cmd.stdout(std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap());
    } else {
        cmd.stdout(Stdio::piped());
    }
    let out = cmd.output().expect("nglab runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    let left: Vec<_> = std::fs::read_dir(&o).unwrap().map(|e| e.unwrap().file_name()).collect();
    let parts: Vec<&str> = lines.first().map_or(vec![], |l| l.split(": ").collect());
    let ok = out.status.code() == Some(2)
        && lines.len() == 1
        && lines[0].starts_with("nglab: ")
        && lines[0].contains(expect)
        && parts.windows(2).all(|w| w[0] != w[1])
        && !stderr.contains("panicked")
        && left.is_empty();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "nglab {args}\n  expected {expect:?}, exit code 2, one line, nothing left\n  got {}, left {left:?}, stderr:\n{stderr}",
            out.status
        ))
    }
}

#[test]
fn every_bad_input_is_one_line_exit_2_and_leaves_nothing() {
    // A small valid run, with `extra` flags (the human texts unless given).
    let r = |extra: &str| {
        let mut args = String::from("run --out {o}/run --seeds 1 --generations 2 --synthetic-tokens 100");
        for (flag, default) in [("--train", "{d}/good.txt"), ("--heldout", "{d}/good.txt")] {
            if !extra.contains(flag) {
                args += &format!(" {flag} {default}");
            }
        }
        format!("{args} {extra}")
    };
    // A small valid sweep plan, with `extra` flags.
    let p = |extra: &str| {
        format!(
            "sweep plan --out {{o}}/s --seeds 1 --generations 2 --train {{d}}/good.txt --heldout {{d}}/good.txt {extra}"
        )
    };
    // (arguments, what the one line must say).
    let table: Vec<(String, &str)> = vec![
        // Empty files and files of blank lines.
        ("train --input {d}/empty.txt --out {o}/m.arpa".into(), "empty.txt: no tokens to train on"),
        ("train --input {d}/blank.txt --out {o}/m.arpa".into(), "blank.txt: no tokens to train on"),
        ("ppl --model {d}/good.arpa --input {d}/empty.txt".into(), "empty.txt: no tokens to score"),
        ("ppl --model {d}/good.arpa --input {d}/blank.txt".into(), "blank.txt: no tokens to score"),
        (r("--train {d}/empty.txt"), "train file {d}/empty.txt holds no tokens"),
        (r("--heldout {d}/blank.txt"), "heldout file {d}/blank.txt holds no tokens"),
        ("ppl --model {d}/empty.txt --input {d}/good.txt".into(), "empty.txt: arpa: the file is empty, no \\data\\ section"),
        // Invalid UTF-8: file, line, byte offset and the byte.
        ("train --input {d}/bad-utf8.txt --out {o}/m.arpa".into(), "bad-utf8.txt:2: invalid UTF-8 at byte offset 14 (byte 0xff)"),
        ("ppl --model {d}/good.arpa --input {d}/bad-utf8.txt".into(), "bad-utf8.txt:2: invalid UTF-8 at byte offset 14"),
        ("metrics --input {d}/good.txt --reference {d}/bad-utf8.txt".into(), "bad-utf8.txt:2: invalid UTF-8"),
        ("tokenize --input {d}/bad-utf8.txt --out {o}/t.txt".into(), "bad-utf8.txt:2: invalid UTF-8"),
        (r("--heldout {d}/bad-utf8.txt"), "bad-utf8.txt:2: invalid UTF-8 at byte offset 14"),
        ("run --out {o}/run --config {d}/utf8.toml".into(), "utf8.toml: stream did not contain valid UTF-8"),
        // NUL bytes.
        ("train --input {d}/nul.txt --out {o}/m.arpa".into(), "nul.txt:2: NUL byte at byte offset 5"),
        ("metrics --input {d}/nul.txt".into(), "nul.txt:2: NUL byte at byte offset 5"),
        ("tokenize --input {d}/nul.txt --out {o}/t.txt".into(), "nul.txt:2: NUL byte"),
        (r("--train {d}/nul.txt"), "nul.txt:2: NUL byte"),
        ("sample --model {d}/good.arpa --seed 1 --prefix-file {d}/nul.txt --prefix-tokens 1 --out {o}/s.txt".into(), "nul.txt:2: NUL byte"),
        // <s> and </s> written in the text (KenLM's lmplz refuses them too).
        ("train --input {d}/bos.txt --out {o}/m.arpa".into(), "bos.txt:2: the sentence marker <s> is written in the text"),
        ("ppl --model {d}/good.arpa --input {d}/eos.txt".into(), "eos.txt:1: the sentence marker </s>"),
        ("metrics --input {d}/good.txt --heldout {d}/bos.txt".into(), "bos.txt:2: the sentence marker <s>"),
        (r("--heldout {d}/eos.txt"), "eos.txt:1: the sentence marker </s>"),
        ("sample --model {d}/good.arpa --seed 1 --prefix-file {d}/bos.txt --prefix-tokens 2 --out {o}/s.txt".into(), "bos.txt:2: the sentence marker <s>"),
        // A directory where a file is expected.
        ("train --input {d}/adir --out {o}/m.arpa".into(), "{d}/adir: a directory, not a corpus file"),
        ("ppl --model {d}/adir --input {d}/good.txt".into(), "{d}/adir is a directory, not an ARPA file"),
        ("metrics --input {d}/adir".into(), "{d}/adir: a directory"),
        ("tokenize --input {d}/adir --out {o}/t.txt".into(), "{d}/adir: a directory"),
        (r("--train {d}/adir"), "--train: {d}/adir is a directory"),
        ("world --out {o}/w --train {d}/empty.txt --tokens 10".into(), "empty.txt: no tokens to train on"),
        ("world --out {o}/w --train {d}/adir --tokens 10".into(), "--train {d}/adir is not a file"),
        ("world --out {o}/w --train {d}/good.txt --tokens 0".into(), "--tokens must be at least 1, got 0"),
        ("world --out {d}/good.txt --train {d}/good.txt --tokens 5".into(), "{d}/good.txt exists and is not a directory"),
        ("world --out {d} --train {d}/good.txt --tokens 5".into(), "{d} is not empty"),
        ("world --out {o}/w --train {d}/good.txt --tokens 5 --smoothing stupid".into(), "a world needs probabilities"),
        ("run --out {o}/run --world {d}/adir".into(), "--world {d}/adir: not a world (no world.json"),
        ("run --out {o}/run --world {d}/adir --train {d}/good.txt".into(), "--world gives the human text and the held-out truth sample: drop --train"),
        ("run --out {o}/run --world {d}/adir --tokenizer words".into(), "--world is whitespace tokens: drop --tokenizer"),
        ("run --out {o}/run --config {d}/adir".into(), "reading config {d}/adir: Is a directory"),
        ("train --input {d}/good.txt --vocab {d}/adir --out {o}/m.arpa".into(), "reading vocabulary {d}/adir: "),
        // Unreadable files (see the module docs).
        ("train --input /proc/self/mem --out {o}/m.arpa".into(), "/proc/self/mem: Input/output error"),
        ("ppl --model /proc/self/mem --input {d}/good.txt".into(), "reading model /proc/self/mem: Input/output error"),
        (r("--train /proc/self/mem"), "reading /proc/self/mem: Input/output error"),
        ("train --input {d}/good.txt/x --out {o}/m.arpa".into(), "{d}/good.txt/x: Not a directory"),
        ("metrics --input {d}/missing.txt".into(), "{d}/missing.txt: No such file"),
        // Outputs on a full device, or where no file can be.
        ("train --input {d}/good.txt --smoothing wb --out /dev/full".into(), "writing /dev/full: No space left on device"),
        ("train --input {d}/good.txt --smoothing wb --save-vocab /dev/full --out {o}/m.arpa".into(), "writing /dev/full: No space left"),
        ("tokenize --input {d}/good.txt --out /dev/full".into(), "writing /dev/full: No space left"),
        ("detokenize --input {d}/good.txt --out /dev/full".into(), "writing /dev/full: No space left"),
        ("sample --model {d}/good.arpa --seed 1 --sentences 5 --out /dev/full".into(), "writing /dev/full: No space left"),
        ("ppl --model {d}/good.arpa --input {d}/good.txt --per-sentence /dev/full".into(), "writing /dev/full: No space left"),
        (">full ppl --model {d}/good.arpa --input {d}/good.txt".into(), "writing standard output: No space left"),
        (">full metrics --input {d}/good.txt --json".into(), "writing standard output: No space left"),
        (">full sample --model {d}/good.arpa --seed 1 --sentences 5".into(), "writing standard output: No space left"),
        (">full tokenize --input {d}/good.txt".into(), "writing standard output: No space left"),
        ("run --out /dev/full --train {d}/good.txt --heldout {d}/good.txt".into(), "output directory /dev/full exists and is not a directory"),
        ("run --out {d}/good.txt --train {d}/good.txt --heldout {d}/good.txt".into(), "output directory {d}/good.txt exists and is not a directory"),
        ("train --input {d}/good.txt --smoothing wb --out {d}/good.txt/m.arpa".into(), "cannot create {d}/good.txt/.m.arpa.tmp"),
        // Orders.
        ("train --input {d}/good.txt --out {o}/m.arpa --order 0".into(), "order must be in 1..=12, got 0"),
        ("train --input {d}/good.txt --out {o}/m.arpa --order 1000".into(), "order must be in 1..=12, got 1000"),
        ("train --input {d}/good.txt --out {o}/m.arpa --order=-1".into(), "order must be in 1..=12, got -1"),
        (r("--order 0"), "order must be in 1..=12, got 0"),
        (r("--order 2,1000"), "order must be in 1..=12, got 1000"),
        // Negative, NaN and infinite knobs.
        ("sample --model {d}/good.arpa --seed 1 --sentences 5 --temperature=-1".into(), "temperature must be finite and > 0, got -1"),
        ("sample --model {d}/good.arpa --seed 1 --sentences 5 --temperature NaN".into(), "temperature must be finite and > 0, got NaN"),
        ("sample --model {d}/good.arpa --seed 1 --sentences 5 --temperature inf".into(), "temperature must be finite and > 0, got inf"),
        ("sample --model {d}/good.arpa --seed 1 --sentences 5 --temperature -1".into(), "temperature must be finite and > 0, got -1"),
        ("sample --model {d}/good.arpa --seed 1 --sentences 5 --top-p=-0.5".into(), "top-p must be in (0, 1], got -0.5"),
        ("sample --model {d}/good.arpa --seed 1 --sentences 5 --top-p nan".into(), "top-p must be in (0, 1], got NaN"),
        ("sample --model {d}/good.arpa --seed 1 --sentences 5 --min-p inf".into(), "min-p must be in [0, 1), got inf"),
        ("sample --model {d}/good.arpa --seed 1 --top-k=-3 --sentences 5".into(), "invalid value '-3' for '--top-k <TOP_K>'"),
        ("sample --model {d}/good.arpa --seed 1 --tokens=-5".into(), "invalid value '-5' for '--tokens <TOKENS>'"),
        ("train --input {d}/good.txt --out {o}/m.arpa --smoothing addk:-1".into(), "add-k's k must be in (0, inf), got -1"),
        ("train --input {d}/good.txt --out {o}/m.arpa --smoothing addk:NaN".into(), "add-k's k must be in (0, inf), got NaN"),
        ("train --input {d}/good.txt --out {o}/m.arpa --smoothing addk:inf".into(), "add-k's k must be in (0, inf), got inf"),
        ("train --input {d}/good.txt --out {o}/m.arpa --smoothing kn:nan".into(), "the discount must be in (0, 1], got NaN"),
        ("train --input {d}/good.txt --out {o}/m.arpa --smoothing stupid:-0.4".into(), "alpha must be in (0, 1], got -0.4"),
        ("train --input {d}/good.txt --out {o}/m.arpa --discount-fallback nan,1,1.5".into(), "fallback discount D1 must be in (0, 1], got NaN"),
        (r("--temperature=-1"), "temperature must be finite and > 0, got -1"),
        (r("--temperature 1,nan"), "temperature must be finite and > 0, got nan"),
        (r("--top-p inf"), "invalid --top-p: the nucleus threshold must be in (0, 1] or off, got inf"),
        (r("--top-k=-1"), "invalid --top-k: '-1' is not a number"),
        (r("--smoothing addk:-2"), "add-k's k must be in (0, inf), got -2"),
        ("run --out {o}/run --train {d}/good.txt --heldout {d}/good.txt --regime mix:NaN".into(), "the human share must be in [0, 1], got NaN"),
        ("run --out {o}/run --train {d}/good.txt --heldout {d}/good.txt --regime mix:-0.1".into(), "the human share must be in [0, 1], got -0.1"),
        ("run --out {o}/run --train {d}/good.txt --heldout {d}/good.txt --regime mix:inf".into(), "the human share must be in [0, 1], got inf"),
        ("run --out {o}/run --train {d}/good.txt --heldout {d}/good.txt --synthetic-tokens=-5".into(), "invalid value '-5' for '--synthetic-tokens <N>'"),
        ("run --out {o}/run --train {d}/good.txt --heldout {d}/good.txt --synthetic-tokens nan".into(), "invalid value 'nan' for '--synthetic-tokens <N>'"),
        ("run --out {o}/run --train {d}/good.txt --heldout {d}/good.txt --synthetic-tokens 0".into(), "--synthetic-tokens must be at least 1, got 0"),
        ("metrics --input {d}/good.txt --draws 0".into(), "draws must be at least 1, got 0"),
        ("metrics --input {d}/good.txt --sample-tokens=-1".into(), "invalid value '-1' for '--sample-tokens <SAMPLE_TOKENS>'"),
        // Malformed TOML for `nglab run --config`: the file and the line.
        ("run --out {o}/run --config {d}/bad.toml".into(), "config {d}/bad.toml:1: "),
        ("run --out {o}/run --config {d}/type.toml".into(), "config {d}/type.toml:2: "),
        ("run --out {o}/run --config {d}/dup.toml".into(), "config {d}/dup.toml:2: duplicate key"),
        ("run --out {o}/run --config {d}/unknown.toml".into(), "config {d}/unknown.toml:1: unknown field `regimes`"),
        ("run --out {o}/run --config {d}/neg.toml".into(), "config {d}/neg.toml:1: "),
        ("run --out {o}/run --train {d}/good.txt --heldout {d}/good.txt --config {d}/nan.toml".into(), "temperature must be finite and > 0, got NaN"),
        ("run --out {o}/run --config {d}/missing.toml".into(), "reading config {d}/missing.toml: No such file"),
        // Truncated and corrupted ARPA files, through every command that reads one.
        ("ppl --model {d}/truncated.arpa --input {d}/good.txt".into(), "truncated.arpa: arpa line 46: expected 3 words, got '-0.08493687\tthe '"),
        ("sample --model {d}/truncated.arpa --seed 1 --sentences 2".into(), "truncated.arpa: arpa line 46"),
        ("metrics --input {d}/good.txt --model {d}/truncated.arpa".into(), "truncated.arpa: arpa line 46"),
        ("ppl --model {d}/count.arpa --input {d}/good.txt".into(), "count.arpa: arpa line 39: 17 2-grams where the header announced 18"),
        ("ppl --model {d}/count1.arpa --input {d}/good.txt".into(), "count1.arpa: arpa line 3: expected 'ngram 2=...', got 'ngram 9="),
        ("sample --model {d}/huge.arpa --seed 1 --sentences 2".into(), "huge.arpa: arpa line 57: 16 3-grams where the header announced 99999999999999"),
        ("ppl --model {d}/noend.arpa --input {d}/good.txt".into(), "noend.arpa: arpa line 57: unexpected end of file"),
        ("ppl --model {d}/nodata.arpa --input {d}/good.txt".into(), "nodata.arpa: arpa line 57: no \\data\\ section: not an ARPA file"),
        ("ppl --model {d}/nan.arpa --input {d}/good.txt".into(), "nan.arpa: arpa line 21: log10 probability is NaN"),
        ("sample --model {d}/pos.arpa --seed 1 --sentences 2".into(), "pos.arpa: arpa line 21: positive log10 probability 0.5"),
        ("ppl --model {d}/infbo.arpa --input {d}/good.txt".into(), "infbo.arpa: arpa line 14: backoff is infinite"),
        ("ppl --model {d}/bigbo.arpa --input {d}/good.txt".into(), "bigbo.arpa: arpa line 14: backoff 699 is out of range"),
        ("ppl --model {d}/nounigram.arpa --input {d}/good.txt".into(), "nounigram.arpa: arpa line 46: word 'zebra' has no unigram"),
        ("metrics --input {d}/good.txt --model {d}/dupuni.arpa".into(), "dupuni.arpa: arpa line 15: duplicate unigram 'cat'"),
        ("ppl --model {d}/binary.arpa --input {d}/good.txt".into(), "binary.arpa: arpa line 1: invalid UTF-8"),
        // Sweeps: the plan's Slurm options, and directories that hold no sweep or another task.
        (p("--jobs-per-task 0"), "--jobs-per-task must be at least 1, got 0"),
        (p("--cpus-per-task 0"), "--cpus-per-task must be at least 1, got 0"),
        (p("--throttle 0"), "--throttle must be at least 1, got 0"),
        (p("--time 1h"), "--time: \"1h\" is not a Slurm time (M, M:S, H:M:S, D-H, D-H:M or D-H:M:S)"),
        (p("--mem lots"), "invalid --mem: unknown unit in 'lots'"),
        (p("--sbatch account=lab"), "--sbatch: \"account=lab\" is not one sbatch option"),
        (p("--order 0"), "order must be in 1..=12, got 0"),
        ("sweep plan --out {o}/a%b --train {d}/good.txt --heldout {d}/good.txt".into(), "/a%b holds '%', which an #SBATCH line cannot hold: choose another --out"),
        ("sweep plan --train {d}/good.txt --heldout {d}/good.txt".into(), "--out DIR is required"),
        ("sweep task --index 0 {o}".into(), " holds no sweep (no sweep/plan.toml; `nglab sweep plan --out "),
        ("sweep merge {o}".into(), " holds no sweep (no sweep/plan.toml"),
        ("sweep status {o}".into(), " holds no sweep"),
        ("sweep submit {o}".into(), " holds no sweep"),
        ("sweep task {d}/planned".into(), "no task index: give --index I, or run under Slurm's SLURM_ARRAY_TASK_ID"),
        ("sweep task --index 2 {d}/planned".into(), "task 2 of {d}/planned: the sweep has 2 tasks (0 to 1)"),
        ("sweep task --index=-1 {d}/planned".into(), "invalid value '-1' for '--index <I>'"),
        ("sweep task --index 0 {d}/badplan".into(), "{d}/badplan/sweep/plan.toml:2: invalid type: string \"two\""),
    ];
    let d = fixtures().display().to_string();
    let failures: Vec<String> =
        table.iter().filter_map(|(args, expect)| check(args, &expect.replace("{d}", &d)).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );
}

/// Runs `nglab args`, which must succeed; returns standard output.
fn ok(args: &[&str]) -> String {
    common::stdout_ok(&common::nglab(args))
}

#[test]
fn crlf_reads_as_lf() {
    let dir = scratch_dir("crlf");
    let text = "the cat sat\nthe dog sat\n\na cat and a dog\n";
    let (lf, crlf) = (dir.join("lf.txt"), dir.join("crlf.txt"));
    std::fs::write(&lf, text).unwrap();
    std::fs::write(&crlf, text.replace('\n', "\r\n")).unwrap();
    let s = |p: &Path| p.display().to_string();
    for (input, out) in [(&lf, dir.join("lf.arpa")), (&crlf, dir.join("crlf.arpa"))] {
        ok(&["train", "--input", &s(input), "--order", "2", "--smoothing", "wb", "--out", &s(&out)]);
    }
    assert_eq!(std::fs::read(dir.join("lf.arpa")).unwrap(), std::fs::read(dir.join("crlf.arpa")).unwrap());
    let ppl =
        |input: &Path| ok(&["ppl", "--model", &s(&dir.join("lf.arpa")), "--input", &s(input), "--json"]);
    assert_eq!(ppl(&lf), ppl(&crlf));
    assert_eq!(ok(&["tokenize", "--input", &s(&crlf)]), ok(&["tokenize", "--input", &s(&lf)]));
}

/// A literal `<unk>` is the unknown word: training counts it as `<unk>`
/// (KenLM's lmplz refuses it; nglab's fixed-vocabulary training makes the
/// same `<unk>` from unseen words), and `ppl` scores it as an OOV, as
/// KenLM's query does. `<s>` and `</s>` are refused (the table above).
#[test]
fn literal_unk_is_the_unknown_word() {
    let dir = scratch_dir("unk");
    let s = |p: &Path| p.display().to_string();
    let (train, test, arpa) = (dir.join("train.txt"), dir.join("test.txt"), dir.join("m.arpa"));
    std::fs::write(&train, "the <unk> sat\nthe cat sat\n").unwrap();
    std::fs::write(&test, "the <unk> sat\n").unwrap();
    ok(&["train", "--input", &s(&train), "--order", "2", "--smoothing", "wb", "--out", &s(&arpa)]);
    let model = std::fs::read_to_string(&arpa).unwrap();
    assert!(model.contains("\tthe <unk>\n") && model.contains("\t<unk> sat\n"), "{model}");
    assert_eq!(model.matches("\t<unk>\t").count(), 1, "one <unk> unigram:\n{model}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["ppl", "--model", &s(&arpa), "--input", &s(&test), "--json"])).unwrap();
    assert_eq!((json["oov"].as_u64(), json["tokens"].as_u64()), (Some(1), Some(4)), "{json}");
}

/// A single line of 100 MB (about 21 million words, no line end until the
/// last byte) trains and scores like any other text: the reader holds the
/// file in memory once, with no limit on the line length.
#[test]
fn a_100_mb_line_works() {
    let dir = scratch_dir("long-line");
    let (text, arpa) = (dir.join("long.txt"), dir.join("long.arpa"));
    let n_types = 1000;
    let cycle: String = (0..n_types).map(|i| format!("w{i:03} ")).collect();
    let n_words = 100 * 1024 * 1024 / 5;
    let mut line = cycle.repeat(n_words / n_types + 1);
    line.truncate(n_words * 5 - 1);
    line.push('\n');
    assert!(line.len() >= 100 * 1024 * 1024 - 1 && !line[..line.len() - 1].contains('\n'));
    std::fs::write(&text, &line).unwrap();
    drop(line);
    let s = |p: &Path| p.display().to_string();
    ok(&["train", "--input", &s(&text), "--order", "2", "--smoothing", "wb", "--out", &s(&arpa)]);
    let model = std::fs::read_to_string(&arpa).unwrap();
    // Every word type plus <unk>, <s>, </s>; each word's successor in the
    // cycle, <s> w000 and the last word's </s>.
    let expect = format!("ngram 1={}\nngram 2={}\n", n_types + 3, n_types + 2);
    assert!(model.contains(&expect), "{}", &model[..200]);
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["ppl", "--model", &s(&arpa), "--input", &s(&text), "--json"])).unwrap();
    assert_eq!((json["tokens"].as_u64(), json["sentences"].as_u64()), (Some(n_words as u64 + 1), Some(1)));
    std::fs::remove_file(&text).unwrap();
}
