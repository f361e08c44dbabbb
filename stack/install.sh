#!/usr/bin/env bash
# Installs the native observability stack into .stack/bin/ without Docker:
#   otelcol       built by ocb from otel-collector/builder-config.yaml
#   jaeger        Jaeger v2, built from its Go module
#   alertmanager, amtool
#   mailpit       the local inbox for alert email, built from its Go module
#   prometheus, promtool   Debian's package, linked into .stack/bin/
#   promtool-image         promtool of the Compose image's Prometheus (3.x),
#                          built from its Go module, so rules are tested on both
# Versions come from .env.example only (the pins the Compose images use too).
# Idempotent: a second run checks each binary's version and returns without
# touching the network.
#
# Go writes only to .stack/ inside the repository (GOBIN, ocb's output_path,
# `go build -o`); its module and build caches stay in their usual places under
# $HOME. Builds run one at a time: each takes minutes and up to ~3.5 GB RSS.
#
# Environment: INFERWATCH_STACK_DIR (default <repo>/.stack).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# Only the pins are read, not the whole file: sourcing it would also set (and,
# for variables already exported, pass on) its API and Compose settings.
pin() {
  local value
  value=$(sed -n "s/^$1=//p" .env.example)
  [ -n "$value" ] || { printf '[stack] error: .env.example has no %s\n' "$1" >&2; exit 1; }
  printf '%s' "$value"
}
OTELCOL_VERSION=$(pin OTELCOL_VERSION)
OTELCOL_STABLE_VERSION=$(pin OTELCOL_STABLE_VERSION)
JAEGER_VERSION=$(pin JAEGER_VERSION)
JAEGER_MODULE_VERSION=$(pin JAEGER_MODULE_VERSION)
ALERTMANAGER_VERSION=$(pin ALERTMANAGER_VERSION)
MAILPIT_VERSION=$(pin MAILPIT_VERSION)
PROMETHEUS_VERSION=$(pin PROMETHEUS_VERSION)
PROMETHEUS_IMAGE_VERSION=$(pin PROMETHEUS_IMAGE_VERSION)
GO_MIN_VERSION=$(pin GO_MIN_VERSION)

STACK_DIR=${INFERWATCH_STACK_DIR:-$ROOT/.stack}
BIN=$STACK_DIR/bin
BUILD=$STACK_DIR/build
MANIFEST=otel-collector/builder-config.yaml

export GOBIN=$BIN
export GOFLAGS="-buildvcs=false -trimpath"
# A module asking for a newer Go must fail here with a clear message, not
# trigger a toolchain download.
export GOTOOLCHAIN=local

say() { printf '[stack] %s\n' "$*"; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

# Prints "<name> <version>: <what>" and runs the build, timing it.
timed() {
  local label=$1
  shift
  local start=$SECONDS
  say "$label: building (this takes minutes) ..."
  "$@"
  say "$label: built in $((SECONDS - start))s"
}

require_go() {
  command -v go >/dev/null || die "Go >= $GO_MIN_VERSION is needed to build the stack (not found on PATH)"
  local have
  have=$(go env GOVERSION)
  have=${have#go}
  if [ "$(printf '%s\n%s\n' "$GO_MIN_VERSION" "$have" | sort -V | head -n1)" != "$GO_MIN_VERSION" ]; then
    die "Go >= $GO_MIN_VERSION is needed, found $have"
  fi
}

# ocb cannot read variables, so the manifest repeats the pins: refuse to build
# a collector whose components disagree with .env.example.
check_manifest_pins() {
  local bad
  bad=$(awk -v beta="v$OTELCOL_VERSION" -v stable="v$OTELCOL_STABLE_VERSION" '
    /^[[:space:]]*- gomod:/ {
      want = ($3 ~ /\/confmap\/provider\//) ? stable : beta
      if ($4 != want) print "  " $3 " " $4 " (want " want ")"
    }' "$MANIFEST")
  [ -z "$bad" ] || die "$MANIFEST disagrees with .env.example:
$bad"
  grep -q "^  version: $OTELCOL_VERSION-inferwatch\$" "$MANIFEST" \
    || die "$MANIFEST: dist.version must be $OTELCOL_VERSION-inferwatch"
}

install_otelcol() {
  local out=$BUILD/otelcol
  local stamp=$out/.manifest.sha256
  local want
  want=$(sha256sum "$MANIFEST" | cut -d' ' -f1)
  check_manifest_pins
  if [ -x "$out/otelcol" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    say "otelcol $OTELCOL_VERSION: up to date"
  else
    require_go
    if ! "$BIN/builder" version 2>/dev/null | grep -q "v$OTELCOL_VERSION\$"; then
      timed "builder $OTELCOL_VERSION" \
        go install "go.opentelemetry.io/collector/cmd/builder@v$OTELCOL_VERSION"
    fi
    # ocb creates output_path with a plain mkdir: its parent must exist.
    mkdir -p "$BUILD"
    rm -f "$stamp"
    timed "otelcol $OTELCOL_VERSION" "$BIN/builder" --config "$MANIFEST"
    echo "$want" >"$stamp"
  fi
  ln -sfn "../build/otelcol/otelcol" "$BIN/otelcol"
}

install_jaeger() {
  if "$BIN/jaeger" version 2>/dev/null | grep -q "\"gitVersion\":\"v$JAEGER_VERSION\""; then
    say "jaeger $JAEGER_VERSION: up to date"
    return
  fi
  require_go
  # `go install .../cmd/jaeger@v...` refuses the module because its go.mod
  # has a replace directive, so build it as the main module from the cache.
  local dir
  dir=$(go mod download -json "github.com/jaegertracing/jaeger@v$JAEGER_MODULE_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || die "could not download github.com/jaegertracing/jaeger@v$JAEGER_MODULE_VERSION"
  timed "jaeger $JAEGER_VERSION" build_jaeger "$dir"
}

build_jaeger() {
  local v=github.com/jaegertracing/jaeger/internal/version
  (cd "$1" && go build -o "$BIN/jaeger" \
    -ldflags "-X $v.latestVersion=v$JAEGER_VERSION -X $v.commitSHA=module-v$JAEGER_MODULE_VERSION" \
    ./cmd/jaeger)
}

install_alertmanager() {
  if "$BIN/alertmanager" --version 2>/dev/null | grep -q "version $ALERTMANAGER_VERSION " &&
    "$BIN/amtool" --version 2>/dev/null | grep -q "version $ALERTMANAGER_VERSION "; then
    say "alertmanager + amtool $ALERTMANAGER_VERSION: up to date"
    return
  fi
  require_go
  local v=github.com/prometheus/common/version
  timed "alertmanager + amtool $ALERTMANAGER_VERSION" \
    go install -ldflags "-X $v.Version=$ALERTMANAGER_VERSION -X $v.Revision=go-module -X $v.Branch=v$ALERTMANAGER_VERSION" \
    "github.com/prometheus/alertmanager/cmd/alertmanager@v$ALERTMANAGER_VERSION" \
    "github.com/prometheus/alertmanager/cmd/amtool@v$ALERTMANAGER_VERSION"
}

install_mailpit() {
  # `version` without the flag asks GitHub for a newer release.
  if "$BIN/mailpit" version --no-release-check 2>/dev/null | grep -q " v$MAILPIT_VERSION compiled "; then
    say "mailpit $MAILPIT_VERSION: up to date"
    return
  fi
  require_go
  # The module holds the server, not the build of its web UI (see MAILPIT_VERSION in .env.example).
  timed "mailpit $MAILPIT_VERSION" \
    go install -ldflags "-X github.com/axllent/mailpit/config.Version=v$MAILPIT_VERSION" \
    "github.com/axllent/mailpit@v$MAILPIT_VERSION"
}

install_prometheus() {
  if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
    [ "$(id -u)" = 0 ] || die "prometheus is not on PATH; install it as root: apt-get install --no-install-recommends prometheus"
    command -v apt-get >/dev/null || die "prometheus is not on PATH and this is no Debian/Ubuntu machine"
    say "prometheus: installing Debian's package ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    # The package enables a system-wide Prometheus on :9090; the stack runs
    # its own, so that one must not hold the port.
    if [ -d /run/systemd/system ]; then
      systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
  fi
  local have
  have=$(prometheus --version 2>/dev/null | sed -n 's/^prometheus, version \([0-9.]*\).*/\1/p')
  if [ "$have" = "$PROMETHEUS_VERSION" ]; then
    say "prometheus + promtool $have: ok ($(command -v prometheus))"
  else
    say "prometheus + promtool $have: warning, .env.example pins $PROMETHEUS_VERSION"
  fi
  ln -sfn "$(command -v prometheus)" "$BIN/prometheus"
  ln -sfn "$(command -v promtool)" "$BIN/promtool"
}

install_promtool_image() {
  if "$BIN/promtool-image" --version 2>/dev/null | grep -q "version $PROMETHEUS_IMAGE_VERSION "; then
    say "promtool-image $PROMETHEUS_IMAGE_VERSION: up to date"
    return
  fi
  require_go
  # Prometheus 3.x publishes its Go module as v0.3MM.P for release 3.M.P, and `go install ...@v...`
  # refuses it (its go.mod has exclude directives), so build it as the main module from the cache.
  local major minor patch module dir
  IFS=. read -r major minor patch <<<"$PROMETHEUS_IMAGE_VERSION"
  [ "$major" = 3 ] || die "PROMETHEUS_IMAGE_VERSION $PROMETHEUS_IMAGE_VERSION: only 3.x maps to a Go module version here"
  module="github.com/prometheus/prometheus@v0.$((300 + minor)).$patch"
  dir=$(go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || die "could not download $module"
  timed "promtool-image $PROMETHEUS_IMAGE_VERSION" build_promtool_image "$dir"
}

build_promtool_image() {
  local v=github.com/prometheus/common/version
  (cd "$1" && go build -o "$BIN/promtool-image" \
    -ldflags "-X $v.Version=$PROMETHEUS_IMAGE_VERSION -X $v.Revision=go-module -X $v.Branch=v$PROMETHEUS_IMAGE_VERSION" \
    ./cmd/promtool)
}

mkdir -p "$BIN"
start=$SECONDS
install_prometheus
install_otelcol
install_jaeger
install_alertmanager
install_mailpit
install_promtool_image
say "done in $((SECONDS - start))s: $(cd "$BIN" && echo *)"
