#!/usr/bin/env python3
"""Print the figures of `cargo bench --bench verify` as Markdown tables.

Reads the median time of each benchmark from criterion's
target/criterion/<group>/<benchmark>/new/estimates.json, so run it right
after the bench, from the repository root or with the criterion directory
as the only argument.
"""

import json
import sys
from pathlib import Path

SIZES = ["0B", "1KiB", "64KiB", "1MiB"]
PEERS = ["naive_axum", "standardwebhooks", "httpsig_hyper"]


def median_ns(root, group, bench):
    path = root / group / bench / "new" / "estimates.json"
    if not path.exists():
        return None
    # The median, not the mean: on a shared machine a few slow samples
    # from other processes move the mean far more than the median.
    return json.loads(path.read_text())["median"]["point_estimate"]


def show(ns):
    if ns is None:
        return "n/a"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def ratio(a, b):
    return "n/a" if a is None or b is None else f"{a / b:.2f}x"


def main():
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("target/criterion")
    if not root.is_dir():
        sys.exit(f"error: {root} not found; run `cargo bench --all-features --bench verify` first")

    print("| body | raw HMAC | bare | tower-hmac | overhead (tower-hmac - bare) "
          "| tower-hmac / raw HMAC | (tower-hmac - bare) / raw HMAC |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for prefix in ["verify", "chunked"]:
        for size in SIZES:
            group = f"{prefix}-{size}"
            raw = median_ns(root, group, "raw_hmac")
            bare = median_ns(root, group, "bare")
            ours = median_ns(root, group, "tower_hmac")
            if ours is None:
                continue
            label = size if prefix == "verify" else f"{size}, 16 KiB chunks"
            print(f"| {label} | {show(raw)} | {show(bare)} | {show(ours)} | {show(ours - bare)} "
                  f"| {ratio(ours, raw)} | {ratio(ours - bare, raw)} |")

    print()
    print("| body | `service_fn` | behind the layer | overhead of the layer alone |")
    print("| --- | --- | --- | --- |")
    for size in SIZES:
        group = f"verify-{size}"
        alone = median_ns(root, group, "service_fn")
        layered = median_ns(root, group, "service_fn_tower_hmac")
        if alone is None or layered is None:
            continue
        print(f"| {size} | {show(alone)} | {show(layered)} | {show(layered - alone)} |")

    print()
    print("| body | tower-hmac | " + " | ".join(PEERS) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in PEERS) + " |")
    for size in SIZES:
        group = f"verify-{size}"
        ours = median_ns(root, group, "tower_hmac")
        cells = [f"{show(median_ns(root, group, peer))} ({ratio(median_ns(root, group, peer), ours)})"
                 for peer in PEERS]
        print(f"| {size} | {show(ours)} (1.00x) | " + " | ".join(cells) + " |")

    print()
    print("| input | hmac + sha2 | ring | aws-lc-rs |")
    print("| --- | --- | --- | --- |")
    for group, base in [("hmac-1KiB", "sha2"), ("hmac-64KiB", "sha2"), ("hmac-1MiB", "sha2"),
                        ("sha256-1MiB", "sha2")]:
        times = [median_ns(root, group, name) for name in ["sha2", "ring", "aws_lc_rs"]]
        size = {"1KiB": 1024, "64KiB": 65536, "1MiB": 1048576}[group.split("-")[1]]
        cells = [f"{show(t)}, {size / t:.2f} GB/s ({ratio(t, times[0])})" if t else "n/a"
                 for t in times]
        print(f"| {group} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
