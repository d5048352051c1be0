#!/usr/bin/env bash
# Java 17's SunPKCS11 provider over the built library (issue 4, item 3), with the sample provider
# configuration samples/java/cloudhsm-pkcs11.cfg: keytool makes RSA and EC key pairs with
# self-signed certificates in the token and lists them; samples/java/Pkcs11Test.java signs and
# verifies (SHA256withRSA, RSASSA-PSS, SHA256withECDSA) and runs AES/GCM/NoPadding with keys made
# in the token, from 8 threads at once, while the JVM takes its own hardware faults (the library's
# NativeAOT runtime and the JVM share the process's signal handlers).
# Run by `./build.sh test` (CLOUDHSM_PKCS11_LIB is set); prints "N passed, N failed, N skipped" last.
set -uo pipefail

LIB=${CLOUDHSM_PKCS11_LIB:-artifacts/linux-x64/libcloudhsm_pkcs11.so}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SAMPLES=$HERE/../../samples/java
passed=0 failed=0 skipped=0
ok() { printf 'ok   %s\n' "$1"; passed=$((passed + 1)); }
fail() { printf 'FAIL %s\n' "$1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | tail -n 25; failed=$((failed + 1)); }
summary() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit $?; }

java_major=$(timeout 30 java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
java_major=${java_major%%.*} # "17", or "1" for Java 8's "1.8"
if ! command -v keytool >/dev/null || ! [ "${java_major:-0}" -ge 17 ] 2>/dev/null; then
    echo "a Java 17+ JDK (java and keytool) is not installed (Debian package openjdk-17-jdk-headless): skipping"
    skipped=1
    summary
fi
if ! command -v pkcs11-tool >/dev/null; then
    echo "pkcs11-tool is not installed (Debian package opensc), needed to initialise the token: skipping"
    skipped=1
    summary
fi
LIB=$(cd "$(dirname "$LIB")" && pwd)/$(basename "$LIB") # SunPKCS11 wants an absolute path

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CLOUDHSM_PKCS11_CONF=$work/conf.json
# 1000 KDF iterations keep each login fast; the default (600,000) is for real tokens.
printf '{ "tokenDirectory": "%s/tokens", "pinKdfIterations": 1000 }\n' "$work" >"$CLOUDHSM_PKCS11_CONF"
SO_PIN=so-Pin-5129
# keytool and the Java program read the PIN from the environment (keytool's -storepass:env), never argv.
export CLOUDHSM_PIN=user-Pin-8863
# Crash reports (hs_err_pid*.log) land in $work, where the checks below look for them.
JVM_OPTS=(-XX:ErrorFile="$work/hs_err_pid%p.log")

p11() { timeout -k 5 30 pkcs11-tool --module "$LIB" "$@" >"$work/out" 2>&1; }
p11 --init-token --label java --so-pin "$SO_PIN" \
    && p11 --token-label java --init-pin --login --so-pin "$SO_PIN" --pin "$CLOUDHSM_PIN" \
    && ok "token initialised with pkcs11-tool" || fail "token initialised with pkcs11-tool" "$work/out"

# The sample configuration, with only the library path changed.
cfg=$work/cloudhsm-pkcs11.cfg
sed "s|^library = .*|library = $LIB|" "$SAMPLES/cloudhsm-pkcs11.cfg" >"$cfg"
if grep -qx "library = $LIB" "$cfg" && grep -qx 'name = CloudHsm' "$cfg" && grep -qx 'slotListIndex = 0' "$cfg"; then
    ok "sample SunPKCS11 configuration pointed at the library"
else
    fail "sample SunPKCS11 configuration" "$cfg"
fi

kt() {
    timeout -k 5 60 keytool -J-XX:ErrorFile="$work/hs_err_pid%p.log" "$@" -storetype PKCS11 \
        -providerClass sun.security.pkcs11.SunPKCS11 -providerArg "$cfg" -storepass:env CLOUDHSM_PIN >"$work/out" 2>&1 </dev/null
}
# keytool -genkeypair on a PKCS11 keystore: C_GenerateKeyPair in the token, then the self-signed
# certificate (signed by the new private key in the token) stored as a certificate object whose
# CKA_ID is the private key's.
kt -genkeypair -alias rsa-key -keyalg RSA -keysize 2048 -sigalg SHA256withRSA -dname CN=rsa-key -validity 30 \
    && ok "keytool -genkeypair RSA-2048 + self-signed certificate in the token" || fail "keytool -genkeypair RSA" "$work/out"
kt -genkeypair -alias ec-key -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA -dname CN=ec-key -validity 30 \
    && ok "keytool -genkeypair EC P-256 + self-signed certificate in the token" || fail "keytool -genkeypair EC" "$work/out"
if kt -list && grep -q 'Your keystore contains 2 entries' "$work/out" \
    && grep -q '^rsa-key, PrivateKeyEntry' "$work/out" && grep -q '^ec-key, PrivateKeyEntry' "$work/out"; then
    ok "keytool -list: both PrivateKeyEntry (key + certificate) seen again from a new JVM"
else
    fail "keytool -list" "$work/out"
fi
if kt -list -v -alias ec-key && grep -q 'Owner: CN=ec-key' "$work/out" && grep -q 'Signature algorithm name: SHA256withECDSA' "$work/out"; then
    ok "keytool -list -v: the EC entry's certificate"
else
    fail "keytool -list -v -alias ec-key" "$work/out"
fi
# The same objects as another PKCS#11 consumer sees them: the certificate shares the key's CKA_ID.
p11 --token-label java --login --pin "$CLOUDHSM_PIN" --list-objects
if [ "$(grep -A3 '^Certificate Object' "$work/out" | grep -c 'ID:')" -eq 2 ] \
    && [ "$(grep -A3 '^Private Key Object' "$work/out" | grep 'ID:' | sort | uniq | wc -l)" -eq 2 ] \
    && diff <(grep -A3 '^Certificate Object' "$work/out" | sed -n 's/^ *ID: *//p' | sort) \
            <(grep -A3 '^Private Key Object' "$work/out" | sed -n 's/^ *ID: *//p' | sort) >/dev/null; then
    ok "pkcs11-tool sees keytool's keys and certificates, paired by CKA_ID"
else
    fail "pkcs11-tool --list-objects after keytool" "$work/out"
fi

# The Java program: every line it prints is a check of its own ("ok   …" / "FAIL …").
THREADS=8 ITERATIONS=20
start=$SECONDS
timeout -k 5 120 java "${JVM_OPTS[@]}" "$SAMPLES/Pkcs11Test.java" "$cfg" "$THREADS" "$ITERATIONS" >"$work/java.out" 2>"$work/java.err" </dev/null
rc=$?
sed -n '/^ok   /p; /^FAIL /p; /^     /p' "$work/java.out"
passed=$((passed + $(grep -c '^ok   ' "$work/java.out")))
failed=$((failed + $(grep -c '^FAIL ' "$work/java.out")))
if [ "$rc" -eq 0 ] && grep -q '^[0-9]* passed, 0 failed$' "$work/java.out"; then
    ok "Pkcs11Test.java exits 0 ($THREADS threads x $ITERATIONS rounds, $((SECONDS - start)) s with JVM start-up)"
else
    [ "$rc" -eq 124 ] && echo "     timed out after 120 s (hang?)"
    cat "$work/java.out" >>"$work/java.err"
    fail "Pkcs11Test.java exits 0 (exit status $rc)" "$work/java.err"
fi

# -Xcheck:jni: SunPKCS11's JNI layer checked on every call. The JVM also notices, and says, that
# the library's runtime took over SIGSEGV/SIGFPE (it passes on faults that are not its own, which
# the fault checks in Pkcs11Test prove); that notice is expected, any other JNI warning is not.
timeout -k 5 120 java "${JVM_OPTS[@]}" -Xcheck:jni "$SAMPLES/Pkcs11Test.java" "$cfg" 2 2 >"$work/jni.out" 2>"$work/jni.err" </dev/null
rc=$?
if [ "$rc" -eq 0 ] && ! grep -Eq 'WARNING in native method|FATAL ERROR in native method' "$work/jni.out" "$work/jni.err"; then
    ok "-Xcheck:jni: no JNI warnings"
else
    cat "$work/jni.out" >>"$work/jni.err"
    fail "-Xcheck:jni (exit status $rc)" "$work/jni.err"
fi
# With the JDK's libjsig preloaded (the JVM's documented way to share signals with native
# libraries), the JVM keeps its handlers first in line and -Xcheck:jni has nothing to report.
jsig=$(find "$(dirname "$(readlink -f "$(command -v java)")")/../lib" -name libjsig.so 2>/dev/null | head -n 1)
if [ -n "$jsig" ]; then
    LD_PRELOAD=$jsig timeout -k 5 120 java "${JVM_OPTS[@]}" -Xcheck:jni "$SAMPLES/Pkcs11Test.java" "$cfg" 2 2 \
        >"$work/jsig.out" 2>"$work/jsig.err" </dev/null
    rc=$?
    if [ "$rc" -eq 0 ] && ! grep -q 'handler modified' "$work/jsig.err"; then
        ok "with LD_PRELOAD=libjsig.so: runs, and the JVM's signal handlers stay in place"
    else
        cat "$work/jsig.out" >>"$work/jsig.err"
        fail "with LD_PRELOAD=libjsig.so (exit status $rc)" "$work/jsig.err"
    fi
else
    echo "skip libjsig.so not found in the JDK"
    skipped=$((skipped + 1))
fi

# A wrong PIN: keytool fails (no hang, no crash) and the cause is CKR_PIN_INCORRECT.
CLOUDHSM_PIN=wrong-Pin-0000 kt -list -v
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -lt 124 ] && grep -q 'CKR_PIN_INCORRECT' "$work/out"; then
    ok "keytool -list with a wrong PIN fails with CKR_PIN_INCORRECT"
else
    fail "keytool -list with a wrong PIN" "$work/out"
fi

crashes=("$work"/hs_err_pid*.log)
if [ -e "${crashes[0]}" ]; then
    fail "no JVM crash reports (hs_err_pid*.log)" "${crashes[0]}"
else
    ok "no JVM crash reports (hs_err_pid*.log)"
fi

summary
