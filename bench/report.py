#!/usr/bin/env python3
"""Markdown tables from bench/results/results.jsonl (standard library only).

  ./report.py                      every result, grouped by mode and protocol
  ./report.py --label first        only lines whose label is "first"
  ./report.py --since 20261122-01  only runs whose id sorts at or after this
  ./report.py --last               keep the newest line per (server, proto, N, mode)
  ./report.py --max-other 15       drop runs during which other work used > 15 % CPU

"other" is the busy time of all cores minus what the server, the client and
the publisher used: compilers or other jobs on the box during the run.
"""
import argparse
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent


def fmt(v, digits=1):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def errors(r):
    n = r.get("errors", 0)
    kinds = r.get("errors_by_kind") or {}
    detail = ",".join(f"{k}:{v}" for k, v in sorted(kinds.items()))
    soft = r.get("soft_errors", 0)
    text = f"{n} ({detail})" if n else "0"
    return text + (f" +{soft} soft" if soft else "")


def other_cpu(r):
    """Busy % of all cores not charged to server, client or publisher."""
    if r.get("other_cpu_pct") is not None:
        return r["other_cpu_pct"]
    busy = sum(r.get("core_busy_pct") or [])
    known = sum(r.get(k) or 0 for k in ("server_cpu_pct_avg", "client_cpu_pct", "publisher_cpu_pct"))
    return max(0.0, busy - known)


def server_core(r):
    """Busy % of core 0 (run.sh pins the server there): its process CPU
    plus interrupt work done on that core and charged to no process."""
    cores = r.get("core_busy_pct") or []
    return cores[0] if cores else None


def row(r):
    return [
        r["server"], r["protocol"], str(r["viewers"]),
        str(r.get("active_at_end")), errors(r),
        f'{fmt(r.get("server_cpu_pct_avg"))} / {fmt(r.get("server_cpu_pct_max"))}',
        fmt(server_core(r)),
        fmt(r.get("cpu_pct_per_100_viewers"), 2),
        f'{fmt(r.get("server_rss_mb_base"))} → {fmt(r.get("server_rss_mb_max"))}',
        fmt(r.get("rss_kb_per_viewer")),
        f'{fmt(r.get("ttfk_p50_ms"))} / {fmt(r.get("ttfk_p99_ms"))}',
        f'{fmt(r.get("e2e_p50_ms"))} / {fmt(r.get("e2e_p99_ms"))}',
        f'{fmt(r.get("kbps_per_viewer_p50"), 0)} ({fmt(r.get("kbps_per_viewer_min"), 0)})',
        str(r.get("lagging_viewers")),
        fmt(r.get("client_cpu_pct")),
        fmt(other_cpu(r)),
    ]


HEAD = ["server", "proto", "N", "ok@end", "errors", "srv CPU % avg / max", "core 0 busy %", "CPU %/100 v",
        "RSS MB base → max", "KB/viewer", "TTFK p50 / p99 ms", "e2e p50 / p99 ms",
        "kbps/viewer p50 (min)", "lagging", "client CPU %", "other CPU %"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=str(HERE / "results" / "results.jsonl"))
    ap.add_argument("--label")
    ap.add_argument("--since")
    ap.add_argument("--last", action="store_true")
    ap.add_argument("--max-other", type=float)
    a = ap.parse_args()
    rows = []
    for line in pathlib.Path(a.file).read_text().splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        if "failed" in r:
            continue
        if a.label and r.get("label") != a.label:
            continue
        if a.since and r.get("run", "") < a.since:
            continue
        if a.max_other is not None and other_cpu(r) > a.max_other:
            continue
        rows.append(r)
    if a.last:
        newest = {}
        for r in rows:
            newest[(r["server"], r["protocol"], r["viewers"], r.get("mode"))] = r
        rows = list(newest.values())
    order = {"synctv": 0, "nginx-rtmp": 1, "xiu": 2}
    for mode in sorted({r.get("mode", "eager") for r in rows}):
        for proto in ("flv", "rtmp", "hls"):
            sel = [r for r in rows if r.get("mode", "eager") == mode and r["protocol"] == proto]
            if not sel:
                continue
            sel.sort(key=lambda r: (r["viewers"], order.get(r["server"], 9)))
            print(f"\n#### {proto}, {mode} client\n")
            print("| " + " | ".join(HEAD) + " |")
            print("|" + "---|" * len(HEAD))
            for r in sel:
                print("| " + " | ".join(row(r)) + " |")


if __name__ == "__main__":
    main()
