//! One module per subcommand: its clap arguments and its `run`.

pub mod metrics;
pub mod corpus;
pub mod tokenize;
