#!/usr/bin/env bash
# Regenerates PublicAPI.Unshipped.txt of the shipped projects from the code as it is now, after an intended API
# change: `bash scripts/update-public-api.sh` (all four packages) or `bash scripts/update-public-api.sh path/to/X.csproj`.
# PublicAPI.Shipped.txt is left alone (move lines there when a version is released). The fixes are the
# PublicApiAnalyzers' own code fixes run by `dotnet format`: RS0016 adds what is public but not declared, RS0017
# removes (or marks *REMOVED*) what is declared but gone. A build afterwards proves the baseline now matches.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ "$#" -gt 0 ]; then
  projects=("$@")
else
  projects=()
  for p in UserMemory UserMemory.AddressSpace UserMemory.Linux UserMemory.Runner; do
    projects+=("$root/src/$p/$p.csproj")
  done
fi

for project in "${projects[@]}"; do
  dir="$(dirname "$project")"
  unshipped="$dir/PublicAPI.Unshipped.txt"
  [ -f "$dir/PublicAPI.Shipped.txt" ] || printf '#nullable enable\n' > "$dir/PublicAPI.Shipped.txt"
  printf '#nullable enable\n' > "$unshipped"
  echo "update-public-api: $project"
  dotnet restore "$project" --nologo -v quiet
  # dotnet format exits non-zero when it changed files; its own failures show up in the build below.
  dotnet format analyzers "$project" --no-restore --diagnostics RS0016 RS0017 --severity info -v quiet || true
  # Keep the file stable for review: header first, then the entries sorted.
  { echo '#nullable enable'; { grep -v '^#nullable enable$' "$unshipped" || true; } | LC_ALL=C sort -u; } > "$unshipped.tmp"
  mv "$unshipped.tmp" "$unshipped"
  dotnet build "$project" -c Release --no-restore --nologo -v quiet -clp:ErrorsOnly \
    || { echo "update-public-api: $project still does not build (see above)" >&2; exit 1; }
  echo "update-public-api: $(($(wc -l < "$unshipped") - 1)) unshipped entries in $unshipped"
done
