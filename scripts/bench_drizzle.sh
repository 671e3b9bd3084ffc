#!/usr/bin/env bash
# supaschema side by side with Drizzle Kit on the same synthetic schema (the generation bench of
# crates/supaschema-build, `--write-schema`, writes it both as schema.toml and as a drizzle-orm
# pg-core schema.ts), both generating the first migration from scratch, alternately, ROUNDS
# times; prints the median wall time and the median peak RSS of each.
#
# Our side is what a user runs: the build script of a `supaschema init` project, compiled by
# `cargo build` in the dev profile (cargo's default: the build script and its dependencies at
# opt-level 0, debug assertions on), run as a whole process with the environment cargo gives it.
# It reads schema.toml, validates, plans, renders, writes the migration, the lock with its
# checksums and the Rust types. The project lives in a scratch folder outside this workspace.
# The release-built generation bench in one-shot mode (the same work, no lock) is a second,
# labelled line. Drizzle Kit generates without a database.
#
#   scripts/bench_drizzle.sh [TABLES] [ROUNDS]     # defaults: 500 tables, 10 rounds
#
# Needs Node.js with npm, python3 and GNU time (`apt-get install -y time`). Drizzle Kit is pinned
# in crates/supaschema-build/benches/drizzle/package.json; its node_modules stay in a git-ignored
# folder, all output in the scratch folder (removed at the end; KEEP=1 keeps it).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

tables=${1:-500}
rounds=${2:-10}
drizzle_dir=crates/supaschema-build/benches/drizzle

die() { printf 'error: %s\n' "$*" >&2; exit 1; }
[[ $tables =~ ^[1-9][0-9]*$ ]] || die "TABLES must be a positive number, not '$tables'"
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number, not '$rounds'"
[ -x /usr/bin/time ] || die "needs GNU time at /usr/bin/time (apt-get install -y time)"
command -v npm >/dev/null || die "needs Node.js with npm"
command -v python3 >/dev/null || die "needs python3"

if [ ! -x "$drizzle_dir/node_modules/.bin/drizzle-kit" ]; then
  (cd "$drizzle_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi

work=$(mktemp -d /tmp/supaschema-drizzle.XXXXXX)
cleanup() { if [ "${KEEP:-0}" = 1 ]; then printf 'kept %s\n' "$work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
unset SUPASCHEMA_CHECK SOURCE_DATE_EPOCH DOCS_RS

# The release-built generation bench: writes the schemas, and is the second line.
exe=$(cargo bench -p supaschema-build --bench generation --no-run --message-format=json 2>/dev/null \
  | grep -o '"executable":"[^"]*generation[^"]*"' | tail -1 | cut -d'"' -f4)
[ -x "$exe" ] || die "could not build the generation bench"
"$exe" --write-schema "$tables" "$work"
# schema.ts imports drizzle-orm, which Node looks for beside it.
ln -s "$repo/$drizzle_dir/node_modules" "$work/node_modules"

# A user's project, made by `supaschema init` from this checkout, holding the synthetic schema.
project=$work/project
cargo run -q --bin supaschema -- init --path "$repo" "$project" >/dev/null
cp Cargo.lock "$project/Cargo.lock"
cp "$work/schema.toml" "$project/schema.toml"
rm -rf "$project/supabase/migrations" "$project/supabase/schema.lock.json"
printf 'building the project in the dev profile\n' >&2
(cd "$project" && CARGO_TARGET_DIR=$work/target cargo build --message-format=json >"$work/build.json" 2>"$work/build.log") \
  || { tail -n 30 "$work/build.log" >&2; die "cargo build of the project failed"; }
read -r script out_dir < <(python3 - "$work/build.json" "$project" <<'EOF'
import json, sys
path, project = sys.argv[1], sys.argv[2]
script = out_dir = None
for line in open(path, encoding="utf-8"):
    message = json.loads(line)
    if f"file://{project}#" not in message.get("package_id", ""):
        continue
    if message["reason"] == "compiler-artifact" and message["target"]["kind"] == ["custom-build"]:
        script = message["filenames"][0]
    elif message["reason"] == "build-script-executed":
        out_dir = message["out_dir"]
if not (script and out_dir):
    sys.exit(f"{path}: no build script or output folder of {project}")
print(script, out_dir)
EOF
)

# Runs one tool once, from scratch; appends "milliseconds max-RSS-KiB" to $work/<tool>.times.
measure() {
  local cmd=()
  case $1 in
    build_script)
      rm -rf "$project/supabase/migrations" "$project/supabase/schema.lock.json" "$out_dir/schema.rs"
      cmd=(env OUT_DIR="$out_dir" CARGO_MANIFEST_DIR="$project" "$script") ;;
    release) rm -rf "$work/release"; cmd=("$exe" --one-shot "$work/schema.toml" "$work/release") ;;
    drizzle)
      rm -rf "$work/drizzle-out"
      cmd=("$drizzle_dir/node_modules/.bin/drizzle-kit" generate --dialect=postgresql \
        --schema="$work/schema.ts" --out="$work/drizzle-out") ;;
  esac
  local start end
  start=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$work/rss" "${cmd[@]}" >/dev/null
  end=$(date +%s%N)
  echo "$(( (end - start) / 1000000 )) $(cat "$work/rss")" >> "$work/$1.times"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Lines matching $1 in the files that follow.
count() { local pattern=$1; shift; cat "$@" | grep -ci "$pattern" || true; }

printf 'load average before: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then measure build_script; measure drizzle; measure release
  else measure drizzle; measure build_script; measure release; fi
done
printf 'load average after:  %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

# The outputs of the last round, to show all did the work.
ours_sql=("$project"/supabase/migrations/*.sql)
[ "${#ours_sql[@]}" = 1 ] && [ -s "$project/supabase/schema.lock.json" ] && [ -s "$out_dir/schema.rs" ] \
  || die "the build script did not write one migration, the lock and the types"
ours_tables=$(count '^create table' "${ours_sql[@]}")
drizzle_tables=$(count '^create table' "$work"/drizzle-out/*.sql)
release_tables=$(count '^create table' "$work/release/initial_schema.sql")
ours_policies=$(count 'create policy' "${ours_sql[@]}")
drizzle_policies=$(count 'create policy' "$work"/drizzle-out/*.sql)
for made in "$ours_tables" "$drizzle_tables" "$release_tables"; do
  [ "$made" = "$tables" ] || die "a tool wrote $made tables, not $tables (kept with KEEP=1: $work)"
done

line() { printf '%s %s\n' "$(cut -d' ' -f1 "$work/$1.times" | median)" "$(cut -d' ' -f2 "$work/$1.times" | median)"; }
read -r script_ms script_kib < <(line build_script)
read -r release_ms release_kib < <(line release)
read -r drizzle_ms drizzle_kib < <(line drizzle)
drizzle_version=$(node -p "require('./$drizzle_dir/node_modules/drizzle-kit/package.json').version")
awk -v tables="$tables" -v rounds="$rounds" -v version="$drizzle_version" \
  -v sm="$script_ms" -v sk="$script_kib" -v st="$ours_tables" -v sp="$ours_policies" \
  -v rm="$release_ms" -v rk="$release_kib" -v rt="$release_tables" \
  -v dm="$drizzle_ms" -v dk="$drizzle_kib" -v dt="$drizzle_tables" -v dp="$drizzle_policies" 'BEGIN {
  printf "\n%d tables, %d rounds each, alternating; medians\n", tables, rounds
  printf "%-58s %8s %12s %7s %9s\n", "tool", "wall ms", "max RSS MiB", "tables", "policies"
  printf "%-58s %8d %12.1f %7d %9d\n", "supaschema build script (dev profile, as cargo runs it)", sm, sk / 1024, st, sp
  printf "%-58s %8d %12.1f %7d %9d\n", "drizzle-kit " version " generate", dm, dk / 1024, dt, dp
  printf "%-58s %8d %12.1f %7d %9s\n", "second line: the generator release-built, no lock", rm, rk / 1024, rt, "-"
  printf "build script: %.2fx as fast as drizzle-kit (target >= 20x: %s), %.3f of its peak RSS (target <= 0.20: %s)\n", \
    dm / sm, (dm / sm >= 20 ? "met" : "MISSED"), sk / dk, (sk / dk <= 0.2 ? "met" : "MISSED")
  printf "release-built generator: %.1fx as fast, %.3f of the peak RSS\n", dm / rm, rk / dk
}'
