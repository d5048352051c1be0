#!/usr/bin/env bash
# nginx TLS offload with keys in the HSM (issue 4, item 2), run from samples/nginx/nginx.conf and
# samples/openssl/openssl.cnf: two workers, an RSA-2048 and an ECDSA P-256 key reached through
# OpenSSL 3 and libp11's pkcs11 engine ("engine:pkcs11:pkcs11:..."), TLS 1.2 and TLS 1.3, 500 full
# handshakes spread over both workers (fork safety: the master logs in, each worker re-initialises
# the library and logs in again), and a wrong PIN that stops nginx from starting with a clear message.
# Run by `./build.sh test` (CLOUDHSM_PKCS11_LIB is set); prints "N passed, N failed, N skipped" last.
set -uo pipefail

LIB=${CLOUDHSM_PKCS11_LIB:-artifacts/linux-x64/libcloudhsm_pkcs11.so}
LIB=$(realpath "$LIB")
SAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/samples
SAMPLE_CNF=$SAMPLES/openssl/openssl.cnf
SAMPLE_NGINX=$SAMPLES/nginx/nginx.conf
passed=0 failed=0 skipped=0
ok() { printf 'ok   %s\n' "$1"; passed=$((passed + 1)); }
fail() { printf 'FAIL %s\n' "$1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | tail -n 20; failed=$((failed + 1)); }
summary() { echo "$passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit $?; }

CHECKS=16
ENGINE_SO=$(sed -n 's/^dynamic_path *= *//p' "$SAMPLE_CNF")
NGINX=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; })
for tool in openssl pkcs11-tool curl; do
    if ! command -v "$tool" >/dev/null; then
        echo "$tool is not installed (Debian packages openssl, opensc, curl): skipping"
        skipped=$CHECKS
        summary
    fi
done
if [ -z "$NGINX" ]; then
    echo "nginx is not installed (Debian package nginx): skipping"
    skipped=$CHECKS
    summary
fi
if [ ! -f "$ENGINE_SO" ]; then
    echo "libp11's engine $ENGINE_SO is missing (Debian package libengine-pkcs11-openssl): skipping"
    skipped=$CHECKS
    summary
fi

work=$(mktemp -d)
srv=$work/nginx # the -p prefix; nginx.conf and the certificates are in it too
mkdir -p "$srv/logs" "$srv/tmp"
server_pid='' # the `timeout` wrapper around the nginx master (daemon off)

# Stops the nginx started by start_nginx: TERM (the master stops its workers), then KILL whatever of
# the master and its workers is still there after 10 seconds.
stop_nginx() {
    [ -n "$server_pid" ] || return 0
    local master workers i
    master=$(cat "$srv/logs/nginx.pid" 2>/dev/null)
    workers=$([ -n "$master" ] && pgrep -P "$master" | tr '\n' ' ')
    kill -TERM "$server_pid" 2>/dev/null
    for i in $(seq 1 100); do
        kill -0 "$server_pid" 2>/dev/null || { [ -n "$master" ] && kill -0 "$master" 2>/dev/null; } || break
        sleep 0.1
    done
    if kill -0 "$server_pid" 2>/dev/null || { [ -n "$master" ] && kill -0 "$master" 2>/dev/null; }; then
        echo "nginx did not stop within 10 s: killing it"
        # shellcheck disable=SC2086
        kill -KILL $workers $master "$server_pid" 2>/dev/null
    fi
    wait "$server_pid" 2>/dev/null
    server_pid=''
    rm -f "$srv/logs/nginx.pid"
}
trap 'stop_nginx; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

export CLOUDHSM_PKCS11_CONF=$work/conf.json
# 1000 KDF iterations keep each login fast; the default (600,000) is for real tokens.
printf '{ "tokenDirectory": "%s/tokens", "pinKdfIterations": 1000 }\n' "$work" >"$CLOUDHSM_PKCS11_CONF"
sed "s#^MODULE_PATH *=.*#MODULE_PATH = $LIB#" "$SAMPLE_CNF" >"$work/openssl.cnf"
SO_PIN=so-Pin-3384
USER_PIN=user-Pin-6907
TOKEN=web
T=30 # seconds: a bound on every command that talks to the token
p11() { timeout $T pkcs11-tool --module "$LIB" "$@" >"$work/out" 2>&1; }

# A loopback port nobody listens on, picked now (a race with other programs is possible, but rare).
free_port() {
    local p i
    for i in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        [ "$p" = "${1:-}" ] && continue
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    return 1
}
P_RSA=$(free_port) && P_EC=$(free_port "$P_RSA") || { echo "no free loopback port"; failed=1; summary; }

# The token: an RSA-2048 and an EC P-256 key pair, and a self-signed certificate for each, signed in
# the token through the engine.
p11 --init-token --label "$TOKEN" --so-pin "$SO_PIN" \
    && p11 --token-label "$TOKEN" --init-pin --login --so-pin "$SO_PIN" --pin "$USER_PIN" \
    && p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --keypairgen --key-type rsa:2048 --label rsa-key --id 01 \
    && p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --keypairgen --key-type EC:prime256v1 --label ec-key --id 02 \
    && ok "token with an RSA-2048 and an EC P-256 key pair" || fail "token and key pairs" "$work/out"
certs_ok=1
for key in rsa-key ec-key; do
    OPENSSL_CONF=$work/openssl.cnf timeout $T openssl req -new -x509 -engine pkcs11 -keyform engine \
        -key "pkcs11:token=$TOKEN;object=$key;type=private?pin-value=$USER_PIN" -sha256 -days 30 \
        -subj "/CN=$key.localhost" -addext "subjectAltName=DNS:$key.localhost" -out "$srv/$key.crt.pem" >"$work/out" 2>&1 \
        || { certs_ok=0; fail "$key: self-signed certificate" "$work/out"; }
done
[ "$certs_ok" = 1 ] && ok "self-signed certificates for both keys, signed in the token"

# The sample nginx.conf with this run's ports, token and PIN; the trace variables kept for the workers
# too; and, as root, workers that run as root (the sample's comment: they must reach the token directory).
make_conf() { # $1: PIN, $2: output file
    {
        [ "$(id -u)" = 0 ] && echo "user root root;"
        echo "env CLOUDHSM_PKCS11_TRACE;"
        echo "env CLOUDHSM_PKCS11_TRACE_LEVEL;"
        sed -e "s/127\.0\.0\.1:8443/127.0.0.1:$P_RSA/" -e "s/127\.0\.0\.1:8444/127.0.0.1:$P_EC/" \
            -e "s/token=web;/token=$TOKEN;/" -e "s/pin-value=CHANGE-ME/pin-value=$1/" "$SAMPLE_NGINX"
    } >"$2"
    chmod 600 "$2"
}
make_conf "$USER_PIN" "$srv/nginx.conf"
make_conf wrong-pin-0 "$srv/bad-pin.conf"
if grep -q "127.0.0.1:$P_RSA ssl" "$srv/nginx.conf" && grep -q "127.0.0.1:$P_EC ssl" "$srv/nginx.conf" \
    && [ "$(grep -c "pin-value=$USER_PIN\"" "$srv/nginx.conf")" = 2 ]; then
    ok "configuration made from samples/nginx/nginx.conf"
else
    fail "configuration from the sample (did its listen or ssl_certificate_key lines change?)"
fi

# nginx's environment: the engine through OPENSSL_CONF, the library's configuration, the trace.
NGX_ENV=(OPENSSL_CONF="$work/openssl.cnf" CLOUDHSM_PKCS11_TRACE="$srv/logs/trace.log" CLOUDHSM_PKCS11_TRACE_LEVEL=debug)
ngx() { env "${NGX_ENV[@]}" "$@"; }
ngx timeout $T "$NGINX" -p "$srv" -c "$srv/nginx.conf" -e logs/error.log -t >"$work/out" 2>&1 \
    && grep -q 'test is successful' "$work/out" \
    && ok "nginx -t loads both keys through the engine" || fail "nginx -t" "$work/out"

# Start: a foreground master (daemon off) under a 5-minute safety timeout, stopped by the trap.
started=0
: >"$srv/logs/error.log"
# (A simple command, not a function, so that $! is the pid of `timeout` itself.)
env "${NGX_ENV[@]}" timeout 300 "$NGINX" -p "$srv" -c "$srv/nginx.conf" -e logs/error.log -g 'daemon off;' >"$work/nginx.stdout" 2>&1 &
server_pid=$!
for i in $(seq 1 100); do
    kill -0 "$server_pid" 2>/dev/null || break
    if (exec 3<>"/dev/tcp/127.0.0.1/$P_RSA") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$P_EC") 2>/dev/null \
        && [ -s "$srv/logs/nginx.pid" ] && [ "$(pgrep -P "$(cat "$srv/logs/nginx.pid")" | wc -l)" -ge 2 ]; then
        started=1
        break
    fi
    sleep 0.1
done
master=$(cat "$srv/logs/nginx.pid" 2>/dev/null)
workers=$([ -n "$master" ] && pgrep -P "$master" | sort | tr '\n' ' ')
if [ "$started" = 1 ]; then
    ok "nginx started: master $master, workers $workers"
else
    cat "$work/nginx.stdout" >>"$srv/logs/error.log"
    fail "nginx did not start" "$srv/logs/error.log"
fi

# One request per key and TLS version; --cacert: the served certificate must be the token's.
get() { # $1 key, $2 port, curl options...
    local key=$1 port=$2
    shift 2
    timeout $T curl -sS --max-time 20 --cacert "$srv/$key.crt.pem" --resolve "$key.localhost:$port:127.0.0.1" \
        -D "$work/headers" "$@" "https://$key.localhost:$port/" >"$work/out" 2>&1
}
for pair in rsa-key:$P_RSA:RSA ec-key:$P_EC:ECDSA; do
    IFS=: read -r key port name <<<"$pair"
    get "$key" "$port" --tlsv1.2 --tls-max 1.2 && grep -q "^$name key in the HSM, TLSv1.2" "$work/out" \
        && ok "$name: TLS 1.2 handshake, certificate verified" || fail "$name: TLS 1.2" "$work/out"
    get "$key" "$port" --tlsv1.3 && grep -q "^$name key in the HSM, TLSv1.3" "$work/out" \
        && ok "$name: TLS 1.3 handshake, certificate verified" || fail "$name: TLS 1.3" "$work/out"
done

# 500 requests: four curls at once (RSA/ECDSA x TLS 1.2/1.3), two connections each in parallel, a new
# connection and a full handshake (no session resumption) for every request.
: >"$srv/logs/access.log"
pids=()
for combo in "rsa-key $P_RSA 1.2" "rsa-key $P_RSA 1.3" "ec-key $P_EC 1.2" "ec-key $P_EC 1.3"; do
    read -r key port v <<<"$combo"
    cfg=$work/urls-$key-$v.cfg
    for i in $(seq 1 125); do printf 'url = "https://%s.localhost:%s/?n=%s"\noutput = "/dev/null"\n' "$key" "$port" "$i"; done >"$cfg"
    if [ "$v" = 1.2 ]; then vopts=(--tlsv1.2 --tls-max 1.2); else vopts=(--tlsv1.3); fi
    timeout 90 curl -sS --parallel --parallel-max 2 --no-sessionid -H 'Connection: close' --max-time 20 \
        "${vopts[@]}" --cacert "$srv/$key.crt.pem" --resolve "$key.localhost:$port:127.0.0.1" \
        -w '%{http_code}\n' -K "$cfg" >"$work/codes-$key-$v" 2>"$work/curl-$key-$v.err" &
    pids+=($!)
done
start=$SECONDS
for p in "${pids[@]}"; do wait "$p"; done
elapsed=$((SECONDS - start))
codes=$(cat "$work"/codes-* | grep -c '^200$')
if [ "$codes" = 500 ]; then
    ok "500 of 500 requests answered 200 in ${elapsed}s"
else
    cat "$work"/curl-*.err "$srv/logs/error.log" >"$work/out" 2>/dev/null
    fail "$codes of 500 requests answered 200" "$work/out"
fi
# The access log: each request's worker pid; "." in reused= means a full handshake (the key signed).
lines=$(grep -c ' 200 ' "$srv/logs/access.log")
full=$(grep -c 'reused=\.' "$srv/logs/access.log")
by_worker=$(grep -o 'pid=[0-9]*' "$srv/logs/access.log" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
served_by=$(grep -o 'pid=[0-9]*' "$srv/logs/access.log" | sort -u | wc -l)
if [ "$lines" -ge 500 ] && [ "$full" = "$lines" ] && [ "$served_by" -ge 2 ] \
    && ! grep -q "pid=$master " "$srv/logs/access.log"; then
    ok "both workers served (${by_worker% }), every request a full handshake"
else
    fail "spread over the workers: $lines logged, $full full handshakes, by worker: $by_worker" "$srv/logs/access.log"
fi
# Fork safety, from the library's own trace: each worker initialised the library again, logged in
# again, and signed; nothing went wrong in nginx's error log.
fork_ok=1
for w in $workers; do
    for call in 'C_Initialize\(' 'C_Login\(' 'C_Sign\('; do
        grep -qE "cloudhsm_pkcs11\[$w:[0-9]+\] DEBUG $call.*\) = CKR_OK" "$srv/logs/trace.log" \
            || { fork_ok=0; echo "     worker $w: no successful ${call%\\(} in the trace"; }
    done
done
if [ "$fork_ok" = 1 ] && [ -n "$workers" ]; then
    ok "each worker re-initialised the library, logged in again and signed (trace)"
else
    fail "fork safety (trace)" "$srv/logs/trace.log"
fi
grep -E '\[(alert|crit|emerg|error)\]' "$srv/logs/error.log" >"$work/out"
if [ -s "$work/out" ] || grep -q 'exited on signal' "$srv/logs/error.log"; then
    fail "nginx's error log has errors" "$work/out"
else
    ok "no error, no worker crash in nginx's error log"
fi
stop_nginx

# A wrong PIN: `nginx -t` and a real start both refuse, with the token's reason in the error log.
: >"$srv/logs/error.log"
ngx timeout $T "$NGINX" -p "$srv" -c "$srv/bad-pin.conf" -e logs/error.log -t >"$work/out" 2>&1
rc_t=$?
ngx timeout $T "$NGINX" -p "$srv" -c "$srv/bad-pin.conf" -e logs/error.log -g 'daemon off;' >>"$work/out" 2>&1
rc_start=$?
if [ "$rc_t" = 1 ] && [ "$rc_start" = 1 ] && [ ! -s "$srv/logs/nginx.pid" ] \
    && [ "$(grep -c 'cannot load certificate key.*PIN incorrect' "$srv/logs/error.log")" -ge 2 ]; then
    ok "a wrong PIN: nginx -t and start exit 1 (no crash), error log says \"PIN incorrect\""
else
    cat "$srv/logs/error.log" >>"$work/out"
    fail "wrong PIN (nginx -t exit $rc_t, start exit $rc_start)" "$work/out"
fi

summary
