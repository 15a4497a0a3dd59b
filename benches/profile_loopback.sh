#!/usr/bin/env bash
# Samples where the load bench's server spends its CPU time on each route,
# with perf, while wrk sends signed 1 KiB JSON requests over loopback.
#
#   bash benches/profile_loopback.sh [SECONDS]
#
# Needs perf and wrk (Debian packages linux-perf and wrk) and permission to
# profile another process (root, or kernel.perf_event_paranoid below 2).
# wrk sends one signed request per route over and over, so this is for
# profiles only. The throughput ratios come from benches/load.rs, which
# signs every request afresh.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-5}"
for tool in perf wrk python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "error: $tool is missing; install it first (apt-get install linux-perf wrk)" >&2
        exit 1
    fi
done

# Debug info lets perf name the functions that were inlined, so the crate's
# code can be separated from axum's around it. A separate target directory
# keeps the normal bench build as it is.
target_dir=target/profile
build_log=$(CARGO_PROFILE_BENCH_DEBUG=true cargo bench --all-features --bench load --no-run \
    --target-dir "$target_dir" 2>&1)
server_bin=$(sed -n 's/.*Executable benches\/load.rs (\(.*\)).*/\1/p' <<<"$build_log")
if [[ -z "$server_bin" ]]; then
    echo "$build_log" >&2
    echo "error: cannot find the load bench executable in the cargo output above" >&2
    exit 1
fi

work=$(mktemp -d)
secret=$(python3 -c 'import secrets; print(secrets.token_hex(32))')

# The bench's server role exits when its standard input closes, so it is fed
# from a fifo that this script keeps open until it is done.
mkfifo "$work/stdin"
TOWER_HMAC_LOAD_ROLE=server TOWER_HMAC_LOAD_SECRET="$secret" TOWER_HMAC_LOAD_REPLAY=none \
    "$server_bin" <"$work/stdin" >"$work/server.out" 2>&1 &
server_pid=$!
exec 3>"$work/stdin"
trap 'exec 3>&-; wait "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

address=""
for _ in $(seq 100); do
    address=$(sed -n 's/^listening on \(http:\/\/.*\)$/\1/p' "$work/server.out")
    [[ -n "$address" ]] && break
    sleep 0.1
done
if [[ -z "$address" ]]; then
    cat "$work/server.out" >&2
    echo "error: the server did not report its address" >&2
    exit 1
fi

# Writes a wrk script that sends one request to $1, signed just now.
wrk_script() {
    python3 - "$secret" "$1" <<'PY'
import hashlib, hmac, sys, time
secret, path = sys.argv[1], sys.argv[2]
body = '{"text":"' + "y" * (1024 - 11) + '"}'
timestamp = str(int(time.time()))
signature = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
print(f'wrk.method = "POST"')
print(f"wrk.body = '{body}'")
print(f'wrk.headers["Content-Type"] = "application/json"')
print(f'wrk.headers["X-HMAC-Timestamp"] = "{timestamp}"')
print(f'wrk.headers["X-HMAC-Signature"] = "{signature}"')
print(f'wrk.path = "{path}"')
PY
}

for path in /open/v1/infer /v1/infer /inline/v1/infer; do
    wrk_script "$path" >"$work/request.lua"
    # Warm-up, not recorded.
    wrk -t1 -c16 -d1s -s "$work/request.lua" "$address" >/dev/null

    perf record -q -e cpu-clock -F 4000 --call-graph dwarf,32768 -p "$server_pid" \
        -o "$work/perf.data" -- sleep "$((seconds + 1))" 2>/dev/null &
    perf_pid=$!
    sleep 0.5
    wrk_out=$(wrk -t1 -c16 -d"${seconds}s" -s "$work/request.lua" "$address")
    wait "$perf_pid"

    if grep -q "Non-2xx" <<<"$wrk_out"; then
        echo "$wrk_out" >&2
        echo "error: $path returned a status other than 2xx" >&2
        exit 1
    fi
    requests=$(awk '/requests in/ {print $1}' <<<"$wrk_out")
    echo "POST $path"
    perf script -i "$work/perf.data" -F ip,sym,dso 2>/dev/null |
        python3 benches/profile_categories.py "$requests"
done
