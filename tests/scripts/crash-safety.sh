#!/usr/bin/env bash
# Crash safety (issue 5, part 1): kill -9 a process in the middle of changing a token, then check the
# token from a fresh process against what the killed process had been told was done.
#
# tests/native/crash.c is both sides. Its writer logs in and changes the token in a loop, appending
# every acknowledged change (a call that returned CKR_OK) to a journal and fsyncing it before the next
# call; its checker opens the token anew (C_Initialize, C_OpenSession, C_Login must work) and demands
# the journal's state exactly, or the journal's state plus the one call that was in flight at the kill
# (see crash.c for the journal and the rules). Three kinds of change:
#   objects  create / relabel / destroy token data objects, public and private    CRASH_KILLS (50)
#   pin      C_SetPIN in a loop: the journaled PIN or the in-flight new one opens the
#            token, the token key under it still opens a private object            CRASH_PIN_KILLS (10)
#   init     C_InitToken in a loop: the old or the new token, whole (labels, user
#            PIN, objects all of one generation), SO login works                   CRASH_INIT_KILLS (10)
# Each round: start the writer, sleep 50-400 ms, kill -9, copy the token directory, PRAGMA
# integrity_check on a copy (if sqlite3 is installed), run the checker; one round is one check. A failed
# round stops its phase and keeps a reproduction (journal, the token directory as the kill left it, the
# checker's output) under $CRASH_REPRO_DIR (default: $TMPDIR or /tmp).
#
# Long form: CRASH_KILLS=1000 bash tests/scripts/crash-safety.sh (the CI form takes about 30 s).
# Run by `./build.sh test` (CLOUDHSM_PKCS11_LIB is set); prints "N passed, N failed, N skipped" last.
set -uo pipefail

LIB=${CLOUDHSM_PKCS11_LIB:-artifacts/linux-x64/libcloudhsm_pkcs11.so}
NATIVE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../native" && pwd)
KILLS=${CRASH_KILLS:-50}
PIN_KILLS=${CRASH_PIN_KILLS:-10}
INIT_KILLS=${CRASH_INIT_KILLS:-10}
REPRO_DIR=${CRASH_REPRO_DIR:-${TMPDIR:-/tmp}}
T=30   # seconds allowed to one checker or set-up run
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash"
ROUNDS=$((KILLS + PIN_KILLS + INIT_KILLS))

require_c_toolchain "$ROUNDS"
CLI=${CLOUDHSM_CLI:-}
if ! command -v pkcs11-tool >/dev/null && [ ! -x "$CLI" ]; then
    echo "neither pkcs11-tool (Debian package opensc) nor cloudhsm-cli (CLOUDHSM_CLI) to make the test tokens: skipping"
    skipped=$ROUNDS
    summary
fi
if [ ! -f "$LIB" ]; then
    fail "the library $LIB does not exist"
    summary
fi
LIB=$(realpath "$LIB")
export CLOUDHSM_PKCS11_LIB=$LIB

work=$(mktemp -d)
writer=
cleanup() {
    if [ -n "$writer" ]; then kill -9 "$writer" 2>/dev/null; wait "$writer" 2>/dev/null; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start=$SECONDS

bin=$work/crash
if cc -Wall -Wextra -Werror -O2 -I/usr/include/p11-kit-1 -o "$bin" "$NATIVE/crash.c" -ldl >"$work/cc.out" 2>&1; then
    ok "crash.c builds warning-free"
else
    fail "cc crash.c" "$work/cc.out"
    summary
fi
HAS_SQLITE=0
command -v sqlite3 >/dev/null && HAS_SQLITE=1
[ $HAS_SQLITE = 1 ] || echo "(sqlite3 is not installed: no PRAGMA integrity_check after the kills)"

SO_PIN=so-Pin-5093
USER_PIN=user-Pin-6618

# make_token <phase-dir> <label> <with-user-pin 0|1>: a fresh token directory with one token.
make_token() {
    local dir=$1 label=$2 user=$3
    mkdir -p "$dir"
    printf '{ "tokenDirectory": "%s/tokens", "pinKdfIterations": 1000 }\n' "$dir" >"$dir/conf.json"
    export CLOUDHSM_PKCS11_CONF=$dir/conf.json
    if command -v pkcs11-tool >/dev/null; then
        timeout $T pkcs11-tool --module "$LIB" --init-token --label "$label" --so-pin "$SO_PIN" </dev/null >"$dir/setup.out" 2>&1 \
            || return 1
        [ "$user" = 1 ] || return 0
        timeout $T pkcs11-tool --module "$LIB" --token-label "$label" --login --login-type so --so-pin "$SO_PIN" \
            --init-pin --pin "$USER_PIN" </dev/null >>"$dir/setup.out" 2>&1
    else
        printf '%s\n' "$SO_PIN" >"$dir/so.pin"
        printf '%s\n' "$USER_PIN" >"$dir/user.pin"
        chmod 600 "$dir/so.pin" "$dir/user.pin"
        timeout $T "$CLI" --module "$LIB" token init --label "$label" --so-pin-file "$dir/so.pin" </dev/null >"$dir/setup.out" 2>&1 \
            || return 1
        [ "$user" = 1 ] || return 0
        timeout $T "$CLI" --module "$LIB" pin init --token-label "$label" --so-pin-file "$dir/so.pin" \
            --pin-file "$dir/user.pin" </dev/null >>"$dir/setup.out" 2>&1
    fi
}

# keep <phase> <round> <dir> <token-label>: copies the reproduction out of the work folder; prints where.
keep() {
    local dest
    dest=$(mktemp -d "$REPRO_DIR/crash-safety-repro-$1-$2.XXXXXX") || return
    cp -a "$3/journal" "$dest/" 2>/dev/null
    cp -a "$3/after-kill" "$dest/tokens-after-kill" 2>/dev/null
    cp -a "$3/tokens" "$dest/tokens-after-check" 2>/dev/null
    cp -a "$3/check.out" "$3/writer.err" "$dest/" 2>/dev/null
    # To re-run the check on the directory as the kill left it (on a copy: the check changes it).
    printf '{ "tokenDirectory": "%s/tokens-after-kill", "pinKdfIterations": 1000 }\n' "$dest" >"$dest/conf.json"
    printf 'cc -I/usr/include/p11-kit-1 -o crash tests/native/crash.c -ldl\nCLOUDHSM_PKCS11_CONF=%s/conf.json CLOUDHSM_PKCS11_LIB=%s ./crash check %s %s/journal %s %s %s\n' \
        "$dest" "$LIB" "$1" "$dest" "$4" "$USER_PIN" "$SO_PIN" >"$dest/rerun.txt"
    echo "     reproduction kept in $dest (journal, tokens-after-kill = the directory as the kill left it)"
}

# phase <mode> <token-label> <rounds>
phase() {
    local mode=$1 label=$2 rounds=$3 dir=$work/$1 i ms status applied=0 absent=0 none=0 line
    local check=(timeout -k 5 $T "$bin" check "$mode" "$dir/journal" "$label" "$USER_PIN" "$SO_PIN")
    if [ "$rounds" -le 0 ]; then return; fi
    local user=1
    [ "$mode" = init ] && user=0
    if ! make_token "$dir" "$label" "$user"; then
        fail "$mode: making the test token" "$dir/setup.out"
        skipped=$((skipped + rounds))
        return
    fi
    # Round 0, twice: the fresh token against the empty journal; the first run leaves the markers the
    # later checks look for, the second finds them (in init mode: the "not re-initialised" branch).
    if ! "${check[@]}" >"$dir/check.out" 2>&1 || ! "${check[@]}" >"$dir/check.out" 2>&1; then
        fail "$mode: the fresh token does not pass the check" "$dir/check.out"
        skipped=$((skipped + rounds))
        return
    fi
    for ((i = 1; i <= rounds; i++)); do
        "$bin" write "$mode" "$dir/journal" "$label" "$USER_PIN" "$SO_PIN" 2>"$dir/writer.err" &
        writer=$!
        ms=$((50 + RANDOM % 351))
        sleep "$(printf '0.%03d' "$ms")"
        kill -9 "$writer" 2>/dev/null
        wait "$writer" 2>/dev/null
        status=$?
        writer=
        rm -rf "$dir/after-kill"
        cp -a "$dir/tokens" "$dir/after-kill"
        if [ "$status" -ne 137 ]; then
            fail "$mode round $i: the writer ended by itself (status $status) before the kill at $ms ms" "$dir/writer.err"
            keep "$mode" "$i" "$dir" "$label"
            skipped=$((skipped + rounds - i))
            return
        fi
        if [ $HAS_SQLITE = 1 ]; then
            rm -rf "$dir/ic"
            cp -a "$dir/after-kill" "$dir/ic"
            local db bad=
            for db in "$dir"/ic/*/token.sqlite; do
                [ -f "$db" ] || continue
                line=$(timeout $T sqlite3 "$db" 'PRAGMA integrity_check;' 2>&1)
                [ "$line" = ok ] || bad="$db: $line"
            done
            if [ -n "$bad" ]; then
                echo "$bad" >"$dir/check.out"
                fail "$mode round $i (kill at $ms ms): SQLite integrity_check" "$dir/check.out"
                keep "$mode" "$i" "$dir" "$label"
                skipped=$((skipped + rounds - i))
                return
            fi
        fi
        if [ "$mode" = init ]; then
            local n
            n=$(find "$dir/tokens" -mindepth 1 -maxdepth 1 -type d ! -name '.tmp-*' | wc -l)
            if [ "$n" -ne 1 ]; then
                ls -la "$dir/tokens" >"$dir/check.out"
                fail "$mode round $i (kill at $ms ms): $n token folders, expected 1" "$dir/check.out"
                keep "$mode" "$i" "$dir" "$label"
                skipped=$((skipped + rounds - i))
                return
            fi
        fi
        if "${check[@]}" >"$dir/check.out" 2>&1; then
            line=$(tail -n 1 "$dir/check.out")
            case $line in
                *"-> applied") applied=$((applied + 1)) ;;
                *"-> absent") absent=$((absent + 1)) ;;
                *) none=$((none + 1)) ;;
            esac
            ok "$mode round $i (kill at $ms ms): ${line#check "$mode": ok: }"
        else
            fail "$mode round $i (kill at $ms ms): the token differs from the journal" "$dir/check.out"
            keep "$mode" "$i" "$dir" "$label"
            skipped=$((skipped + rounds - i))
            return
        fi
    done
    echo "     $mode: $rounds kills; the call in flight had taken effect $applied times, had not $absent times, none in flight $none times"
}

phase objects crash "$KILLS"
phase pin pins "$PIN_KILLS"
phase init gen-0 "$INIT_KILLS"

echo "     $((SECONDS - start)) s"
summary
