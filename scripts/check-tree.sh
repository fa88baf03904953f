#!/usr/bin/env bash
# Fails when git tracks a file over 2 MiB, a wheel, Package.resolved or a build folder: the
# repository holds source, scenarios and baselines only (binaries come from the registries).
set -euo pipefail
cd "$(dirname "$0")/.."
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || exit 0
limit=$((2 * 1024 * 1024))
status=0
while IFS= read -r -d '' path; do
    [[ -f "$path" ]] || continue
    size=$(stat -c %s "$path")
    if ((size > limit)); then
        echo "check-tree: $path is tracked and holds $size bytes (limit $limit); remove it from git" >&2
        status=1
    fi
    case "$path" in
        *.whl|Package.resolved|*/Package.resolved|.build*/*)
            echo "check-tree: $path must not be tracked (see .gitignore)" >&2
            status=1 ;;
    esac
done < <(git ls-files -z)
exit $status
