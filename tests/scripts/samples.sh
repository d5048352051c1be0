#!/usr/bin/env bash
# The C and C# samples (issue 4, item 5), built and run against a throwaway token, as their READMEs say.
#
# samples/c/sign.c: compiles warning-free with the README's cc line; signs and verifies with
# CKM_ECDSA_SHA256 over a session key pair it generates and over a token key found by label; the
# token key's signature also verifies with OpenSSL and the public key pkcs11-tool exports; a wrong
# PIN and an unknown token label end in a non-zero exit naming the problem (the CKR code).
# samples/csharp: builds (outside the source tree) and runs AES-256-GCM encrypt/decrypt and RSA-2048
# SHA256_RSA_PKCS sign/verify through Pkcs11Interop; a wrong PIN exits non-zero with CKR_PIN_INCORRECT.
#
# Run by `./build.sh test` (CLOUDHSM_PKCS11_LIB is set); prints "N passed, N failed, N skipped" last.
set -uo pipefail

LIB=${CLOUDHSM_PKCS11_LIB:-artifacts/linux-x64/libcloudhsm_pkcs11.so}
LIB=$(realpath "$LIB")
SAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/samples
T=60   # seconds allowed to a run; builds get more
passed=0 failed=0 skipped=0
ok() { printf 'ok   %s\n' "$1"; passed=$((passed + 1)); }
fail() { printf 'FAIL %s\n' "$1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | tail -n 25; failed=$((failed + 1)); }
skip() { printf 'skip %s\n' "$1"; skipped=$((skipped + ${2:-1})); }
summary() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit $?; }

C_CHECKS=6 CS_CHECKS=3
if ! command -v pkcs11-tool >/dev/null; then
    echo "pkcs11-tool is not installed (Debian package opensc); it makes the test token: skipping"
    skipped=$((1 + C_CHECKS + CS_CHECKS))
    summary
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CLOUDHSM_PKCS11_CONF=$work/conf.json
# 1000 KDF iterations keep each login fast; the default (600,000) is for real tokens.
printf '{ "tokenDirectory": "%s/tokens", "pinKdfIterations": 1000 }\n' "$work" >"$CLOUDHSM_PKCS11_CONF"
SO_PIN=so-Pin-9046
USER_PIN=user-Pin-2275
TOKEN=samples
p11() { timeout $T pkcs11-tool --module "$LIB" "$@" </dev/null >"$work/out" 2>&1; }

if p11 --init-token --label $TOKEN --so-pin "$SO_PIN" \
    && p11 --token-label $TOKEN --init-pin --login --so-pin "$SO_PIN" --pin "$USER_PIN" \
    && p11 --token-label $TOKEN --login --pin "$USER_PIN" --keypairgen --key-type EC:prime256v1 --label ec-key --id 01; then
    ok "token with an EC P-256 key pair (pkcs11-tool)"
else
    fail "token setup" "$work/out"
    summary
fi

# ---- C ----
sign=$work/sign
if ! command -v cc >/dev/null; then
    skip "C sample: no C compiler (Debian package build-essential)" $C_CHECKS
elif [ ! -f /usr/include/p11-kit-1/p11-kit/pkcs11.h ]; then
    skip "C sample: /usr/include/p11-kit-1/p11-kit/pkcs11.h is missing (Debian package libp11-kit-dev)" $C_CHECKS
elif ! timeout 120 cc -std=c11 -Wall -Wextra -Werror -O2 -I/usr/include/p11-kit-1 -o "$sign" "$SAMPLES/c/sign.c" -ldl >"$work/out" 2>&1; then
    fail "C sample compiles without warnings" "$work/out"
    skip "C sample: not built" $((C_CHECKS - 1))
else
    ok "C sample compiles without warnings"
    run_sign() { PKCS11_PIN=$1 timeout $T "$sign" "$LIB" "${@:2}" </dev/null >"$work/out" 2>&1; }

    run_sign "$USER_PIN" $TOKEN && grep -q '^key: a session EC P-256 key pair' "$work/out" \
        && grep -Eq '^signature \(64 bytes\): [0-9a-f]{128}$' "$work/out" && grep -q '^verify: ok$' "$work/out" \
        && grep -q 'changed message: CKR_SIGNATURE_INVALID' "$work/out" \
        && ok "C sample: generated P-256 pair, ECDSA-SHA256 sign and verify, a changed message fails" || fail "C sample with a generated key pair" "$work/out"

    run_sign "$USER_PIN" $TOKEN ec-key && grep -q '^key: the EC key pair labelled "ec-key"' "$work/out" \
        && grep -q '^verify: ok$' "$work/out" && cp "$work/out" "$work/sign.out" \
        && ok "C sample: sign and verify with the token key found by label" || fail "C sample with the key ec-key" "$work/out"

    # The signature (r||s) as DER, checked by OpenSSL with the public key read out of the token.
    sig=$(sed -n 's/^signature (64 bytes): //p' "$work/sign.out" 2>/dev/null)
    if command -v openssl >/dev/null && [ ${#sig} = 128 ]; then
        sed -n 's/^message: //p' "$work/sign.out" | tr -d '\n' >"$work/message"
        printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' "${sig:0:64}" "${sig:64:64}" >"$work/sig.cnf"
        if p11 --token-label $TOKEN --read-object --type pubkey --label ec-key -o "$work/ec.der" \
            && openssl pkey -pubin -inform der -in "$work/ec.der" -out "$work/ec.pem" >"$work/out" 2>&1 \
            && openssl asn1parse -genconf "$work/sig.cnf" -out "$work/sig.der" >/dev/null 2>"$work/out" \
            && openssl dgst -sha256 -verify "$work/ec.pem" -signature "$work/sig.der" "$work/message" >"$work/out" 2>&1 \
            && grep -q 'Verified OK' "$work/out"; then
            ok "C sample: OpenSSL verifies the token key's signature"
        else
            fail "C sample: OpenSSL verifies the token key's signature" "$work/out"
        fi
    else
        skip "C sample: OpenSSL cross-check (no openssl, or no signature to check)"
    fi

    run_sign "$USER_PIN" no-such-token
    [ $? = 1 ] && grep -q 'no token labelled "no-such-token"' "$work/out" \
        && ok "C sample: an unknown token label exits 1 and says so" || fail "C sample with an unknown token" "$work/out"
    run_sign wrong-Pin-1 $TOKEN ec-key
    [ $? = 1 ] && grep -q 'C_Login failed: CKR_PIN_INCORRECT (0x000000A0)' "$work/out" && ! grep -q '^signature' "$work/out" \
        && ok "C sample: a wrong PIN exits 1 with CKR_PIN_INCORRECT" || fail "C sample with a wrong PIN" "$work/out"
fi

# ---- C# ----
if ! command -v dotnet >/dev/null; then
    skip "C# sample: the .NET SDK is not installed" $CS_CHECKS
else
    # Built outside the source tree (--artifacts-path), so no bin/ or obj/ is left in samples/csharp.
    export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 MSBUILDDISABLENODEREUSE=1
    if timeout 300 dotnet build "$SAMPLES/csharp" -c Release --artifacts-path "$work/dotnet" --disable-build-servers \
        </dev/null >"$work/out" 2>&1; then
        ok "C# sample builds"
        dll=$work/dotnet/bin/Pkcs11Sample/release/pkcs11-sample.dll
        run_cs() { PKCS11_PIN=$1 timeout $T dotnet "$dll" "$LIB" "${@:2}" </dev/null >"$work/out" 2>&1; }

        run_cs "$USER_PIN" $TOKEN && grep -q '^aes-gcm: decrypted, same plaintext$' "$work/out" \
            && grep -q '^aes-gcm: a changed ciphertext is rejected' "$work/out" \
            && grep -q '^rsa: C_Verify: valid$' "$work/out" && grep -q 'changed message: invalid' "$work/out" \
            && grep -q '^rsa: .NET RSA verifies the signature too$' "$work/out" && grep -q '^all checks passed$' "$work/out" \
            && ok "C# sample: AES-256-GCM round trip and RSA-2048 SHA256_RSA_PKCS sign/verify (also checked by .NET)" \
            || fail "C# sample run" "$work/out"
        run_cs wrong-Pin-2 $TOKEN
        [ $? = 1 ] && grep -q 'C_Login failed: CKR_PIN_INCORRECT' "$work/out" \
            && ok "C# sample: a wrong PIN exits 1 with CKR_PIN_INCORRECT" || fail "C# sample with a wrong PIN" "$work/out"
    else
        fail "C# sample builds" "$work/out"
        skip "C# sample: not built" $((CS_CHECKS - 1))
    fi
fi

summary
