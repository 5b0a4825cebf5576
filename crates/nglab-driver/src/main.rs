//! The `nglab` command. Parsing and exit codes only: the work is in the library.

use std::process::ExitCode;

use clap::Parser;

// The system allocator, with large blocks in transparent huge pages for the
// commands that turn it on (`dispatch`): a fraction of the page faults when
// training touches gigabytes of fresh memory (crates/nglab-alloc).
#[global_allocator]
static ALLOCATOR: nglab_alloc::LargePages = nglab_alloc::LargePages;

fn main() -> ExitCode {
    let cli = match nglab_driver::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => err.exit(),
        Err(err) => {
            // Bad flags and values, like every other error: one line, exit code 2.
            // clap's message is its lines up to the first blank one (then usage and tips).
            let text = err.render().to_string();
            let message: Vec<&str> =
                text.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
            let message = message.join(" ");
            eprintln!("nglab: {}", message.strip_prefix("error: ").unwrap_or(&message));
            return ExitCode::from(2);
        }
    };
    match nglab_driver::dispatch(cli) {
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
