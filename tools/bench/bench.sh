#!/usr/bin/env bash
# tools/bench/bench.sh: our PKCS#11 library against SoftHSM2, side by side, with the `openssl speed`
# ceiling beside them and issue 6's targets checked. Run by `./build.sh bench [SECONDS]` after the build;
# it can also be run by hand once artifacts/linux-x64/ holds libcloudhsm_pkcs11.so, cloudhsm-cli and
# cloudhsm-speed.
#
#   tools/bench/bench.sh [SECONDS] [options]
#
#   SECONDS                 timed seconds per operation and run (default 3; env BENCH_SECONDS)
#   --rounds N              A,B rounds (default 3; env BENCH_ROUNDS). Medians over the rounds.
#   --warmup S              untimed warm-up per operation (default 0.5; env BENCH_WARMUP)
#   --out DIR               results folder (default artifacts/bench; env BENCH_OUT)
#   --startup-objects N     token objects present for the start-up rows (default 10000; env BENCH_STARTUP_OBJECTS)
#   --no-softhsm-startup    start-up rows for our library only: filling SoftHSM2's file store with N
#                           objects takes ~15 ms per object here (env BENCH_SOFTHSM_STARTUP=0)
#   --crosscheck / --no-crosscheck
#                           run ../shared/bench/compare.sh (p11bench, the neutral C driver) on the same
#                           tokens and print its table (default: on when ../shared/bench exists;
#                           env BENCH_CROSSCHECK=0|1)
#   --crosscheck-rounds N   compare.sh rounds (default 1; env BENCH_CROSSCHECK_ROUNDS)
#   --publish               also copy the table and the chart into docs/performance/ (off by default,
#                           so that a bench run does not change the work tree)
#
# What one round runs, A (ours) then B (SoftHSM2) each time, with cloudhsm-speed:
#   1. p11bench's sixteen operations, 1 thread, on a token with no other objects;
#   2. rsa2048-sign, ecdsa-p256-sign and ecdsa-p256-sign-prehash with --threads 2 (the scaling rows);
#   3. on a second token that holds --startup-objects persistent public data objects (made once, before
#      the rounds, with cloudhsm-speed --populate): rss-100-sessions, find-objects, initialize and
#      initialize-find (see src/CloudHsm.Speed/README.md).
# `openssl speed -elapsed` runs right before and right after the rounds (the faster of the two counts). Then
# tools/bench/report.py prints the table
# and writes results.json + results.md, and tools/bench/chart.py draws chart.svg, all in the results folder
# (raw outputs under raw/).
#
# Depends on: softhsm2 (/usr/lib/softhsm/libsofthsm2.so, softhsm2-util), openssl, python3 (3.11, standard
# library only); for the cross-check, ../shared/bench (compare.sh, build.sh) and a C compiler with p11-kit's
# pkcs11.h. The PIN is passed to the tools in the environment, never on a command line.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ARTIFACTS=${CLOUDHSM_ARTIFACTS:-$ROOT/artifacts/linux-x64}
LIB="$ARTIFACTS/libcloudhsm_pkcs11.so"
CLI="$ARTIFACTS/cloudhsm-cli"
SPEED="$ARTIFACTS/cloudhsm-speed"
SOFTHSM_LIB=${SOFTHSM_LIB:-/usr/lib/softhsm/libsofthsm2.so}
SHARED_BENCH="$ROOT/../shared/bench"

SECONDS_PER_OP=${BENCH_SECONDS:-3}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-0.5}
OUT=${BENCH_OUT:-$ROOT/artifacts/bench}
STARTUP_OBJECTS=${BENCH_STARTUP_OBJECTS:-10000}
SOFTHSM_STARTUP=${BENCH_SOFTHSM_STARTUP:-1}
CROSSCHECK=${BENCH_CROSSCHECK:-auto}
CROSSCHECK_ROUNDS=${BENCH_CROSSCHECK_ROUNDS:-1}
PUBLISH=0

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
die() { echo "bench.sh: $*" >&2; exit 2; }
need() { [[ $# -ge 2 ]] || die "$1 needs a value"; }

while [[ $# -gt 0 ]]; do
    case $1 in
        --rounds) need "$@"; ROUNDS=$2; shift 2 ;;
        --warmup) need "$@"; WARMUP=$2; shift 2 ;;
        --out) need "$@"; OUT=$2; shift 2 ;;
        --startup-objects) need "$@"; STARTUP_OBJECTS=$2; shift 2 ;;
        --no-softhsm-startup) SOFTHSM_STARTUP=0; shift ;;
        --crosscheck) CROSSCHECK=1; shift ;;
        --no-crosscheck) CROSSCHECK=0; shift ;;
        --crosscheck-rounds) need "$@"; CROSSCHECK_ROUNDS=$2; shift 2 ;;
        --publish) PUBLISH=1; shift ;;
        -h | --help) usage; exit 0 ;;
        [0-9]*) SECONDS_PER_OP=$1; shift ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done

positive_int() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive whole number, not '$2'"; }
positive_int rounds "$ROUNDS"
positive_int crosscheck-rounds "$CROSSCHECK_ROUNDS"
[[ $STARTUP_OBJECTS =~ ^[0-9]+$ ]] || die "startup-objects must be a whole number, not '$STARTUP_OBJECTS'"
[[ $SECONDS_PER_OP =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "SECONDS must be a number, not '$SECONDS_PER_OP'"
[[ $WARMUP =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "warmup must be a number, not '$WARMUP'"
if [[ $CROSSCHECK == auto ]]; then
    if [[ -x $SHARED_BENCH/compare.sh || -f $SHARED_BENCH/compare.sh ]]; then CROSSCHECK=1; else CROSSCHECK=0; fi
fi

for f in "$LIB" "$CLI" "$SPEED"; do
    [[ -f $f ]] || die "$f not found: run ./build.sh first"
done
[[ -f $SOFTHSM_LIB ]] || die "$SOFTHSM_LIB not found (Debian: apt-get install softhsm2)"
for tool in softhsm2-util openssl python3; do
    command -v "$tool" >/dev/null || die "'$tool' not found (Debian packages: softhsm2, openssl, python3)"
done
if [[ $CROSSCHECK == 1 && ! -f $SHARED_BENCH/compare.sh ]]; then
    die "--crosscheck needs $SHARED_BENCH/compare.sh"
fi

# Seconds for openssl speed: a whole number >= 1.
OPENSSL_SECONDS=$(python3 -c 'import math,sys; print(max(1, math.ceil(float(sys.argv[1]))))' "$SECONDS_PER_OP")

# Token directories and PIN files live in WORK, which mktemp makes owner-only (0700).
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cloudhsm-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RAW="$OUT/raw"
rm -rf "$RAW"
mkdir -p "$RAW"

step() { printf '\n--> %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }
PIN=bench-user-1234
SO_PIN=bench-so-12345678
printf '%s\n' "$PIN" >"$WORK/user.pin"
printf '%s\n' "$SO_PIN" >"$WORK/so.pin"
export CLOUDHSM_SPEED_PIN=$PIN

# ---------------------------------------------------------------------------------------------- tokens
# Two tokens per side, each in its own store: "bench" for the operations (no other objects) and
# "bench-startup" with STARTUP_OBJECTS fixture objects, so that neither disturbs the other's figures.

ours_conf() { # ours_conf NAME: writes $WORK/ours-NAME.json
    mkdir -p "$WORK/ours-$1/tokens"
    printf '{ "tokenDirectory": "%s", "pinKdfIterations": 1000 }\n' "$WORK/ours-$1/tokens" >"$WORK/ours-$1.json"
}
softhsm_conf() { # softhsm_conf NAME: writes $WORK/softhsm-NAME.conf
    mkdir -p "$WORK/softhsm-$1/tokens"
    cat >"$WORK/softhsm-$1.conf" <<EOF
directories.tokendir = $WORK/softhsm-$1/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
}
init_ours() { # init_ours NAME LABEL
    ours_conf "$1"
    CLOUDHSM_PKCS11_CONF="$WORK/ours-$1.json" "$CLI" --module "$LIB" token init --label "$2" --so-pin-file "$WORK/so.pin" >/dev/null
    CLOUDHSM_PKCS11_CONF="$WORK/ours-$1.json" "$CLI" --module "$LIB" pin init --token-label "$2" \
        --so-pin-file "$WORK/so.pin" --pin-file "$WORK/user.pin" >/dev/null
}
init_softhsm() { # init_softhsm NAME LABEL
    softhsm_conf "$1"
    SOFTHSM2_CONF="$WORK/softhsm-$1.conf" softhsm2-util --init-token --free --label "$2" \
        --pin "$PIN" --so-pin "$SO_PIN" >/dev/null
}

# speed SIDE NAME ARGS...: cloudhsm-speed on side A (ours) or B (SoftHSM2), store NAME
speed() {
    local side=$1 name=$2
    shift 2
    if [[ $side == A ]]; then
        CLOUDHSM_PKCS11_CONF="$WORK/ours-$name.json" "$SPEED" --module "$LIB" "$@"
    else
        SOFTHSM2_CONF="$WORK/softhsm-$name.conf" "$SPEED" --module "$SOFTHSM_LIB" "$@"
    fi
}

# run SIDE NAME OUTFILE ARGS...: one JSON run; a run that fails to start stops the bench, a failed op does not
run() {
    local side=$1 name=$2 out=$3 rc=0
    shift 3
    speed "$side" "$name" --json --quiet "$@" >"$out" 2>"${out%.json}.err" || rc=$?
    if ((rc > 1)) || ! grep -q '"results"' "$out"; then
        echo "bench.sh: cloudhsm-speed failed on side $side (exit $rc):" >&2
        cat "${out%.json}.err" >&2
        exit 1
    fi
    grep -h '"status":"failed"' "$out" | sed "s/^/  side $side failed: /" >&2 || true
}

step "tokens: ours and SoftHSM2 (pinKdfIterations 1000 on ours; same user PIN on both)"
init_ours main bench
init_softhsm main bench
init_ours startup bench-startup
[[ $SOFTHSM_STARTUP == 1 ]] && init_softhsm startup bench-startup
echo "  $WORK"

if [[ $SOFTHSM_STARTUP == 1 ]]; then step "start-up fixture: $STARTUP_OBJECTS token objects on ours and on SoftHSM2"
else step "start-up fixture: $STARTUP_OBJECTS token objects on ours only (--no-softhsm-startup)"; fi
START_FIXTURE=$(date +%s)
speed A startup --token-label bench-startup --populate "$STARTUP_OBJECTS" 2>&1 | tail -n 1
echo "  ours: $(($(date +%s) - START_FIXTURE)) s"
if [[ $SOFTHSM_STARTUP == 1 ]]; then
    START_FIXTURE=$(date +%s)
    speed B startup --token-label bench-startup --populate "$STARTUP_OBJECTS" 2>&1 | tail -n 1
    echo "  SoftHSM2: $(($(date +%s) - START_FIXTURE)) s"
fi

ossl() { # ossl WHEN NAME ARGS...
    local when=$1 name=$2
    shift 2
    openssl speed -mr -elapsed -seconds "$OPENSSL_SECONDS" "$@" >"$RAW/openssl-$when-$name.txt" 2>"$RAW/openssl-$when-$name.err" ||
        { echo "bench.sh: openssl speed $* failed:" >&2; cat "$RAW/openssl-$when-$name.err" >&2; exit 1; }
    grep '^+F' "$RAW/openssl-$when-$name.txt" | sed 's/^/  /'
}
# ceiling WHEN: the ceilings, in raw/openssl-WHEN-*.txt. Run before and after the rounds; report.py keeps
# the faster of the two per op, since a ceiling measured in a load spike of this shared machine understates
# what it can do, and would make the "share of the ceiling" targets easier than they are.
ceiling() {
    ossl "$1" pki rsa2048 ecdsap256 ed25519
    ossl "$1" aes-256-gcm -bytes 1024 -evp aes-256-gcm
    ossl "$1" aes-256-cbc -bytes 1048576 -evp aes-256-cbc
    ossl "$1" sha256 -bytes 64 -evp sha256
    ossl "$1" hmac-sha256 -bytes 64 -hmac sha256
}
step "openssl speed -elapsed -seconds $OPENSSL_SECONDS (the ceiling, right before the rounds)"
openssl version | tee "$RAW/openssl-version.txt"
ceiling before

# p11bench's sixteen operations, in its order.
MAIN_OPS=rsa2048-sign,rsa2048-verify,rsa2048-pss-sign,ecdsa-p256-sign,ecdsa-p256-verify,ecdsa-p256-sign-prehash
MAIN_OPS+=,ecdsa-p256-verify-prehash,ed25519-sign,aes256-gcm-encrypt-1k,aes256-cbc-encrypt-1m,sha256-digest-64
MAIN_OPS+=,hmac-sha256-64,rsa2048-keygen,ec-p256-keygen,find-objects,open-close-session
T2_OPS=rsa2048-sign,ecdsa-p256-sign,ecdsa-p256-sign-prehash
STARTUP_OPS=rss-100-sessions,find-objects,initialize,initialize-find
COMMON=(--seconds "$SECONDS_PER_OP" --warmup "$WARMUP")

r=1
while ((r <= ROUNDS)); do
    for side in A B; do
        step "round $r/$ROUNDS, side $side: 16 operations, 1 thread"
        run $side main "$RAW/$side-main-$r.json" --token-label bench "${COMMON[@]}" --ops "$MAIN_OPS"
    done
    for side in A B; do
        step "round $r/$ROUNDS, side $side: scaling, 2 threads"
        run $side main "$RAW/$side-t2-$r.json" --token-label bench "${COMMON[@]}" --threads 2 --ops "$T2_OPS"
    done
    for side in A B; do
        [[ $side == B && $SOFTHSM_STARTUP != 1 ]] && continue
        step "round $r/$ROUNDS, side $side: start-up with $STARTUP_OBJECTS objects"
        run $side startup "$RAW/$side-startup-$r.json" --token-label bench-startup "${COMMON[@]}" --ops "$STARTUP_OPS"
    done
    r=$((r + 1))
done

step "openssl speed -elapsed -seconds $OPENSSL_SECONDS (the ceiling again, right after the rounds)"
ceiling after

if [[ $CROSSCHECK == 1 ]]; then
    step "cross-check: ../shared/bench/compare.sh (p11bench), $CROSSCHECK_ROUNDS round(s), same tokens"
    # compare.sh builds p11bench into its --out folder (P11BENCH_BIN) when --bin is not given.
    ROUNDS=$CROSSCHECK_ROUNDS \
        A_MODULE="$LIB" A_PIN="$PIN" A_TOKEN=bench A_ENV="CLOUDHSM_PKCS11_CONF=$WORK/ours-main.json" \
        B_MODULE="$SOFTHSM_LIB" B_PIN="$PIN" B_TOKEN=bench B_ENV="SOFTHSM2_CONF=$WORK/softhsm-main.conf" \
        sh "$SHARED_BENCH/compare.sh" --out "$RAW/crosscheck" --spread -- --seconds "$SECONDS_PER_OP" --warmup "$WARMUP" |
        tee "$RAW/crosscheck-table.txt"
fi

step "report"
cat >"$RAW/meta.json" <<EOF
{"seconds": $SECONDS_PER_OP, "warmup": $WARMUP, "rounds": $ROUNDS, "startup_objects": $STARTUP_OBJECTS,
 "softhsm_startup": $([[ $SOFTHSM_STARTUP == 1 ]] && echo true || echo false),
 "crosscheck": $([[ $CROSSCHECK == 1 ]] && echo true || echo false), "crosscheck_rounds": $CROSSCHECK_ROUNDS,
 "openssl_seconds": $OPENSSL_SECONDS, "nproc": $(nproc), "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
 "command": "./build.sh bench $SECONDS_PER_OP (rounds $ROUNDS)"}
EOF
python3 "$HERE/report.py" "$RAW" --out "$OUT"
python3 "$HERE/chart.py" "$OUT/results.json" --out "$OUT/chart.svg"
echo "results: $OUT/results.md, $OUT/results.json, $OUT/chart.svg (raw runs in $RAW)"

if ((PUBLISH)); then
    mkdir -p "$ROOT/docs/performance"
    cp "$OUT/results.md" "$OUT/results.json" "$OUT/chart.svg" "$ROOT/docs/performance/"
    echo "published: docs/performance/results.md, results.json, chart.svg"
fi

# A measurement, not a test: missed targets do not fail the run, but an op of ours that failed its
# correctness check (or stopped on an error) does.
if grep -l '"status":"failed"' "$RAW"/A-*.json >/dev/null 2>&1; then
    echo "bench.sh: an operation of ours failed (see the table and $RAW/A-*.json)" >&2
    exit 1
fi
