#!/usr/bin/env bash
# Publishes a static Space's tree (scripts/dev.sh static-space DIR) as one new commit on top of
# the Space's own main, pushed as a plain fast-forward: never a forced push, never back in time.
#
#   scripts/publish_static_space.sh TREE SPACE_URL SOURCE_COMMIT
#
# SOURCE_COMMIT is this repository's commit the tree was built from; the Space's commit records
# it (a `Source-Commit:` trailer), so a later run of an older commit (a queued or re-run job)
# sees that the Space has it or something newer and changes nothing. Run from this repository's
# clone, which must have SOURCE_COMMIT and its history.
#
# The Space's token, if any, comes from HF_TOKEN through a credential helper that reads the
# environment (it is in no URL, command line or file). The Hub refuses a binary file over 1 MB
# pushed without LFS; the tree has none (scripts/static_space.py sees to it), and this script
# checks again before it commits. The Space's own .gitattributes (its LFS rules) goes with the
# rest of its files: nothing of the tree is stored with LFS.
set -euo pipefail

tree=${1:?usage: publish_static_space.sh TREE SPACE_URL SOURCE_COMMIT}
space=${2:?usage: publish_static_space.sh TREE SPACE_URL SOURCE_COMMIT}
source_commit=${3:?usage: publish_static_space.sh TREE SPACE_URL SOURCE_COMMIT}
source_repo=$(git rev-parse --show-toplevel)
git cat-file -e "${source_commit}^{commit}" || { echo "no commit $source_commit here" >&2; exit 1; }
grep -q '^sdk: static$' "$tree/README.md" || { echo "$tree is not a static Space's tree" >&2; exit 1; }

space_git() {
    GIT_TERMINAL_PROMPT=0 git -c credential.helper= \
        -c 'credential.helper=!f() { test "$1" = get || exit 0; test -n "${HF_TOKEN:-}" || exit 0; echo username=user; echo "password=${HF_TOKEN}"; }; f' \
        "$@"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
space_git clone --quiet --branch main "$space" "$work/space"
cd "$work/space"

# What the Space was last published from by this script (its last commit that says so: a commit
# made on the Hub by hand says nothing).
published=$(git log --format='%(trailers:key=Source-Commit,valueonly,separator=)' | grep -m1 . | tr -d '[:space:]' || true)
if [ -n "$published" ]; then
    if git -C "$source_repo" merge-base --is-ancestor "$source_commit" "$published" 2>/dev/null; then
        echo "the Space is published from $published, which has $source_commit: nothing to do"
        exit 0
    fi
    if git -C "$source_repo" cat-file -e "${published}^{commit}" 2>/dev/null \
        && ! git -C "$source_repo" merge-base --is-ancestor "$published" "$source_commit"; then
        echo "the Space is published from $published, which is not an ancestor of $source_commit:" >&2
        echo "refusing to publish a commit that does not follow it" >&2
        exit 1
    fi
fi

# The Space's files become the tree's (the Space's own .git stays).
find . -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
tar -C "$tree" --exclude=./.git -cf - . | tar -xf -
big=$(find . -path ./.git -prune -o -type f -size +1048576c -print | while read -r f; do
    if head -c 8000 "$f" | tr -d '\000' | cmp -s - <(head -c 8000 "$f"); then :; else echo "$f"; fi
done)
if [ -n "$big" ]; then
    echo "binary files over 1 MB, which the Hub refuses without LFS: $big" >&2
    exit 1
fi
git add --all
if git diff --cached --quiet; then
    echo "the Space already has this tree: nothing to do"
    exit 0
fi
git -c user.name="${GIT_AUTHOR_NAME:-reorder publisher}" -c user.email="${GIT_AUTHOR_EMAIL:-publisher@localhost}" \
    commit --quiet -m "Publish the static build of $source_commit" -m "Source-Commit: $source_commit"
space_git push --quiet origin HEAD:refs/heads/main
echo "published $source_commit to the Space as $(git rev-parse HEAD)"
