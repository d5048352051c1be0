#!/usr/bin/env bash
# Black-box fuzzing of the published library (issue 5, part 4; the managed half is fuzz-managed.sh).
#
# tests/native/fuzz.c loads the module with dlopen and drives it through its function list with seeded random
# call sequences, well-formed and malformed (NULL pointers, lengths that lie, counts beyond INT_MAX, invalid and
# destroyed handles, wrong session states, mechanism parameters of the wrong size ...). After every call it checks
# that the module returned, that the code is one the PKCS#11 specification lists for the function (never
# CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_FUNCTION_FAILED or CKR_DEVICE_ERROR), that nothing was written past a
# buffer or leaked from a sensitive key, and the invariants of its model (see fuzz.c for the list).
#
#   1. the regression seeds below, each a short replay of a run that once found a bug in the library;
#   2. the crash report: a fault inside the module (--crash-test) must end the process by its signal after
#      printing the calls that led to it, so that a crash found by a fresh run can be replayed;
#   3. FUZZ_SECONDS of fresh fuzzing with a random seed (FUZZ_SEED to choose it), printed so that a FAIL can be
#      replayed: fuzz <module> --seed N --mode M --calls K (the FAIL line says it). Every library bug it finds
#      gets its seed added below, once fixed.
#
#   FUZZ_SECONDS  fresh fuzzing (default 60: fuzz-managed.sh shares the two minutes CI gives fuzzing)
#   FUZZ_SEED     seed of the fresh run (default: random)
#   FUZZ_MODE     wellformed | malformed | both (default both: each action draws which)
#
# Built with AddressSanitizer (no leak check: the .NET runtime keeps its caches for the life of the process)
# when that works with the NativeAOT module it loads (a short run shows), else with plain -O1 -g.
# Run by `./build.sh test` (CLOUDHSM_PKCS11_LIB is set); prints "N passed, N failed, N skipped" last.
set -uo pipefail

LIB=${CLOUDHSM_PKCS11_LIB:-artifacts/linux-x64/libcloudhsm_pkcs11.so}
NATIVE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../native" && pwd)
SECONDS_FRESH=${FUZZ_SECONDS:-60}
MODE=${FUZZ_MODE:-both}
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.bash"

# Regression seeds: "seed mode calls  what the run found" - each fails against the library as it was before the
# fix (the NUnit test named in _40_FuzzFindingsTest.cs pins the same bug without the fuzzer).
REGRESSIONS=(
    "4 wellformed 100   C_GenerateKey answered CKR_KEY_SIZE_RANGE for CKA_VALUE_LEN 20 (§5.18 does not list it)"
    "2 wellformed 200   C_GenerateKeyPair answered CKR_KEY_SIZE_RANGE; C_GetAttributeValue CKR_ATTRIBUTE_VALUE_INVALID for an absent CKA_WRAP_TEMPLATE"
    "3 malformed 300    argument errors before CKR_SESSION_HANDLE_INVALID (§5.1 ranks §5.1.2 first); C_EncryptInit CKR_ARGUMENTS_BAD for a NULL pParameter"
    "5 wellformed 600   C_Login(CKU_CONTEXT_SPECIFIC) answered CKR_USER_NOT_LOGGED_IN (§5.6: CKR_OPERATION_NOT_INITIALIZED)"
    "6 both 1000        C_SignRecover(CKM_RSA_X_509, no data) failed with CKR_GENERAL_ERROR (an exception crossed the ABI)"
    "3 wellformed 3000  C_DigestKey answered CKR_USER_NOT_LOGGED_IN for a key sealed until login (§5.12 does not list it)"
    "6 both 4500        after C_Logout, *Init said CKR_OPERATION_ACTIVE for an operation the next call did not know"
)

case $SECONDS_FRESH in '' | *[!0-9]*) echo "FUZZ_SECONDS must be a number of seconds, not '$SECONDS_FRESH'"; failed=1; summary ;; esac
case $MODE in wellformed | malformed | both) ;; *) echo "FUZZ_MODE must be wellformed, malformed or both, not '$MODE'"; failed=1; summary ;; esac
require_c_toolchain
require_library

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# --- build: with AddressSanitizer if the module runs under it, else plain -------------------------------------
export ASAN_OPTIONS=detect_leaks=0:allow_user_segv_handler=1
CFLAGS=(-Wall -Wextra -O1 -g -I/usr/include/p11-kit-1)
FUZZ=$work/fuzz

# run_fuzz <name> <fuzz arguments...>: one run on a fresh token directory; output in $work/<name>.out/.err.
run_fuzz() {
    local name=$1
    shift
    mkdir -p "$work/$name/tokens"
    # 1000 KDF iterations keep each login fast; the default (600,000) is for real tokens.
    printf '{ "tokenDirectory": "%s/tokens", "pinKdfIterations": 1000 }\n' "$work/$name" >"$work/$name/conf.json"
    # In a subshell whose own stderr is discarded: a run that dies of a signal is reported below, not by bash.
    (CLOUDHSM_PKCS11_CONF=$work/$name/conf.json timeout -k 5 $((SECONDS_FRESH + 120)) "$FUZZ" "$LIB" "$@" \
        >"$work/$name.out" 2>"$work/$name.err") 2>/dev/null
}

built=
if cc "${CFLAGS[@]}" -fsanitize=address -fno-omit-frame-pointer -o "$FUZZ" "$NATIVE/fuzz.c" -ldl >"$work/cc.out" 2>&1; then
    # 0 or 5 (what it found is the runs' business below): it runs. Anything else: the sanitizer's runtime and
    # the module's do not get on here.
    run_fuzz asan-check --seed 1 --mode both --calls 300
    rc=$?
    if [ "$rc" -eq 0 ] || [ "$rc" -eq 5 ]; then
        built="with AddressSanitizer"
    else
        echo "     AddressSanitizer does not run with this module here (exit $rc); building without it"
        sed 's/^/     /' "$work/asan-check.err" | tail -n 5
    fi
fi
if [ -z "$built" ]; then
    unset ASAN_OPTIONS
    if cc "${CFLAGS[@]}" -o "$FUZZ" "$NATIVE/fuzz.c" -ldl >"$work/cc.out" 2>&1; then
        built="plain -O1 -g"
    else
        fail "fuzz.c builds" "$work/cc.out"
        summary
    fi
fi
ok "fuzz.c builds ($built)"

# verdict <name> <what>: the run's exit code as ok/FAIL (0 fine; 5 violations; 3 or 124/137 a hang; >128 a signal).
verdict() {
    local name=$1 what=$2 rc=$3
    case $rc in
        0) ok "$what" ;;
        5) fail "$what: the module broke the specification or an invariant" "$work/$name.err" 60 ;;
        3 | 124 | 137) fail "$what: a call hung" "$work/$name.err" ;;
        2) fail "$what: set-up failed" "$work/$name.err" ;;
        *) if [ "$rc" -gt 128 ]; then
               fail "$what: the process died of signal $((rc - 128)) (a crash)" "$work/$name.err" 60
           else
               fail "$what: exit code $rc" "$work/$name.err"
           fi ;;
    esac
}

# --- 1. regression seeds --------------------------------------------------------------------------------------
i=0
for entry in "${REGRESSIONS[@]}"; do
    read -r seed mode calls what <<<"$entry"
    i=$((i + 1))
    run_fuzz "regression-$i" --seed "$seed" --mode "$mode" --calls "$calls"
    verdict "regression-$i" "regression seed $seed ($mode, $calls calls): $what" $?
done

# --- 2. a crash inside the module is reported and replayable --------------------------------------------------
run_fuzz crash --seed 1 --mode both --crash-test yes
rc=$?
if [ "$rc" -gt 128 ] && grep -q "FATAL signal" "$work/crash.err" && grep -q "replay: fuzz <module> --seed 1" "$work/crash.err"; then
    ok "a fault inside the module ends the run by signal $((rc - 128)), with the last calls and the replay line"
else
    fail "a fault inside the module ends the run by its signal, with the last calls and the replay line (exit $rc)" "$work/crash.err"
fi

# --- 3. fresh fuzzing -----------------------------------------------------------------------------------------
if [ "$SECONDS_FRESH" -eq 0 ]; then
    echo "FUZZ_SECONDS=0: no fresh fuzzing"; skipped=$((skipped + 1))
    summary
fi
seed=${FUZZ_SEED:-$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')}
echo "     fresh run: seed $seed, mode $MODE, $SECONDS_FRESH s (replay: FUZZ_SEED=$seed FUZZ_MODE=$MODE bash $0)"
run_fuzz fresh --seed "$seed" --mode "$MODE" --seconds "$SECONDS_FRESH"
rc=$?
verdict fresh "$SECONDS_FRESH s of fresh fuzzing (seed $seed, $MODE)" $rc
# What the run did: calls/s, then the calls made per function and the codes they returned.
sed -n '2,$p' "$work/fresh.out" | sed 's/^/     /'
summary
