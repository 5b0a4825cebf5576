//! One module per subcommand: its clap arguments and its `run`.

pub mod corpus;
pub mod metrics;
pub mod ppl;
pub mod sample;
pub mod tokenize;
pub mod train;
pub mod world;
