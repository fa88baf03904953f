#!/usr/bin/env bash
# Proof of power (issue 12): plants each bug of scripts/planted/*.patch in the cache, one at a
# time, and records whether `flushbench simulate` finds it and after how many seeds.
#
#   scripts/proof-of-power.sh                 # every patch, seeds 1..200, 500 steps each
#   SEEDS=1..50 OPS=300 scripts/proof-of-power.sh skip-aborts wrong-range-on-cache-hit
#   CONFIG=release scripts/proof-of-power.sh  # release builds (slower to build, faster to run)
#
# Each patch is applied to this tree, built, swept until the first violation
# (--stop-at-first), and taken back (git apply -R) whatever happens, so run it on a clean
# tree. Prints one table row per patch: the patch, FOUND/missed, the first failing seed
# (= seeds needed), the check that fired, and the replay command of the written history.
# Exit status: 0 when every patch was found, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."

SEEDS=${SEEDS:-1..200}
OPS=${OPS:-500}
CONFIG=${CONFIG:-debug}
OUT=${OUT:-Results/runs/proof-of-power}
mkdir -p "$OUT"

if ! git diff --quiet -- Sources; then
    echo "proof-of-power: Sources/ has uncommitted changes; commit or stash them first" >&2
    exit 2
fi

patches=()
if [ $# -gt 0 ]; then
    for name in "$@"; do patches+=("scripts/planted/${name%.patch}.patch"); done
else
    patches=(scripts/planted/*.patch)
fi

missed=0
printf '%-46s %-6s %-6s %-28s %s\n' "planted bug" "found" "seed" "check" "history"
for patch in "${patches[@]}"; do
    name=$(basename "$patch" .patch)
    if ! git apply "$patch"; then
        printf '%-46s %s\n' "$name" "PATCH DOES NOT APPLY"
        missed=$((missed + 1))
        continue
    fi
    log="$OUT/$name.log"
    if ! swift build -c "$CONFIG" --product flushbench >"$log.build" 2>&1; then
        git apply -R "$patch"
        printf '%-46s %s (see %s)\n' "$name" "BUILD FAILED" "$log.build"
        missed=$((missed + 1))
        continue
    fi
    ".build/$CONFIG/flushbench" simulate --seeds "$SEEDS" --ops "$OPS" --stop-at-first --no-shrink --out "$OUT" >"$log" 2>&1
    status=$?
    git apply -R "$patch"
    line=$(grep -m1 ' violates ' "$log")
    if [ "$status" -eq 1 ] && [ -n "$line" ]; then
        seed=$(echo "$line" | awk '{print $2}')
        check=$(echo "$line" | awk '{print $4}')
        first=${SEEDS%%..*}
        printf '%-46s %-6s %-6s %-28s %s\n' "$name" "FOUND" "$((seed - first + 1))" "$check" "$OUT/simulate-$seed.json"
    else
        printf '%-46s %-6s %-6s %-28s %s\n' "$name" "missed" "-" "-" "(exit $status, $log)"
        missed=$((missed + 1))
    fi
done
# Leave the tree's binary as the unpatched code's.
swift build -c "$CONFIG" --product flushbench >/dev/null 2>&1
[ "$missed" -eq 0 ]
