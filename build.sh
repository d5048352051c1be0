#!/usr/bin/env bash
# build.sh: build, publish and test CloudHsmPkcs11. build.ps1 mirrors these steps line for line.
#
#   ./build.sh          restore + build the solution, publish libcloudhsm_pkcs11.so, cloudhsm-cli and
#                       cloudhsm-speed into artifacts/linux-x64/, check the library's exports and
#                       NODELETE, run the quickstart
#   ./build.sh test     all of the above, then every test project and tests/scripts/*.sh; the last
#                       line is "N passed, N failed, N skipped" over everything
#   ./build.sh stress [SECONDS]   build, then the stress test for SECONDS (default 60)
#   ./build.sh fuzz [SECONDS]     build, then both fuzzers for SECONDS in all (default 600)
#   ./build.sh bench [SECONDS]    build, then ours against SoftHSM2 and the openssl speed ceiling,
#                                 SECONDS per operation (default 3)
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: ./build.sh [build|test|stress [SECONDS]|fuzz [SECONDS]|bench [SECONDS]] [--help]

  build (default)  dotnet restore + build -c Release of CloudHsmPkcs11.sln;
                   publish native-exports/CloudHsm.Pkcs11.Native (NativeAOT, linux-x64) and copy
                   libcloudhsm_pkcs11.so into artifacts/linux-x64/ (its separate debug symbols, if
                   any, into artifacts/linux-x64/.debug/, where gdb looks for them);
                   check its exports against tools/pkcs11-exports.txt (every exported symbol is
                   C_*, none of the listed functions is missing) and that it is linked NODELETE;
                   publish cloudhsm-cli and cloudhsm-speed (framework-dependent) beside it;
                   run samples/quickstart/run.sh.
  test             build, then run every test project (dotnet test, TRX results in
                   artifacts/test-results/) with CLOUDHSM_PKCS11_LIB=artifacts/linux-x64/libcloudhsm_pkcs11.so,
                   then every tests/scripts/*.sh. A project that fails to build, crashes or hangs
                   counts as a failure. Ends with one line: N passed, N failed, N skipped.
                   Exit code 0 only if nothing failed.

  stress [SECONDS] build, then tests/scripts/stress.sh for SECONDS (default 60; ./build.sh test runs
                   it for 15): 16 threads of mixed operations, RSS reported at start and end.
  fuzz [SECONDS]   build, then tests/scripts/fuzz.sh (black-box, the published library) and
                   tests/scripts/fuzz-managed.sh (AFL++ with SharpFuzz on the managed core), SECONDS
                   in all (default 600, split evenly; ./build.sh test runs 60 + 60).
                   Both end with the same "N passed, N failed, N skipped" summary as test.
  bench [SECONDS]  build, then tools/bench/bench.sh SECONDS (default 3 per operation): our library
                   against SoftHSM2 with cloudhsm-speed, rounds A,B alternating (BENCH_ROUNDS, default
                   3), the openssl speed ceiling, issue 6's targets met or missed, the scaling,
                   start-up (BENCH_STARTUP_OBJECTS, default 10000) and RSS rows, and, when
                   ../shared/bench exists, its compare.sh as a cross-check (BENCH_CROSSCHECK=0 skips
                   it). Writes results.json, results.md and chart.svg into artifacts/bench/
                   (BENCH_OUT); BENCH_PUBLISH=1 also copies them into docs/performance/. The other
                   settings: tools/bench/bench.sh --help.

Test scripts (tests/scripts/*.sh) are run with bash from the repository root, stdin from
/dev/null, with CLOUDHSM_PKCS11_LIB, CLOUDHSM_CLI and CLOUDHSM_ARTIFACTS set. Each must print
"N passed, N failed, N skipped" as the last line of its standard output and exit non-zero if
anything failed; a script without that line, or that exits non-zero with no failure counted,
counts as one failure.
EOF
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"

RID=linux-x64
CONFIG=Release
SOLUTION=CloudHsmPkcs11.sln
NATIVE_PROJECT=native-exports/CloudHsm.Pkcs11.Native
CLI_PROJECT=src/CloudHsm.Cli
SPEED_PROJECT=src/CloudHsm.Speed
LIB_NAME=libcloudhsm_pkcs11.so
ARTIFACTS="$ROOT/artifacts/$RID"
LIB="$ARTIFACTS/$LIB_NAME"
CLI="$ARTIFACTS/cloudhsm-cli"
SPEED="$ARTIFACTS/cloudhsm-speed"
EXPORTS_FILE=tools/pkcs11-exports.txt
TEST_RESULTS="$ROOT/artifacts/test-results"
TEST_SCRIPTS_DIR=tests/scripts
TEST_SCRIPT_TIMEOUT=30m
STRESS_SCRIPT=tests/scripts/stress.sh
FUZZ_SCRIPTS=(tests/scripts/fuzz.sh tests/scripts/fuzz-managed.sh)
BENCH_SCRIPT=tools/bench/bench.sh
TEST_HANG_TIMEOUT=15m

# Every test project; all are required.
TEST_PROJECTS=(
    tests/CloudHsm.Core.Tests
    tests/CloudHsm.Storage.Tests
    tests/CloudHsm.Pkcs11.Abi.Tests
    tests/CloudHsm.Pkcs11.Tests
    tests/CloudHsm.Cli.Tests
)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# No MSBuild worker nodes left running after the script ends.
export MSBUILDDISABLENODEREUSE=1

MODE=build
SUMMARY_PRINTED=0
TEMP_DIRS=()

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }

on_exit() {
    local rc=$?
    if ((${#TEMP_DIRS[@]})); then rm -rf "${TEMP_DIRS[@]}"; fi
    if [[ $MODE != build && $MODE != bench && $SUMMARY_PRINTED == 0 && $rc != 0 ]]; then
        echo "build.sh: the build failed before the tests could run" >&2
        echo "0 passed, 1 failed, 0 skipped"
    fi
    exit "$rc"
}

# What NativeAOT and the export checks need beyond the .NET SDK. On a fresh Debian machine, run as
# root, the build installs them itself, so that ./build.sh alone does all set-up.
BUILD_PACKAGES=(clang zlib1g-dev binutils)

require_tools() {
    command -v dotnet >/dev/null || die "'dotnet' not found: install the .NET 10 SDK first"
    if ! command -v clang >/dev/null || ! command -v nm >/dev/null || ! command -v readelf >/dev/null \
        || [[ ! -f /usr/include/zlib.h ]]; then
        if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
            step "apt-get install ${BUILD_PACKAGES[*]} (NativeAOT's linker, zlib, binutils)"
            DEBIAN_FRONTEND=noninteractive apt-get update -q
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${BUILD_PACKAGES[@]}"
        else
            die "missing build tools: run 'sudo apt-get install ${BUILD_PACKAGES[*]}'"
        fi
    fi
}

# ---------------------------------------------------------------------------------------------
# build

restore_and_build() {
    step "dotnet restore $SOLUTION"
    dotnet restore "$SOLUTION"
    step "dotnet build $SOLUTION -c $CONFIG"
    dotnet build "$SOLUTION" -c "$CONFIG" --no-restore
}

publish_library() {
    local out
    out=$(mktemp -d "${TMPDIR:-/tmp}/cloudhsm-publish.XXXXXX")
    TEMP_DIRS+=("$out")
    step "dotnet publish $NATIVE_PROJECT -c $CONFIG -r $RID (NativeAOT)"
    dotnet publish "$NATIVE_PROJECT" -c "$CONFIG" -r "$RID" -o "$out"
    [[ -f "$out/$LIB_NAME" ]] || die "the publish produced no $LIB_NAME; it holds: $(find "$out" -mindepth 1 -maxdepth 1 -printf '%f ')"

    rm -rf "$ARTIFACTS"
    mkdir -p "$ARTIFACTS"
    cp "$out/$LIB_NAME" "$ARTIFACTS/"
    if [[ -f "$out/$LIB_NAME.dbg" ]]; then
        # Stripped symbols: kept out of the artifact directory itself, in .debug/, where gdb finds
        # them through the library's .gnu_debuglink.
        mkdir -p "$ARTIFACTS/.debug"
        cp "$out/$LIB_NAME.dbg" "$ARTIFACTS/.debug/"
    fi
    ls -l "$LIB"
}

check_exports() {
    step "check exports of $LIB_NAME against $EXPORTS_FILE"
    local -A expected=() exported=() version_nodes=()
    local name type rest problems=0 extra=()

    while read -r name; do
        expected[$name]=1
    done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$EXPORTS_FILE" | grep -v '^$')
    ((${#expected[@]})) || die "$EXPORTS_FILE lists no symbols"

    # Version definitions (e.g. V1.0 from the version script) show up in nm -D as absolute symbols.
    while read -r name; do
        version_nodes[$name]=1
    done < <(readelf -V -W "$LIB" | sed -n "/'.gnu.version_d'/,/^\$/p" | grep -o 'Name: [^ ]*' | cut -d' ' -f2)

    while read -r name type rest; do
        name=${name%%@*}
        if [[ $type == A && -n ${version_nodes[$name]:-} ]]; then
            continue
        fi
        exported[$name]=1
        if [[ $name != C_* ]]; then
            echo "  exported but not a PKCS#11 function: $name ($type)" >&2
            problems=$((problems + 1))
        elif [[ -z ${expected[$name]:-} ]]; then
            extra+=("$name")
        fi
    done < <(nm -D --defined-only --format=posix "$LIB")

    for name in "${!expected[@]}"; do
        if [[ -z ${exported[$name]:-} ]]; then
            echo "  missing export: $name" >&2
            problems=$((problems + 1))
        fi
    done
    if ((${#extra[@]})); then
        echo "  also exported (C_*, not in the list): ${extra[*]}"
    fi
    ((problems == 0)) || die "$LIB_NAME exports do not match $EXPORTS_FILE ($problems problem(s) above)"
    echo "  ok: ${#expected[@]} listed functions exported, nothing but C_* symbols"
}

check_nodelete() {
    step "check $LIB_NAME is linked with -z nodelete"
    readelf -d "$LIB" | grep -E 'FLAGS_1.*NODELETE' ||
        die "$LIB_NAME lacks the NODELETE flag: a NativeAOT library cannot be unloaded, so dlclose must be a no-op (link with -Wl,-z,nodelete)"
}

publish_cli() {
    step "dotnet publish $CLI_PROJECT -c $CONFIG (framework-dependent) into artifacts/$RID"
    dotnet publish "$CLI_PROJECT" -c "$CONFIG" -o "$ARTIFACTS"
    [[ -x "$CLI" ]] || die "the publish produced no $CLI"
}

publish_speed() {
    step "dotnet publish $SPEED_PROJECT -c $CONFIG (framework-dependent) into artifacts/$RID"
    dotnet publish "$SPEED_PROJECT" -c "$CONFIG" -o "$ARTIFACTS"
    [[ -x "$SPEED" ]] || die "the publish produced no $SPEED"
}

run_quickstart() {
    step "samples/quickstart/run.sh"
    CLOUDHSM_ARTIFACTS="$ARTIFACTS" bash samples/quickstart/run.sh </dev/null
}

build() {
    require_tools
    restore_and_build
    publish_library
    check_exports
    check_nodelete
    publish_cli
    publish_speed
    run_quickstart
}

# ---------------------------------------------------------------------------------------------
# test

TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0
SUMMARY=()
FAILED_TESTS=()

# record NAME PASSED FAILED SKIPPED [NOTE]
record() {
    TOTAL_PASSED=$((TOTAL_PASSED + $2))
    TOTAL_FAILED=$((TOTAL_FAILED + $3))
    TOTAL_SKIPPED=$((TOTAL_SKIPPED + $4))
    SUMMARY+=("$(printf '%-34s %6s passed %6s failed %6s skipped  %s' "$1" "$2" "$3" "$4" "${5:-}")")
}

# Prints "PASSED FAILED SKIPPED" counted from the outcome of each UnitTestResult in a TRX file.
count_trx() {
    grep -o '<UnitTestResult [^>]*' "$1" | grep -o ' outcome="[A-Za-z]*"' | cut -d'"' -f2 |
        awk '
            $1 == "Passed" || $1 == "PassedButRunAborted" { p++; next }
            $1 == "Failed" || $1 == "Error" || $1 == "Timeout" || $1 == "Aborted" { f++; next }
            { s++ }
            END { printf "%d %d %d\n", p, f, s }'
}

# Prints the names of the failed tests in a TRX file, one per line.
failed_tests_trx() {
    grep -o '<UnitTestResult [^>]*' "$1" | grep -E ' outcome="(Failed|Error|Timeout|Aborted)"' |
        sed -e 's/.* testName="\([^"]*\)".*/\1/' || true
}

run_test_project() {
    local project=$1 name rc passed=0 failed=0 skipped=0 note="" test
    name=$(basename "$project")
    step "dotnet test $project"
    if [[ ! -d $project ]]; then
        echo "build.sh: test project $project does not exist" >&2
        record "$name" 0 1 0 "missing project"
        return
    fi
    local trx="$TEST_RESULTS/$name.trx"
    set +e
    dotnet test "$project" -c "$CONFIG" \
        --logger "trx;LogFileName=$name.trx" --results-directory "$TEST_RESULTS" \
        --blame-hang-timeout "$TEST_HANG_TIMEOUT" --blame-hang-dump-type none
    rc=$?
    set -e
    if [[ -f $trx ]]; then
        read -r passed failed skipped < <(count_trx "$trx")
        while read -r test; do
            FAILED_TESTS+=("$name: $test")
        done < <(failed_tests_trx "$trx")
    fi
    if [[ ! -f $trx ]]; then
        failed=$((failed + 1))
        note="no test results (exit code $rc): build failure or crash"
    elif ((rc != 0 && failed == 0)); then
        failed=1
        note="exit code $rc with no failed test: test host crashed or run aborted"
    elif ((passed + failed + skipped == 0)); then
        note="warning: ran no tests"
    fi
    record "$name" "$passed" "$failed" "$skipped" "$note"
}

run_test_script() {
    local script=$1 name rc last passed=0 failed=0 skipped=0 note="" log
    name=$(basename "$script")
    log="$TEST_RESULTS/$name.log"
    step "test script $script"
    set +e
    CLOUDHSM_PKCS11_LIB="$LIB" CLOUDHSM_CLI="$CLI" CLOUDHSM_ARTIFACTS="$ARTIFACTS" \
        timeout -k 30s "$TEST_SCRIPT_TIMEOUT" bash "$script" </dev/null | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    last=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1 || true)
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped[[:space:]]*$ ]]; then
        passed=${BASH_REMATCH[1]} failed=${BASH_REMATCH[2]} skipped=${BASH_REMATCH[3]}
        if ((rc != 0 && failed == 0)); then
            failed=1
            note="exit code $rc with no failure counted"
        fi
    else
        failed=$((failed + 1))
        note="exit code $rc; last line is not 'N passed, N failed, N skipped'"
        if ((rc == 124)); then note="timed out after $TEST_SCRIPT_TIMEOUT"; fi
    fi
    record "$name" "$passed" "$failed" "$skipped" "$note"
}

run_tests() {
    rm -rf "$TEST_RESULTS"
    mkdir -p "$TEST_RESULTS"
    export CLOUDHSM_PKCS11_LIB="$LIB"

    local project script
    for project in "${TEST_PROJECTS[@]}"; do
        run_test_project "$project"
    done
    shopt -s nullglob
    for script in "$TEST_SCRIPTS_DIR"/*.sh; do
        run_test_script "$script"
    done
    shopt -u nullglob
    print_summary
}

# The long forms of the robustness tests: the same scripts ./build.sh test runs, for longer.
# run_long_form SECONDS SCRIPT... (the time is already in the scripts' environment)
run_long_form() {
    local seconds=$1 script
    shift
    rm -rf "$TEST_RESULTS"
    mkdir -p "$TEST_RESULTS"
    export CLOUDHSM_PKCS11_LIB="$LIB"
    TEST_SCRIPT_TIMEOUT=$((seconds + 600))s
    for script in "$@"; do
        run_test_script "$script"
    done
    print_summary
}

# The benchmark (issue 6): a measurement, not a test; its exit code is non-zero only if it could not run
# or an operation of ours failed its correctness check.
run_bench() {
    local seconds=$1 args=("$1")
    step "$BENCH_SCRIPT $seconds"
    if [[ ${BENCH_PUBLISH:-0} == 1 ]]; then args+=(--publish); fi
    CLOUDHSM_ARTIFACTS="$ARTIFACTS" bash "$BENCH_SCRIPT" "${args[@]}" </dev/null
}

print_summary() {
    step "summary"
    if ((${#FAILED_TESTS[@]})); then
        echo "failed tests:"
        printf '  %s\n' "${FAILED_TESTS[@]}"
    fi
    printf '%s\n' "${SUMMARY[@]}"
    SUMMARY_PRINTED=1
    echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
    ((TOTAL_FAILED == 0))
}

# ---------------------------------------------------------------------------------------------

main() {
    local seconds=""
    case "${1:-build}" in
        build | test) MODE=${1:-build} ;;
        stress | fuzz | bench)
            MODE=$1
            seconds=${2:-}
            [[ -z $seconds || $seconds =~ ^[1-9][0-9]*$ ]] || { usage >&2; exit 2; }
            (($# <= 2)) || { usage >&2; exit 2; }
            ;;
        -h | --help | help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
    [[ $MODE == stress || $MODE == fuzz || $MODE == bench ]] || (($# <= 1)) || { usage >&2; exit 2; }

    build
    case $MODE in
        test) run_tests ;;
        stress)
            export STRESS_SECONDS=${seconds:-${STRESS_SECONDS:-60}}
            run_long_form "$STRESS_SECONDS" "$STRESS_SCRIPT"
            ;;
        fuzz)
            seconds=${seconds:-600}
            export FUZZ_SECONDS=$((seconds / 2)) FUZZ_MANAGED_SECONDS=$((seconds - seconds / 2))
            run_long_form "$seconds" "${FUZZ_SCRIPTS[@]}"
            ;;
        bench) run_bench "${seconds:-3}" ;;
    esac
}

# Sourcing the script (to try one step) defines the functions without running anything.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    trap on_exit EXIT
    main "$@"
fi
