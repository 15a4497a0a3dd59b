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
# The replay store tests need a real Redis. Install it from Debian's packages
# when missing, then start a throwaway instance on a free loopback port with
# no persistence, stopped at exit. The fault test starts its own instances
# with the same `redis-server` binary.
if ! command -v redis-server > /dev/null || ! command -v redis-cli > /dev/null; then
  echo "== installing redis-server"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server
fi

redis_dir="$(mktemp -d)"
redis_pid=""
stop_redis() {
  if [[ -n "$redis_pid" ]]; then
    kill "$redis_pid" 2> /dev/null || true
    wait "$redis_pid" 2> /dev/null || true
  fi
  rm -rf "$redis_dir"
}
trap stop_redis EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

redis_port=""
for _ in 1 2 3 4 5; do
  port="$(free_port)"
  redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
    --dir "$redis_dir" --logfile "$redis_dir/redis.log" &
  redis_pid=$!
  for _ in $(seq 50); do
    if redis-cli -h 127.0.0.1 -p "$port" ping 2> /dev/null | grep -q PONG; then
      redis_port="$port"
      break
    fi
    if ! kill -0 "$redis_pid" 2> /dev/null; then
      break # the port was taken in the meantime; pick another
    fi
    sleep 0.1
  done
  [[ -n "$redis_port" ]] && break
  kill "$redis_pid" 2> /dev/null || true
  wait "$redis_pid" 2> /dev/null || true
  redis_pid=""
done
if [[ -z "$redis_port" ]]; then
  echo "error: redis-server did not start; see $redis_dir/redis.log" >&2
  cat "$redis_dir/redis.log" >&2 || true
  exit 1
fi
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
echo "== Redis on $REDIS_URL (pid $redis_pid)"

# --- Rust checks and tests ----------------------------------------------------
echo "== cargo fmt --check"
cargo fmt --all --check

echo "== cargo clippy"
cargo clippy --all-targets --all-features --locked -- -D warnings

echo "== cargo test (no outside services)"
cargo test --all-features --locked

echo "== cargo test (tests that need Python or Redis)"
cargo test --all-features --locked -- --ignored

# Benchmarks are built but not run: their timings mean nothing on a shared
# CI machine. BENCHMARKS.md lists the commands that run them.
echo "== cargo bench --no-run"
cargo bench --all-features --no-run --locked

# --- Python cross-language tests ---------------------------------------------
echo "== pytest tests/python"
cargo build --all-features --locked --examples --bins
"$venv/bin/python" -m pytest -q tests/python

# --- Soak and fuzz smoke runs -------------------------------------------------
# A short version of the 60 s soak in BENCHMARKS.md: valid, tampered,
# replayed, stale and oversized requests against the example server. It
# fails on any 5xx, wrong status or accepted bad request.
echo "== soak (5 s)"
target/debug/examples/soak --seconds 5 --connections 16

# Each fuzz target runs for a few seconds on its seeds; the million-run
# campaigns are in fuzz/README.md. Set TOWER_HMAC_SKIP_FUZZ=1 to skip them.
if [[ "${TOWER_HMAC_SKIP_FUZZ:-0}" != 1 ]]; then
  if ! command -v cargo-fuzz > /dev/null; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
  fi
  fuzz_corpus="$(mktemp -d)"
  for target in default_headers webhooks_headers httpsig_headers layer_request; do
    echo "== cargo fuzz run $target (5 s)"
    mkdir -p "$fuzz_corpus/$target"
    log="$fuzz_corpus/$target.log"
    if ! (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "$fuzz_corpus/$target" "corpus/$target" \
      -- -max_total_time=5 -print_final_stats=1 > "$log" 2>&1); then
      tail -n 60 "$log" >&2
      echo "error: cargo fuzz run $target failed; failing inputs are in fuzz/artifacts/$target" >&2
      exit 1
    fi
    grep -E '^stat::number_of_executed_units' "$log"
  done
  rm -rf "$fuzz_corpus"
fi
