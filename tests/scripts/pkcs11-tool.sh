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
# Keys made in the token, then pkcs11-tool's own signature/verify/decrypt tests over them. --allow-sw:
# pkcs11-tool only tests mechanisms flagged CKF_HW unless told otherwise, and this token is software.
p11 --token-label interop --login --pin "$USER_PIN" --keypairgen --key-type rsa:2048 --label rsa-key --id 01 \
    && ok "RSA-2048 key pair generated" || fail "RSA key pair" "$work/out"
p11 --token-label interop --login --pin "$USER_PIN" --keypairgen --key-type EC:prime256v1 --label ec-key --id 02 \
    && ok "EC P-256 key pair generated" || fail "EC key pair" "$work/out"
p11 --token-label interop --login --pin "$USER_PIN" --keypairgen --key-type EC:edwards25519 --label ed-key --id 03 \
    && ok "Ed25519 key pair generated" || fail "Ed25519 key pair" "$work/out"
p11 --token-label interop --login --pin "$USER_PIN" --keygen --key-type AES:32 --label aes-key --id 04 \
    && ok "AES-256 key generated" || fail "AES key" "$work/out"
p11 --token-label interop --login --pin "$USER_PIN" --test --allow-sw \
    && grep -q 'No errors' "$work/out" && grep -q 'SHA256-RSA-PKCS: OK' "$work/out" && grep -q 'RSA-PKCS-OAEP' "$work/out" \
    && ok "pkcs11-tool --test over RSA keys (sign, verify, decrypt)" || fail "pkcs11-tool --test --allow-sw" "$work/out"
head -c 1000 /dev/urandom >"$work/message.bin"
for mech in ECDSA-SHA256:02 EDDSA:03 SHA256-RSA-PKCS-PSS:01; do
    m=${mech%%:*} id=${mech##*:}
    if p11 --token-label interop --login --pin "$USER_PIN" --sign -m "$m" --id "$id" -i "$work/message.bin" -o "$work/sig.bin" \
        && p11 --token-label interop --login --pin "$USER_PIN" --verify -m "$m" --id "$id" -i "$work/message.bin" --signature-file "$work/sig.bin" \
        && grep -q 'Signature is valid' "$work/out"; then
        ok "sign and verify with $m"
    else
        fail "sign and verify with $m" "$work/out"
    fi
done

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
