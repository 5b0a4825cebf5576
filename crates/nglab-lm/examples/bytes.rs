//! Model and sampler bytes per distinct n-gram of an ARPA model: what
//! `Model::bytes` and `Sampler::table_bytes` count (the layouts of the
//! model's arrays and of the ancestral sampler's tables).
//!
//! usage: cargo run --release -p nglab-lm --example bytes -- MODEL.arpa...

use std::io::BufReader;

use nglab_lm::{Model, SampleConfig, Sampler};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        return Err("usage: bytes MODEL.arpa...".into());
    }
    println!("model\torder\tn_grams\tmodel_B/n-gram\tsampler_B/n-gram\ttotal_B/n-gram");
    for path in &paths {
        let file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
        let model = Model::read_arpa(BufReader::new(file), 2)?;
        let sampler = Sampler::new(&model, &SampleConfig::default())?;
        let n = model.n_grams_total() as f64;
        let (m, s) = (model.bytes() as f64 / n, sampler.table_bytes() as f64 / n);
        println!("{path}\t{}\t{}\t{m:.1}\t{s:.1}\t{:.1}", model.order(), model.n_grams_total(), m + s);
    }
    Ok(())
}
