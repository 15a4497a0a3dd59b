"""Sorts the samples of a server profile into where the time went.

Reads the text of `perf script -F ip,sym,dso` from standard input: one
block per sample, the leaf frame first. Each sample goes to one category:

- SHA-256: any frame in `sha2::sha256`, wherever it was called from.
- reading the body: a frame that collects the request body, in the
  layer or in an extractor. Every route reads the body once, so this is
  work that moves between the categories rather than work that is added.
- tower-hmac: a frame of the crate with no frame of the inner route
  (the handler, axum's route future) between it and the leaf. Work done
  inside the handler behind the layer is not the layer's.
- inline check: a frame of the load bench's `check_inline`.
- kernel: a leaf in the kernel.
- other user space: the rest (hyper, axum, the handler, malloc).

Usage: perf script -i FILE -F ip,sym,dso | python3 profile_categories.py REQUESTS
"""

import collections
import sys

# Frames that collect a request body: the layer's reader, and the collect
# behind axum's `Bytes` extractor and `axum::body::to_bytes`.
BODY_READ = (
    "LimitedRead",
    "combinators::collect::Collect",
    "collected::Collected",
    "axum_core::body::to_bytes",
)

# Frames of the route that the layer wraps: samples under them belong to the
# inner service, even when a frame of the layer is further up the stack.
INNER_ROUTE = ("axum::handler", "Handler<", "RouteFuture", "Oneshot", "MapFuture")


def category(stack):
    """Returns the category of one sample, given its frames from the leaf."""
    if any("sha2::sha256" in frame for frame in stack):
        return "SHA-256"
    if any(marker in frame for frame in stack for marker in BODY_READ):
        return "reading the body"
    if any("check_inline" in frame for frame in stack):
        return "inline check"

    crate_frames = [index for index, frame in enumerate(stack) if "tower_hmac" in frame]
    if crate_frames:
        nearer_leaf = stack[: crate_frames[0]]
        if not any(marker in frame for frame in nearer_leaf for marker in INNER_ROUTE):
            return "tower-hmac"

    if stack[0].endswith("([kernel.kallsyms])"):
        return "kernel"
    return "other user space"


def samples(lines):
    """Yields the frames of each sample."""
    stack = []
    for line in lines:
        frame = line.strip()
        if frame:
            # Each frame line is an address, a space, then the symbol and dso.
            stack.append(frame.split(" ", 1)[-1])
        elif stack:
            yield stack
            stack = []
    if stack:
        yield stack


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    requests = int(sys.argv[1])

    counts = collections.Counter(category(stack) for stack in samples(sys.stdin))
    total = sum(counts.values())
    if total == 0:
        sys.exit("no samples on standard input; was perf recording the server?")

    print(f"{total} samples over {requests} requests")
    for name, count in counts.most_common():
        print(f"  {name}: {100 * count / total:.1f} %")


if __name__ == "__main__":
    main()
