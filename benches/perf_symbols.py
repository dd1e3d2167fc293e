#!/usr/bin/env python3
"""A flat time profile by function from `perf record` data, naming modsim's functions.

The perf on the project's machines leaves the samples of some modsim builds as bare
addresses ("symsrc__init: cannot get elf header", seen with a copied binary); this
names them from the binary's own symbol table (`nm`) and adds up the samples by
function, inlined code counted in the function it was inlined into.

    perf record -F 1999 -o DATA target/release/modsim run scenarios/tiktok-indonesia-2018.toml \\
        --replications 300 --threads 1 --no-charts --out /tmp/profile
    benches/perf_symbols.py DATA target/release/modsim [TOP (25)]
"""
import bisect
import collections
import re
import subprocess
import sys


def text_delta(binary):
    """Virtual address minus file offset of the executable segment: perf's bare
    addresses are file offsets."""
    for line in subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True).stdout.splitlines():
        fields = line.split()
        if fields[:1] == ["LOAD"] and "E" in fields[6:-1]:
            return int(fields[2], 16) - int(fields[1], 16)
    sys.exit(f"no executable segment in {binary}")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    data, binary = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    delta = text_delta(binary)
    symbols = []
    nm = subprocess.run(["nm", "-C", "--defined-only", "-n", binary], capture_output=True, text=True).stdout
    for line in nm.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "tTwW":
            symbols.append((int(parts[0], 16), re.sub(r"::h[0-9a-f]{16}$", "", parts[2])))
    starts = [a for a, _ in symbols]
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol", "--stdio",
                             "--percent-limit", "0"], capture_output=True, text=True).stdout
    by_function = collections.Counter()
    for line in report.splitlines():
        m = re.match(r"\s+([\d.]+)%\s+(\S+)\s+\[.\]\s+(\S+)", line)
        if not m:
            continue
        share, dso, symbol = float(m.group(1)), m.group(2), m.group(3)
        if symbol.startswith("0x") and binary.endswith(dso):
            i = bisect.bisect_right(starts, int(symbol, 16) + delta) - 1
            by_function[symbols[i][1] if i >= 0 else symbol] += share
        else:
            by_function[f"{symbol} ({dso})"] += share
    for name, share in by_function.most_common(top):
        print(f"{share:6.2f}%  {name[:140]}")


if __name__ == "__main__":
    main()
