//! Argument handling shared by every `reorder` command, run as a user would: arguments that are
//! not UTF-8, flags given twice and `--help`. Usage errors exit 2 with a message and write
//! nothing; help goes to stdout and exits 0.
#![cfg(not(target_arch = "wasm32"))]

use crate::support::{scratch_dir, REORDER};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::{Command, Output};

/// Each command with a complete set of options (values need not point at real files: a usage
/// error is found before any file is opened). `OUT` is replaced by an output path.
const COMMANDS: &[(&str, &[(&str, &str)])] = &[
    (
        "convert",
        &[
            ("--model", "model.txt"),
            ("--threshold", "0.5"),
            ("--features", "names.json"),
            ("--meta", "meta.json"),
            ("--out", "OUT"),
        ],
    ),
    (
        "predict",
        &[
            ("--bundle", "bundle.json"),
            ("--input", "in.csv"),
            ("--output", "OUT"),
        ],
    ),
    (
        "explain",
        &[
            ("--bundle", "bundle.json"),
            ("--input", "in.csv"),
            ("--output", "OUT"),
        ],
    ),
    (
        "features",
        &[
            ("--data", "data"),
            ("--out", "OUT"),
            ("--catalog", "catalog.json"),
            ("--demo-ids", "ids.txt"),
            ("--demo-users", "demo_users.json"),
            ("--demo-catalog", "demo_catalog.json"),
            ("--definitions", "definitions.json"),
        ],
    ),
];

fn scratch(test: &str) -> PathBuf {
    scratch_dir("args", test)
}

fn run<I: AsRef<OsStr>>(args: impl IntoIterator<Item = I>) -> Output {
    Command::new(REORDER)
        .args(args)
        .output()
        .expect("runs reorder")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_non_utf8_argument_is_exit_2_with_a_message() {
    let not_utf8 = OsStr::from_bytes(b"in\xff.csv");
    for args in [
        vec![
            OsStr::new("predict"),
            OsStr::new("--bundle"),
            not_utf8,
            OsStr::new("--input"),
            OsStr::new("a.csv"),
            OsStr::new("--output"),
            OsStr::new("b.csv"),
        ],
        vec![OsStr::new("features"), OsStr::new("--data"), not_utf8],
        vec![not_utf8],
    ] {
        let output = run(&args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(message.contains("not valid UTF-8"), "{args:?}: {message}");
        assert!(!message.contains("panicked"), "{args:?}: {message}");
    }
}

#[test]
fn a_flag_given_twice_is_exit_2_for_every_command_and_flag() {
    let dir = scratch("twice");
    let out = dir.join("out");
    let out = out.to_str().expect("utf-8 path");
    for (command, options) in COMMANDS {
        for (repeated, _) in options.iter() {
            let mut args = vec![command.to_string()];
            for (flag, value) in options.iter() {
                let value = if *value == "OUT" { out } else { value };
                args.push(flag.to_string());
                args.push(value.to_string());
                if flag == repeated {
                    // The second value is as valid as the first: only the repetition is wrong.
                    args.push(flag.to_string());
                    args.push(value.to_string());
                }
            }
            let output = run(&args);
            let message = stderr(&output);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{command} {repeated} twice: {message}"
            );
            assert!(
                message.contains(repeated) && message.contains("multiple times"),
                "{command} {repeated} twice: {message}"
            );
        }
    }
    assert_eq!(
        std::fs::read_dir(&dir).expect("scratch dir").count(),
        0,
        "a refused command wrote something"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_for_each_command_exits_0_on_stdout_and_names_its_flags() {
    for (command, options) in COMMANDS {
        for args in [vec![*command, "--help"], vec!["help", command]] {
            let output = run(&args);
            let text = String::from_utf8_lossy(&output.stdout);
            assert_eq!(
                output.status.code(),
                Some(0),
                "{args:?}: {}",
                stderr(&output)
            );
            assert!(output.stderr.is_empty(), "{args:?}: {}", stderr(&output));
            for (flag, _) in options.iter() {
                assert!(
                    text.contains(flag),
                    "{args:?} does not name {flag}:\n{text}"
                );
            }
        }
    }
    let output = run(["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    for (command, _) in COMMANDS {
        assert!(text.contains(command), "`reorder --help` omits {command}");
    }
}

#[test]
fn unknown_commands_flags_and_missing_values_are_exit_2() {
    for args in [
        vec![],
        vec!["score"],
        vec!["predict", "--bundel", "b.json"],
        vec!["convert", "--model"],
        vec!["predict", "--bundle", "b.json", "--input", "in.csv"],
        vec!["features", "--data"],
    ] {
        let output = run(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!output.stderr.is_empty(), "{args:?}: no message");
    }
}
