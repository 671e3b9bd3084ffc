#!/usr/bin/env bash
# Build overhead of the generator. Checks and times, ROUNDS times each (default 3, medians):
#   1. a no-op `cargo build`: the build script does not run again (`cargo build -vv` says
#      `Fresh receptionist`);
#   2. `touch schema.toml`, no semantic change: the build script runs again but writes nothing
#      (no file under supabase/ and not the generated types in OUT_DIR change).
#
#   scripts/bench_build.sh [ROUNDS]
#
# Honours CARGO_TARGET_DIR. Exits non-zero if a check fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rounds=${1:-3}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
die() { printf 'error: %s\n' "$*" >&2; grep -E 'Dirty|error' "$log" >&2; exit 1; }

# Contents of everything the build may write: supabase/ and the generated types.
state() {
  find supabase -type f -print0 | sort -z | xargs -0 sha256sum
  find "${CARGO_TARGET_DIR:-target}/debug/build" -path '*/receptionist-*/out/schema.rs' -print0 2>/dev/null \
    | xargs -0 -r stat -c '%n %Y %s'
}

# Runs `cargo build -vv` into $log; prints its wall time in milliseconds.
timed_build() {
  local start end
  start=$(date +%s%N)
  cargo build -vv >"$log" 2>&1 || die "cargo build failed"
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

cargo build --quiet
before=$(state)
noop=()
touched=()
for _ in $(seq 1 "$rounds"); do
  noop+=("$(timed_build)")
  grep -q 'Fresh receptionist' "$log" || die "no-op build: receptionist is not Fresh"
  if grep -q 'Running.*receptionist-[0-9a-f]*/build-script-build' "$log"; then
    die "no-op build: the build script ran"
  fi

  touch schema.toml
  touched+=("$(timed_build)")
  grep -q 'Running.*receptionist-[0-9a-f]*/build-script-build' "$log" \
    || die "touched schema.toml: the build script did not run"
  ! grep -q 'supaschema: wrote' "$log" || die "touched schema.toml: the build wrote a file"
  [ "$(state)" = "$before" ] || die "touched schema.toml: files under supabase/ or the types changed"
done

printf 'no-op cargo build (Fresh receptionist, build script not run): median %s ms of %s\n' \
  "$(printf '%s\n' "${noop[@]}" | median)" "${noop[*]}"
printf 'touch schema.toml (build script reruns, writes nothing):     median %s ms of %s\n' \
  "$(printf '%s\n' "${touched[@]}" | median)" "${touched[*]}"
