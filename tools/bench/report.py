#!/usr/bin/env python3
"""Turn the raw runs of tools/bench/bench.sh into one table: ours against SoftHSM2, the openssl speed
ceiling, and issue 6's targets, met or missed.

    report.py RAW_DIR [--out DIR]

RAW_DIR holds what bench.sh wrote: meta.json; {A,B}-main-N.json, {A,B}-t2-N.json, {A,B}-startup-N.json
(cloudhsm-speed --json; A = ours, B = SoftHSM2); openssl-*.txt (openssl speed -mr); optionally
crosscheck/{A,B}-N.json (p11bench, from ../shared/bench/compare.sh). Prints the table and writes
results.json and results.md into --out (default: RAW_DIR's parent). Python 3.11, standard library only.

A figure is the median over the rounds, and only when the op was "ok" in every round of that side
(compare.sh's rule); otherwise the cell shows the status. A/B > 1 always means ours is faster: for
latency rows (start-up) it is SoftHSM2's time over ours.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import re
import statistics
import sys

MAIN_OPS = [
    "rsa2048-sign", "rsa2048-verify", "rsa2048-pss-sign", "ecdsa-p256-sign", "ecdsa-p256-verify",
    "ecdsa-p256-sign-prehash", "ecdsa-p256-verify-prehash", "ed25519-sign", "aes256-gcm-encrypt-1k",
    "aes256-cbc-encrypt-1m", "sha256-digest-64", "hmac-sha256-64", "rsa2048-keygen", "ec-p256-keygen",
    "find-objects", "open-close-session",
]
T2_OPS = ["rsa2048-sign", "ecdsa-p256-sign", "ecdsa-p256-sign-prehash"]
SCALING_TARGET = {"rsa2048-sign": 1.8, "ecdsa-p256-sign": 1.8}

# op -> (ceiling key, what it is)
CEILINGS = {
    "rsa2048-sign": ("rsa2048_sign", "rsa2048 sign/s"),
    "rsa2048-pss-sign": ("rsa2048_sign", "rsa2048 sign/s"),
    "rsa2048-verify": ("rsa2048_verify", "rsa2048 verify/s"),
    "ecdsa-p256-sign": ("ecdsap256_sign", "ecdsap256 sign/s"),
    "ecdsa-p256-sign-prehash": ("ecdsap256_sign", "ecdsap256 sign/s"),
    "ecdsa-p256-verify": ("ecdsap256_verify", "ecdsap256 verify/s"),
    "ecdsa-p256-verify-prehash": ("ecdsap256_verify", "ecdsap256 verify/s"),
    "ed25519-sign": ("ed25519_sign", "ed25519 sign/s"),
    "aes256-gcm-encrypt-1k": ("aes256gcm_1024", "aes-256-gcm 1024 B"),
    "aes256-cbc-encrypt-1m": ("aes256cbc_1m", "aes-256-cbc 1 MiB"),
    "sha256-digest-64": ("sha256_64", "sha256 64 B"),
    "hmac-sha256-64": ("hmac_sha256_64", "hmac(sha256) 64 B"),
}

# Issue 6's targets for the 1-thread rows: (kind, threshold); kind "ceiling" = ours/ceiling >= x,
# "ab" = ours/SoftHSM2 >= x.
TARGETS = {
    "rsa2048-sign": [("ceiling", 0.90), ("ab", 1.5)],
    "rsa2048-pss-sign": [("ceiling", 0.90), ("ab", 1.5)],
    "ecdsa-p256-sign": [("ceiling", 0.85)],
    "ecdsa-p256-sign-prehash": [("ceiling", 0.85), ("ab", 1.8)],
    "rsa2048-verify": [("ab", 1.4)],
    "ecdsa-p256-verify-prehash": [("ab", 1.4)],
    "ed25519-sign": [("ab", 2.0)],
    "aes256-gcm-encrypt-1k": [("ab", 4.0)],
    "hmac-sha256-64": [("ab", 4.0)],
    "sha256-digest-64": [("ab", 1.0)],
    "open-close-session": [("ab", 1.0)],
    "find-objects": [("ab", 10.0)],
    "ec-p256-keygen": [("ab", 1.5)],
}
FIND_MAX_US = 100.0        # find-objects with 10,000 objects: <= 100 us per search
STARTUP_MAX_MS = 100.0     # C_Initialize with 10,000 objects: <= 100 ms
RSS_MAX_MIB = 40.0         # RSS growth after C_Initialize + 100 sessions: <= 40 MiB

SIDES = {"A": "ours", "B": "softhsm"}


def load_json(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def runs(raw: str, side: str, kind: str) -> list[dict]:
    files = sorted(glob.glob(os.path.join(raw, f"{side}-{kind}-*.json")),
                   key=lambda p: int(re.search(r"-(\d+)\.json$", p).group(1)))
    return [load_json(p) for p in files]


def median_or_status(docs: list[dict], op: str, field: str) -> tuple[str, float | None, list[float]]:
    """(status, median, values) of one field of one op over the rounds (compare.sh's rule)."""
    values, status = [], None
    for d in docs:
        r = next((x for x in d["results"] if x["op"] == op), None)
        if r is None:
            status = status or "missing"
        elif r["status"] != "ok":
            status = status or r["status"]
        elif field in r:
            values.append(float(r[field]))
    if not docs:
        return "not run", None, []
    if status is None and len(values) == len(docs):
        return "ok", statistics.median(values), values
    return status or "missing", None, values


def message_of(docs: list[dict], op: str) -> str:
    for d in docs:
        r = next((x for x in d["results"] if x["op"] == op), None)
        if r is not None and r.get("message"):
            return r["message"]
    return ""


def parse_openssl(raw: str) -> dict:
    """The ceilings: per op, the faster of the runs before and after the rounds (a run in a load spike
    understates the machine, which would make the share-of-ceiling targets easier than they are)."""
    runs = [parse_openssl_run(raw, when) for when in ("before", "after")]
    return {k: max(r[k] for r in runs if k in r) for k in set().union(*runs)}


def parse_openssl_run(raw: str, when: str) -> dict:
    """The +F lines of one `openssl speed -mr` run: PKI ops/s, and bytes/s turned into ops/s of one buffer."""
    c: dict[str, float] = {}

    def read(name: str) -> list[str]:
        p = os.path.join(raw, f"openssl-{when}-{name}.txt")
        if not os.path.exists(p):
            return []
        with open(p, encoding="utf-8", errors="replace") as f:
            return [line.strip() for line in f]

    for line in read("pki"):
        f = line.split(":")
        if f[0] == "+F2" and f[2] == "2048":            # RSA: +F2:idx:bits:sign/s:verify/s
            c["rsa2048_sign"], c["rsa2048_verify"] = float(f[3]), float(f[4])
        elif f[0] == "+F4" and f[2] == "256":           # ECDSA: +F4:idx:bits:sign/s:verify/s
            c["ecdsap256_sign"], c["ecdsap256_verify"] = float(f[3]), float(f[4])
        elif f[0] == "+F6" and f[3].lower() == "ed25519":  # EdDSA: +F6:idx:bits:name:sign/s:verify/s
            c["ed25519_sign"] = float(f[4])
    for name, key in [("aes-256-gcm", "aes256gcm_1024"), ("aes-256-cbc", "aes256cbc_1m"),
                      ("sha256", "sha256_64"), ("hmac-sha256", "hmac_sha256_64")]:
        size = None
        for line in read(name):
            f = line.split(":")
            if f[0] == "+H":                             # +H:bytes
                size = int(f[1])
            elif f[0] == "+F" and size:                  # +F:idx:name:bytes/s
                c[key] = float(f[3]) / size
    return c


def fmt_num(v: float | None) -> str:
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:,.1f}"
    return f"{v:,.2f}"


def fmt_ratio(v: float | None) -> str:
    return "-" if v is None else (f"{v:.2f}" if v < 100 else f"{v:,.0f}")


def cell(side: dict, unit: str) -> str:
    if side["status"] != "ok":
        return side["status"]
    v = side["median"]
    if unit == "ms":
        return f"{fmt_num(v)} ms"
    if unit == "us":
        return f"{fmt_num(v)} µs"
    if unit == "MiB":
        return f"{v:.1f} MiB"
    return fmt_num(v)


def side_data(docs: list[dict], op: str, field: str, scale: float = 1.0) -> dict:
    st, med, vals = median_or_status(docs, op, field)
    d = {"status": st, "median": None if med is None else med * scale, "rounds": [v * scale for v in vals]}
    for extra in ("p50_us", "p99_us", "mean_us"):
        est, emed, _ = median_or_status(docs, op, extra)
        if est == "ok":
            d[extra] = emed
    if st != "ok":
        d["message"] = message_of(docs, op)
    return d


def verdict(checks: list[dict]) -> str:
    if not checks:
        return "-"
    if any(c["met"] is None for c in checks):
        return "n/a"
    return "met" if all(c["met"] for c in checks) else "MISSED"


def build(raw: str) -> dict:
    meta = load_json(os.path.join(raw, "meta.json")) if os.path.exists(os.path.join(raw, "meta.json")) else {}
    ceilings = parse_openssl(raw)
    docs = {s: {k: runs(raw, s, k) for k in ("main", "t2", "startup")} for s in SIDES}
    n_objects = meta.get("startup_objects", 10000)
    rows = []

    # 1 thread: the sixteen operations.
    for op in MAIN_OPS:
        a = side_data(docs["A"]["main"], op, "ops_per_s")
        b = side_data(docs["B"]["main"], op, "ops_per_s")
        ab = a["median"] / b["median"] if a["median"] and b["median"] else None
        ck = CEILINGS.get(op)
        ceiling = ceilings.get(ck[0]) if ck else None
        vs = a["median"] / ceiling if ceiling and a["median"] else None
        checks = []
        for kind, x in TARGETS.get(op, []):
            if kind == "ceiling":
                checks.append({"text": f"≥ {x:.0%} of ceiling", "value": vs, "met": None if vs is None else vs >= x})
            else:
                checks.append({"text": f"A/B ≥ {x:g}", "value": ab, "met": None if ab is None else ab >= x})
        rows.append({"section": "1 thread", "op": op, "label": op, "unit": "ops/s", "ours": a, "softhsm": b,
                     "ab": ab, "ceiling": ceiling, "ceiling_what": ck[1] if ck else None, "ours_vs_ceiling": vs,
                     "targets": checks, "verdict": verdict(checks)})

    # 2 threads: scaling against the 1-thread medians of the same side.
    one = {r["op"]: r for r in rows}
    for op in T2_OPS:
        a = side_data(docs["A"]["t2"], op, "ops_per_s")
        b = side_data(docs["B"]["t2"], op, "ops_per_s")
        ab = a["median"] / b["median"] if a["median"] and b["median"] else None
        for side, key in (("ours", a), ("softhsm", b)):
            base = one[op][side]["median"]
            key["scaling"] = key["median"] / base if key["median"] and base else None
        checks = []
        if op in SCALING_TARGET:
            x = SCALING_TARGET[op]
            checks.append({"text": f"ours ≥ {x:g}× 1 thread", "value": a["scaling"],
                           "met": None if a["scaling"] is None else a["scaling"] >= x})
        rows.append({"section": "2 threads", "op": op, "label": f"{op} ×2 threads", "unit": "ops/s", "ours": a,
                     "softhsm": b, "ab": ab, "ceiling": None, "ceiling_what": None, "ours_vs_ceiling": None,
                     "targets": checks, "verdict": verdict(checks)})

    # Start-up, on the token with n_objects objects.
    label_n = f"{n_objects:,}"
    for op, field, scale, unit, label, limit, text in [
        ("find-objects", "mean_us", 1.0, "us", f"find-objects ({label_n} objects), mean", FIND_MAX_US, f"≤ {FIND_MAX_US:g} µs"),
        ("initialize", "mean_us", 1e-3, "ms", f"C_Initialize+C_Finalize ({label_n} objects)", STARTUP_MAX_MS, f"≤ {STARTUP_MAX_MS:g} ms"),
        ("initialize-find", "mean_us", 1e-3, "ms", f"initialize + first find ({label_n} objects)", STARTUP_MAX_MS, f"≤ {STARTUP_MAX_MS:g} ms"),
        ("rss-100-sessions", "rss_growth_mib", 1.0, "MiB", "RSS growth: C_Initialize + 100 sessions", RSS_MAX_MIB, f"≤ {RSS_MAX_MIB:g} MiB"),
    ]:
        a = side_data(docs["A"]["startup"], op, field, scale)
        b = side_data(docs["B"]["startup"], op, field, scale)
        # Lower is better here: A/B is SoftHSM2's figure over ours (> 1 = ours better), except for RSS.
        ab = None if unit == "MiB" else (b["median"] / a["median"] if a["median"] and b["median"] else None)
        checks = [{"text": text, "value": a["median"], "met": None if a["median"] is None else a["median"] <= limit}]
        rows.append({"section": "start-up", "op": op, "label": label, "unit": unit, "ours": a, "softhsm": b,
                     "ab": ab, "ceiling": None, "ceiling_what": None, "ours_vs_ceiling": None,
                     "targets": checks, "verdict": verdict(checks)})

    result = {"meta": meta, "openssl": ceilings, "rows": rows,
              "library": {s: (docs[s]["main"][0]["library"] if docs[s]["main"] else {}) for s in SIDES},
              "machine": machine()}
    cc = crosscheck(raw, one)
    if cc:
        result["crosscheck"] = cc
    return result


def machine() -> dict:
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release()}


def crosscheck(raw: str, one: dict) -> dict | None:
    """p11bench's medians (compare.sh's runs) beside cloudhsm-speed's, per side."""
    d = os.path.join(raw, "crosscheck")
    if not os.path.isdir(d):
        return None
    out = {"rows": []}
    pb = {s: [load_json(p) for p in sorted(glob.glob(os.path.join(d, f"{s}-*.json")))] for s in SIDES}
    if not pb["A"]:
        return None
    out["rounds"] = len(pb["A"])
    table = os.path.join(raw, "crosscheck-table.txt")
    if os.path.exists(table):
        with open(table, encoding="utf-8") as f:
            out["table"] = f.read()
    for op in MAIN_OPS:
        row = {"op": op}
        for s, name in SIDES.items():
            st, med, _ = median_or_status(pb[s], op, "ops_per_s")
            speed = one[op][name]["median"]
            row[name] = {"p11bench": med, "p11bench_status": st, "speed": speed,
                         "ratio": speed / med if speed and med else None}
        out["rows"].append(row)
    return out


# ---------------------------------------------------------------------------------------------- output

HEAD = ["op", "ours", "SoftHSM2", "A/B", "OpenSSL ceiling", "ours/ceiling", "target (issue 6)", "result"]


def table_rows(res: dict) -> list[list[str]]:
    out = []
    for r in res["rows"]:
        tgt = "; ".join(c["text"] for c in r["targets"]) or "-"
        vals = []
        for c in r["targets"]:
            if c["value"] is None:
                vals.append("n/a")
            elif "ceiling" in c["text"]:
                vals.append(f"{c['value']:.0%}")
            elif "×" in c["text"]:
                vals.append(f"{c['value']:.2f}×")
            elif "A/B" in c["text"]:
                vals.append(f"{c['value']:.2f}")
            else:
                vals.append(cell(r["ours"], r["unit"]))
        result = r["verdict"] if r["verdict"] in ("-", "n/a") else f"{r['verdict']} ({', '.join(vals)})"
        ours = cell(r["ours"], r["unit"])
        sh = cell(r["softhsm"], r["unit"])
        if r["section"] == "2 threads":
            for side, label in (("ours", "ours"), ("softhsm", "sh")):
                sc = r[side].get("scaling")
                if sc is not None:
                    if side == "ours":
                        ours += f" ({sc:.2f}×)"
                    else:
                        sh += f" ({sc:.2f}×)"
        out.append([r["label"], ours, sh, fmt_ratio(r["ab"]),
                    fmt_num(r["ceiling"]) if r["ceiling"] else "-",
                    f"{r['ours_vs_ceiling']:.0%}" if r["ours_vs_ceiling"] is not None else "-",
                    tgt, result])
    return out


def text_table(res: dict) -> str:
    rows = table_rows(res)
    widths = [max(len(HEAD[i]), *(len(r[i]) for r in rows)) for i in range(len(HEAD))]
    right = {1, 2, 3, 4, 5}

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)).rstrip()

    lines = [line(HEAD), line(["-" * w for w in widths])]
    section = None
    for r, cells in zip(res["rows"], rows):
        if r["section"] != section:
            if section is not None:
                lines.append("")
            section = r["section"]
        lines.append(line(cells))
    return "\n".join(lines)


def md_table(head: list[str], rows: list[list[str]], right: set[int]) -> str:
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---:" if i in right else "---" for i in range(len(head))) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


def summary_line(res: dict) -> str:
    v = [r["verdict"] for r in res["rows"] if r["verdict"] not in ("-",)]
    return (f"targets: {v.count('met')} met, {v.count('MISSED')} missed, {v.count('n/a')} not measurable "
            f"(of {len(v)} rows with a target)")


def crosscheck_rows(cc: dict) -> list[list[str]]:
    rows = []
    for r in cc["rows"]:
        cells = [r["op"]]
        for name in ("ours", "softhsm"):
            x = r[name]
            cells += [fmt_num(x["speed"]) if x["speed"] else "-",
                      fmt_num(x["p11bench"]) if x["p11bench"] else x["p11bench_status"],
                      fmt_ratio(x["ratio"])]
        rows.append(cells)
    return rows


CC_HEAD = ["op", "ours: speed", "ours: p11bench", "speed/p11bench", "SoftHSM2: speed", "SoftHSM2: p11bench", "speed/p11bench"]


def markdown(res: dict) -> str:
    m, lib, mach = res["meta"], res["library"], res["machine"]
    ours_lib = lib.get("A", {})
    sh_lib = lib.get("B", {})
    out = [
        f"# Benchmark: ours against SoftHSM2 ({m.get('date', '?')})",
        "",
        f"- command: `{m.get('command', './build.sh bench')}`; {m.get('seconds')} s per op, warm-up {m.get('warmup')} s, "
        f"{m.get('rounds')} round(s) A,B alternating, medians over the rounds",
        f"- machine: {mach.get('nproc')} CPUs ({mach.get('cpu') or '?'}), Linux {mach.get('kernel')}",
        f"- A = ours: {ours_lib.get('manufacturer', '?')} / {ours_lib.get('description', '?')} {ours_lib.get('version', '')}",
        f"- B = SoftHSM2: {sh_lib.get('manufacturer', '?')} / {sh_lib.get('description', '?')} {sh_lib.get('version', '')} (file object store)",
        f"- ceiling: `openssl speed -elapsed -seconds {m.get('openssl_seconds')}` (wall-clock, one thread) right before and right after the rounds, the faster of the two per op",
        f"- start-up rows: a second token holding {m.get('startup_objects', 0):,} public data objects"
        + ("" if m.get("softhsm_startup", True) else " (on ours only: filling SoftHSM2's file store takes minutes)"),
        "",
        "A/B > 1 means ours is faster (for the start-up rows: SoftHSM2's time over ours).",
        "",
        md_table(HEAD, table_rows(res), {1, 2, 3, 4, 5}),
        "",
        summary_line(res),
        "",
        "## Latency (µs, medians over the rounds)",
        "",
    ]
    lat_rows = []
    for r in res["rows"]:
        if r["unit"] != "ops/s":
            continue
        cells = [r["label"]]
        for side in ("ours", "softhsm"):
            s = r[side]
            cells += [fmt_num(s.get("p50_us")) if "p50_us" in s else "-", fmt_num(s.get("p99_us")) if "p99_us" in s else "-"]
        lat_rows.append(cells)
    out.append(md_table(["op", "ours p50", "ours p99", "SoftHSM2 p50", "SoftHSM2 p99"], lat_rows, {1, 2, 3, 4}))
    notes = []
    for r in res["rows"]:
        for side, name in (("ours", "ours"), ("softhsm", "SoftHSM2")):
            if r[side]["status"] not in ("ok", "not run") and r[side].get("message"):
                notes.append(f"- {r['label']}, {name}: {r[side]['status']}: {r[side]['message']}")
    if notes:
        out += ["", "## Not measured", ""] + sorted(set(notes))
    out += ["", "## Notes", "",
            "- Ceilings: `rsa2048-pss-sign` is set against `openssl speed rsa2048` sign/s (PKCS#1 v1.5, as issue 6 "
            "does); the `-prehash` ops share `ecdsap256`'s; the byte-oriented ceilings are `openssl speed -bytes N` "
            "divided by N. The ceiling has no per-call `*Init`, object lookup, locking or hashing of the message, "
            "so small inputs stay far below it.",
            "- The 2-thread rows show each side's scaling over its own 1-thread median in brackets.",
            "- On a shared machine, only ratios from one run count (issue 6); both tools and `openssl speed -elapsed` "
            "measure wall-clock time."]
    if "crosscheck" in res:
        cc = res["crosscheck"]
        out += ["", f"## Cross-check: cloudhsm-speed against p11bench ({cc['rounds']} compare.sh round(s), same tokens)", "",
                "The same operations measured by the neutral C driver (`../shared/bench/compare.sh`) on the same "
                "tokens, after the rounds above; `speed/p11bench` compares the two tools' medians per side.", "",
                md_table(CC_HEAD, crosscheck_rows(cc), {1, 2, 3, 4, 5, 6})]
        if cc.get("table"):
            out += ["", "compare.sh's own table:", "", "```", cc["table"].rstrip(), "```"]
    out.append("")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("raw")
    ap.add_argument("--out")
    a = ap.parse_args()
    out = a.out or os.path.dirname(os.path.abspath(a.raw))
    res = build(a.raw)
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(res, f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(out, "results.md"), "w", encoding="utf-8") as f:
        f.write(markdown(res))
    print(text_table(res))
    print()
    print(summary_line(res))
    if "crosscheck" in res:
        cc = res["crosscheck"]
        rows = crosscheck_rows(cc)
        widths = [max(len(CC_HEAD[i]), *(len(r[i]) for r in rows)) for i in range(len(CC_HEAD))]
        print()
        print(f"cross-check, cloudhsm-speed medians against p11bench's ({cc['rounds']} round(s)):")
        for cells in [CC_HEAD] + rows:
            print("  ".join(c.rjust(widths[i]) if i else c.ljust(widths[i]) for i, c in enumerate(cells)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
