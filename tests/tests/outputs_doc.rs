//! `docs/OUTPUTS.md` against what `nglab run` writes: every entry of a run
//! directory is described, every column of every table is defined in file
//! order, and the measured columns' definitions are those declared in
//! `columns.rs` (rendered into the document; `NGLAB_BLESS=1` rewrites them).

mod common;

use std::path::{Path, PathBuf};

use nglab_driver::run::columns::{Collapse, ALL};

fn doc_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/OUTPUTS.md")
}

const BEGIN: &str = "<!-- columns: rendered from crates/nglab-driver/src/run/columns.rs -->\n";
const END: &str = "<!-- end of columns -->";

/// The measured columns as the document's table.
fn rendered_columns() -> String {
    let mut table = String::from("| column | unit | collapse | definition |\n| --- | --- | --- | --- |\n");
    for c in ALL {
        let collapse = match c.collapse {
            Collapse::Up => "up",
            Collapse::Down => "down",
            Collapse::Either => "either",
            Collapse::Neither => "neither",
        };
        table += &format!("| `{}` | {} | {collapse} | {} |\n", c.name, c.unit, c.doc);
    }
    table
}

/// The names (first cell, in backticks) of the table rows of the section
/// headed `heading`, in order.
fn names(doc: &str, heading: &str) -> Vec<String> {
    let start = doc.find(heading).unwrap_or_else(|| panic!("OUTPUTS.md has no {heading:?}"));
    let section = &doc[start + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .map(|l| l[..l.find('`').expect("a closing backtick")].to_owned())
        .collect()
}

/// The entries of `dir`, a directory's name ending in `/`.
fn listing(dir: &Path) -> Vec<String> {
    let mut entries: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                format!("{name}/")
            } else {
                name
            }
        })
        .collect();
    entries.sort();
    entries
}

fn header(dir: &Path, file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    text.lines().next().unwrap().split(',').map(str::to_owned).collect()
}

#[test]
fn outputs_md_describes_every_file_and_column() {
    let path = doc_path();
    let mut doc = std::fs::read_to_string(&path).unwrap();
    let markers =
        |doc: &str| (doc.find(BEGIN).expect("the start marker"), doc.find(END).expect("the end marker"));
    let rendered = rendered_columns();
    if std::env::var_os("NGLAB_BLESS").is_some() {
        let (begin, end) = markers(&doc);
        doc.replace_range(begin + BEGIN.len()..end, &rendered);
        std::fs::write(&path, &doc).unwrap();
    }
    let (begin, end) = markers(&doc);
    assert!(
        doc[begin + BEGIN.len()..end] == rendered,
        "the measured columns of docs/OUTPUTS.md differ from columns.rs \
         (NGLAB_BLESS=1 cargo test -p nglab-tests --test outputs_doc rewrites them)"
    );

    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kenlm");
    let out = common::scratch_dir("outputs-doc").join("run");
    let s = |p: &Path| p.display().to_string();
    let args = [
        "run",
        "--out",
        &s(&out),
        "--train",
        &s(&data.join("brown-2k.train.txt")),
        "--heldout",
        &s(&data.join("brown-300.test.txt")),
        "--generations",
        "2",
        "--seeds",
        "1",
        "--regime",
        "replace",
        "--synthetic-tokens",
        "3000",
        "--keep-corpora",
    ];
    common::stdout_ok(&common::nglab(&args));

    // Every entry of the run directory, and its lock; a planned sweep's
    // entries, in its run directory and in `sweep/`.
    let files = names(&doc, "## The run directory");
    let sweep = out.with_file_name("sweep");
    let sweep_path = s(&sweep);
    let plan_args = [&["sweep", "plan", "--out", &sweep_path][..], &args[3..]].concat();
    common::stdout_ok(&common::nglab(&plan_args));
    let mut entries = [listing(&out), listing(&sweep)].concat();
    entries.push(".nglab-run.lock".into());
    for entry in &entries {
        assert!(files.contains(entry), "OUTPUTS.md does not describe {entry} (it has {files:?})");
    }
    let sweep_files = names(&doc, "## A sweep's files (`sweep/`)");
    for entry in listing(&sweep.join("sweep")) {
        assert!(sweep_files.contains(&entry), "OUTPUTS.md does not describe sweep/{entry} ({sweep_files:?})");
    }

    // Every column of every table, in file order.
    let metrics = names(&doc, "## `metrics.csv`");
    assert_eq!(metrics, header(&out, "metrics.csv"), "metrics.csv's columns");
    let cell_columns = &metrics[..metrics.iter().position(|n| n == "seed").unwrap()];
    let with_cell = |tail: &[String]| [cell_columns, tail].concat();
    assert_eq!(
        with_cell(&names(&doc, "## `summary.csv`")),
        header(&out, "summary.csv"),
        "summary.csv's columns"
    );
    let job = ["seed".to_owned(), "generation".to_owned()];
    for file in ["discounts.csv", "timings.csv"] {
        let own = names(&doc, &format!("## `{file}`"));
        assert_eq!(with_cell(&[&job[..], &own].concat()), header(&out, file), "{file}'s columns");
    }
}
