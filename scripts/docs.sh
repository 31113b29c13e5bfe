#!/usr/bin/env bash
# Builds the docfx site into docs/_site (never committed): API reference from the XML docs of the three libraries,
# plus the conceptual pages in docs/articles. Warnings are errors, so a broken cross-reference or link fails it.
# Then checks the rendered pages in headless Chromium (scripts/check-docs.sh) unless --no-check is given.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
docs="$root/docs"
repo_url="$(dotnet msbuild "$root/src/UserMemory/UserMemory.csproj" -getProperty:UserMemoryRepositoryUrl)"
cd "$root"
dotnet tool restore >/dev/null

# docs/articles/semantics-choices.md is written with the core's design decisions; until it exists, a placeholder
# (removed again after the build) keeps the table of contents whole.
choices="$docs/articles/semantics-choices.md"
placeholder=0
if [ ! -f "$choices" ]; then
  placeholder=1
  printf '# Semantic choices\n\nThis page will describe the choices UserMemory makes where Linux, axptr and the other systems differ.\nSee the [semantics table](semantics.md) meanwhile.\n' > "$choices"
fi
cleanup() { if [ "$placeholder" = 1 ]; then rm -f "$choices"; fi; }
trap cleanup EXIT

# BENCHMARKS.md links to files in the repository: outside the site, so they become links to the repository.
mkdir -p "$docs/articles/generated"
sed -E "s#\]\((\.?/?)(bench|src|tests|scripts|docs)/#](${repo_url}/blob/main/\2/#g; s#\]\(([A-Z]+\.md)\)#](${repo_url}/blob/main/\1)#g" \
  "$root/BENCHMARKS.md" > "$docs/articles/generated/benchmarks-report.md"

rm -rf "$docs/_site" "$docs/api"
dotnet docfx metadata "$docs/docfx.json" --warningsAsErrors
dotnet docfx build "$docs/docfx.json" --warningsAsErrors
echo "docs: site built in docs/_site"

# The guard itself: a page with a broken cross-reference and a broken link must fail a build with these settings.
scratch="$(mktemp -d)"
printf '{ "build": { "content": [ { "files": [ "*.md" ] } ], "output": "_site" } }\n' > "$scratch/docfx.json"
printf '# Broken\n\nSee <xref:UserMemory.NoSuchType> and [a missing page](missing.md).\n' > "$scratch/index.md"
if dotnet docfx build "$scratch/docfx.json" --warningsAsErrors >"$scratch/log" 2>&1; then
  cat "$scratch/log"; rm -rf "$scratch"; echo "docs: FAIL: a broken cross-reference did not fail the build" >&2; exit 1
fi
grep -q UidNotFound "$scratch/log" && grep -q InvalidFileLink "$scratch/log" \
  || { cat "$scratch/log"; rm -rf "$scratch"; echo "docs: FAIL: unexpected failure of the broken-reference build" >&2; exit 1; }
rm -rf "$scratch"
echo "docs: a broken cross-reference or link fails the build (UidNotFound, InvalidFileLink as errors)"

if [ "${1:-}" != "--no-check" ]; then
  bash "$root/scripts/check-docs.sh"
fi
