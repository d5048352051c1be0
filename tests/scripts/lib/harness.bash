# Sourced by the test scripts that build a C helper from tests/native/ and drive the library with it
# (crash-safety.sh, fuzz.sh, multi-process.sh, stress.sh): the one place for the result contract
# ./build.sh relies on — "ok"/"FAIL" lines and a last line "N passed, N failed, N skipped" — and for the
# prerequisites they share. Not a test itself: ./build.sh runs tests/scripts/*.sh only.

passed=0 failed=0 skipped=0

ok() { printf 'ok   %s\n' "$1"; passed=$((passed + 1)); }

# fail WHAT [LOG [LINES]]: counts a failure and shows the last LINES (default 40) of LOG, indented.
fail() {
    printf 'FAIL %s\n' "$1"
    [ -n "${2:-}" ] && sed 's/^/     /' "$2" | tail -n "${3:-40}"
    failed=$((failed + 1))
}

summary() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit $?; }

# require_c_toolchain [SKIPPED]: without cc or Debian's PKCS#11 header the script cannot build its helper,
# so it ends here, counting SKIPPED (default 1) skips.
require_c_toolchain() {
    if ! command -v cc >/dev/null; then
        echo "no C compiler (cc): skipping"; skipped=${1:-1}; summary
    fi
    if [ ! -f /usr/include/p11-kit-1/p11-kit/pkcs11.h ]; then
        echo "no PKCS#11 header (/usr/include/p11-kit-1/p11-kit/pkcs11.h, Debian package libp11-kit-dev): skipping"
        skipped=${1:-1}; summary
    fi
}

# require_library: the module under test must exist (a failure, not a skip); LIB becomes an absolute path.
require_library() {
    if [ ! -f "$LIB" ]; then
        echo "no library at $LIB"; failed=1; summary
    fi
    LIB=$(realpath "$LIB")
}
