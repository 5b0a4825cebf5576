//! The driver of nglab: the only crate that touches the world (files, clock,
//! terminal). Each subcommand has a module; [`dispatch`] calls it.

// clap turns the doc comments of arguments into `--help` text, which writes
// `abs[:D]` and `<unk>` literally: they are not links or HTML.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

pub mod cli;
pub mod cmd;
pub mod io;
pub mod run;
pub mod sweep;
pub mod theory;
pub mod tokenizer;
pub mod world;

/// Runs one parsed command line.
pub fn dispatch(cli: cli::Cli) -> anyhow::Result<()> {
    match cli.command {
        cli::Command::Train(args) => {
            nglab_alloc::advise_large_blocks(true);
            cmd::train::train(&args)
        }
        cli::Command::Ppl(args) => cmd::ppl::ppl(&args),
        cli::Command::Sample(args) => cmd::sample::sample(&args),
        cli::Command::Metrics(args) => cmd::metrics::metrics(&args),
        cli::Command::Tokenize(args) => cmd::tokenize::tokenize(&args),
        cli::Command::Detokenize(args) => cmd::tokenize::detokenize(&args),
        cli::Command::World(args) => cmd::world::world(&args),
        cli::Command::Corpus(args) => cmd::corpus::corpus(&args),
        cli::Command::Run(settings) => {
            nglab_alloc::advise_large_blocks(true);
            run::main(&settings)
        }
        cli::Command::Sweep(command) => sweep::main(&command),
    }
}

/// Whether `err` is a broken pipe (`nglab ... | head`), which exits 0.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
