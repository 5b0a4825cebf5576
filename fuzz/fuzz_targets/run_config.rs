//! The `nglab run` config file: any text either parses and validates or gives
//! a one-line error naming the file.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use nglab_driver::run::{RunConfig, Settings};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut raw = match Settings::from_toml(text, Path::new("c.toml")) {
        Ok(raw) => raw,
        Err(e) => {
            let msg = format!("{e:#}");
            assert!(msg.starts_with("config c.toml:") && !msg.contains('\n'), "{msg:?}");
            return;
        }
    };
    // The paths it needs, so that validation looks at every other value.
    raw.out.get_or_insert_with(|| "runs/fuzz".into());
    raw.train.get_or_insert_with(|| concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml").into());
    raw.heldout.get_or_insert_with(|| concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml").into());
    // Validation must not panic; its errors are one line.
    if let Err(e) = RunConfig::new(&raw) {
        let msg = format!("{e:#}");
        assert!(!msg.contains('\n'), "{msg:?}");
    }
});
