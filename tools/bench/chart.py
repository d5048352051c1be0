#!/usr/bin/env python3
"""Draw the bench results as an SVG bar chart: ops/s per operation on a log scale, ours against
SoftHSM2 against the openssl speed ceiling. Python 3.11, standard library only.

    chart.py RESULTS_JSON [--out chart.svg] [--title TEXT]

RESULTS_JSON is what tools/bench/report.py writes (results.json). Rows measured in ops/s are drawn
(the 1-thread operations and the 2-thread scaling rows); the start-up rows are latencies and sizes and
stay in the table.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from xml.sax.saxutils import escape

SERIES = [
    ("ours", "ours (A)", "#1f6feb"),
    ("softhsm", "SoftHSM2 (B)", "#d97706"),
    ("ceiling", "openssl speed ceiling", "#9ca3af"),
]
BAR_H, BAR_GAP, GROUP_GAP = 11, 2, 12
LEFT, RIGHT, TOP, BOTTOM = 230, 90, 70, 50
PLOT_W = 620


def fmt(v: float) -> str:
    if v >= 1e6:
        return f"{v / 1e6:.2f} M"
    if v >= 1e4:
        return f"{v / 1e3:.0f} k"
    if v >= 1e3:
        return f"{v / 1e3:.1f} k"
    if v >= 10:
        return f"{v:.0f}"
    return f"{v:.1f}"


def axis(v: float) -> str:
    """A power of ten as an axis label: 1, 10, 100, 1 k, 10 k, 100 k, 1 M ..."""
    for div, unit in ((1e6, " M"), (1e3, " k")):
        if v >= div:
            return f"{v / div:g}{unit}"
    return f"{v:g}"


def value(row: dict, key: str) -> tuple[float | None, str]:
    if key == "ceiling":
        return row.get("ceiling"), ""
    side = row[key]
    return (side["median"], "") if side["status"] == "ok" else (None, side["status"])


def render(res: dict, title: str) -> str:
    rows = [r for r in res["rows"] if r["unit"] == "ops/s"]
    vals = [v for r in rows for k, _, _ in SERIES if (v := value(r, k)[0])]
    if not vals:
        raise SystemExit("chart.py: no ops/s figures in the results")
    lo = 10 ** math.floor(math.log10(max(min(vals), 1e-3)))
    hi = 10 ** math.ceil(math.log10(max(vals)))
    decades = max(1, round(math.log10(hi / lo)))

    def x(v: float) -> float:
        return LEFT + PLOT_W * (math.log10(v / lo) / decades)

    group_h = [sum(1 for k, _, _ in SERIES if k != "ceiling" or r.get("ceiling")) * (BAR_H + BAR_GAP) for r in rows]
    height = TOP + sum(group_h) + GROUP_GAP * len(rows) + BOTTOM
    width = LEFT + PLOT_W + RIGHT
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
         'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">',
         f'<rect width="{width}" height="{height}" fill="white"/>',
         f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">{escape(title)}</text>']
    m = res.get("meta", {})
    sub = f"ops/s, log scale; medians of {m.get('rounds', '?')} round(s) of {m.get('seconds', '?')} s; {m.get('date', '')}"
    s.append(f'<text x="{width / 2}" y="40" text-anchor="middle" fill="#555">{escape(sub)}</text>')
    # legend
    lx = LEFT
    for _, name, color in SERIES:
        s.append(f'<rect x="{lx}" y="50" width="12" height="10" fill="{color}"/>')
        s.append(f'<text x="{lx + 16}" y="59">{escape(name)}</text>')
        lx += 30 + 7 * len(name)
    # grid
    plot_bottom = height - BOTTOM + 5
    for d in range(decades + 1):
        v = lo * 10 ** d
        gx = x(v)
        s.append(f'<line x1="{gx:.1f}" y1="{TOP - 5}" x2="{gx:.1f}" y2="{plot_bottom}" stroke="#ddd"/>')
        s.append(f'<text x="{gx:.1f}" y="{plot_bottom + 14}" text-anchor="middle" fill="#555">{axis(v)}</text>')
    s.append(f'<text x="{LEFT + PLOT_W / 2}" y="{plot_bottom + 32}" text-anchor="middle" fill="#555">operations per second</text>')
    # bars
    y = TOP
    section = None
    for r, gh in zip(rows, group_h):
        if section is not None and r["section"] != section:
            s.append(f'<line x1="10" y1="{y - GROUP_GAP / 2:.1f}" x2="{width - 10}" y2="{y - GROUP_GAP / 2:.1f}" stroke="#bbb" stroke-dasharray="4 3"/>')
        section = r["section"]
        s.append(f'<text x="{LEFT - 8}" y="{y + gh / 2 + 4:.1f}" text-anchor="end">{escape(r["label"])}</text>')
        by = y
        for key, name, color in SERIES:
            if key == "ceiling" and not r.get("ceiling"):
                continue
            v, status = value(r, key)
            if v:
                w = max(1.0, x(v) - LEFT)
                s.append(f'<rect x="{LEFT}" y="{by}" width="{w:.1f}" height="{BAR_H}" fill="{color}">'
                         f'<title>{escape(r["label"])}, {escape(name)}: {v:,.1f} ops/s</title></rect>')
                s.append(f'<text x="{LEFT + w + 4:.1f}" y="{by + BAR_H - 2}" font-size="9" fill="#333">{fmt(v)}</text>')
            else:
                s.append(f'<text x="{LEFT + 4}" y="{by + BAR_H - 2}" font-size="9" fill="#999">{escape(name)}: {escape(status or "-")}</text>')
            by += BAR_H + BAR_GAP
        y += gh + GROUP_GAP
    s.append(f'<line x1="{LEFT}" y1="{TOP - 5}" x2="{LEFT}" y2="{plot_bottom}" stroke="#333"/>')
    s.append("</svg>")
    return "\n".join(s) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--out", default="chart.svg")
    ap.add_argument("--title", default="CloudHsmPkcs11 against SoftHSM2 and the OpenSSL ceiling")
    a = ap.parse_args()
    with open(a.results, encoding="utf-8") as f:
        res = json.load(f)
    svg = render(res, a.title)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(svg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
