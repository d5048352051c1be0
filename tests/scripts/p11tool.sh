#!/usr/bin/env bash
# GnuTLS's p11tool and p11-kit against the built library (issue 4, item 4).
#
# p11tool --provider: a token holding an RSA-2048 pair, an EC P-256 pair (made with pkcs11-tool) and
# a certificate is listed; its objects are listed with and without login (PIN from GNUTLS_PIN); the
# certificate exports byte for byte; --test-sign signs with each private key and verifies with the
# public key in the token; a wrong PIN is refused.
#
# p11-kit: samples/p11-kit/cloudhsm.module, registered in a private configuration directory
# (XDG_CONFIG_HOME=<temp> with "user-config: only", so no system module is loaded and the machine's
# own p11-kit configuration is never read or touched), makes `p11-kit list-modules` show the module
# and its token, p11tool find the token with no --provider, and p11-kit-proxy.so expose it to
# pkcs11-tool. p11-kit ignores user configuration in processes running as root, so as root those
# commands run as the user nobody (setpriv) over a directory that user owns.
#
# Run by `./build.sh test` (CLOUDHSM_PKCS11_LIB is set); prints "N passed, N failed, N skipped" last.
set -uo pipefail

LIB=${CLOUDHSM_PKCS11_LIB:-artifacts/linux-x64/libcloudhsm_pkcs11.so}
LIB=$(realpath "$LIB")   # p11-kit and GnuTLS load a relative module path from their own module directory
SAMPLE_MODULE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/samples/p11-kit/cloudhsm.module
T=60   # seconds allowed to any one command
passed=0 failed=0 skipped=0
ok() { printf 'ok   %s\n' "$1"; passed=$((passed + 1)); }
fail() { printf 'FAIL %s\n' "$1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | tail -n 20; failed=$((failed + 1)); }
skip() { printf 'skip %s\n' "$1"; skipped=$((skipped + ${2:-1})); }
summary() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit $?; }

P11TOOL_CHECKS=7 KIT_CHECKS=4
if ! command -v pkcs11-tool >/dev/null; then
    echo "pkcs11-tool is not installed (Debian package opensc); it makes the test token: skipping"
    skipped=$((1 + P11TOOL_CHECKS + KIT_CHECKS))
    summary
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CLOUDHSM_PKCS11_CONF=$work/conf.json
# 1000 KDF iterations keep each login fast; the default (600,000) is for real tokens.
printf '{ "tokenDirectory": "%s/tokens", "pinKdfIterations": 1000 }\n' "$work" >"$CLOUDHSM_PKCS11_CONF"
SO_PIN=so-Pin-5170
USER_PIN=user-Pin-3382
TOKEN=gnutls
p11() { timeout $T pkcs11-tool --module "$LIB" "$@" </dev/null >"$work/out" 2>&1; }

# The token: RSA-2048 and EC P-256 key pairs and a certificate (made by OpenSSL, stored as DER).
setup_ok=1
p11 --init-token --label $TOKEN --so-pin "$SO_PIN" || setup_ok=0
p11 --token-label $TOKEN --init-pin --login --so-pin "$SO_PIN" --pin "$USER_PIN" || setup_ok=0
p11 --token-label $TOKEN --login --pin "$USER_PIN" --keypairgen --key-type rsa:2048 --label rsa-key --id 01 || setup_ok=0
p11 --token-label $TOKEN --login --pin "$USER_PIN" --keypairgen --key-type EC:prime256v1 --label ec-key --id 02 || setup_ok=0
timeout $T openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/cert.key" -out "$work/cert.pem" -subj /CN=p11tool-test \
    -days 1 >/dev/null 2>&1 && openssl x509 -in "$work/cert.pem" -outform der -out "$work/cert.der" || setup_ok=0
p11 --token-label $TOKEN --login --pin "$USER_PIN" --write-object "$work/cert.der" --type cert --label cert --id 03 || setup_ok=0
if [ $setup_ok = 1 ]; then ok "token with RSA and EC key pairs and a certificate (pkcs11-tool)"; else fail "token setup" "$work/out"; summary; fi

# ---- p11tool --provider ----
if ! command -v p11tool >/dev/null; then
    skip "p11tool is not installed (Debian package gnutls-bin)" $P11TOOL_CHECKS
else
    # GNUTLS_PIN is only ever set for the one command that logs in, and never printed.
    pt() { timeout $T p11tool --provider "$LIB" "$@" </dev/null >"$work/out" 2>&1; }
    ptl() { GNUTLS_PIN=$USER_PIN timeout $T p11tool --provider "$LIB" "$@" --login </dev/null >"$work/out" 2>&1; }
    url="pkcs11:token=$TOKEN"

    pt --list-tokens && grep -q "Label: $TOKEN\$" "$work/out" && grep -q "URL: pkcs11:.*manufacturer=CloudHsmPkcs11;.*token=$TOKEN\$" "$work/out" \
        && ok "p11tool --list-tokens shows the token and its URL" || fail "p11tool --list-tokens" "$work/out"
    pt --list-all "$url" && grep -q 'Type: Public key (RSA-2048)' "$work/out" && grep -q 'Type: Public key (EC/ECDSA-SECP256R1)' "$work/out" \
        && grep -q 'Type: X.509 Certificate' "$work/out" && ! grep -q 'Private key' "$work/out" \
        && ok "p11tool --list-all without login: public keys and certificate, no private key" || fail "p11tool --list-all without login" "$work/out"
    ptl --list-all "$url" && grep -q 'Type: Private key (RSA-2048)' "$work/out" && grep -q 'Type: Private key (EC/ECDSA-SECP256R1)' "$work/out" \
        && grep -q "object=rsa-key;type=private" "$work/out" && grep -q "object=ec-key;type=private" "$work/out" \
        && grep -q "object=cert;type=cert" "$work/out" \
        && ok "p11tool --list-all --login (GNUTLS_PIN) lists the private keys too" || fail "p11tool --list-all --login" "$work/out"
    if pt --export "$url;object=cert;type=cert" && cp "$work/out" "$work/exported.pem" \
        && openssl x509 -in "$work/exported.pem" -outform der 2>/dev/null | cmp -s - "$work/cert.der"; then
        ok "p11tool --export gives back the stored certificate"
    else
        fail "p11tool --export of the certificate" "$work/out"
    fi
    for key in rsa-key:RSA-SHA256 ec-key:ECDSA-SHA256; do
        label=${key%%:*} algo=${key##*:}
        ptl --test-sign "$url;object=$label" && grep -q "Signing using $algo\.\.\. ok" "$work/out" \
            && grep -q 'Verifying against public key in the token... ok' "$work/out" \
            && ok "p11tool --test-sign with $label ($algo, verified with the token's public key)" || fail "p11tool --test-sign $label" "$work/out"
    done
    if GNUTLS_PIN=wrong-Pin-0 timeout $T p11tool --provider "$LIB" --test-sign "$url;object=ec-key" --login </dev/null >"$work/out" 2>&1; then
        fail "a wrong GNUTLS_PIN is refused (p11tool succeeded)" "$work/out"
    else
        grep -qi 'wrong' "$work/out" && ok "a wrong GNUTLS_PIN is refused" || fail "a wrong GNUTLS_PIN is refused" "$work/out"
    fi
fi

# ---- p11-kit, through the sample module file in a private configuration ----
kit=$work/kit
run_as=()
if ! command -v p11-kit >/dev/null; then
    skip "p11-kit is not installed (Debian package p11-kit)" $KIT_CHECKS
elif [ -f /etc/pkcs11/pkcs11.conf ] && grep -Eq '^[[:space:]]*user-config[[:space:]]*:[[:space:]]*none' /etc/pkcs11/pkcs11.conf; then
    skip "this machine's /etc/pkcs11/pkcs11.conf forbids user configuration (user-config: none)" $KIT_CHECKS
elif [ "$(id -u)" = 0 ] && ! { command -v setpriv >/dev/null && id -u nobody >/dev/null 2>&1; }; then
    skip "running as root without setpriv or the user nobody (p11-kit reads no user config as root)" $KIT_CHECKS
else
    mkdir -p "$kit/xdg/pkcs11/modules"
    cp "$LIB" "$kit/libcloudhsm_pkcs11.so"
    printf 'user-config: only\n' >"$kit/xdg/pkcs11/pkcs11.conf"
    sed "s|^module:.*|module: $kit/libcloudhsm_pkcs11.so|" "$SAMPLE_MODULE" >"$kit/xdg/pkcs11/modules/cloudhsm.module"
    printf '{ "tokenDirectory": "%s/tokens", "pinKdfIterations": 1000 }\n' "$kit" >"$kit/conf.json"
    if [ "$(id -u)" = 0 ]; then
        chmod 711 "$work"   # nobody may pass through to $kit, not list or read the rest
        chown -R nobody: "$kit"
        run_as=(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups)
    fi
    # HOME too, so nothing is read from the real ~/.config even by a p11-kit that ignored XDG_CONFIG_HOME.
    kitrun() (
        cd "$kit" && "${run_as[@]}" env HOME="$kit" XDG_CONFIG_HOME="$kit/xdg" CLOUDHSM_PKCS11_CONF="$kit/conf.json" \
            timeout $T "$@" </dev/null >"$work/out" 2>&1
    )
    kitrun pkcs11-tool --module "$kit/libcloudhsm_pkcs11.so" --init-token --label kit-token --so-pin "$SO_PIN" || fail "init the p11-kit test token" "$work/out"

    if kitrun p11-kit list-modules && grep -q "^cloudhsm: $kit/libcloudhsm_pkcs11.so" "$work/out" \
        && grep -q 'library-manufacturer: CloudHsmPkcs11' "$work/out" && grep -q '^    token: kit-token$' "$work/out"; then
        ok "p11-kit list-modules shows the sample module and its token"
    else
        fail "p11-kit list-modules" "$work/out"
    fi
    modules=$(grep -c '^[^[:space:]].*: ' "$work/out")
    [ "$modules" = 1 ] && ok "only our module is loaded: the private config is used, the system's is not" \
        || fail "only our module is loaded ($modules modules listed)" "$work/out"
    if command -v p11tool >/dev/null; then
        kitrun p11tool --list-tokens && grep -q 'Label: kit-token$' "$work/out" \
            && ok "p11tool without --provider finds the token through p11-kit" || fail "p11tool through p11-kit" "$work/out"
    else
        skip "p11tool through p11-kit: p11tool is not installed"
    fi
    proxy=$(pkg-config --variable=proxy_module p11-kit-1 2>/dev/null)
    [ -f "${proxy:-}" ] || proxy=$(ls /usr/lib/*/p11-kit-proxy.so /usr/lib/p11-kit-proxy.so 2>/dev/null | head -n 1)
    if [ -f "${proxy:-}" ]; then
        kitrun pkcs11-tool --module "$proxy" -L && grep -q 'token label *: kit-token' "$work/out" \
            && ok "pkcs11-tool through p11-kit-proxy.so sees the token" || fail "pkcs11-tool through p11-kit-proxy.so" "$work/out"
    else
        skip "p11-kit-proxy.so not found"
    fi
fi

summary
