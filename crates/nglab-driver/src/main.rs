//! The `nglab` command. Parsing and exit codes only: the work is in the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = nglab_driver::cli::Cli::parse();
    match nglab_driver::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if nglab_driver::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("nglab: {err:#}");
            ExitCode::from(2)
        }
    }
}
