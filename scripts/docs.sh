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

if [ "${1:-}" != "--no-check" ]; then
  bash "$root/scripts/check-docs.sh"
fi
