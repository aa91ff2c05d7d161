//! scripts/publish_static_space.sh against a Space that is a local bare repository which, like
//! a protected branch, refuses any push that is not a fast-forward: each publication is one
//! commit on top of the Space's head, recording its source commit; an older source commit never
//! replaces a newer one; a source that does not follow the published one is refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=test", "-c", "user.email=test@localhost"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

struct Setup {
    root: PathBuf,
    source: PathBuf,
    space: PathBuf,
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn setup(name: &str) -> Setup {
    let root = std::env::temp_dir().join(format!("reorder-publish-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let source = root.join("source");
    let space = root.join("space.git");
    std::fs::create_dir_all(&source).expect("mkdir");
    git(&source, &["init", "--quiet"]);
    git(&root, &["init", "--quiet", "--bare", "space.git"]);
    git(&space, &["config", "receive.denyNonFastForwards", "true"]);
    git(&space, &["config", "receive.denyDeletes", "true"]);
    // The Space as the Hub creates it: a README and a .gitattributes.
    let seed = root.join("seed");
    git(
        &root,
        &["clone", "--quiet", space.to_str().unwrap(), "seed"],
    );
    std::fs::write(seed.join("README.md"), "---\nsdk: static\n---\n").expect("write");
    std::fs::write(seed.join(".gitattributes"), "*.bin filter=lfs\n").expect("write");
    git(&seed, &["add", "--all"]);
    git(&seed, &["commit", "--quiet", "-m", "initial commit"]);
    git(
        &seed,
        &["push", "--quiet", "origin", "HEAD:refs/heads/main"],
    );
    Setup {
        root,
        source,
        space,
    }
}

fn source_commit(setup: &Setup, message: &str) -> String {
    git(
        &setup.source,
        &["commit", "--quiet", "--allow-empty", "-m", message],
    );
    git(&setup.source, &["rev-parse", "HEAD"])
}

fn tree(setup: &Setup, name: &str, index: &str) -> PathBuf {
    let dir = setup.root.join(name);
    std::fs::create_dir_all(dir.join("dashboard")).expect("mkdir");
    std::fs::write(
        dir.join("README.md"),
        "---\nsdk: static\napp_file: index.html\n---\n",
    )
    .expect("write");
    std::fs::write(dir.join("index.html"), index).expect("write");
    std::fs::write(dir.join("dashboard/index.html"), index).expect("write");
    dir
}

fn publish(setup: &Setup, tree: &Path, commit: &str) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/publish_static_space.sh");
    Command::new("bash")
        .arg(script)
        .arg(tree)
        .arg(&setup.space)
        .arg(commit)
        .current_dir(&setup.source)
        .env_remove("HF_TOKEN")
        .output()
        .expect("run the publish script")
}

fn space_head(setup: &Setup) -> String {
    git(&setup.space, &["rev-parse", "main"])
}

fn space_file(setup: &Setup, path: &str) -> String {
    git(&setup.space, &["show", &format!("main:{path}")])
}

fn trailer(setup: &Setup) -> String {
    git(
        &setup.space,
        &[
            "log",
            "-1",
            "--format=%(trailers:key=Source-Commit,valueonly)",
            "main",
        ],
    )
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "publish failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn each_publication_is_one_commit_on_the_spaces_head_and_an_older_source_changes_nothing() {
    let setup = setup("forward");
    let initial = space_head(&setup);
    let first = source_commit(&setup, "first");
    let second = source_commit(&setup, "second");

    assert_ok(&publish(&setup, &tree(&setup, "v1", "one"), &first));
    let after_first = space_head(&setup);
    assert_eq!(git(&setup.space, &["rev-parse", "main^"]), initial);
    assert_eq!(trailer(&setup), first);
    assert_eq!(space_file(&setup, "dashboard/index.html"), "one");
    assert!(
        !git(&setup.space, &["ls-tree", "--name-only", "main"]).contains(".gitattributes"),
        "the Space's files are the tree's"
    );

    assert_ok(&publish(&setup, &tree(&setup, "v2", "two"), &second));
    assert_eq!(git(&setup.space, &["rev-parse", "main^"]), after_first);
    assert_eq!(trailer(&setup), second);
    let after_second = space_head(&setup);

    // A re-run of the first commit's job comes late: the Space stays on the second.
    let late = publish(&setup, &tree(&setup, "v1-again", "one"), &first);
    assert_ok(&late);
    assert!(String::from_utf8_lossy(&late.stdout).contains("nothing to do"));
    assert_eq!(space_head(&setup), after_second);
    assert_eq!(space_file(&setup, "index.html"), "two");

    // The same commit again: nothing new to commit.
    assert_ok(&publish(&setup, &tree(&setup, "v2-again", "two"), &second));
    assert_eq!(space_head(&setup), after_second);
}

#[test]
fn a_source_that_does_not_follow_the_published_one_is_refused_and_a_hand_edit_is_built_on() {
    let setup = setup("diverged");
    let base = source_commit(&setup, "base");
    let published = source_commit(&setup, "published");
    git(&setup.source, &["checkout", "--quiet", "-b", "side", &base]);
    let side = source_commit(&setup, "side");
    git(&setup.source, &["checkout", "--quiet", "-"]);

    assert_ok(&publish(&setup, &tree(&setup, "v1", "one"), &published));
    let head = space_head(&setup);
    let refused = publish(&setup, &tree(&setup, "side", "side"), &side);
    assert!(!refused.status.success(), "a diverged source is refused");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not an ancestor"));
    assert_eq!(space_head(&setup), head);

    // Someone edits the Space by hand (no Source-Commit): the next publication goes on top.
    let hand = setup.root.join("hand");
    git(
        &setup.root,
        &["clone", "--quiet", setup.space.to_str().unwrap(), "hand"],
    );
    std::fs::write(hand.join("NOTE.txt"), "by hand").expect("write");
    git(&hand, &["add", "NOTE.txt"]);
    git(&hand, &["commit", "--quiet", "-m", "edited on the Hub"]);
    git(
        &hand,
        &["push", "--quiet", "origin", "HEAD:refs/heads/main"],
    );
    let edited = space_head(&setup);
    let next = source_commit(&setup, "next");
    assert_ok(&publish(&setup, &tree(&setup, "v2", "two"), &next));
    assert_eq!(git(&setup.space, &["rev-parse", "main^"]), edited);
    assert_eq!(trailer(&setup), next);
}

#[test]
fn a_tree_without_a_static_readme_is_refused() {
    let setup = setup("not-static");
    let commit = source_commit(&setup, "one");
    let dir = tree(&setup, "v1", "one");
    std::fs::write(dir.join("README.md"), "---\nsdk: docker\n---\n").expect("write");
    let head = space_head(&setup);
    let out = publish(&setup, &dir, &commit);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a static Space's tree"));
    assert_eq!(space_head(&setup), head);
}

#[test]
fn a_binary_file_over_1_mb_is_refused_before_anything_is_pushed() {
    let setup = setup("binary");
    let commit = source_commit(&setup, "one");
    let dir = tree(&setup, "v1", "one");
    let mut binary = vec![0u8; 1024 * 1024 + 1];
    binary[1] = 1;
    std::fs::write(dir.join("app_bg.wasm"), &binary).expect("write");
    let head = space_head(&setup);
    let out = publish(&setup, &dir, &commit);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("app_bg.wasm"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(space_head(&setup), head);
    // The same size as text is not binary: published.
    std::fs::write(dir.join("app_bg.wasm"), vec![b'a'; 1024 * 1024 + 1]).expect("write");
    assert_ok(&publish(&setup, &dir, &commit));
    assert_eq!(trailer(&setup), commit);
}
