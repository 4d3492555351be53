#!/usr/bin/env bash
# Packs Microsoft.ML.GenerativeRec into artifacts/packages: the .nupkg (library, XML docs, package readme, licence)
# and the .snupkg (symbols), with the version of Directory.Build.props (VersionPrefix, e.g. 0.1.0).
#   build/pack.sh [extra dotnet pack options]
#
# NuGet caches packages by id and version (~/.nuget/packages), so a package re-packed under the same version would
# be ignored in favour of the cached copy: this script removes the cached copy of the version it packs, so the next
# restore (a notebook's #r, an application's dotnet restore) takes the package just built.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
package_id="Microsoft.ML.GenerativeRec"
packages="$repo/artifacts/packages"
project="$package_id/$package_id.csproj"

version="$(dotnet msbuild "$project" -getProperty:VersionPrefix)"
dotnet pack "$project" -c Release -o "$packages" --nologo "$@"
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/$(echo "$package_id" | tr '[:upper:]' '[:lower:]')/$version"

nupkg="$packages/$package_id.$version.nupkg"
[ -f "$nupkg" ] || { echo "pack: ERROR: $nupkg was not written." >&2; exit 1; }
bash "$repo/build/check-package.sh" "$nupkg"
echo "pack: wrote $nupkg and its .snupkg. Its dependencies:"
if command -v unzip >/dev/null 2>&1; then
    unzip -p "$nupkg" "$package_id.nuspec" | grep -o '<dependency [^>]*>' | sed 's/^/    /'
fi
echo "pack: use it from that folder: dotnet nuget add source $packages (see the package readme, $package_id/PACKAGE.md)."
