//! Reading corpus files: UTF-8, one sentence per line.

use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::Error;

/// How invalid UTF-8 in a corpus file is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Utf8Policy {
    /// Invalid UTF-8 is an [`Error::Corpus`] naming the line and byte offset.
    #[default]
    Strict,
    /// Invalid bytes are replaced by U+FFFD.
    Lossy,
}

/// The text of a corpus file, split into sentences.
///
/// The format: UTF-8, one sentence per line, `\n` or `\r\n` line ends.
/// A blank line (empty, or only spaces, tabs and carriage returns) is the
/// empty sentence, `""`, as KenLM's `lmplz` and `query` read it (`<s> </s>`).
/// The text after the last line end is a last sentence unless it is blank
/// (a file ending in a line end has no empty sentence after it). A UTF-8
/// byte order mark at the start is ignored. NUL bytes are rejected, as they
/// mark a binary file.
///
/// KenLM's tools differ from each other on a last line without a line end:
/// `lmplz` counts its words but not its `</s>`, `query` does not score it.
/// Here it is a sentence like any other.
///
/// The whole file is held as one `String`; sentences are ranges into it, so
/// reading allocates O(1) times per file, not per line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorpusText {
    text: String,
    /// Byte range of each sentence in `text`, without its line end.
    spans: Vec<Range<usize>>,
    /// 1-based line number of each sentence in the file.
    lines: Vec<u64>,
}

impl CorpusText {
    /// Reads a whole corpus from `reader`. `path` only names the source in
    /// error messages.
    pub fn read(mut reader: impl Read, path: &Path, policy: Utf8Policy) -> Result<Self, Error> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).map_err(|e| Error::Corpus {
            path: path.to_owned(),
            line: 0,
            msg: format!("read failed: {e}"),
        })?;
        Self::from_bytes(bytes, path, policy)
    }

    /// Reads the corpus file at `path`: [`CorpusText::read`] of the opened
    /// file, with errors that name it (a directory is refused as such).
    pub fn read_path(path: impl AsRef<Path>, policy: Utf8Policy) -> Result<Self, Error> {
        let path = path.as_ref();
        let file_error = |error| Error::File { path: path.to_owned(), error };
        let mut file = std::fs::File::open(path).map_err(file_error)?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(file_error(std::io::Error::other("a directory, not a corpus file")));
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(file_error)?;
        Self::from_bytes(bytes, path, policy)
    }

    /// Splits the bytes of a whole corpus file. `path` only names the source
    /// in error messages.
    pub fn from_bytes(bytes: Vec<u8>, path: &Path, policy: Utf8Policy) -> Result<Self, Error> {
        let err = |bytes: &[u8], offset: usize, msg: String| Error::Corpus {
            path: PathBuf::from(path),
            line: line_of(bytes, offset),
            msg,
        };
        if let Some(offset) = bytes.iter().position(|&b| b == 0) {
            return Err(err(
                &bytes,
                offset,
                format!("NUL byte at byte offset {offset} (is this a binary file?)"),
            ));
        }
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => match policy {
                Utf8Policy::Lossy => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                Utf8Policy::Strict => {
                    let offset = e.utf8_error().valid_up_to();
                    let bytes = e.as_bytes();
                    return Err(Error::InvalidUtf8 {
                        path: path.to_owned(),
                        line: line_of(bytes, offset),
                        offset,
                        byte: bytes[offset],
                    });
                }
            },
        };
        Ok(Self::from_string(text))
    }

    /// Splits text that is already a `String`.
    pub fn from_string(text: String) -> Self {
        let start = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
        let mut spans = Vec::new();
        let mut lines = Vec::new();
        let mut pos = start;
        for (i, line) in text[start..].split('\n').enumerate() {
            let end = pos + line.len();
            let content = line.strip_suffix('\r').unwrap_or(line);
            let blank = content.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r'));
            if end == text.len() && blank {
                // After the last line end: the end of the file, not an empty sentence.
                break;
            }
            spans.push(if blank { pos..pos } else { pos..pos + content.len() });
            lines.push(i as u64 + 1);
            pos = end + 1;
        }
        CorpusText { text, spans, lines }
    }

    /// Number of sentences (lines, blank ones included).
    pub fn n_sentences(&self) -> usize {
        self.spans.len()
    }

    /// Sentence `i`, without its line end (`""` for a blank line). Panics if
    /// `i` is out of range.
    pub fn sentence(&self, i: usize) -> &str {
        &self.text[self.spans[i].clone()]
    }

    /// The 1-based line number of sentence `i` in the file, for messages.
    pub fn line_number(&self, i: usize) -> u64 {
        self.lines[i]
    }

    /// All sentences in order.
    pub fn sentences(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.spans.iter().map(|r| &self.text[r.clone()])
    }
}

/// Reads a corpus sentence by sentence, holding one line at a time: the same
/// sentences, line numbers and errors as [`CorpusText`] gives for the whole
/// file, except that the first bad byte in file order is the one named (a
/// whole-file read names a NUL byte anywhere before invalid UTF-8).
#[derive(Debug)]
pub struct SentenceReader<R> {
    reader: R,
    path: PathBuf,
    policy: Utf8Policy,
    /// The line being read, as bytes.
    bytes: Vec<u8>,
    /// Lines read so far.
    line: u64,
    /// Byte offset of the next line in the file.
    offset: usize,
}

impl<R: std::io::BufRead> SentenceReader<R> {
    /// Sentences of `reader`; `path` only names the source in error messages.
    pub fn new(reader: R, path: &Path, policy: Utf8Policy) -> Self {
        SentenceReader { reader, path: path.to_owned(), policy, bytes: Vec::new(), line: 0, offset: 0 }
    }

    /// Reads the next sentence into `sentence` (replacing what it held;
    /// `""` for a blank line) and returns its 1-based line number, or `None`
    /// at the end of the input.
    pub fn next_into(&mut self, sentence: &mut String) -> Result<Option<u64>, Error> {
        self.bytes.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.bytes)
            .map_err(|error| Error::File { path: self.path.clone(), error })?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        let start = self.offset;
        self.offset += n;
        let ended = self.bytes.last() == Some(&b'\n');
        let mut line = &self.bytes[..n - usize::from(ended)];
        if start == 0 && line.starts_with(b"\xef\xbb\xbf") {
            line = &line[3..];
        }
        let skipped = n - usize::from(ended) - line.len();
        if let Some(at) = line.iter().position(|&b| b == 0) {
            let offset = start + skipped + at;
            return Err(Error::Corpus {
                path: self.path.clone(),
                line: self.line,
                msg: format!("NUL byte at byte offset {offset} (is this a binary file?)"),
            });
        }
        sentence.clear();
        match std::str::from_utf8(line) {
            Ok(text) => sentence.push_str(text),
            Err(_) if self.policy == Utf8Policy::Lossy => sentence.push_str(&String::from_utf8_lossy(line)),
            Err(e) => {
                let offset = start + skipped + e.valid_up_to();
                let byte = line[e.valid_up_to()];
                return Err(Error::InvalidUtf8 { path: self.path.clone(), line: self.line, offset, byte });
            }
        }
        let content = sentence.strip_suffix('\r').unwrap_or(sentence);
        let blank = content.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r'));
        if blank {
            if !ended {
                // After the last line end: the end of the file, not an empty sentence.
                return Ok(None);
            }
            sentence.clear();
        } else {
            let len = content.len();
            sentence.truncate(len);
        }
        Ok(Some(self.line))
    }
}

/// The 1-based line holding byte `offset`.
fn line_of(bytes: &[u8], offset: usize) -> u64 {
    bytes[..offset.min(bytes.len())].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `input` strictly and compares the sentences, with their line
    /// numbers, or the error message.
    fn check(input: &[u8], expect: Result<&[(u64, &str)], &str>) {
        check_policy(input, Utf8Policy::Strict, expect);
    }

    fn check_policy(input: &[u8], policy: Utf8Policy, expect: Result<&[(u64, &str)], &str>) {
        let got = CorpusText::read(input, Path::new("c.txt"), policy);
        match (got, expect) {
            (Ok(text), Ok(expect)) => {
                let got: Vec<(u64, &str)> =
                    (0..text.n_sentences()).map(|i| (text.line_number(i), text.sentence(i))).collect();
                assert_eq!(got, expect, "input {input:?}");
                assert_eq!(text.sentences().collect::<Vec<_>>().len(), expect.len());
            }
            (Err(e), Err(msg)) => assert_eq!(e.to_string(), msg, "input {input:?}"),
            (got, expect) => panic!("input {input:?}: got {got:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn lines() {
        check(b"", Ok(&[]));
        check(b"  ", Ok(&[]));
        check(b"\n", Ok(&[(1, "")]));
        check(b"\n\n", Ok(&[(1, ""), (2, "")]));
        check(b"a b", Ok(&[(1, "a b")]));
        check(b"a b\n", Ok(&[(1, "a b")]));
        check(b"a b\n \t", Ok(&[(1, "a b")]));
        check(b"a b\n\n", Ok(&[(1, "a b"), (2, "")]));
        check(b"a\r\nb c\r\n", Ok(&[(1, "a"), (2, "b c")]));
        check(b"a\r\n\r\nb\r\n", Ok(&[(1, "a"), (2, ""), (3, "b")]));
        // Blank lines are empty sentences, whatever spaces they hold (KenLM's `<s> </s>`).
        check(b"a\n\n \t\r\n\nb\n", Ok(&[(1, "a"), (2, ""), (3, ""), (4, ""), (5, "b")]));
        check(b"\xef\xbb\xbfa\n", Ok(&[(1, "a")]));
        check(b"  a  \n", Ok(&[(1, "  a  ")]));
        check("caf\u{e9} \u{2581}\n".as_bytes(), Ok(&[(1, "caf\u{e9} \u{2581}")]));
        check(b"a\rb\n", Ok(&[(1, "a\rb")]));
    }

    #[test]
    fn errors() {
        check(b"ok\nab\xffc\n", Err("c.txt:2: invalid UTF-8 at byte offset 5 (byte 0xff)"));
        check(b"\xc3", Err("c.txt:1: invalid UTF-8 at byte offset 0 (byte 0xc3)"));
        check(b"a\n\nb\0\n", Err("c.txt:3: NUL byte at byte offset 4 (is this a binary file?)"));
        check(b"\n\n\xff", Err("c.txt:3: invalid UTF-8 at byte offset 2 (byte 0xff)"));
    }

    /// The streaming reader gives what the whole-file read gives.
    fn check_stream(input: &[u8], policy: Utf8Policy) {
        let whole = CorpusText::read(input, Path::new("c.txt"), policy);
        let mut reader = SentenceReader::new(input, Path::new("c.txt"), policy);
        let mut got = Vec::new();
        let mut sentence = String::new();
        let streamed = loop {
            match reader.next_into(&mut sentence) {
                Ok(Some(line)) => got.push((line, sentence.clone())),
                Ok(None) => break Ok(got),
                Err(e) => break Err(e.to_string()),
            }
        };
        let whole = whole
            .map(|t| (0..t.n_sentences()).map(|i| (t.line_number(i), t.sentence(i).to_owned())).collect())
            .map_err(|e| e.to_string());
        assert_eq!(streamed, whole, "input {input:?}");
    }

    #[test]
    fn streaming_equals_whole_file() {
        for input in [
            &b""[..],
            b"  ",
            b"\n",
            b"\n\n",
            b"a b",
            b"a b\n \t",
            b"a b\n\n",
            b"a\r\nb c\r\n",
            b"a\r\n\r\nb\r\n",
            b"a\n\n \t\r\n\nb\n",
            b"\xef\xbb\xbfa\n",
            b"\xef\xbb\xbf\n\xef\xbb\xbf",
            b"  a  \n",
            b"a\rb\n",
            b"x \r\r\n",
            "caf\u{e9} \u{2581}\n".as_bytes(),
            b"ok\nab\xffc\n",
            b"\xc3",
            b"\n\n\xff",
            b"\xef\xbb\xbf\xff\n",
            b"a\n\nb\0\n",
            b"a\xe2\x82\nb\n",
        ] {
            check_stream(input, Utf8Policy::Strict);
            check_stream(input, Utf8Policy::Lossy);
        }
    }

    proptest::proptest! {
        #[test]
        fn prop_streaming_equals_whole_file(input in proptest::collection::vec(
            proptest::sample::select(&b"ab \t\r\n\xc3\xa9\xef\xbb\xbf\xff"[..]), 0..40)) {
            check_stream(&input, Utf8Policy::Strict);
            check_stream(&input, Utf8Policy::Lossy);
        }
    }

    #[test]
    fn lossy() {
        check_policy(b"ok\nab\xffc\n", Utf8Policy::Lossy, Ok(&[(1, "ok"), (2, "ab\u{fffd}c")]));
        check_policy(
            b"a\0",
            Utf8Policy::Lossy,
            Err("c.txt:1: NUL byte at byte offset 1 (is this a binary file?)"),
        );
    }
}
