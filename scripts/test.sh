#!/usr/bin/env bash
# Sets up what the tests need on a fresh Debian machine, then runs every test:
# formatting, clippy, the Rust tests, the tests that need outside services
# (Python, Redis) and the Python cross-language tests.
#
# Set-up that is already done is skipped, so a second run is quick.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# --- Python virtualenv from pinned requirements -----------------------------
venv="${TOWER_HMAC_VENV:-$root/.venv}"
requirements="$root/tests/python/requirements.txt"
if [[ ! -x "$venv/bin/python" ]]; then
  echo "== creating Python virtualenv in $venv"
  python3 -m venv "$venv"
fi
stamp="$venv/.requirements.sha256"
if [[ ! -f "$stamp" ]] || ! sha256sum --check --status "$stamp" 2>/dev/null; then
  echo "== installing pinned Python requirements"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  sha256sum "$requirements" > "$stamp"
fi
export TOWER_HMAC_PYTHON="$venv/bin/python"

# --- Redis --------------------------------------------------------------------
# (filled in by the replay protection work)

# --- Rust checks and tests ----------------------------------------------------
echo "== cargo fmt --check"
cargo fmt --all --check

echo "== cargo clippy"
cargo clippy --all-targets --all-features --locked -- -D warnings

echo "== cargo test (no outside services)"
cargo test --all-features --locked

echo "== cargo test (tests that need Python or Redis)"
cargo test --all-features --locked -- --ignored

# --- Python cross-language tests ---------------------------------------------
echo "== pytest tests/python"
cargo build --all-features --locked --examples --bins
"$venv/bin/python" -m pytest -q tests/python
