//! Corrupted ARPA files give an error naming the line, never a panic or an
//! allocation failure. The inputs found by fuzzing (`scripts/fuzz.sh`, target
//! `arpa`) are kept here as regression cases.

use nglab_lm::Model;

/// Reads `arpa` and compares the error message with `expect`.
fn check(arpa: &str, expect: &str) {
    match Model::read_arpa(arpa.as_bytes(), 2) {
        Ok(_) => panic!("read without error:\n{arpa}"),
        Err(e) => assert_eq!(e.to_string(), expect, "{arpa}"),
    }
}

/// A well-formed bigram model with `unigrams` announced and the backoff of
/// `a` given as `backoff`.
fn model(unigrams: &str, bigrams: &str, backoff: &str) -> String {
    format!(
        "\\data\\\nngram 1={unigrams}\nngram 2={bigrams}\n\n\\1-grams:\n-1\t<s>\t-0.5\n-1\t</s>\n\
         -0.5\ta\t{backoff}\n\n\\2-grams:\n-0.3\t<s> a\n-0.2\ta </s>\n\n\\end\\\n"
    )
}

#[test]
fn the_model_reads() {
    let model = Model::read_arpa(model("3", "2", "-0.1").as_bytes(), 2).unwrap();
    assert_eq!((model.n_grams(1), model.n_grams(2)), (4, 2));
}

#[test]
fn counts_too_large_to_allocate() {
    // Found by fuzzing: the header's count was allocated before any line was read.
    check(
        &model("99999999999999", "2", "-0.1"),
        "arpa line 10: 3 1-grams where the header announced 99999999999999",
    );
    check(
        &model("3", "99999999999999", "-0.1"),
        "arpa line 14: 2 2-grams where the header announced 99999999999999",
    );
    check(&model("4", "2", "-0.1"), "arpa line 10: 3 1-grams where the header announced 4");
    check(&model("2", "2", "-0.1"), "arpa line 8: more 1-grams than the 2 announced");
    // count + 3 overflowed.
    check(
        &model("18446744073709551615", "2", "-0.1"),
        "arpa line 10: 3 1-grams where the header announced 18446744073709551615",
    );
}

#[test]
fn backoff_out_of_range() {
    // Found by fuzzing: 10^699 is infinite, and the model wrote `inf` back.
    check(&model("3", "2", "699"), "arpa line 8: backoff 699 is out of range");
    check(&model("3", "2", "inf"), "arpa line 8: backoff is infinite");
    check(&model("3", "2", "nan"), "arpa line 8: backoff is NaN");
}

#[test]
fn long_numbers() {
    // Found by fuzzing: a field of more than 19 digits overflowed the fast
    // decimal parser's mantissa (a panic in debug builds).
    let digits = "2".repeat(120);
    check(
        &model("3", "2", &format!("{digits}0.3")),
        &format!("arpa line 8: backoff {digits}0.3 is out of range"),
    );
    for backoff in [format!("-{digits}0.3"), format!("-0.{digits}")] {
        let model = Model::read_arpa(model("3", "2", &backoff).as_bytes(), 2).unwrap();
        assert_eq!(model.n_grams(1), 4);
    }
}

#[test]
fn carriage_returns_separate_words() {
    // Found by fuzzing: a word ending in CR ("a\r\r " before the line end)
    // was read as a word, written back, and read again without its CRs.
    let arpa = model("3", "2", "-0.1").replace("\ta\t-0.1\n", "\ta\r\r \t\n");
    let read = Model::read_arpa(arpa.as_bytes(), 2).unwrap();
    let mut written = Vec::new();
    read.write_arpa(&mut written, 2).unwrap();
    let again = Model::read_arpa(written.as_slice(), 2).unwrap();
    let mut rewritten = Vec::new();
    again.write_arpa(&mut rewritten, 2).unwrap();
    assert_eq!(String::from_utf8(written).unwrap(), String::from_utf8(rewritten).unwrap());
    assert_eq!(read.vocab().token(3), "a");
    check(
        &model("3", "2", "-0.1").replace("\ta\t-0.1", "\ta\rb"),
        "arpa line 8: backoff 'b' is not a number",
    );
}
