//! `reorder`: the native command line. It parses arguments, reads and writes files and decides
//! exit codes; the work itself lives in the library's pure modules.
//!
//! Exit codes: 0 success, 2 bad input (arguments, files, rows), 1 anything else.

mod features_cmd;
mod model_cmds;

use std::process::ExitCode;

/// An error that ends the command: what to print and which exit code to use.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    /// Bad input from the user (arguments, files, rows): exit code 2.
    pub fn input(message: impl Into<String>) -> Self {
        CliError {
            code: 2,
            message: message.into(),
        }
    }
    /// A failure that is not the input's fault (e.g. writing the output): exit code 1.
    pub fn other(message: impl Into<String>) -> Self {
        CliError {
            code: 1,
            message: message.into(),
        }
    }
}

const USAGE: &str = "usage: reorder <command> [options]

commands:
  convert   LightGBM model.txt -> the app's JSON bundle
  predict   score a CSV of feature rows with a bundle
  explain   TreeSHAP contributions for a CSV of feature rows
  features  build the next-basket feature table from Instacart CSVs

run `reorder <command> --help` for a command's options";

fn run(args: &[String]) -> Result<(), CliError> {
    let Some((command, rest)) = args.split_first() else {
        return Err(CliError::input(USAGE));
    };
    match command.as_str() {
        "convert" => model_cmds::convert(rest),
        "predict" => model_cmds::predict(rest),
        "explain" => model_cmds::explain(rest),
        "features" => features_cmd::run(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(CliError::input(format!(
            "unknown command `{other}`\n\n{USAGE}"
        ))),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("reorder: {}", error.message);
            ExitCode::from(error.code)
        }
    }
}
