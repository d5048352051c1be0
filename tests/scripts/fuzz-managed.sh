#!/usr/bin/env bash
# Coverage-guided fuzzing of the managed core (issue 5): tests/CloudHsm.Fuzz under AFL++ with SharpFuzz.
#
# Builds tests/CloudHsm.Fuzz, instruments copies of CloudHsm.Core.dll and libcloudhsm_pkcs11.dll (never the
# build outputs themselves), runs every target under afl-fuzz for its share of FUZZ_MANAGED_SECONDS, and
# replays each crash AFL saved through the uninstrumented build: a crash is a FAIL with its input in hex
# (the input is also kept in artifacts/fuzz-managed/<target>/ to become a regression file). Then it
# replays, without AFL, the seed corpus (tests/CloudHsm.Fuzz/corpus/<target>/) and every file in
# tests/CloudHsm.Fuzz/regressions/<target>/: one test each. Without afl-fuzz (Debian package afl++) the
# fuzzing is skipped, and counted as skipped; the replays still run.
#
#   FUZZ_MANAGED_SECONDS   total fuzzing time, split evenly over the targets (default 60; at least 5 each)
#   FUZZ_MANAGED_TARGETS   the targets to fuzz, space-separated (default: all; `CloudHsm.Fuzz list` names them)
#   FUZZ_MANAGED_TIMEOUT   afl-fuzz's per-input timeout in ms (default 5000)
#   FUZZ_MANAGED_NO_BUILD  1: use the Release build already in tests/CloudHsm.Fuzz/bin (./build.sh made it)
#
# Run by `./build.sh test` from the repository root with stdin from /dev/null; the last line is
# "N passed, N failed, N skipped".
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

PROJECT=tests/CloudHsm.Fuzz
BUILD_OUT=$PROJECT/bin/Release/net10.0
TOTAL_SECONDS=${FUZZ_MANAGED_SECONDS:-60}
INPUT_TIMEOUT_MS=${FUZZ_MANAGED_TIMEOUT:-5000}
KEEP=$ROOT/artifacts/fuzz-managed

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 MSBUILDDISABLENODEREUSE=1

passed=0 failed=0 skipped=0
ok() { printf 'ok   %s\n' "$1"; passed=$((passed + 1)); }
fail() { printf 'FAIL %s\n' "$1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | tail -n "${3:-20}"; failed=$((failed + 1)); }
skip() { printf 'skip %s\n' "$1"; skipped=$((skipped + 1)); }
summary() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit $?; }

work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-managed.XXXXXX")
trap 'rm -rf "$work"' EXIT

if ! command -v dotnet >/dev/null; then
    fail "dotnet is not installed"
    summary
fi
if [[ ${FUZZ_MANAGED_NO_BUILD:-0} != 1 ]] && ! dotnet build "$PROJECT" -c Release -v quiet -nologo >"$work/build.log" 2>&1; then
    fail "dotnet build $PROJECT" "$work/build.log" 40
    summary
fi
fuzz() { dotnet "$BUILD_OUT/CloudHsm.Fuzz.dll" "$@"; }

all_targets=$(fuzz list | awk '{print $1}')
targets=${FUZZ_MANAGED_TARGETS:-$all_targets}
count=$(wc -w <<<"$targets")
per_target=$((TOTAL_SECONDS / count))
((per_target >= 5)) || per_target=5

# replay TARGET NAME PATH...: runs the inputs once without AFL; one test named NAME per input.
replay() {
    local target=$1 name=$2 log=$work/replay.log line
    shift 2
    fuzz replay "$target" "$@" >"$log" 2>&1
    if ! grep -q "inputs handled$" "$log"; then
        fail "$name: the replay did not finish" "$log"
        return
    fi
    while IFS= read -r line; do
        case $line in
            "ok   "*) ok "$name ${line#"ok   $target "}" ;;
            "FAIL "*) fail "$name ${line#"FAIL $target "}" ;;
            "     "*) echo "$line" ;; # a failure's exception, stack and input in hex
        esac
    done <"$log"
}

# --- fuzzing --------------------------------------------------------------------------------------------

if ! command -v afl-fuzz >/dev/null; then
    echo "afl-fuzz is not installed (Debian package afl++): fuzzing skipped, replays only"
    for target in $targets; do skip "afl-fuzz $target"; done
else
    cp -r "$BUILD_OUT" "$work/bin"
    if ! dotnet "$work/bin/CloudHsm.Fuzz.dll" instrument "$work/bin/CloudHsm.Core.dll" "$work/bin/libcloudhsm_pkcs11.dll" >"$work/instrument.log" 2>&1; then
        fail "SharpFuzz instrumentation" "$work/instrument.log"
        summary
    fi
    sed 's/^/  /' "$work/instrument.log"
    echo "fuzzing $count target(s) for ${per_target}s each"
    # Non-interactive, unprivileged, on a shared machine: no UI, no CPU binding or frequency check, no
    # core_pattern requirement (CI cannot set it), and the target is `dotnet`, not an AFL-compiled binary.
    export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
        AFL_SKIP_BIN_CHECK=1 AFL_FAST_CAL=1 AFL_NO_CRASH_README=1 AFL_FORKSRV_INIT_TMOUT=60000
    for target in $targets; do
        in=$work/in-$target out=$work/out-$target
        mkdir -p "$in"
        cp "$PROJECT/corpus/$target"/* "$in"/ 2>/dev/null
        cp "$PROJECT/regressions/$target"/* "$in"/ 2>/dev/null
        timeout -k 10s $((per_target + 120)) afl-fuzz -V "$per_target" -t "$INPUT_TIMEOUT_MS" -m none -i "$in" -o "$out" \
            -- dotnet "$work/bin/CloudHsm.Fuzz.dll" run "$target" </dev/null >"$work/afl-$target.log" 2>&1
        rc=$?
        stats=$out/default/fuzzer_stats
        if [[ ! -f $stats ]]; then
            fail "afl-fuzz $target did not run (exit code $rc)" "$work/afl-$target.log"
            continue
        fi
        stat() { awk -v k="$1" '$1 == k {print $3}' "$stats"; }
        printf '  %-15s %8s execs  %8s/s  corpus %4s  edges %5s  map %6s  crashes %s  hangs %s\n' "$target" \
            "$(stat execs_done)" "$(stat execs_per_sec)" "$(stat corpus_count)" "$(stat edges_found)" \
            "$(stat bitmap_cvg)" "$(stat saved_crashes)" "$(stat saved_hangs)"
        crashes=("$out"/default/crashes/id:*)
        hangs=("$out"/default/hangs/id:*)
        if [[ -e ${crashes[0]} || -e ${hangs[0]} ]]; then
            mkdir -p "$KEEP/$target"
            cp "$out"/default/crashes/id:* "$out"/default/hangs/id:* "$KEEP/$target"/ 2>/dev/null
            echo "  inputs kept in ${KEEP#"$ROOT"/}/$target/"
        fi
        if [[ -e ${crashes[0]} ]]; then
            replay "$target" "afl-fuzz $target crash" "${crashes[@]}"
        elif ((rc != 0)); then
            fail "afl-fuzz $target exited with code $rc" "$work/afl-$target.log"
        else
            ok "afl-fuzz $target: ${per_target}s, no crash"
        fi
        # A hang counts only if it is one without AFL too (under load a slow input is not a bug).
        for hang in "${hangs[@]}"; do
            [[ -e $hang ]] || continue
            if timeout 30s dotnet "$BUILD_OUT/CloudHsm.Fuzz.dll" replay "$target" "$hang" >"$work/hang.log" 2>&1; then
                echo "  a hang AFL saved for $target replays in time: $(basename "$hang")"
            else
                fail "afl-fuzz $target hang $(basename "$hang") (input: $(od -An -v -tx1 "$hang" | tr -d ' \n' | head -c 2000))" "$work/hang.log"
            fi
        done
    done
fi

# --- replays without AFL: the seeds and the regressions -------------------------------------------------

for target in $all_targets; do
    inputs=()
    [[ -d $PROJECT/corpus/$target ]] && inputs+=("$PROJECT/corpus/$target")
    [[ -d $PROJECT/regressions/$target ]] && [[ -n $(ls -A "$PROJECT/regressions/$target") ]] && inputs+=("$PROJECT/regressions/$target")
    if ((${#inputs[@]} == 0)); then
        skip "replay $target: no corpus or regression inputs"
        continue
    fi
    replay "$target" "replay $target" "${inputs[@]}"
done

summary
