#!/usr/bin/env bash
# OpenSSL 3 with libp11's "pkcs11" engine over the built library (issue 4, item 1), configured with
# samples/openssl/openssl.cnf: sign a SHA-256 digest with an RSA-2048 and an EC P-256 key held in the
# token and verify with plain OpenSSL; make a self-signed certificate whose key never leaves the token;
# store it back beside its key (same CKA_ID) and find it again; a wrong PIN is refused cleanly.
# Run by `./build.sh test` (CLOUDHSM_PKCS11_LIB is set); prints "N passed, N failed, N skipped" last.
set -uo pipefail

LIB=${CLOUDHSM_PKCS11_LIB:-artifacts/linux-x64/libcloudhsm_pkcs11.so}
LIB=$(realpath "$LIB")
SAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/samples
SAMPLE_CNF=$SAMPLES/openssl/openssl.cnf
passed=0 failed=0 skipped=0
ok() { printf 'ok   %s\n' "$1"; passed=$((passed + 1)); }
fail() { printf 'FAIL %s\n' "$1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | tail -n 20; failed=$((failed + 1)); }
summary() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit $?; }

CHECKS=21
ENGINE_SO=$(sed -n 's/^dynamic_path *= *//p' "$SAMPLE_CNF")
for tool in openssl pkcs11-tool; do
    if ! command -v "$tool" >/dev/null; then
        echo "$tool is not installed (Debian packages openssl, opensc): skipping"
        skipped=$CHECKS
        summary
    fi
done
if [ ! -f "$ENGINE_SO" ]; then
    echo "libp11's engine $ENGINE_SO is missing (Debian package libengine-pkcs11-openssl): skipping"
    skipped=$CHECKS
    summary
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CLOUDHSM_PKCS11_CONF=$work/conf.json
# 1000 KDF iterations keep each login fast; the default (600,000) is for real tokens.
printf '{ "tokenDirectory": "%s/tokens", "pinKdfIterations": 1000 }\n' "$work" >"$CLOUDHSM_PKCS11_CONF"
# The sample configuration, with MODULE_PATH pointed at the library under test.
sed "s#^MODULE_PATH *=.*#MODULE_PATH = $LIB#" "$SAMPLE_CNF" >"$work/openssl.cnf"
SO_PIN=so-Pin-5120
USER_PIN=user-Pin-8861
TOKEN=ossl-engine
T=30 # seconds: a bound on every command that talks to the token
p11() { timeout $T pkcs11-tool --module "$LIB" "$@" >"$work/out" 2>&1; }
# OpenSSL with the engine (the sample configuration) and plain OpenSSL (no configuration at all).
eng() { OPENSSL_CONF=$work/openssl.cnf timeout $T openssl "$@" >"$work/out" 2>&1; }
plain() { OPENSSL_CONF=/dev/null timeout $T openssl "$@" >"$work/out" 2>&1; }
uri() { printf 'pkcs11:token=%s;object=%s;type=%s' "$TOKEN" "$1" "$2"; }

eng engine -t pkcs11 && grep -q 'available' "$work/out" \
    && ok "the sample openssl.cnf loads the pkcs11 engine over the library" || fail "engine -t pkcs11" "$work/out"

p11 --init-token --label "$TOKEN" --so-pin "$SO_PIN" \
    && p11 --token-label "$TOKEN" --init-pin --login --so-pin "$SO_PIN" --pin "$USER_PIN" \
    && p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --keypairgen --key-type rsa:2048 --label rsa-key --id 01 \
    && p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --keypairgen --key-type EC:prime256v1 --label ec-key --id 02 \
    && ok "token with an RSA-2048 (id 01) and an EC P-256 (id 02) key pair" || fail "token and key pairs" "$work/out"
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --list-objects --type privkey \
    && [ "$(grep -c 'Access: *sensitive, always sensitive' "$work/out")" -eq 2 ] \
    && ok "both private keys are sensitive (never readable in plaintext)" || fail "private keys sensitive" "$work/out"

head -c 4096 /dev/urandom >"$work/message.bin"
openssl dgst -sha256 -binary "$work/message.bin" >"$work/digest.bin"
cp "$work/message.bin" "$work/tampered.bin"
printf 'x' >>"$work/tampered.bin"
for key in rsa-key ec-key; do
    # The public key as the token holds it (DER SubjectPublicKeyInfo), converted to PEM by plain OpenSSL.
    p11 --token-label "$TOKEN" --read-object --type pubkey --label "$key" --output-file "$work/$key.pub.der" \
        && plain pkey -pubin -inform DER -in "$work/$key.pub.der" -out "$work/$key.pub.pem" \
        && ok "$key: public key exported from the token" || fail "$key: export the public key" "$work/out"
    eng pkey -engine pkcs11 -inform engine -pubin -in "$(uri "$key" public)" -pubout -out "$work/$key.eng.pub.pem" \
        && cmp -s "$work/$key.pub.pem" "$work/$key.eng.pub.pem" \
        && ok "$key: the engine loads the same public key" || fail "$key: public key through the engine" "$work/out"
    eng pkeyutl -engine pkcs11 -keyform engine -inkey "$(uri "$key" private)?pin-value=$USER_PIN" \
        -sign -pkeyopt digest:sha256 -in "$work/digest.bin" -out "$work/$key.sig" \
        && ok "$key: pkeyutl -engine pkcs11 signs a SHA-256 digest in the token" || fail "$key: pkeyutl -sign" "$work/out"
    plain dgst -sha256 -verify "$work/$key.pub.pem" -signature "$work/$key.sig" "$work/message.bin" \
        && grep -q 'Verified OK' "$work/out" && ! plain dgst -sha256 -verify "$work/$key.pub.pem" -signature "$work/$key.sig" "$work/tampered.bin" \
        && ok "$key: plain OpenSSL verifies the signature (and rejects it over altered data)" || fail "$key: verify" "$work/out"
    # A self-signed certificate: OpenSSL builds it, the token signs it.
    eng req -new -x509 -engine pkcs11 -keyform engine -key "$(uri "$key" private)?pin-value=$USER_PIN" \
        -sha256 -days 30 -subj "/CN=$key.localhost" -addext "subjectAltName=DNS:$key.localhost" -out "$work/$key.crt.pem" \
        && plain verify -CAfile "$work/$key.crt.pem" "$work/$key.crt.pem" \
        && ok "$key: openssl req -x509 -engine pkcs11 makes a self-signed certificate that verifies" || fail "$key: req -x509" "$work/out"
    plain x509 -in "$work/$key.crt.pem" -noout -pubkey && cmp -s "$work/out" "$work/$key.pub.pem" \
        && ok "$key: the certificate's public key is the token's public key" || fail "$key: certificate public key" "$work/out"
done

# The certificate goes back into the token beside its key: same CKA_ID (01), same label.
plain x509 -in "$work/rsa-key.crt.pem" -outform DER -out "$work/rsa-key.crt.der"
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --write-object "$work/rsa-key.crt.der" --type cert --id 01 --label rsa-key \
    && ok "certificate stored in the token with CKA_ID 01" || fail "write the certificate" "$work/out"
p11 --token-label "$TOKEN" --list-objects --type cert \
    && grep -q 'CN=rsa-key.localhost' "$work/out" && grep -q 'ID: *01' "$work/out" \
    && ok "pkcs11-tool lists the certificate (subject and ID 01), without logging in" || fail "list the certificate" "$work/out"
p11 --token-label "$TOKEN" --read-object --type cert --id 01 --output-file "$work/back.der" \
    && cmp -s "$work/rsa-key.crt.der" "$work/back.der" \
    && ok "the certificate read back is byte for byte the one stored" || fail "read the certificate back" "$work/out"
if command -v p11tool >/dev/null; then
    if timeout $T p11tool --provider "$LIB" --list-all-certs >"$work/out" 2>&1 \
        && grep -q "token=$TOKEN;id=%01;object=rsa-key;type=cert" "$work/out"; then
        ok "p11tool (GnuTLS) finds the certificate at pkcs11:token=$TOKEN;id=%01;object=rsa-key;type=cert"
    else
        fail "p11tool --list-all-certs" "$work/out"
    fi
else
    echo "skip p11tool is not installed (Debian package gnutls-bin)"
    skipped=$((skipped + 1))
fi

# The PIN from a file instead of the URI (libp11's pin-source=file:); the file must hold the PIN alone,
# with no newline at the end (libp11 0.4.12 would take the newline as part of the PIN).
printf '%s' "$USER_PIN" >"$work/pin.txt"
chmod 600 "$work/pin.txt"
eng pkeyutl -engine pkcs11 -keyform engine -inkey "$(uri ec-key private)?pin-source=file:$work/pin.txt" \
    -sign -pkeyopt digest:sha256 -in "$work/digest.bin" -out "$work/pin-source.sig" \
    && plain dgst -sha256 -verify "$work/ec-key.pub.pem" -signature "$work/pin-source.sig" "$work/message.bin" \
    && ok "pin-source=file: reads the PIN from a file" || fail "pin-source=file:" "$work/out"

# A wrong PIN: refused with the token's own reason, an ordinary exit (no signal, no core).
eng pkeyutl -engine pkcs11 -keyform engine -inkey "$(uri rsa-key private)?pin-value=wrong-pin-0" \
    -sign -pkeyopt digest:sha256 -in "$work/digest.bin" -out "$work/bad.sig"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -lt 124 ] && grep -q 'PIN incorrect' "$work/out"; then
    ok "a wrong PIN fails with \"PIN incorrect\" (exit $rc, no crash)"
else
    fail "wrong PIN (exit $rc)" "$work/out"
fi

summary
