#!/usr/bin/env bash
# Shows that the public-API baseline guards the build: in a scratch copy of the core, a public method declared in
# PublicAPI.Unshipped.txt builds; changing its signature (int -> long) without updating the baseline fails with
# RS0016/RS0017; scripts/update-public-api.sh then records the change and the build passes again.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
fail() { echo "api-baseline: FAIL: $*" >&2; exit 1; }

mkdir -p "$scratch/src"
for f in Directory.Build.props Directory.Build.targets Directory.Packages.props global.json nuget.config; do
  if [ -f "$root/$f" ]; then cp "$root/$f" "$scratch/"; fi
done
# The core, and the analyzer it builds and packs when that project exists.
for p in UserMemory UserMemory.Analyzers; do
  if [ -d "$root/src/$p" ]; then
    cp -r "$root/src/$p" "$scratch/src/"
    rm -rf "$scratch/src/$p/bin" "$scratch/src/$p/obj"
  fi
done
core="$scratch/src/UserMemory/UserMemory.csproj"
probe="$scratch/src/UserMemory/BaselineProbe.cs"
cat > "$probe" <<'CS'
namespace UserMemory;

/// <summary>A public type added by the baseline check.</summary>
public static class BaselineProbe
{
    /// <summary>Returns its argument.</summary>
    /// <param name="value">Any value.</param>
    /// <returns><paramref name="value"/>.</returns>
    public static int Echo(int value) => value;
}
CS
printf '%s\n' 'UserMemory.BaselineProbe' 'static UserMemory.BaselineProbe.Echo(int value) -> int' >> "$scratch/src/UserMemory/PublicAPI.Unshipped.txt"
build() { dotnet build "$core" -c Release --nologo -v quiet -clp:ErrorsOnly >"$scratch/build.log" 2>&1; }

build || { cat "$scratch/build.log"; fail "the declared API does not build"; }
echo "api-baseline: declared public method builds"

sed -i 's/public static int Echo(int value)/public static long Echo(int value)/' "$probe"
if build; then fail "changing a public signature without updating the baseline still builds"; fi
grep -q "RS0016.*BaselineProbe.Echo(int value) -> long" "$scratch/build.log" || { cat "$scratch/build.log"; fail "no RS0016 for the new signature"; }
grep -q "RS0017.*BaselineProbe.Echo(int value) -> int" "$scratch/build.log" || { cat "$scratch/build.log"; fail "no RS0017 for the old signature"; }
echo "api-baseline: changed signature fails the build (RS0016 new signature undeclared, RS0017 old one missing)"

bash "$root/scripts/update-public-api.sh" "$core" >"$scratch/update.log" 2>&1 || { cat "$scratch/update.log"; fail "update-public-api.sh failed"; }
grep -qx 'static UserMemory.BaselineProbe.Echo(int value) -> long' "$scratch/src/UserMemory/PublicAPI.Unshipped.txt" \
  || fail "update-public-api.sh did not record the new signature"
if grep -q 'BaselineProbe.Echo(int value) -> int' "$scratch/src/UserMemory/PublicAPI.Unshipped.txt"; then fail "the old signature is still declared"; fi
build || { cat "$scratch/build.log"; fail "the build still fails after update-public-api.sh"; }
echo "api-baseline: update-public-api.sh records the change and the build passes again"
