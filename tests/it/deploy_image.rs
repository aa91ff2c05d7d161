//! The deploy pipeline's rules, checked on the files that carry them, without Docker or GitHub:
//! the image's HEALTHCHECK must follow `$PORT` (it is run here against a small local server on a
//! port other than 7860), and the workflows may hand `HF_TOKEN` only to a job that runs for a push
//! to this repository's own main after the tests, never on `workflow_run`, never with a forced
//! push, and with every action pinned to a full commit. A fork's pull request from a branch named
//! `main` once reached the Space through `workflow_run`, and `--force` let runs roll it back.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::mpsc;
use std::thread;

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read(relative: &str) -> String {
    fs::read_to_string(repo_path(relative)).unwrap_or_else(|e| panic!("read {relative}: {e}"))
}

// ---- Dockerfile ----------------------------------------------------------------------------

/// The Dockerfile's instructions, continuation lines joined, comments dropped.
fn dockerfile_instructions(text: &str) -> Vec<String> {
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || (current.is_empty() && line.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head.trim_end());
                current.push(' ');
            }
            None => {
                current.push_str(line);
                instructions.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.trim().is_empty() {
        instructions.push(current);
    }
    instructions
}

/// A JSON array of strings, as Docker's exec form writes it.
fn parse_json_strings(text: &str) -> Vec<String> {
    let mut chars = text.trim().chars().peekable();
    assert_eq!(chars.next(), Some('['), "exec form starts with [: {text}");
    let mut items = Vec::new();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            Some(']') if items.is_empty() => return items,
            Some('"') => {}
            other => panic!("expected a string in {text}, found {other:?}"),
        }
        let mut item = String::new();
        loop {
            match chars.next() {
                Some('"') => break,
                Some('\\') => match chars.next() {
                    Some('n') => item.push('\n'),
                    Some('t') => item.push('\t'),
                    Some(c @ ('"' | '\\' | '/')) => item.push(c),
                    other => panic!("unsupported escape {other:?} in {text}"),
                },
                Some(c) => item.push(c),
                None => panic!("unterminated string in {text}"),
            }
        }
        items.push(item);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            Some(',') => continue,
            Some(']') => return items,
            other => panic!("expected , or ] in {text}, found {other:?}"),
        }
    }
}

/// The HEALTHCHECK command as the container runs it: exec form as written, shell form through
/// `/bin/sh -c`.
fn healthcheck_argv(dockerfile: &str) -> Vec<String> {
    let checks: Vec<String> = dockerfile_instructions(dockerfile)
        .into_iter()
        .filter(|i| i.split_whitespace().next() == Some("HEALTHCHECK"))
        .collect();
    assert_eq!(
        checks.len(),
        1,
        "one HEALTHCHECK in the Dockerfile: {checks:?}"
    );
    let (_, command) = checks[0]
        .split_once(" CMD ")
        .unwrap_or_else(|| panic!("HEALTHCHECK without CMD: {}", checks[0]));
    let command = command.trim();
    if command.starts_with('[') {
        parse_json_strings(command)
    } else {
        vec!["/bin/sh".into(), "-c".into(), command.into()]
    }
}

/// `127.0.0.1:7860` or `localhost:80` in the text: a port written down instead of taken from
/// the environment.
fn literal_ports(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for host in ["127.0.0.1:", "localhost:", "0.0.0.0:"] {
        for (at, _) in text.match_indices(host) {
            let rest = &text[at + host.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if !digits.is_empty() {
                found.push(format!("{host}{digits}"));
            }
        }
    }
    found
}

#[test]
fn health_check_takes_its_port_from_the_environment() {
    let argv = healthcheck_argv(&read("Dockerfile"));
    let joined = argv.join(" ");
    assert!(
        joined.contains("${PORT}") || joined.contains("$PORT"),
        "the health check must probe $PORT, the port nginx listens on: {argv:?}"
    );
    assert_eq!(literal_ports(&joined), Vec::<String>::new(), "{argv:?}");
    let shells = ["sh", "/bin/sh", "bash", "/bin/bash"];
    assert!(
        shells.contains(&argv[0].as_str()),
        "exec form does not expand $PORT: run it through a shell ({argv:?})"
    );
}

#[test]
fn image_defaults_port_to_the_space_app_port() {
    let dockerfile = read("Dockerfile");
    let env_sets_port = dockerfile_instructions(&dockerfile).iter().any(|i| {
        i.split_whitespace().next() == Some("ENV") && i.split_whitespace().any(|w| w == "PORT=7860")
    });
    assert!(
        env_sets_port,
        "ENV PORT=7860 (the Space's app_port) in the Dockerfile"
    );
    assert!(
        read("README.md").contains("app_port: 7860"),
        "README header: app_port: 7860"
    );
}

/// Answers `GET /index.html` with 200 and anything else with 404, on a free port; the requested
/// paths come back through the receiver.
fn serve_index() -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = listener.local_addr().unwrap().port();
    let (sent, received) = mpsc::channel();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 0) && header.trim() != "" {
                header.clear();
            }
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or("")
                .to_string();
            let (status, body) = if path == "/index.html" {
                ("200 OK", "<!doctype html><html></html>")
            } else {
                ("404 Not Found", "not found")
            };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
            let _ = sent.send(path);
        }
    });
    (port, received)
}

fn run_health_check(argv: &[String], port: u16) -> Output {
    Command::new(&argv[0])
        .args(&argv[1..])
        .env("PORT", port.to_string())
        .output()
        .unwrap_or_else(|e| panic!("run {argv:?}: {e}"))
}

#[test]
fn health_check_passes_on_a_port_other_than_7860_and_fails_with_nothing_there() {
    let argv = healthcheck_argv(&read("Dockerfile"));

    let (port, requests) = serve_index();
    assert_ne!(port, 7860, "the point is a port other than the default");
    let output = run_health_check(&argv, port);
    assert!(
        output.status.success(),
        "health check with PORT={port} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    // The server thread reports the path after writing the response, which the check may have
    // read and exited on already: wait for the report rather than race it.
    assert_eq!(
        requests
            .recv_timeout(std::time::Duration::from_secs(10))
            .ok()
            .as_deref(),
        Some("/index.html")
    );

    // A port where nothing listens: the check must report the container unhealthy.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    assert!(
        TcpStream::connect(("127.0.0.1", closed)).is_err(),
        "port {closed} is free"
    );
    let output = run_health_check(&argv, closed);
    assert!(
        !output.status.success(),
        "health check passed with nothing on port {closed}"
    );
}

// ---- Workflows -----------------------------------------------------------------------------

/// Every workflow file: (file name, text).
fn workflows() -> Vec<(String, String)> {
    let dir = repo_path(".github/workflows");
    let mut files: Vec<(String, String)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no workflow in {}", dir.display());
    files
}

/// A line without its comment (a whole-line `#`, or ` #` and what follows).
fn code(line: &str) -> &str {
    if line.trim_start().starts_with('#') {
        return "";
    }
    match line.find(" #") {
        Some(at) => &line[..at],
        None => line,
    }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// One job of a workflow: its name and its lines (comments dropped, indentation kept).
struct Job {
    name: String,
    lines: Vec<String>,
}

impl Job {
    /// The value of a job-level key (`if`, `needs`, ...), with a block list's items joined.
    fn property(&self, key: &str) -> Option<String> {
        let level = self
            .lines
            .iter()
            .find(|l| !l.trim().is_empty())
            .map(|l| indent(l))?;
        let prefix = format!("{key}:");
        let at = self
            .lines
            .iter()
            .position(|l| indent(l) == level && l.trim_start().starts_with(&prefix))?;
        let mut value = self.lines[at].trim_start()[prefix.len()..]
            .trim()
            .to_string();
        if value.is_empty() {
            let items = self.lines[at + 1..]
                .iter()
                .take_while(|l| l.trim().is_empty() || indent(l) > level)
                .map(|l| l.trim().trim_start_matches("- ").trim())
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>();
            value = items.join(", ");
        }
        Some(value)
    }

    fn mentions(&self, word: &str) -> bool {
        self.lines.iter().any(|l| l.contains(word))
    }
}

/// The workflow's jobs, and the lines outside `jobs:` (comments dropped).
fn jobs(text: &str) -> (Vec<Job>, Vec<String>) {
    let lines: Vec<String> = text
        .lines()
        .map(|l| code(l).trim_end().to_string())
        .collect();
    let Some(start) = lines.iter().position(|l| l == "jobs:") else {
        return (Vec::new(), lines);
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| !l.trim().is_empty() && indent(l) == 0)
        .map_or(lines.len(), |at| start + 1 + at);
    let mut outside = lines[..start].to_vec();
    outside.extend_from_slice(&lines[end..]);
    let body = &lines[start + 1..end];
    let Some(job_indent) = body
        .iter()
        .find(|l| !l.trim().is_empty())
        .map(|l| indent(l))
    else {
        return (Vec::new(), outside);
    };
    let mut found: Vec<Job> = Vec::new();
    for line in body {
        if !line.trim().is_empty() && indent(line) == job_indent {
            let name = line.trim().trim_end_matches(':').to_string();
            found.push(Job {
                name,
                lines: Vec::new(),
            });
        } else if let Some(job) = found.last_mut() {
            job.lines.push(line.clone());
        }
    }
    (found, outside)
}

fn trigger_violations(file: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for trigger in ["workflow_run", "pull_request_target"] {
            if code(line).contains(trigger) {
                found.push(format!(
                    "{file}:{}: {trigger} runs with secrets on others' code",
                    n + 1
                ));
            }
        }
    }
    found
}

/// Violations, and how many jobs use HF_TOKEN.
fn hf_token_violations(file: &str, text: &str) -> (Vec<String>, usize) {
    let mut found = Vec::new();
    let (jobs, outside) = jobs(text);
    if outside.iter().any(|l| l.contains("HF_TOKEN")) {
        found.push(format!("{file}: HF_TOKEN outside a job reaches every job"));
    }
    let publishing: Vec<&Job> = jobs.iter().filter(|j| j.mentions("HF_TOKEN")).collect();
    for job in &publishing {
        let condition = job.property("if").unwrap_or_default();
        let push_to_main = condition.contains("github.event_name == 'push'")
            && condition.contains("github.ref == 'refs/heads/main'")
            && !condition.contains("||");
        if !push_to_main {
            found.push(format!(
                "{file}: job {} uses HF_TOKEN but its if: does not require a push to main \
                 (github.event_name == 'push' && github.ref == 'refs/heads/main'): {condition:?}",
                job.name
            ));
        }
        let needs = job.property("needs").unwrap_or_default();
        let needs_test = needs
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .any(|n| n.trim() == "test");
        if !needs_test {
            found.push(format!(
                "{file}: job {} uses HF_TOKEN without needs: test ({needs:?})",
                job.name
            ));
        }
        if job.property("concurrency").is_none() {
            found.push(format!(
                "{file}: job {} publishes without a concurrency group",
                job.name
            ));
        }
    }
    (found, publishing.len())
}

fn force_push_violations(file: &str, text: &str) -> Vec<String> {
    let joined = text
        .lines()
        .map(code)
        .collect::<Vec<_>>()
        .join("\n")
        .replace("\\\n", " ");
    let mut found = Vec::new();
    for line in joined.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if !words.contains(&"push") {
            continue;
        }
        let forced = words.iter().any(|w| {
            let w = w.trim_matches(|c| c == '"' || c == '\'');
            w.starts_with("--force") || w == "-f" || w == "--mirror" || w.starts_with('+')
        });
        if forced {
            found.push(format!("{file}: forced push: {}", line.trim()));
        }
    }
    found
}

fn pin_violations(file: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let item = line.trim_start().trim_start_matches("- ");
        let Some(value) = item.strip_prefix("uses:") else {
            continue;
        };
        let (reference, comment) = match value.split_once(" #") {
            Some((reference, comment)) => (reference.trim(), comment.trim()),
            None => (value.trim(), ""),
        };
        let at = format!("{file}:{}", n + 1);
        if reference.starts_with("./") {
            continue;
        }
        if let Some(image) = reference.strip_prefix("docker://") {
            if !image.contains("@sha256:") {
                found.push(format!("{at}: {reference} is not pinned to a digest"));
            }
            continue;
        }
        let commit = reference.rsplit_once('@').map_or("", |(_, r)| r);
        let full_commit = commit.len() == 40
            && commit
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
        if !full_commit {
            found.push(format!(
                "{at}: {reference} is not pinned to a full commit hash"
            ));
        } else if !comment.starts_with('v') {
            found.push(format!(
                "{at}: {reference} has no `# vX.Y.Z` comment naming its release"
            ));
        }
    }
    found
}

#[test]
fn no_workflow_runs_on_workflow_run_or_pull_request_target() {
    let found: Vec<String> = workflows()
        .iter()
        .flat_map(|(file, text)| trigger_violations(file, text))
        .collect();
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn hf_token_only_in_a_job_for_a_push_to_main_after_the_tests() {
    let mut found = Vec::new();
    let mut publishing = 0;
    for (file, text) in workflows() {
        let (violations, jobs) = hf_token_violations(&file, &text);
        found.extend(violations);
        publishing += jobs;
    }
    assert_eq!(found, Vec::<String>::new());
    // Without this, renaming the secret would make the rule above pass on nothing.
    assert_eq!(
        publishing, 1,
        "exactly one job publishes to the Space with HF_TOKEN"
    );
}

#[test]
fn no_workflow_force_pushes() {
    let found: Vec<String> = workflows()
        .iter()
        .flat_map(|(file, text)| force_push_violations(file, text))
        .collect();
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn every_action_is_pinned_to_a_full_commit() {
    let files = workflows();
    let uses = files
        .iter()
        .map(|(_, t)| t.matches("uses:").count())
        .sum::<usize>();
    assert!(
        uses > 0,
        "no `uses:` found: the check would pass on nothing"
    );
    let found: Vec<String> = files
        .iter()
        .flat_map(|(file, text)| pin_violations(file, text))
        .collect();
    assert_eq!(found, Vec::<String>::new());
}

/// The publishing workflow these rules replaced: each rule must reject it.
const OLD_SYNC: &str = r#"name: Sync to Hugging Face Space
on:
  workflow_run:
    workflows: [CI]
    types: [completed]
    branches: [main]
  workflow_dispatch:
permissions:
  contents: read
jobs:
  sync:
    if: github.event_name == 'workflow_dispatch' || github.event.workflow_run.conclusion == 'success'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5 # v5
        with:
          ref: ${{ github.event.workflow_run.head_sha || github.sha }}
      - name: Push to the Space
        env:
          HF_TOKEN: ${{ secrets.HF_TOKEN }}
          HF_SPACE: ${{ vars.HF_SPACE }}
        run: |
          git push --force "https://user:${HF_TOKEN}@huggingface.co/spaces/${HF_SPACE}" HEAD:main
"#;

#[test]
fn the_rules_reject_the_workflow_run_sync_they_replaced() {
    assert!(!trigger_violations("old.yml", OLD_SYNC).is_empty());
    let (violations, publishing) = hf_token_violations("old.yml", OLD_SYNC);
    assert_eq!(publishing, 1);
    assert_eq!(
        violations.len(),
        3,
        "if:, needs: and concurrency: {violations:?}"
    );
    assert_eq!(force_push_violations("old.yml", OLD_SYNC).len(), 1);
    assert_eq!(pin_violations("old.yml", OLD_SYNC).len(), 1);

    // And the parts the rules accept, written the other way round.
    let fixed = OLD_SYNC
        .replace(
            "    if: github.event_name == 'workflow_dispatch' || github.event.workflow_run.conclusion == 'success'",
            "    needs:\n      - test\n      - image\n    if: github.event_name == 'push' && github.ref == 'refs/heads/main'\n    concurrency: sync",
        )
        .replace("git push --force", "git push")
        .replace("@v5 # v5", "@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09 # v5.1.0");
    assert_eq!(
        hf_token_violations("fixed.yml", &fixed).0,
        Vec::<String>::new()
    );
    assert_eq!(
        force_push_violations("fixed.yml", &fixed),
        Vec::<String>::new()
    );
    assert_eq!(pin_violations("fixed.yml", &fixed), Vec::<String>::new());
}
