#!/usr/bin/env bash
# Several independent processes on one token at the same time (issue 5, multi-process): 4 workers, each
# started on its own from here (none a fork of an initialised process), create public and private token
# data objects, find and read back their own, destroy some, and keep finding and reading each other's, for
# MULTIPROC_ROUNDS rounds; then a fresh process must list exactly the union of what they meant to keep.
# The rules each process checks (what races are legitimate, what is a bug) are in tests/native/multiproc.c.
# MULTIPROC_ROUNDS (default 150: about 6 s here; 1,800 objects made, 1,200 kept) makes the long form: MULTIPROC_ROUNDS=1000
# (the cost grows faster than the rounds: every change another process commits makes the next call reload).
# Run by `./build.sh test` (CLOUDHSM_PKCS11_LIB is set); prints "N passed, N failed, N skipped" last.
set -uo pipefail

LIB=${CLOUDHSM_PKCS11_LIB:-artifacts/linux-x64/libcloudhsm_pkcs11.so}
ROUNDS=${MULTIPROC_ROUNDS:-150}
WORKERS=4
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash"

case $ROUNDS in '' | *[!0-9]* | 0) echo "MULTIPROC_ROUNDS must be a positive number, not '$ROUNDS'"; failed=1; summary ;; esac
require_c_toolchain
if ! command -v pkcs11-tool >/dev/null; then
    echo "pkcs11-tool is not installed (Debian package opensc): skipping"; skipped=1; summary
fi
require_library

work=$(mktemp -d)
pids=()
cleanup() {
    # pids are the timeout(1) wrappers: the worker under each goes first, then the wrapper.
    {
        for pid in "${pids[@]}"; do pkill -KILL -P "$pid"; kill -KILL "$pid"; done
        for pid in "${pids[@]}"; do wait "$pid"; done
    } 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export CLOUDHSM_PKCS11_CONF=$work/conf.json
# 1000 KDF iterations keep each login fast; the default (600,000) is for real tokens.
printf '{ "tokenDirectory": "%s/tokens", "pinKdfIterations": 1000 }\n' "$work" >"$CLOUDHSM_PKCS11_CONF"
SO_PIN=so-Pin-5150
USER_PIN=user-Pin-8086
TOKEN=multiproc
# Each process gets a time limit that grows with the rounds; the worker's own alarm() fires first.
limit=$((60 + ROUNDS / 2))
p11() { pkcs11-tool --module "$LIB" "$@" >"$work/out" 2>&1; }

if cc -Wall -Wextra -O2 -I/usr/include/p11-kit-1 -o "$work/multiproc" tests/native/multiproc.c -ldl >"$work/out" 2>&1; then
    ok "multiproc.c builds"
else
    fail "multiproc.c builds" "$work/out"; summary
fi
if p11 --init-token --label "$TOKEN" --so-pin "$SO_PIN" \
    && p11 --token-label "$TOKEN" --init-pin --login --so-pin "$SO_PIN" --pin "$USER_PIN"; then
    ok "token initialised, user PIN set"
else
    fail "token initialised" "$work/out"; summary
fi

# The workers log in, say they are ready, and all start together on "go".
run=$work/run
mkdir "$run"
start=$(date +%s%N)
for i in $(seq 0 $((WORKERS - 1))); do
    timeout -k 5 $((limit + 10)) "$work/multiproc" "$LIB" worker "$TOKEN" "$USER_PIN" "$run" "$i" "$WORKERS" "$ROUNDS" "$limit" \
        >"$work/worker.$i.out" 2>"$work/worker.$i.err" &
    pids+=($!)
done
ready=0
for _ in $(seq 1 600); do
    ready=$(find "$run" -maxdepth 1 -name 'ready.*' | wc -l)
    [ "$ready" -eq "$WORKERS" ] && break
    # A worker that died before it was ready stops the wait.
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=$((alive + 1)); done
    [ "$alive" -eq "$WORKERS" ] || break
    sleep 0.1
done
if [ "$ready" -eq "$WORKERS" ]; then
    ok "$WORKERS worker processes initialised and logged in"
else
    fail "$WORKERS worker processes initialised and logged in (only $ready)"
fi
touch "$run/go"

for i in $(seq 0 $((WORKERS - 1))); do
    wait "${pids[$i]}"
    rc=$?
    cat "$work/worker.$i.out" "$work/worker.$i.err" >"$work/worker.$i.log"
    case $rc in
        0) ok "worker $i: $ROUNDS rounds; its own view and its view of the others were right throughout" ;;
        3 | 124 | 137) fail "worker $i: timed out (exit $rc)" "$work/worker.$i.log" ;;
        4) fail "worker $i: a PKCS#11 call failed" "$work/worker.$i.log" ;;
        5) fail "worker $i: checks failed" "$work/worker.$i.log" ;;
        *) fail "worker $i: exit code $rc" "$work/worker.$i.log" ;;
    esac
    sed 's/^/     /' "$work/worker.$i.out"
done
pids=()
ms=$((($(date +%s%N) - start) / 1000000))
printf '     the workers ran for %d.%d s\n' $((ms / 1000)) $((ms % 1000 / 100))

if timeout -k 5 $((limit + 10)) "$work/multiproc" "$LIB" check "$TOKEN" "$USER_PIN" "$run" "$WORKERS" "$ROUNDS" "$limit" \
    >"$work/check.log" 2>&1; then
    ok "a fresh process sees exactly the union of the workers' expected sets"
    sed 's/^/     /' "$work/check.log"
else
    fail "a fresh process sees exactly the union of the workers' expected sets" "$work/check.log"
fi

# Writer fairness, on the token the workers filled: one process rewrites a label in a tight loop, another
# creates and destroys objects. A starved writer fails (CKR_DEVICE_ERROR after SQLite's 10 s busy timeout);
# the bound (2 s, 15x the slowest pair measured here) catches one that is merely left waiting.
if cc -Wall -Wextra -O2 -I/usr/include/p11-kit-1 -o "$work/fairness" tests/native/fairness.c -ldl >"$work/out" 2>&1; then
    stop=$work/stop-hammer
    timeout -k 5 "$limit" "$work/fairness" "$LIB" hammer "$TOKEN" "$USER_PIN" "$stop" >"$work/hammer.log" 2>&1 &
    pids+=($!)
    sleep 1
    timeout -k 5 "$limit" "$work/fairness" "$LIB" patient "$TOKEN" "$USER_PIN" 150 2000 >"$work/patient.log" 2>&1
    rc=$?
    touch "$stop"
    wait "${pids[0]}"
    hammer_rc=$?
    pids=()
    cat "$work/hammer.log" >>"$work/patient.log"
    if [ "$rc" -eq 0 ] && [ "$hammer_rc" -eq 0 ]; then
        ok "a process writing in a tight loop does not starve another's writes"
        sed 's/^/     /' "$work/patient.log"
    else
        fail "a process writing in a tight loop does not starve another's writes (exit $rc, hammer $hammer_rc)" "$work/patient.log"
    fi
else
    fail "fairness.c builds" "$work/out"
fi

summary
