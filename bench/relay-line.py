#!/usr/bin/env python3
"""relay.sh's summary line from the two loadgen lines (group A on the owner,
group B on the pulling replica) and KEY=VALUE facts of the run.

Every loadgen field is kept with an `a_` or `b_` prefix; the comparison of
the two groups comes first: the delay the hop adds and the CPU per viewer.
"""
import json
import sys


def number(text):
    try:
        value = float(text)
        return int(value) if value.is_integer() and "." not in text else value
    except ValueError:
        return text


def diff(a, b, key):
    x, y = a.get(key), b.get(key)
    if isinstance(x, (int, float)) and isinstance(y, (int, float)):
        return round(y - x, 1)
    return None


def per_100(group, idle):
    """CPU % of one core per 100 viewers above the replica's idle level."""
    cpu, active = group.get("server_cpu_pct_avg"), group.get("active_at_end")
    if not isinstance(cpu, (int, float)) or not active:
        return None
    return round((cpu - idle) / active * 100, 2)


def main():
    with open(sys.argv[1]) as f:
        a = json.loads(f.readline())
    with open(sys.argv[2]) as f:
        b = json.loads(f.readline())
    facts = dict(arg.split("=", 1) for arg in sys.argv[3:])
    idle_a = number(facts.pop("a_cpu_idle_pct"))
    idle_b = number(facts.pop("b_cpu_idle_pct"))
    line = {k: number(v) if k in ("bias_ms", "b_pulls") else v for k, v in facts.items()}
    line["viewers"] = int(line["viewers"])
    for key in ("e2e_p50_ms", "e2e_p95_ms", "e2e_p99_ms", "ttfk_p50_ms", "ttfk_p99_ms"):
        line["hop_" + key] = diff(a, b, key)
    cpu_a, cpu_b = per_100(a, idle_a), per_100(b, idle_b)
    line["a_cpu_pct_per_100_viewers_net"] = cpu_a
    line["b_cpu_pct_per_100_viewers_net"] = cpu_b
    line["b_over_a_cpu_per_viewer"] = round(cpu_b / cpu_a, 3) if cpu_a and cpu_b is not None else None
    line["a_cpu_idle_pct"] = idle_a
    line["b_cpu_idle_pct"] = idle_b
    for prefix, group in (("a_", a), ("b_", b)):
        for key, value in group.items():
            line.setdefault(prefix + key, value)
    print(json.dumps(line, separators=(",", ":")))


if __name__ == "__main__":
    main()
