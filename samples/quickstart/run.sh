#!/usr/bin/env bash
# Quickstart: create a token in a throwaway directory with cloudhsm-cli, set its PINs, and look at
# it. Needs ./build.sh to have run (or CLOUDHSM_ARTIFACTS naming a directory with cloudhsm-cli and
# libcloudhsm_pkcs11.so). Leaves nothing behind; exits non-zero if any step fails.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ARTIFACTS=${CLOUDHSM_ARTIFACTS:-$HERE/../../artifacts/linux-x64}
CLI="$ARTIFACTS/cloudhsm-cli"

for file in "$CLI" "$ARTIFACTS/libcloudhsm_pkcs11.so"; do
    [[ -f $file ]] || { echo "quickstart: $file not found: run ./build.sh first" >&2; exit 1; }
done

umask 077 # the PIN files and the token directory: owner only
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cloudhsm-quickstart.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/tokens"

# The whole embedded configuration is the token directory. pinKdfIterations is 1000
# because this token is thrown away at the end: every login then takes microseconds. A real token
# keeps the default, 600000 PBKDF2 iterations, which is what makes a stolen token directory slow
# to attack (docs/storage-encryption.md).
cat >"$WORK/pkcs11.json" <<JSON
{
  "tokenDirectory": "$WORK/tokens",
  "pinKdfIterations": 1000
}
JSON
export CLOUDHSM_PKCS11_CONF="$WORK/pkcs11.json"

# PINs go in files (first line), never on the command line.
printf '%s\n' 'quickstart-so-pin' >"$WORK/so.pin"
printf '%s\n' 'quickstart-user-pin' >"$WORK/user.pin"

echo "Quickstart in $WORK, CLOUDHSM_PKCS11_CONF=$CLOUDHSM_PKCS11_CONF:"
sed 's/^/    /' "$CLOUDHSM_PKCS11_CONF"

run() {
    printf '\n$ cloudhsm-cli %s\n' "$*"
    local rc=0
    "$CLI" "$@" || rc=$?
    if ((rc != 0)); then
        echo "quickstart: 'cloudhsm-cli $*' failed with exit code $rc" >&2
        exit "$rc"
    fi
}

run token list
run token init --label quickstart --so-pin-file "$WORK/so.pin"
run pin init --token-label quickstart --so-pin-file "$WORK/so.pin" --pin-file "$WORK/user.pin"
run token info --token-label quickstart
run mech list --token-label quickstart
run random --bytes 32 --token-label quickstart
run object list --token-label quickstart --login --pin-file "$WORK/user.pin"

printf '\nquickstart: ok\n'
