#!/usr/bin/env python3
"""Writes the markdown report of a bench/run.sh run from the raw outputs in its work directory.

Medians over the rounds, with the min–max range; ratios are to `{ __typename }` in the same run.
"""
import argparse
import json
import os
import re
import statistics

WORKLOADS = [
    ("const", "net/http constant response (reference)"),
    ("typename", "`{ __typename }`"),
    ("point", "point lookup by key"),
    ("hop1", "1-hop (node + 10 neighbours)"),
    ("hop2", "2-hop (10 × 10)"),
    ("asmex", "ASMEX connected query"),
    ("namesearch", "folded name search"),
    ("fulltext", "full-text search"),
    ("page", "filtered, ordered page"),
    ("path4", "4-hop shortest path"),
    ("mix", "90/10 read/write (point lookup + upsertPerson)"),
]

a = argparse.ArgumentParser()
for f in ["work", "size", "secs", "rounds", "frac", "path", "import-people", "command", "commit", "go",
          "wrk", "vegeta", "open-cap", "hwm", "badger", "text", "clk", "elapsed", "date"]:
    a.add_argument("--" + f, required=True)
args = a.parse_args()
work = args.work
clk = float(args.clk)


def ms(s):
    """wrk's latency ('712.00us', '1.44ms', '1.02s', '2.00m') in ms."""
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", s)
    if not m:
        return None
    return float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3, "m": 6e4}[m.group(2)]


def parse_wrk(raw):
    out = open(raw + ".out").read()
    err = open(raw + ".err").read() if os.path.exists(raw + ".err") else ""
    r = {"rps": None, "p50": None, "p99": None, "bad": 0, "requests": 0}
    for line in out.splitlines():
        f = line.split()
        if "requests in" in line:
            r["requests"] = int(f[0])
        elif line.startswith("Requests/sec:"):
            r["rps"] = float(f[1])
        elif f[:1] == ["50%"]:
            r["p50"] = ms(f[1])
        elif f[:1] == ["99%"]:
            r["p99"] = ms(f[1])
        elif line.strip().startswith("Non-2xx"):
            r["bad"] += int(f[-1])
        elif line.strip().startswith("Socket errors"):
            r["bad"] += sum(int(x) for x in re.findall(r"\d+", line))
    r["bad"] += err.count("bad response")
    return r


def parse_vegeta(raw):
    j = json.load(open(raw + ".json"))
    lat = j["latencies"]
    bad = j["requests"] - sum(n for c, n in j.get("status_codes", {}).items() if c == "200")
    return {"rps": j["throughput"], "sent": j["rate"], "p50": lat["50th"] / 1e6, "p99": lat["99th"] / 1e6,
            "bad": bad, "requests": j["requests"]}


def gen_busy(raw):
    """The load generator's CPU share of its core (/usr/bin/time: elapsed user system)."""
    try:
        e, u, sy = (float(x) for x in open(raw + ".time").read().split()[-3:])
        return (u + sy) / e * 100 if e else None
    except (OSError, ValueError):
        return None


secs = float(args.secs)
runs = {}  # (workload, mode) → list of dicts
for line in open(os.path.join(work, "results.tsv")):
    rnd, w, mode, rate, ticks, raw = line.rstrip("\n").split("\t")
    if mode == "open":
        r = parse_vegeta(raw)
        reqs = r["requests"]
    else:
        r = parse_wrk(raw)
        # the requests in flight when wrk stops are finished by the server before the next
        # reading of its CPU time (run.sh waits until it is idle): they count too
        reqs = r["requests"] + int(mode[1:]) if r["requests"] else 0
    r["rate"] = float(rate)
    r["cpu"] = int(ticks) / clk * 1e6 / reqs if reqs else None
    r["busy"] = int(ticks) / clk / secs * 100
    r["gen"] = gen_busy(raw)
    runs.setdefault((w, mode), []).append(r)


def vals(w, mode, key):
    return [r[key] for r in runs.get((w, mode), []) if r[key] is not None]


def med(w, mode, key):
    v = vals(w, mode, key)
    return statistics.median(v) if v else None


def num(x, digits=None):
    if x is None:
        return "–"
    if digits is None:
        digits = 0 if abs(x) >= 100 else 1 if abs(x) >= 10 else 2
    return f"{x:,.{digits}f}"


def rng(w, mode, key):
    v = vals(w, mode, key)
    if not v:
        return "–"
    return f"{num(statistics.median(v))} ({num(min(v))}–{num(max(v))})"


def ratio(x, ref):
    return f"{x / ref:.2f}" if x is not None and ref else "–"


# Allocations (in-process handler benchmark).
handler = open(os.path.join(work, "handler_bench.txt")).read()
allocs = {}
for m in re.finditer(r"^BenchmarkHandler/(\w+)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op\s+(\d+) B/op\s+(\d+) allocs/op", handler, re.M):
    allocs[m.group(1)] = (float(m.group(2)), int(m.group(3)), int(m.group(4)))

# RSS samples during load.
rss = {}
rss_path = os.path.join(work, "rss.txt")
if os.path.exists(rss_path):
    for line in open(rss_path):
        f = line.split()
        if len(f) == 2:
            rss.setdefault(f[0], []).append(int(f[1]) / 1024)
all_rss = [x for v in rss.values() for x in v]

P = []
p = P.append
cpuinfo = open("/proc/cpuinfo").read()
model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.M)
memtotal = re.search(r"^MemTotal:\s*(\d+)", open("/proc/meminfo").read(), re.M)
p(f"# kgql load harness, store {args.size}")
p("")
p(f"- command: `{args.command}` ({args.secs} s per load run, {args.rounds} interleaved rounds, "
  f"open loop at {float(args.frac):.0%} of the round's 32-connection req/s)")
p(f"- date: {args.date}; total run time {float(args.elapsed) / 60:.1f} min")
p(f"- machine: {os.cpu_count()} CPUs, {model.group(1).strip() if model else '?'}, "
  f"{int(memtotal.group(1)) / 1048576:.0f} GiB; {args.go}")
p(f"- kgql commit {args.commit}; load: {args.wrk} (closed loop, 1 thread), vegeta {args.vegeta} (open loop)")
p(f"- kgql and the constant server pinned to CPU 0, wrk/vegeta to CPU 1 (taskset); loopback; "
  f"4-hop pair {args.path}")
p("")

ref = med("typename", "c32", "rps")
ref128 = med("typename", "c128", "rps")


def busy(w, mode):
    sb, gb = med(w, mode, "busy"), med(w, mode, "gen")
    return f"{num(sb, 0)}/{num(gb, 0)}"


p("## Closed loop (wrk)")
p("")
p("Medians of the rounds, (min–max). Latencies in ms. Ratio: req/s ÷ `{ __typename }` req/s at the same "
  "connection count. CPU %: the server's and wrk's use of their core during the 32-connection runs "
  "(a server near 100 % is the bottleneck; wrk near 100 % means the generator is).")
p("")
p("| workload | 32 conns req/s | ratio | p50 | p99 | CPU % server/wrk | 128 conns req/s | ratio | p50 | p99 |")
p("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for w, label in WORKLOADS:
    p(f"| {label} | {rng(w, 'c32', 'rps')} | {ratio(med(w, 'c32', 'rps'), ref)} | {num(med(w, 'c32', 'p50'))} | "
      f"{rng(w, 'c32', 'p99')} | {busy(w, 'c32')} | {rng(w, 'c128', 'rps')} | {ratio(med(w, 'c128', 'rps'), ref128)} | "
      f"{num(med(w, 'c128', 'p50'))} | {rng(w, 'c128', 'p99')} |")
p("")

cref = med("typename", "c32", "cpu")
aref = allocs.get("typename")
p("## Open loop (vegeta), cost per request, memory")
p("")
p(f"Open loop: vegeta at a fixed rate, {float(args.frac):.0%} of the round's 32-connection req/s "
  f"capped at {args.open_cap}/s (vegeta on one core cannot send much more), for {args.secs} s; the "
  "rate column is the median target and what vegeta really sent; latencies in ms, medians (min–max); "
  "† marks a run where vegeta sent < 95 % of its target or used > 90 % of its core (its own latency "
  "is then in the figure). CPU-µs: the server's utime+stime over a 32-connection run ÷ the requests "
  "it completed; ratio ÷ `{ __typename }`'s (the reference row: its own server). Allocations: "
  "in-process `BenchmarkHandler` (one request at a time, `-benchmem`). RSS: median of the kgql "
  "process's VmRSS sampled every 0.5 s during that workload's load runs.")
p("")
p("| workload | open rate/s target → sent | p50 | p99 | CPU-µs/req | ratio | allocs/op | ratio | B/op | RSS MiB |")
p("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for w, label in WORKLOADS:
    al = allocs.get(w)
    rs = runs.get((w, "open"), [])
    dag = "†" if any(r["sent"] < 0.95 * r["rate"] or (r["gen"] or 0) > 90 for r in rs) else ""
    p(f"| {label} | {num(med(w, 'open', 'rate'), 0)} → {num(med(w, 'open', 'sent'), 0)} | "
      f"{rng(w, 'open', 'p50')}{dag} | {rng(w, 'open', 'p99')}{dag} | "
      f"{rng(w, 'c32', 'cpu')} | {ratio(med(w, 'c32', 'cpu'), cref)} | "
      f"{num(al[2], 0) if al else '–'} | {ratio(al[2], aref[2]) if al and aref else '–'} | "
      f"{num(al[1], 0) if al else '–'} | {num(statistics.median(rss[w]), 0) if w in rss else '–'} |")
p("")
bad = {f"{w}/{m}": sum(r["bad"] for r in rs) for (w, m), rs in runs.items() if sum(r["bad"] for r in rs)}
p("Failed or bad responses (non-200, socket errors and timeouts, GraphQL `errors` in wrk's check): "
  + (", ".join(f"{k} {v}" for k, v in sorted(bad.items())) if bad else "none") + ".")
p("")

p("## Memory, disk, bulk import, start")
p("")
p(f"- RSS of kgql under load: steady {num(statistics.median(all_rss), 0) if all_rss else '–'} MiB "
  f"(median of {len(all_rss)} samples over all workloads, range "
  f"{num(min(all_rss), 0) if all_rss else '–'}–{num(max(all_rss), 0) if all_rss else '–'}), "
  f"peak {int(args.hwm) / 1024:,.0f} MiB (VmHWM)")
p(f"- disk: Badger files {int(args.badger) / 1024:,.1f} MiB, text index (text.bleve) {int(args.text) / 1024:,.1f} MiB")

imp = open(os.path.join(work, "import_bench.txt")).read()
metrics = {}
for m in re.finditer(r"^Benchmark(Import|RawWriteBatch)(?:-\d+)?\s+\d+\s+(.*)$", imp, re.M):
    for v, unit in re.findall(r"([\d.e+]+) (\S+)", m.group(2)):
        metrics.setdefault((m.group(1), unit), []).append(float(v))
ik, rk, ir = metrics.get(("Import", "keys/s")), metrics.get(("RawWriteBatch", "keys/s")), metrics.get(("Import", "records/s"))
if ik and rk and ir:
    p(f"- bulk import (`KGQL_BENCH_IMPORT_PEOPLE={args.import_people} go test ./bench -run XXX -bench "
      f"'Import|RawWriteBatch' -benchtime 1x -count 3`, medians of 3): import "
      f"{num(statistics.median(ik), 0)} keys/s ({num(min(ik), 0)}–{num(max(ik), 0)}), "
      f"{num(statistics.median(ir), 0)} records/s ({num(min(ir), 0)}–{num(max(ir), 0)}); raw Badger WriteBatch "
      f"of the same keys {num(statistics.median(rk), 0)} keys/s ({num(min(rk), 0)}–{num(max(rk), 0)}); "
      f"ratio import ÷ raw = **{statistics.median(ik) / statistics.median(rk):.2f}**")
else:
    first = imp.strip().splitlines()
    reason = next((l for l in first if "FAIL" in l or "not available" in l or "error" in l.lower()), first[-1] if first else "no output")
    p(f"- bulk import vs raw WriteBatch: not available ({reason.strip()[:200]})")

starts = {"cold": [], "sigkill": []}
for line in open(os.path.join(work, "start.tsv")):
    k, v = line.split()
    starts[k].append(float(v))
for k, what in [("cold", "cold (after a clean stop; OS page cache warm)"),
                ("sigkill", "after SIGKILL during the 90/10 mix")]:
    v = starts[k]
    if v:
        p(f"- start to healthy, {what}: {num(statistics.median(v))} ms "
          f"({num(min(v))}–{num(max(v))}, {len(v)} runs)")
if not allocs:
    p("")
    p("Handler benchmark failed:")
    p("")
    p("```")
    p("\n".join(handler.strip().splitlines()[-15:]))
    p("```")
print("\n".join(P))
