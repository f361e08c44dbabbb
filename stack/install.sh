#!/usr/bin/env bash
# Installs the native observability stack into .stack/bin/ without Docker:
#   otelcol       built by ocb from otel-collector/builder-config.yaml
#   jaeger        Jaeger v2, built from its Go module
#   alertmanager, amtool
#   prometheus, promtool   Prometheus 3, built from its Go module with its web
#                          UI (built with pnpm and embedded), the release the
#                          Compose image runs
#   mailpit       the local inbox for alert email, built from its Go module
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
PNPM_VERSION=$(pin PNPM_VERSION)
PROMETHEUS_UI_RELOCK=$(pin PROMETHEUS_UI_RELOCK)
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

# Prometheus 3.x publishes its Go module as v0.3MM.P for release 3.M.P, and `go install ...@v...` refuses it
# (its go.mod has exclude directives), so it is built as the main module, from a writable copy: the UI
# build writes its assets and embed.go into web/ui.
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
  local stamp="version $PROMETHEUS_VERSION (branch: v$PROMETHEUS_VERSION, revision: go-module-ui)"
  # The tag is what embeds the web UI: a binary built without it serves none.
  if "$BIN/prometheus" --version 2>/dev/null | grep -qF "$stamp" &&
    "$BIN/prometheus" --version 2>/dev/null | grep -q "tags:.*builtinassets" &&
    "$BIN/promtool" --version 2>/dev/null | grep -qF "$stamp"; then
    say "prometheus + promtool $PROMETHEUS_VERSION: up to date"
    return
  fi
  require_go
  local major minor patch module dir src=$BUILD/prometheus
  IFS=. read -r major minor patch <<<"$PROMETHEUS_VERSION"
  [ "$major" = 3 ] || die "PROMETHEUS_VERSION $PROMETHEUS_VERSION: only 3.x maps to a Go module version here"
  module="github.com/prometheus/prometheus@v0.$((300 + minor)).$patch"
  dir=$(go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || die "could not download $module"
  rm -rf "$src"
  mkdir -p "$BUILD"
  cp -r "$dir" "$src"
  chmod -R u+w "$src"
  timed "prometheus web UI $PROMETHEUS_VERSION" build_prometheus_ui "$src"
  timed "prometheus + promtool $PROMETHEUS_VERSION" build_prometheus "$src"
  rm -rf "$src"
}

# The UI pins its Node release (web/ui/.nvmrc) and its packages (pnpm-lock.yaml, whose age and build
# policies pnpm-workspace.yaml sets); Node comes from the npm registry's `node` package, which ships the
# binary, so the machine's own Node may be older.
build_prometheus_ui() {
  local ui=$1/web/ui node_dir=$BUILD/node
  local node_version
  node_version=$(tr -d 'v \n' <"$ui/.nvmrc")
  if [ "$("$node_dir/node_modules/.bin/node" --version 2>/dev/null)" != "v$node_version" ]; then
    rm -rf "$node_dir"
    npm install --silent --no-save --no-package-lock --prefix "$node_dir" "node@$node_version"
  fi
  relock_missing_ui_packages "$ui"
  (cd "$ui" && PATH="$node_dir/node_modules/.bin:$PATH" npx --yes "pnpm@$PNPM_VERSION" install --silent \
    --no-frozen-lockfile &&
    PATH="$node_dir/node_modules/.bin:$PATH" npx --yes "pnpm@$PNPM_VERSION" run --silent build:mantine-ui)
  # Gzips the assets and writes the embed.go that the builtinassets tag compiles in.
  (cd "$1" && bash scripts/compress_assets.sh)
}

# The npm registry reachable here lacks some exact versions that a release's lockfile names, and pnpm
# refuses a lockfile entry it cannot check against its release-age policy: each such entry
# (PROMETHEUS_UI_RELOCK) is dropped and pinned by an override to a served release, which pnpm then locks
# anew. Entries the lockfile does not name are left alone, so a newer release builds from its lockfile as is.
relock_missing_ui_packages() {
  local lock=$1/pnpm-lock.yaml entry name from to
  local -a entries
  IFS=, read -r -a entries <<<"$PROMETHEUS_UI_RELOCK"
  for entry in "${entries[@]}"; do
    to=${entry##*=}
    entry=${entry%=*}
    name=${entry%@*}
    from=${entry##*@}
    grep -qF "'$name@$from'" "$lock" || continue
    say "prometheus web UI: $name $from is not served here, locking $to"
    awk -v pkg="  '$name@$from" 'BEGIN { RS = ""; ORS = "\n\n" } index($0, pkg) != 1' "$lock" |
      awk -v dep="      '$name':" '$0 == dep { skip = 3 } skip > 0 { skip--; next } { print }' >"$lock.new"
    mv "$lock.new" "$lock"
    grep -q '^overrides:' "$1/pnpm-workspace.yaml" || printf 'overrides:\n' >>"$1/pnpm-workspace.yaml"
    printf "  '%s': %s\n" "$name" "$to" >>"$1/pnpm-workspace.yaml"
  done
}

build_prometheus() {
  local v=github.com/prometheus/common/version cmd
  local ldflags="-X $v.Version=$PROMETHEUS_VERSION -X $v.Revision=go-module-ui -X $v.Branch=v$PROMETHEUS_VERSION"
  for cmd in prometheus promtool; do
    # A link left by an older install.sh (to Debian's binary, or to itself when .stack/bin was on PATH):
    # go build would write through it, or fail on the loop.
    rm -f "$BIN/$cmd"
    (cd "$1" && GOWORK=off go build -tags builtinassets -ldflags "$ldflags" -o "$BIN/$cmd" "./cmd/$cmd")
  done
  rm -f "$BIN/promtool-image"
}

mkdir -p "$BIN"
start=$SECONDS
install_prometheus
install_otelcol
install_jaeger
install_alertmanager
install_mailpit
say "done in $((SECONDS - start))s: $(cd "$BIN" && echo *)"
