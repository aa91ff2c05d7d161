//! The one argument parser of `reorder` (clap, derived from the option structs of each
//! command), the error type every command returns and the mapping from errors to exit codes.
//!
//! Rules shared by every command: each option takes one value and may be given once (a second
//! `--out` is an error, not a silent override); an argument that is not UTF-8 is refused before
//! parsing; usage errors exit 2 with clap's message; `--help` prints to stdout and exits 0.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

use crate::{basket_cmd, features_cmd, model_cmds, reference_cmd};

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

/// Instacart reorder predictor: LightGBM models scored bit-exactly, and the feature table.
#[derive(Debug, Parser)]
#[command(
    name = "reorder",
    arg_required_else_help = true,
    args_override_self = false,
    disable_version_flag = true,
    after_help = "Exit codes: 0 success, 2 bad input (arguments, files, rows), 1 anything else."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// LightGBM model.txt -> the app's JSON bundle
    #[command(args_override_self = false)]
    Convert(model_cmds::ConvertArgs),
    /// Score a CSV of feature rows with a bundle
    #[command(args_override_self = false, after_help = model_cmds::PREDICT_NOTES)]
    Predict(model_cmds::RowsArgs),
    /// TreeSHAP contributions for a CSV of feature rows
    #[command(args_override_self = false, after_help = model_cmds::EXPLAIN_NOTES)]
    Explain(model_cmds::RowsArgs),
    /// Build the next-basket feature table from Instacart CSVs
    #[command(args_override_self = false, after_help = features_cmd::NOTES)]
    Features(features_cmd::FeaturesArgs),
    /// Your likely next basket from the export of your own Instacart orders
    #[command(args_override_self = false, after_help = basket_cmd::NOTES)]
    Basket(basket_cmd::BasketArgs),
    /// A model's drift reference (per-feature counts on the model's bins) from a CSV of rows
    #[command(args_override_self = false, after_help = reference_cmd::NOTES)]
    Reference(reference_cmd::ReferenceArgs),
}

/// Every argument as UTF-8, or an input error naming the first one that is not (counting from
/// 1 after the program name, which is only displayed and so is taken as it comes).
fn utf8_arguments(args: Vec<OsString>) -> Result<Vec<String>, CliError> {
    args.into_iter()
        .enumerate()
        .map(|(position, arg)| {
            if position == 0 {
                return Ok(arg.to_string_lossy().into_owned());
            }
            arg.into_string().map_err(|arg| {
                CliError::input(format!(
                    "argument {position} is not valid UTF-8: `{}`",
                    arg.to_string_lossy()
                ))
            })
        })
        .collect()
}

/// Parses `args` (the program name first) and runs the command.
fn run(args: Vec<OsString>) -> Result<(), CliError> {
    let args = utf8_arguments(args)?;
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            return match error.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    print!("{}", error.render());
                    Ok(())
                }
                // clap's usage errors (and the help shown when no command is given) exit 2.
                _ => {
                    let text = error.render().to_string();
                    let text = text.trim_end();
                    Err(CliError::input(
                        text.strip_prefix("error: ").unwrap_or(text).to_string(),
                    ))
                }
            };
        }
    };
    match cli.command {
        Command::Convert(args) => model_cmds::convert(args),
        Command::Predict(args) => model_cmds::predict(args),
        Command::Explain(args) => model_cmds::explain(args),
        Command::Features(args) => features_cmd::run(args),
        Command::Basket(args) => basket_cmd::run(args),
        Command::Reference(args) => reference_cmd::run(args),
    }
}

pub fn main() -> ExitCode {
    match run(std::env::args_os().collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("reorder: {}", error.message);
            ExitCode::from(error.code)
        }
    }
}
