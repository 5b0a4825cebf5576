//! Raw text into sentences: Unicode sentence boundaries (UAX #29), kept
//! closed after a title or Latin abbreviation.

use unicode_segmentation::UnicodeSegmentation;

/// Abbreviations after which UAX #29 breaks (a period, a space, a capital)
/// but a sentence never ends in English: titles before a name and Latin
/// abbreviations that introduce what follows. Abbreviations that often do
/// end a sentence (`p.m.`, `etc.`, `U.S.`, `Jr.`, `Inc.`) are not here: at
/// the end of a sentence they end it, and before a capital they are taken to.
const NEVER_FINAL: [&str; 22] = [
    "Mr.", "Mrs.", "Ms.", "Messrs.", "Dr.", "Prof.", "Rev.", "Hon.", "St.", "Mt.", "Gen.", "Col.", "Capt.",
    "Lt.", "Sgt.", "Gov.", "Sen.", "Rep.", "vs.", "cf.", "e.g.", "i.e.",
];

/// The sentences of a paragraph of raw text, trimmed, in order.
///
/// Boundaries are Unicode's (UAX #29, as `unicode-segmentation` finds
/// them): after `.`, `?`, `!` (and other scripts' terminators such as `。`)
/// with any closing quotes and brackets, except where the rules see no
/// sentence end: a period before a lower-case word (`e.g. this`, `5 p.m.
/// tomorrow`), inside a number (`3.5`) or an initialism (`U.S.A.`). On top of
/// that, a boundary right after a title or Latin abbreviation that never ends
/// an English sentence (`Mr.`, `Dr.`, `St.`, `vs.`, `e.g.`, ...) is removed.
/// A line break always ends a sentence, as in UAX #29: join a paragraph's
/// lines before splitting it.
///
/// ```
/// use nglab_tokenizer::split_sentences;
///
/// let text = "He left at 5 p.m. She stayed. Mr. Smith paid $3.50 for it!";
/// assert_eq!(split_sentences(text), ["He left at 5 p.m.", "She stayed.", "Mr. Smith paid $3.50 for it!"]);
/// ```
pub fn split_sentences(paragraph: &str) -> Vec<&str> {
    let mut sentences: Vec<&str> = Vec::new();
    // Byte offset where the sentence being built starts, if one is open.
    let mut start: Option<usize> = None;
    for (offset, piece) in paragraph.split_sentence_bounds().map(|p| (offset_in(paragraph, p), p)) {
        let begin = *start.get_or_insert(offset);
        let sentence = paragraph[begin..offset + piece.len()].trim();
        let last_word = sentence.rsplit(char::is_whitespace).next().unwrap_or("");
        let ends_in_line_break = piece.ends_with(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}']);
        if !NEVER_FINAL.contains(&last_word) || ends_in_line_break {
            if !sentence.is_empty() {
                sentences.push(sentence);
            }
            start = None;
        }
    }
    if let Some(begin) = start {
        let rest = paragraph[begin..].trim();
        if !rest.is_empty() {
            sentences.push(rest);
        }
    }
    sentences
}

/// The byte offset of `piece` in `whole`, a subslice of it.
fn offset_in(whole: &str, piece: &str) -> usize {
    piece.as_ptr() as usize - whole.as_ptr() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expect: &[&str]) {
        assert_eq!(split_sentences(text), expect, "{text:?}");
    }

    #[test]
    fn boundaries() {
        // The issue's example: "p.m." before a capital ends its sentence.
        check("He left at 5 p.m. He came back.", &["He left at 5 p.m.", "He came back."]);
        // A lower-case word after the period continues the sentence (UAX #29 SB8).
        check("We meet at 5 p.m. tomorrow. Fine.", &["We meet at 5 p.m. tomorrow.", "Fine."]);
        check("Bring fruit, e.g. apples or pears.", &["Bring fruit, e.g. apples or pears."]);
        // Numbers and initialisms (SB6, SB7).
        check("It cost 3.5 dollars. Then he paid.", &["It cost 3.5 dollars.", "Then he paid."]);
        check("The U.S.A. is large.", &["The U.S.A. is large."]);
        // Titles never end a sentence, whatever follows.
        check("Mr. Smith met Dr. Jones. They talked.", &["Mr. Smith met Dr. Jones.", "They talked."]);
        check("It was Smith vs. Jones. Jones won.", &["It was Smith vs. Jones.", "Jones won."]);
        check("Some nouns, i.e. Names, are capitalised.", &["Some nouns, i.e. Names, are capitalised."]);
        // Question and exclamation marks, closing quotes and brackets stay with their sentence.
        check("Really? Yes! OK.", &["Really?", "Yes!", "OK."]);
        check(
            "\"Stop.\" He stopped. (It worked.) Good.",
            &["\"Stop.\"", "He stopped.", "(It worked.)", "Good."],
        );
        // Other scripts' terminators.
        check("你好。再见。", &["你好。", "再见。"]);
        // No terminator, spaces, nothing.
        check("  no full stop at the end  ", &["no full stop at the end"]);
        check("Ends with a title, Mr.", &["Ends with a title, Mr."]);
        check("", &[]);
        check("   ", &[]);
        // A line break ends a sentence, even after a title.
        check("Dear Mr.\nSmith was here.", &["Dear Mr.", "Smith was here."]);
    }
}
