#!/usr/bin/env bash
# The user's edit→build loop: add one column to schema.toml, `cargo build` (debug, as a user runs
# it). For each project, ROUNDS times: append one nullable column with a fresh name to one table,
# `cargo build --timings`, and record the wall time, the build script's run and the compile of the
# crate that holds the generated types (from the `UNIT_DATA` of cargo-timing.html; cargo rounds
# those to 10 ms). "other units" is everything else cargo rebuilt (the `supaschema` binary, which
# links the types, in the "before" layout). Each round writes a new migration, as the real loop
# does; the script checks that it did. Prints medians and ranges as a Markdown table.
#
#   scripts/bench_edit_loop.sh [ROUNDS] [SIZES] [LAYOUTS]   # defaults: 3  8,100,500  before,after,diesel
#
# SIZES: 8 is the receptionist's own schema.toml (8 tables, with its committed migration and
# lock where the layout has them); any other N is the synthetic schema of the generation bench
# (`--write-schema N`), built from an empty supabase/migrations/.
#
# LAYOUTS:
#   before  the commit before the workspace split (BEFORE_REV, default c68db2b = 81193c8^): one
#           `supaschema` crate holding the generator, the CLI and the types (its build.rs
#           generates into OUT_DIR, its lib includes them as `supaschema::schema`), built at its
#           root.
#   after   the current layout, taken from this checkout's working tree as it is now (tracked and
#           untracked files, not ignored ones), or from AFTER_REV when set. Measured on a project
#           made by `supaschema init --path <that checkout>` with its schema.toml replaced (what a
#           user has), and, at 8 tables, on the receptionist root of the workspace itself.
#   diesel  the peer: the same synthetic tables as diesel 2 code (`table!`, `joinable!` and
#           row, insert and patch structs with diesel's derives), a package written by the
#           generation bench (`--write-diesel N DIR K`); its edit rewrites the package with one
#           more nullable column on the first table, as a regenerated `schema.rs` and a new
#           struct field would. Not at 8 tables (the synthetic schema only). Its "types crate
#           compile" is the compile of that package, side by side with the init project's.
#
# Everything happens in a scratch folder under /tmp (WORK, default a fresh mktemp -d): copies
# made with `git archive` (no worktree is registered in this repository) or of the working tree,
# never this checkout's own schema.toml or supabase/. Each measured project has its own
# CARGO_TARGET_DIR there, warmed with one build before its rounds. At each size the projects'
# rounds alternate, so that drift in the machine's speed falls on all of them alike. The folder
# is removed at the end, also on failure (KEEP=1 keeps it). Needs git, python3 and, per project,
# a full debug build of its dependencies: run it on a quiet machine.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-3}
sizes=${2:-8,100,500}
layouts=${3:-before,after,diesel}
before_rev=${BEFORE_REV:-c68db2b}
after_rev=${AFTER_REV:-}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number, not '$rounds'"
[[ $sizes =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "SIZES must be numbers separated by commas, not '$sizes'"
[[ $layouts =~ ^(before|after|diesel)(,(before|after|diesel))*$ ]] || die "LAYOUTS must be before, after or diesel, separated by commas, not '$layouts'"
command -v python3 >/dev/null || die "needs python3"
IFS=, read -r -a size_list <<<"$sizes"
has_layout() { [[ ,$layouts, == *,$1,* ]]; }
before_rev=$(git -C "$repo" rev-parse --verify "$before_rev^{commit}") || die "no commit $before_rev"
if [ -n "$after_rev" ]; then
  after_rev=$(git -C "$repo" rev-parse --verify "$after_rev^{commit}") || die "no commit $after_rev"
fi

work=${WORK:-$(mktemp -d /tmp/supaschema-edit-loop.XXXXXX)}
mkdir -p "$work"
case $work in /tmp/*) ;; *) die "WORK must be under /tmp, not $work" ;; esac
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then
    printf 'kept %s\n' "$work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Builds as a user's would: writing migrations, at the clock's time.
unset SUPASCHEMA_CHECK SOURCE_DATE_EPOCH DOCS_RS CARGO_TARGET_DIR

log=$work/cargo.log
# cargo ARGS... in DIR with TARGET as its target folder; on failure shows the end of the log.
cargo_in() {
  local dir=$1 target=$2
  shift 2
  if ! (cd "$dir" && CARGO_TARGET_DIR=$target cargo "$@") >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "cargo $* failed in $dir"
  fi
}

# The tree of commit $1 into folder $2.
extract_rev() {
  mkdir -p "$2"
  git -C "$repo" archive --format=tar "$1" | tar -x -C "$2"
}

# This checkout's working tree (tracked and untracked files, not ignored ones, not deleted
# ones) into folder $1.
extract_worktree() {
  mkdir -p "$1"
  (
    cd "$repo"
    git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
      if [ -f "$file" ]; then printf '%s\0' "$file"; fi
    done | tar --null -T - -cf -
  ) | tar -x -C "$1"
}

# Appends column $2 (nullable text) to the first table of schema file $1, at the end of its
# columns; prints the table's name.
add_column() {
  python3 - "$1" "$2" <<'EOF'
import re, sys, tomllib
path, column = sys.argv[1], sys.argv[2]
lines = open(path, encoding="utf-8").read().splitlines(keepends=True)
header = next(i for i, l in enumerate(lines) if re.match(r"\[tables\.[A-Za-z0-9_]+\.columns\]\s*$", l))
table = re.match(r"\[tables\.([A-Za-z0-9_]+)\.columns\]", lines[header]).group(1)
end = next((i for i in range(header + 1, len(lines)) if lines[i].startswith("[")), len(lines))
while end > header + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
    end -= 1
if not lines[end - 1].endswith("\n"):
    lines[end - 1] += "\n"
lines.insert(end, f'{column} = {{ type = "text", nullable = true, class = "administrative" }}\n')
text = "".join(lines)
if column not in tomllib.loads(text)["tables"][table]["columns"]:
    sys.exit(f"{path}: {column} did not land in tables.{table}.columns")
open(path, "w", encoding="utf-8").write(text)
print(table)
EOF
}

# Seconds of the build script's run, of the types crate's lib and of all other units in the
# last `cargo build --timings` under target folder $1, for package $2.
unit_times() {
  python3 - "$1/cargo-timings/cargo-timing.html" "$2" <<'EOF'
import json, re, sys
path, package = sys.argv[1], sys.argv[2]
html = open(path, encoding="utf-8").read()
match = re.search(r"UNIT_DATA\s*=\s*(\[.*?\n\]);", html, re.S)
if not match:
    sys.exit(f"{path}: no UNIT_DATA")
script = types = other = 0.0
for unit in json.loads(match.group(1)):
    if unit["name"] == package and unit["mode"] == "run-custom-build":
        script += unit["duration"]
    elif unit["name"] == package and unit["target"].strip() == "":
        types += unit["duration"]
    else:
        other += unit["duration"]
print(f"{script:.2f} {types:.2f} {other:.2f}")
EOF
}

# The [package] name in manifest $1.
package_name() {
  python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["package"]["name"])' "$1" \
    || die "no package name in $1"
}

# The number of migrations of project $1 (0 for the diesel package, which has none).
migrations() {
  if [ -d "$1/supabase/migrations" ]; then find "$1/supabase/migrations" -name '*.sql' | wc -l; else echo 0; fi
}

# The "after" checkout, untouched: the path dependencies of the init projects, the CLI that makes
# them and the bench that writes the synthetic schemas, built in a target folder of their own.
after_src=$work/after-src
tools_target=$work/targets/tools
needs_synthetic=0
for n in "${size_list[@]}"; do [ "$n" = 8 ] || needs_synthetic=1; done
if has_layout after || has_layout diesel || [ $needs_synthetic = 1 ]; then
  if [ -n "$after_rev" ]; then extract_rev "$after_rev" "$after_src"; else extract_worktree "$after_src"; fi
fi
if [ $needs_synthetic = 1 ]; then
  printf 'writing the synthetic schemas with the generation bench (debug build)\n' >&2
  for n in "${size_list[@]}"; do
    [ "$n" = 8 ] && continue
    cargo_in "$after_src" "$tools_target" test -q -p supaschema-build --bench generation -- \
      --write-schema "$n" "$work/schemas/$n"
    [ -s "$work/schemas/$n/schema.toml" ] || die "the bench wrote no schema for $n tables"
  done
fi
receptionist_schema=$work/receptionist-schema.toml
git -C "$repo" show "$before_rev:schema.toml" >"$receptionist_schema"
if has_layout after; then
  cmp -s "$receptionist_schema" "$after_src/schema.toml" \
    || printf 'note: the receptionist schema.toml differs between %s and the "after" checkout\n' "$before_rev" >&2
fi

# The projects measured at one size, by key: their folder, package, description and counter of
# added columns.
declare -A dir_of package_of label_of added_to
keys=()

# Replaces the schema of project $1 with the one for $2 tables: the receptionist's ($3) at 8, else
# the synthetic one, with no migration yet.
use_schema() {
  local dir=$1 n=$2 from=$3
  if [ "$n" = 8 ]; then
    cp "$from" "$dir/schema.toml"
  else
    cp "$work/schemas/$n/schema.toml" "$dir/schema.toml"
    rm -f "$dir"/supabase/migrations/*.sql "$dir/supabase/schema.lock.json"
  fi
}

setup_size() {
  local n=$1 key dir
  keys=()
  if has_layout before; then
    key=before-$n
    dir=$work/$key
    extract_rev "$before_rev" "$dir"
    [ "$n" = 8 ] || use_schema "$dir" "$n" ""
    dir_of[$key]=$dir
    label_of[$key]="before ($(git -C "$repo" rev-parse --short "$before_rev")): the supaschema crate (generator + CLI + types)"
    keys+=("$key")
  fi
  if has_layout after; then
    key=init-$n
    dir=$work/$key
    cargo_in "$after_src" "$tools_target" run -q --bin supaschema -- init --path "$after_src" "$dir"
    cp "$after_src/Cargo.lock" "$dir/Cargo.lock"
    use_schema "$dir" "$n" "$after_src/schema.toml"
    dir_of[$key]=$dir
    label_of[$key]="after: a \`supaschema init\` project"
    keys+=("$key")
    if [ "$n" = 8 ]; then
      key=receptionist-8
      dir=$work/$key
      cp -a "$after_src" "$dir"
      dir_of[$key]=$dir
      label_of[$key]="after: the receptionist (workspace root)"
      keys+=("$key")
    fi
  fi
  if has_layout diesel && [ "$n" != 8 ]; then
    key=diesel-$n
    dir=$work/$key
    write_diesel "$n" "$dir" 0
    dir_of[$key]=$dir
    label_of[$key]="diesel 2: table! + Queryable, Selectable, Identifiable, Insertable, AsChangeset"
    keys+=("$key")
  fi
  for key in "${keys[@]}"; do
    added_to[$key]=0
    package_of[$key]=$(package_name "${dir_of[$key]}/Cargo.toml")
    printf '%s tables, %s: warming %s\n' "$n" "$key" "$work/targets/$key" >&2
    cargo_in "${dir_of[$key]}" "$work/targets/$key" build
    is_diesel "$key" || [ "$(migrations "${dir_of[$key]}")" -ge 1 ] || die "$key: the warm-up build wrote no migration"
  done
}

is_diesel() { [[ $1 == diesel-* ]]; }

# The diesel package of $1 tables into folder $2, with $3 added columns on the first table.
write_diesel() {
  cargo_in "$after_src" "$tools_target" test -q -p supaschema-build --bench generation -- \
    --write-diesel "$1" "$2" "$3"
}

# One round on project $1 at $2 tables, round $3: add a column, build, check, record.
measure() {
  local key=$1 n=$2 round=$3 dir=${dir_of[$1]} target=$work/targets/$1 column table before start end times
  added_to[$key]=$((added_to[$key] + 1))
  column=edit_loop_column_${added_to[$key]}
  if is_diesel "$key"; then
    write_diesel "$n" "$dir" "${added_to[$key]}"
    table=table_0000
  else
    table=$(add_column "$dir/schema.toml" "$column")
  fi
  before=$(migrations "$dir")
  rm -rf "$target/cargo-timings"
  start=$(date +%s%N)
  cargo_in "$dir" "$target" build --timings
  end=$(date +%s%N)
  if is_diesel "$key"; then
    grep -q "Compiling ${package_of[$key]}" "$log" || die "$key: the build did not recompile the package"
  else
    [ "$(migrations "$dir")" -eq $((before + 1)) ] || die "$key: adding $table.$column did not write one migration"
    grep -q 'supaschema: wrote' "$log" || die "$key: the build did not report the migration it wrote"
  fi
  times=$(unit_times "$target" "${package_of[$key]}")
  printf '%s\t%s\t%s\t%s\t%s\n' "$key" "$n" "$round" "$(((end - start) / 1000000))" "${times// /$'\t'}" >>"$work/results.tsv"
  printf '%s tables, %s, round %s: wall %s ms; build script, types crate, other units: %s s (%s.%s)\n' \
    "$n" "$key" "$round" "$(((end - start) / 1000000))" "$times" "$table" "$column" >&2
}

: >"$work/results.tsv"
declare -A labels_seen
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for n in "${size_list[@]}"; do
  setup_size "$n"
  for key in "${keys[@]}"; do labels_seen[$key]=${label_of[$key]}; done
  for round in $(seq 1 "$rounds"); do
    order=("${keys[@]}")
    if [ $((round % 2)) -eq 0 ]; then
      order=()
      for ((i = ${#keys[@]} - 1; i >= 0; i--)); do order+=("${keys[i]}"); done
    fi
    for key in "${order[@]}"; do measure "$key" "$n" "$round"; done
  done
  if [ "${KEEP:-0}" != 1 ]; then
    for key in "${keys[@]}"; do rm -rf "${dir_of[$key]}" "$work/targets/$key"; done
  fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

for key in "${!labels_seen[@]}"; do printf '%s\t%s\n' "$key" "${labels_seen[$key]}"; done >"$work/labels.tsv"
printf '\nload average before: %s, after: %s; %s cores\n\n' "$load_before" "$load_after" "$(nproc)"
python3 - "$work/results.tsv" "$work/labels.tsv" "$rounds" <<'EOF'
import statistics, sys
results, labels, rounds = sys.argv[1], sys.argv[2], sys.argv[3]
label = dict(line.rstrip("\n").split("\t", 1) for line in open(labels, encoding="utf-8") if line.strip())
rows = {}
for line in open(results, encoding="utf-8"):
    key, tables, _, wall, script, types, other = line.split("\t")
    rows.setdefault((int(tables), key), []).append((int(wall) / 1000, float(script), float(types), float(other)))
def cell(values):
    m = statistics.median(values)
    return f"{m:.2f} ({min(values):.2f}–{max(values):.2f})" if len(values) > 1 else f"{m:.2f}"
print(f"Edit→build loop: add one column to schema.toml, `cargo build` (debug); median (range) of {rounds} rounds, seconds")
print()
print("| tables | layout | wall | build script run | types crate compile | other units |")
print("|---:|---|---:|---:|---:|---:|")
order = {"before": 0, "init": 1, "receptionist": 2, "diesel": 3}
for (tables, key), samples in sorted(rows.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1].split("-")[0], 9))):
    columns = list(zip(*samples))
    print(f"| {tables} | {label[key]} | " + " | ".join(cell(list(c)) for c in columns) + " |")
print()
for tables in sorted({t for t, _ in rows}):
    ours, diesel = rows.get((tables, f"init-{tables}")), rows.get((tables, f"diesel-{tables}"))
    if ours and diesel:
        ratio = statistics.median(s[2] for s in ours) / statistics.median(s[2] for s in diesel)
        verdict = "met" if ratio <= 0.10 else "MISSED"
        print(f"{tables} tables: types crate compile, supaschema / diesel = {ratio:.3f} (target <= 0.10: {verdict})")
receptionist = rows.get((8, "receptionist-8"))
if receptionist:
    wall = statistics.median(s[0] for s in receptionist)
    print(f"receptionist loop: {wall:.2f} s wall (target <= 1.5 s: {'met' if wall <= 1.5 else 'MISSED'})")
EOF
