use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    canvass_server::cli::run(canvass_server::cli::Cli::parse())
}
