//! The report of a small run in a real browser: headless Chromium renders
//! `report.html` without a console error and its screenshot shows the
//! plots (the regimes' colours are drawn, the page is not blank).
//!
//! Chromium comes from `NGLAB_CHROMIUM` (its path), which `scripts/test.sh`
//! sets from `scripts/chromium.sh` (Debian's `chromium`, installed when
//! missing). Without it the test says so and checks nothing else: it needs
//! a browser that `cargo test` alone does not have.

mod common;

use std::path::Path;
use std::process::Command;

use common::{nglab, scratch_dir};

/// The window, in CSS pixels: wide enough for two plots a row.
const WINDOW: (u32, u32) = (1200, 4000);

/// Pixels of `png` within `tolerance` of `rgb` in every channel, and of
/// anything but white, with the image's size.
fn count_pixels(png_path: &Path, colors: &[[u8; 3]], tolerance: u8) -> (u32, u32, Vec<usize>, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png_path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(
        channels >= 3 && info.bit_depth == png::BitDepth::Eight,
        "{:?} {:?}",
        info.color_type,
        info.bit_depth
    );
    let mut hits = vec![0; colors.len()];
    let mut not_white = 0;
    for px in buf[..info.buffer_size()].chunks(channels) {
        let rgb = [px[0], px[1], px[2]];
        not_white += usize::from(rgb != [255, 255, 255]);
        for (k, c) in colors.iter().enumerate() {
            hits[k] += usize::from(rgb.iter().zip(c).all(|(a, b)| a.abs_diff(*b) <= tolerance));
        }
    }
    (info.width, info.height, hits, not_white)
}

#[test]
fn the_report_renders_in_headless_chromium() {
    let Some(chromium) = std::env::var_os("NGLAB_CHROMIUM") else {
        eprintln!("report_browser: NGLAB_CHROMIUM is not set (scripts/test.sh sets it): no browser to run");
        return;
    };
    let dir = scratch_dir("report-browser");
    let out = dir.join("run");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/kenlm");
    let (train, heldout) = (data.join("brown-2k.train.txt"), data.join("brown-300.test.txt"));
    let args = [
        "run",
        "--out",
        out.to_str().unwrap(),
        "--train",
        train.to_str().unwrap(),
        "--heldout",
        heldout.to_str().unwrap(),
        "--regime",
        "replace,accumulate",
        "--generations",
        "3",
        "--seeds",
        "2",
        "--synthetic-tokens",
        "8000",
    ];
    let run = nglab(&args);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for section in ["Perplexity", "Vocabulary and tails", "Diversity", "Distribution", "Sample sentences"] {
        assert!(html.contains(&format!(">{section}</h2>")), "the report has a section {section}");
    }

    let png = dir.join("report.png");
    let profile = dir.join("profile");
    let shot = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={},{}", WINDOW.0, WINDOW.1))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", out.join("report.html").display()))
        .output()
        .expect("chromium runs");
    let stderr = String::from_utf8_lossy(&shot.stderr);
    assert!(shot.status.success(), "chromium failed ({}):\n{stderr}", shot.status);
    // The page's own errors (a console message, a resource that failed to
    // load); the browser's complaints about D-Bus and the like are not the page's.
    let page_errors: Vec<&str> =
        stderr.lines().filter(|l| l.contains("CONSOLE") || l.contains("Failed to load resource")).collect();
    assert!(page_errors.is_empty(), "the page logged errors:\n{}", page_errors.join("\n"));

    // Replace is vermillion and accumulate blue in every plot (Okabe-Ito).
    let (width, height, hits, not_white) = count_pixels(&png, &[[213, 94, 0], [0, 114, 178]], 8);
    assert_eq!((width, height), WINDOW, "the screenshot's size");
    let area = (width * height) as usize;
    assert!(not_white > area / 20, "only {not_white} of {area} pixels are not white: the page looks blank");
    assert!(
        hits.iter().all(|&h| h > 500),
        "the regimes' lines are missing from the screenshot: {hits:?} pixels"
    );
}
