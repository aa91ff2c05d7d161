# Sourced by train.sh and check_features.sh: creates models/train/.venv (Python 3.11) from the
# pinned requirements once, recreating it when they change, and sets $py to its interpreter.
venv_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$venv_dir/.venv"
python_bin="${PYTHON:-python3.11}"
command -v "$python_bin" >/dev/null || python_bin=python3
stamp="$venv/.requirements-$(cat "$venv_dir/requirements.txt" "$venv_dir/data-requirements.txt" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "== creating $venv"
  rm -rf "$venv"
  "$python_bin" -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet -r "$venv_dir/requirements.txt"
  "$venv/bin/pip" install --quiet --no-deps -r "$venv_dir/data-requirements.txt"
  touch "$stamp"
fi
py="$venv/bin/python"
