#!/usr/bin/env bash
# supaschema side by side with Drizzle Kit on the same synthetic schema (the generation bench of
# crates/supaschema-build, `--write-schema`, writes it both as schema.toml and as a drizzle-orm
# pg-core schema.ts). Each tool runs as a whole process, from scratch, alternately, ROUNDS times;
# prints the median wall time and the median peak RSS of each. Drizzle Kit generates without a
# database. "SQL only" writes only the migration, as Drizzle Kit does; it still renders the Rust
# types (the public API renders both in one call): it is "SQL + Rust" minus writing schema.rs.
#
#   scripts/bench_drizzle.sh [TABLES] [ROUNDS]     # defaults: 500 tables, 10 rounds
#
# Needs Node.js with npm and GNU time (`apt-get install -y time`). Drizzle Kit is pinned in
# crates/supaschema-build/benches/drizzle/package.json; its node_modules and all output stay in
# git-ignored folders.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tables=${1:-500}
rounds=${2:-10}
dir=crates/supaschema-build/benches/drizzle
work=$dir/work

die() { printf 'error: %s\n' "$*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "needs GNU time at /usr/bin/time (apt-get install -y time)"
command -v npm >/dev/null || die "needs Node.js with npm"

if [ ! -x "$dir/node_modules/.bin/drizzle-kit" ]; then
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
fi

# Our side: the generation bench binary in its one-shot mode (release build).
exe=$(cargo bench -p supaschema-build --bench generation --no-run --message-format=json 2>/dev/null \
  | grep -o '"executable":"[^"]*generation[^"]*"' | tail -1 | cut -d'"' -f4)
[ -x "$exe" ] || die "could not build the generation bench"

rm -rf "$work"
mkdir -p "$work"
"$exe" --write-schema "$tables" "$work"

# Runs one tool once, from scratch; appends "milliseconds max-RSS-KiB" to $work/<tool>.times.
measure() {
  local cmd out
  case $1 in
    ours) out=$work/ours; cmd=("$exe" --one-shot "$work/schema.toml" "$out") ;;
    ours_sql) out=$work/ours-sql; cmd=("$exe" --one-shot-sql "$work/schema.toml" "$out") ;;
    drizzle) out=$work/drizzle-out; cmd=("$dir/node_modules/.bin/drizzle-kit" generate --dialect=postgresql \
      --schema="$work/schema.ts" --out="$out") ;;
  esac
  rm -rf "$out"
  local start end
  start=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$work/rss" "${cmd[@]}" >/dev/null
  end=$(date +%s%N)
  echo "$(( (end - start) / 1000000 )) $(cat "$work/rss")" >> "$work/$1.times"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf 'load average before: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then measure ours_sql; measure ours; measure drizzle
  else measure drizzle; measure ours; measure ours_sql; fi
done
printf 'load average after:  %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

# The outputs of the last round, to show both did the work.
ours_tables=$(grep -ci '^create table' "$work/ours/initial_schema.sql" || true)
drizzle_tables=$(cat "$work"/drizzle-out/*.sql | grep -ci '^create table' || true)
drizzle_policies=$(cat "$work"/drizzle-out/*.sql | grep -ci 'create policy' || true)
ours_policies=$(grep -ci 'create policy' "$work/ours/initial_schema.sql" || true)

ours_ms=$(cut -d' ' -f1 "$work/ours.times" | median)
ours_kib=$(cut -d' ' -f2 "$work/ours.times" | median)
sql_ms=$(cut -d' ' -f1 "$work/ours_sql.times" | median)
sql_kib=$(cut -d' ' -f2 "$work/ours_sql.times" | median)
sql_tables=$(grep -ci '^create table' "$work/ours-sql/initial_schema.sql" || true)
drizzle_ms=$(cut -d' ' -f1 "$work/drizzle.times" | median)
drizzle_kib=$(cut -d' ' -f2 "$work/drizzle.times" | median)

drizzle_version=$(node -p "require('./$dir/node_modules/drizzle-kit/package.json').version")
awk -v tables="$tables" -v rounds="$rounds" -v version="$drizzle_version" \
  -v om="$ours_ms" -v ok="$ours_kib" -v ot="$ours_tables" -v op="$ours_policies" \
  -v sm="$sql_ms" -v sk="$sql_kib" -v st="$sql_tables" \
  -v dm="$drizzle_ms" -v dk="$drizzle_kib" -v dt="$drizzle_tables" -v dp="$drizzle_policies" 'BEGIN {
  printf "\n%d tables, %d rounds each, alternating; medians\n", tables, rounds
  printf "%-36s %10s %14s %8s %10s\n", "tool", "wall ms", "max RSS MiB", "tables", "policies"
  printf "%-36s %10d %14.1f %8d %10d\n", "supaschema (SQL + Rust types)", om, ok / 1024, ot, op
  printf "%-36s %10d %14.1f %8d %10d\n", "supaschema (writes SQL only)", sm, sk / 1024, st, op
  printf "%-36s %10d %14.1f %8d %10d\n", "drizzle-kit " version " generate", dm, dk / 1024, dt, dp
  printf "SQL only:     %.1fx faster (target >= 20x: %s), %.3f of the peak RSS (target <= 0.20: %s)\n", \
    dm / sm, (dm / sm >= 20 ? "met" : "MISSED"), sk / dk, (sk / dk <= 0.2 ? "met" : "MISSED")
  printf "SQL and Rust: %.1fx faster (target >= 20x: %s), %.3f of the peak RSS (target <= 0.20: %s)\n", \
    dm / om, (dm / om >= 20 ? "met" : "MISSED"), ok / dk, (ok / dk <= 0.2 ? "met" : "MISSED")
}'
