#!/usr/bin/env bash
# OpenSC's pkcs11-tool against the built library, as an operator would use it (issue 2's "done when"):
# init the token and the user PIN, store objects, see them again from a new process, list mechanisms,
# run pkcs11-tool's own --test. Also: the diagnostic trace names every call but never a PIN or a
# secret value, and a bad configuration fails C_Initialize with a message that names the problem.
# Run by `./build.sh test` (CLOUDHSM_PKCS11_LIB is set); prints "N passed, N failed, N skipped" last.
set -uo pipefail

LIB=${CLOUDHSM_PKCS11_LIB:-artifacts/linux-x64/libcloudhsm_pkcs11.so}
passed=0 failed=0 skipped=0
ok() { printf 'ok   %s\n' "$1"; passed=$((passed + 1)); }
fail() { printf 'FAIL %s\n' "$1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | tail -n 20; failed=$((failed + 1)); }
summary() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit $?; }

if ! command -v pkcs11-tool >/dev/null; then
    echo "pkcs11-tool is not installed (Debian package opensc): skipping"
    skipped=1
    summary
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CLOUDHSM_PKCS11_CONF=$work/conf.json
# 1000 KDF iterations keep each login fast; the default (600,000) is for real tokens.
printf '{ "tokenDirectory": "%s/tokens", "pinKdfIterations": 1000 }\n' "$work" >"$CLOUDHSM_PKCS11_CONF"
SO_PIN=so-Pin-7731
USER_PIN=user-Pin-4420
p11() { pkcs11-tool --module "$LIB" "$@" >"$work/out" 2>&1; }

p11 --init-token --label interop --so-pin "$SO_PIN" \
    && grep -q 'successfully initialized' "$work/out" && ok "init-token" || fail "init-token" "$work/out"
p11 --token-label interop --init-pin --login --so-pin "$SO_PIN" --pin "$USER_PIN" \
    && ok "init-pin" || fail "init-pin" "$work/out"
p11 -L && grep -q 'token label *: interop' "$work/out" && grep -q 'PIN initialized' "$work/out" \
    && ok "list-slots shows the initialised token" || fail "list-slots" "$work/out"

head -c 48 /dev/urandom >"$work/secret.bin"
p11 --token-label interop --login --pin "$USER_PIN" --write-object "$work/secret.bin" --type data --label kept --private \
    && ok "write a private data object" || fail "write-object" "$work/out"
p11 --token-label interop --list-objects && ! grep -q "label: *'kept'" "$work/out" \
    && ok "private object hidden without login" || fail "private object hidden without login" "$work/out"
p11 --token-label interop --login --pin "$USER_PIN" --list-objects && grep -q "label: *'kept'" "$work/out" \
    && ok "object seen again from a new process after login" || fail "list-objects after login" "$work/out"
p11 --token-label interop --login --pin "$USER_PIN" --read-object --type data --label kept --output-file "$work/back.bin" \
    && cmp -s "$work/secret.bin" "$work/back.bin" && ok "read the object back" || fail "read-object" "$work/out"
p11 --token-label interop -M && grep -q 'SHA256' "$work/out" && ok "list-mechanisms" || fail "list-mechanisms" "$work/out"
p11 --token-label interop --login --pin "$USER_PIN" --test && grep -q 'No errors' "$work/out" \
    && ok "pkcs11-tool --test" || fail "pkcs11-tool --test" "$work/out"
p11 --token-label interop --login --pin wrong-pin-1 --list-objects
grep -q 'CKR_PIN_INCORRECT' "$work/out" && ok "a wrong PIN is CKR_PIN_INCORRECT" || fail "wrong PIN" "$work/out"

# The trace: one line per call, never a PIN or a value.
trace=$work/trace.log
CLOUDHSM_PKCS11_TRACE=$trace CLOUDHSM_PKCS11_TRACE_LEVEL=debug \
    pkcs11-tool --module "$LIB" --token-label interop --login --pin "$USER_PIN" --read-object --type data --label kept \
    --output-file "$work/back2.bin" >"$work/out" 2>&1
if grep -q 'C_Login' "$trace" && grep -q 'C_GetAttributeValue' "$trace"; then ok "trace names the calls"; else fail "trace names the calls" "$trace"; fi
secret_hex=$(od -An -tx1 -v "$work/secret.bin" | tr -d ' \n')
if grep -qF "$USER_PIN" "$trace" || grep -qiF "${secret_hex:0:32}" "$trace" || grep -qaF "$(head -c 12 "$work/secret.bin")" "$trace"; then
    fail "trace holds no PIN and no value" "$trace"
else
    ok "trace holds no PIN and no value"
fi

# A bad configuration: C_Initialize fails and says why, on stderr, with no trace switch set.
printf '{ "tokenDirectory": "%s/tokens", "tokenDirectroy": "typo" }\n' "$work" >"$work/bad.json"
CLOUDHSM_PKCS11_CONF=$work/bad.json pkcs11-tool --module "$LIB" -L >"$work/out" 2>&1
if grep -q 'unknown key "tokenDirectroy"' "$work/out"; then ok "bad config is named on stderr"; else fail "bad config is named on stderr" "$work/out"; fi

summary
