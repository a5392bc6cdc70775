#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn reap_bench -P profiles into a table of functions.

profile.py SYSTEM_MAP LOG: LOG holds "BENCH| KEY step N" and
"BENCH| KEY COUNTER HITS" lines, one profile per strategy KEY (counter i
counts the timer ticks that found the CPU at _stext + i * N).  Print, in
Markdown, each strategy's ticks in the idle loop, then its share of the
others by function: the functions that took at least 1% in any of them,
heaviest first.
"""
import bisect
import re
import sys

IDLE = re.compile(r"^(default_idle.*|do_idle|cpu_idle_poll.*|arch_cpu_idle.*|"
                  r"native_safe_halt|tick_nohz_idle_.*|cpuidle_.*)$")


def load_map(path):
    syms = []
    for line in open(path):
        addr, kind, name = line.split()[:3]
        if kind in "tTwW":
            syms.append((int(addr, 16), name))
    syms.sort()
    return syms


def main():
    syms = load_map(sys.argv[1])
    addrs = [a for a, _ in syms]
    stext = next(a for a, n in syms if n == "_stext")
    step, ticks, order = {}, {}, []
    for line in open(sys.argv[2], errors="replace"):
        f = line.split()
        if len(f) != 4 or f[0] != "BENCH|":
            continue
        key = f[1]
        if key not in ticks:
            ticks[key] = {}
            order.append(key)
        if f[2] == "step":
            step[key] = int(f[3])
            continue
        addr = stext + int(f[2]) * step[key]
        i = bisect.bisect_right(addrs, addr) - 1
        name = syms[i][1] if i >= 0 else "?"
        ticks[key][name] = ticks[key].get(name, 0) + int(f[3])
    if not order:
        sys.exit("profile.py: no profile in " + sys.argv[2])
    idle = {k: sum(t for n, t in ticks[k].items() if IDLE.match(n))
            for k in order}
    for k in order:
        ticks[k] = {n: t for n, t in ticks[k].items() if not IDLE.match(n)}
    total = {k: sum(ticks[k].values()) or 1 for k in order}
    share = {k: {n: 100.0 * t / total[k] for n, t in ticks[k].items()}
             for k in order}
    names = {n for k in order for n, s in share[k].items() if s >= 1}
    names = sorted(names, key=lambda n: -max(share[k].get(n, 0)
                                             for k in order))
    print("| function | " + " | ".join(order) + " |")
    print("|---|" + "---:|" * len(order))
    print("| ticks in the idle loop | " +
          " | ".join(str(idle[k]) for k in order) + " |")
    print("| other ticks (100%) | " +
          " | ".join(str(total[k]) for k in order) + " |")
    for n in names:
        print(f"| {n} | " + " | ".join(f"{share[k].get(n, 0):.1f}%"
                                        for k in order) + " |")


if __name__ == "__main__":
    main()
