#!/usr/bin/env bash
# A real Kubernetes control plane for the tests: kube-apiserver built from Debian's source
# package and Debian's etcd, on loopback only, no Docker, no kubelet.
#
#   scripts/test-cluster.sh build   build kube-apiserver (once; cached under ~/.cache)
#   scripts/test-cluster.sh up      start etcd + kube-apiserver, wait for /readyz, write a kubeconfig
#   scripts/test-cluster.sh env     print `export KUBECONFIG=...` for the running cluster
#   scripts/test-cluster.sh down    stop exactly the processes `up` started, remove their data
#
# Facts this relies on (checked on Debian 12):
# - Debian's source package `kubernetes` (bookworm) is Kubernetes 1.20 with its vendor/ folder;
#   it builds offline with Go 1.15 (bullseye's golang-1.15-go); newer Go breaks its vendored
#   dependencies at run time. The tarball lacks the generated OpenAPI file: `make gen_openapi`.
# - etcd comes from Debian's etcd-server (3.4).
#
# Environment:
#   KDM_CLUSTER_DIR    where `up` keeps certificates, data, logs and the kubeconfig
#                      (default: ${TMPDIR:-/tmp}/kubectl-datamodel-test-cluster)
#   KDM_CLUSTER_CACHE  where `build` caches the binary (default: ~/.cache/kubectl-datamodel)
#
# Exit status: 0 done; 1 failed (the message says which step: an apt call that failed on a
# machine that can install, a build that broke); 3 `build` cannot be done here at all (not
# Debian, or no root or sudo); 2 usage.
set -euo pipefail

CACHE="${KDM_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-datamodel}"
DIR="${KDM_CLUSTER_DIR:-${TMPDIR:-/tmp}/kubectl-datamodel-test-cluster}"
GO_PACKAGE=golang-1.15-go
GO_ROOT=/usr/lib/go-1.15
APT_SOURCES=/etc/apt/sources.list.d/kubectl-datamodel-test-cluster.sources
# Every apt call waits up to 10 minutes for another apt or dpkg (unattended upgrades, a
# parallel job) to let go of its lock, instead of failing at once.
APT_GET=(apt-get -o DPkg::Lock::Timeout=600)

say() { printf 'test-cluster: %s\n' "$*" >&2; }
fail() { say "error: $*"; exit 1; }
# Exit status 3: the build cannot be done on this machine at all (not Debian, no root), as
# opposed to 1, a step that went wrong. .ci/run skips the cluster tests on 3 and fails on 1.
impossible() { say "cannot build here: $*"; exit 3; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif sudo -n true 2> /dev/null; then sudo -n "$@"
    else impossible "needs root (or password-less sudo) to run: $*"
    fi
}

# The Kubernetes version Debian's source package builds, e.g. 1.20.2 (from apt, no download).
source_version() {
    apt-cache showsrc kubernetes 2> /dev/null | sed -n 's/^Version: \(.*\)/\1/p' | head -n 1 \
        | sed 's/.*really//; s/-.*//; s/+.*//'
}

binary_path() { echo "$CACHE/kube-apiserver-$1/kube-apiserver"; }

# deb-src for bookworm (the kubernetes source) and bullseye (Go 1.15), once.
add_apt_sources() {
    [ -f "$APT_SOURCES" ] && return 0
    # shellcheck disable=SC1091
    [ "$(. /etc/os-release 2> /dev/null && echo "$ID")" = debian ] \
        || impossible "not Debian: the kube-apiserver is built from Debian's packages"
    say "adding apt sources: deb-src bookworm, deb bullseye ($APT_SOURCES)"
    as_root tee "$APT_SOURCES" > /dev/null <<'EOF'
# Added by kubectl-datamodel's scripts/test-cluster.sh: the kubernetes source and Go 1.15.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian
Suites: bullseye
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    as_root "${APT_GET[@]}" update -qq || fail "apt-get update failed: is a Debian mirror reachable?"
}

install_packages() {
    local missing=()
    for package in "$GO_PACKAGE" etcd-server rsync dpkg-dev make; do
        dpkg-query -W -f '${Status}' "$package" 2> /dev/null | grep -q 'ok installed' \
            || missing+=("$package")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    say "installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive "${APT_GET[@]}" install -y -qq \
        --no-install-recommends "${missing[@]}" > /dev/null \
        || fail "apt-get install ${missing[*]} failed"
}

cmd_build() {
    add_apt_sources
    install_packages
    local version binary
    version="$(source_version)"
    [ -n "$version" ] || fail "apt knows no source package 'kubernetes' (deb-src bookworm?)"
    binary="$(binary_path "$version")"
    if [ -x "$binary" ] && "$binary" --version > /dev/null 2>&1; then
        say "kube-apiserver $version is cached: $binary"
        return 0
    fi
    local work started
    started=$(date +%s)
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' RETURN
    say "fetching Debian's kubernetes source ($version)"
    (cd "$work" && "${APT_GET[@]}" source -qq kubernetes > source.log 2>&1) \
        || { tail -n 20 "$work/source.log" >&2; fail "apt-get source kubernetes failed"; }
    local tree
    tree="$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n 1)"
    [ -d "$tree/cmd/kube-apiserver" ] || fail "no cmd/kube-apiserver in $tree"
    say "building kube-apiserver with Go 1.15 (a few minutes on 2 cores)"
    (
        cd "$tree"
        export PATH="$GO_ROOT/bin:$PATH" GOFLAGS=-mod=vendor CGO_ENABLED=0 GO111MODULE=on
        export GOCACHE="$work/gocache" GOPATH="$work/gopath" GOPROXY=off
        make gen_openapi > "$work/openapi.log" 2>&1 \
            || { tail -n 30 "$work/openapi.log" >&2; exit 1; }
        # /version (client-go's copy) and --version (component-base's) each have their own
        minor="${version#*.}"
        ldflags="-s -w"
        for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
            ldflags+=" -X $package.gitVersion=v$version -X $package.gitMajor=${version%%.*}"
            ldflags+=" -X $package.gitMinor=${minor%%.*} -X $package.gitTreeState=archive"
        done
        go build -o "$work/kube-apiserver" -ldflags "$ldflags" ./cmd/kube-apiserver \
            > "$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; exit 1; }
    ) || fail "building kube-apiserver failed (output above)"
    mkdir -p "$(dirname "$binary")"
    mv "$work/kube-apiserver" "$binary"
    say "built kube-apiserver $version in $(($(date +%s) - started)) s: $binary"
}

# The newest kube-apiserver in the cache, without asking apt (which `up` must not need).
cached_binary() {
    find "$CACHE" -path '*/kube-apiserver-*/kube-apiserver' -type f -perm -u+x 2> /dev/null \
        | sort -V | tail -n 1
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Is the process in $1.pid alive and ours (its command line names this cluster's folder)?
running() {
    local pid
    pid="$(cat "$DIR/$1.pid" 2> /dev/null)" || return 1
    [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "$DIR/"
}

make_certificates() {
    local pki="$DIR/pki"
    mkdir -p "$pki"
    (
        cd "$pki"
        openssl req -x509 -new -nodes -newkey rsa:2048 -keyout ca.key -out ca.crt -days 7 \
            -subj "/CN=kubectl-datamodel-test-ca" 2> /dev/null
        sign() {  # name subject extensions
            openssl req -new -nodes -newkey rsa:2048 -keyout "$1.key" -out "$1.csr" -subj "$2" \
                2> /dev/null
            printf '%b\n' "$3" > "$1.ext"
            openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 7 \
                -extfile "$1.ext" -out "$1.crt" 2> /dev/null
        }
        sign apiserver "/CN=kube-apiserver" \
            'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth'
        sign admin "/O=system:masters/CN=kubectl-datamodel-admin" "extendedKeyUsage=clientAuth"
        openssl genrsa -out service-account.key 2048 2> /dev/null
        openssl rsa -in service-account.key -pubout -out service-account.pub 2> /dev/null
    ) || fail "openssl could not make the certificates in $pki"
}

start() {  # name command...
    local name="$1"
    shift
    setsid nohup "$@" > "$DIR/logs/$name.log" 2>&1 < /dev/null &
    echo $! > "$DIR/$name.pid"
}

wait_ready() {  # port
    local pki="$DIR/pki"
    for _ in $(seq 1 120); do
        if curl -fsS --max-time 2 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" \
            --key "$pki/admin.key" "https://127.0.0.1:$1/readyz" > /dev/null 2>&1; then
            return 0
        fi
        running etcd || { tail -n 20 "$DIR/logs/etcd.log" >&2; return 1; }
        running kube-apiserver || { tail -n 20 "$DIR/logs/kube-apiserver.log" >&2; return 1; }
        sleep 0.5
    done
    tail -n 20 "$DIR/logs/kube-apiserver.log" >&2
    return 1
}

write_kubeconfig() {  # port
    local pki="$DIR/pki"
    cat > "$DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: test-cluster
    cluster:
      server: https://127.0.0.1:$1
      certificate-authority-data: $(base64 -w0 < "$pki/ca.crt")
users:
  - name: admin
    user:
      client-certificate-data: $(base64 -w0 < "$pki/admin.crt")
      client-key-data: $(base64 -w0 < "$pki/admin.key")
contexts:
  - name: test-cluster
    context: {cluster: test-cluster, user: admin}
current-context: test-cluster
EOF
    chmod 600 "$DIR/kubeconfig"
}

cmd_up() {
    if running kube-apiserver && running etcd; then
        say "already up ($DIR)"
        cmd_env
        return 0
    fi
    cmd_down > /dev/null 2>&1 || true  # a half-started cluster from before
    local binary
    binary="$(cached_binary)"
    [ -n "$binary" ] || fail "no kube-apiserver built yet: run $0 build"
    command -v etcd > /dev/null || fail "no etcd: run $0 build (it installs etcd-server)"
    mkdir -p "$DIR/logs" "$DIR/etcd"
    chmod 700 "$DIR" "$DIR/etcd"
    make_certificates
    local client peer port pki="$DIR/pki"
    client="$(free_port)" peer="$(free_port)" port="$(free_port)"
    start etcd etcd --name test-cluster --data-dir "$DIR/etcd/data" \
        --listen-client-urls "http://127.0.0.1:$client" \
        --advertise-client-urls "http://127.0.0.1:$client" \
        --listen-peer-urls "http://127.0.0.1:$peer" \
        --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
        --initial-cluster "test-cluster=http://127.0.0.1:$peer"
    start kube-apiserver "$binary" --etcd-servers "http://127.0.0.1:$client" \
        --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$port" \
        --insecure-port 0 --tls-cert-file "$pki/apiserver.crt" \
        --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
        --service-account-key-file "$pki/service-account.pub" \
        --service-account-signing-key-file "$pki/service-account.key" \
        --service-account-issuer https://kubernetes.default.svc \
        --authorization-mode RBAC --service-cluster-ip-range 10.96.0.0/24 \
        --cert-dir "$pki" --profiling=false
    if ! wait_ready "$port"; then
        cmd_down > /dev/null 2>&1 || true
        fail "kube-apiserver did not become ready (its log is above)"
    fi
    write_kubeconfig "$port"
    say "up: kube-apiserver $("$binary" --version | sed 's/^Kubernetes //') on https://127.0.0.1:$port"
    cmd_env
}

cmd_env() {
    { [ -f "$DIR/kubeconfig" ] && running kube-apiserver; } || fail "not up: run $0 up"
    echo "export KUBECONFIG=$DIR/kubeconfig"
}

cmd_down() {
    local name pid stopped=0
    for name in kube-apiserver etcd; do
        if running "$name"; then
            pid="$(cat "$DIR/$name.pid")"
            kill -TERM "$pid"
            for _ in $(seq 1 40); do kill -0 "$pid" 2> /dev/null || break; sleep 0.25; done
            kill -KILL "$pid" 2> /dev/null || true
            stopped=$((stopped + 1))
        fi
    done
    if [ -d "$DIR" ]; then rm -rf "$DIR"; fi
    say "down ($stopped process$([ "$stopped" -eq 1 ] || echo es) stopped)"
}

case "${1:-}" in
    build) cmd_build ;;
    up) cmd_up ;;
    env) cmd_env ;;
    down) cmd_down ;;
    *) echo "usage: $0 build|up|down|env" >&2; exit 2 ;;
esac
