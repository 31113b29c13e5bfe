#!/usr/bin/env bash
# Builds and runs the samples against the packages in artifacts/feed (filled by `bash scripts/pack.sh`), never
# against project references, and compares each sample's output with its expected-output.txt.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
feed="$root/artifacts/feed"
packages="$root/artifacts/samples/packages"   # samples/nuget.config's globalPackagesFolder
version="$(dotnet msbuild "$root/src/UserMemory/UserMemory.csproj" -getProperty:Version)"
fail() { echo "samples: $*" >&2; exit 1; }

[ -f "$feed/UserMemory.$version.nupkg" ] || fail "no UserMemory.$version.nupkg in $feed: run bash scripts/pack.sh first"
if grep -rq "<ProjectReference" "$root/samples" --include='*.csproj'; then fail "a sample uses a project reference"; fi
# The same version is repacked on every run: drop the copies an earlier restore extracted.
mkdir -p "$root/artifacts/samples"
rm -rf "$packages"/usermemory*

for sample in OwnKernel ReferenceAddressSpace; do
  dir="$root/samples/$sample"
  echo "samples: $sample: restore from the local feed, build, run"
  dotnet build "$dir" -c Release -p:UserMemoryPackageVersion="$version" --nologo -v quiet >"$root/artifacts/samples/$sample.build.log" 2>&1 \
    || { cat "$root/artifacts/samples/$sample.build.log"; fail "$sample does not build"; }
  actual="$root/artifacts/samples/$sample.output.txt"
  dotnet "$dir/bin/Release/net10.0/$sample.dll" >"$actual" 2>&1 || { cat "$actual"; fail "$sample exited with $?"; }
  diff -u "$dir/expected-output.txt" "$actual" || fail "$sample: output differs from expected-output.txt"
done

# Every UserMemory package the samples use was restored from the local feed.
for meta in "$packages"/usermemory*/"$version"/.nupkg.metadata; do
  grep -q "\"source\": \"$feed" "$meta" || fail "$meta was not restored from $feed"
done
echo "samples: both samples match their expected output (packages from $feed)"
