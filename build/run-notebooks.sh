#!/usr/bin/env bash
# Runs the notebooks in samples/notebooks headless, against the package built from this working tree.
#   build/run-notebooks.sh [samples/notebooks/NAME.ipynb ...]     (default: every notebook, in name order)
#
# 1. Packs the library into artifacts/packages as <VersionPrefix>-ci.<UTC time>, e.g. 0.1.0-ci.20260101120000. NuGet caches packages by id and version
#    (~/.nuget/packages), so a fixed version would silently reuse whatever was packed first; a unique version
#    cannot. Older ci packages are removed from artifacts/packages and from the NuGet cache.
# 2. Runs each notebook with dotnet-repl (a local .NET tool, restored by build/setup.sh) in its own folder,
#    with GENREC_PACKAGE_VERSION naming that version (the notebooks' first cell reads it and checks what it loaded)
#    and GENREC_NOTEBOOK_EPOCHS = 1 unless set (each notebook's full epoch count is its default).
# 3. Writes the executed notebooks to artifacts/notebooks/ and fails, naming the notebook and printing its errors,
#    when a cell throws (dotnet-repl exits with 2 then).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
say()  { printf 'notebooks: %s\n' "$*"; }
fail() { printf 'notebooks: ERROR: %s\n' "$*" >&2; exit 1; }

if [ $# -gt 0 ]; then
    notebooks=("$@")
else
    notebooks=(samples/notebooks/*.ipynb)
fi
[ -e "${notebooks[0]}" ] || fail "no notebooks found in samples/notebooks."

package_id="Microsoft.ML.GenerativeRec"
packages="$repo/artifacts/packages"
output="$repo/artifacts/notebooks"
nuget_cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}/$(echo "$package_id" | tr '[:upper:]' '[:lower:]')"
mkdir -p "$packages" "$output"

started=$SECONDS
prefix="$(dotnet msbuild "$package_id/$package_id.csproj" -getProperty:VersionPrefix)"
[ -n "$prefix" ] || fail "could not read VersionPrefix (Directory.Build.props)."
suffix="ci.$(date -u +%Y%m%d%H%M%S)"
version="$prefix-$suffix"
rm -f "$packages/$package_id".*-ci.*.nupkg "$packages/$package_id".*-ci.*.snupkg
rm -rf "$nuget_cache"/*-ci.*
say "packing $package_id $version into artifacts/packages"
dotnet pack "$package_id/$package_id.csproj" -c Release -o "$packages" -p:VersionSuffix="$suffix" --nologo -v quiet \
    || fail "dotnet pack failed."
[ -f "$packages/$package_id.$version.nupkg" ] || fail "dotnet pack did not write $package_id.$version.nupkg."
bash build/check-package.sh "$packages/$package_id.$version.nupkg" || fail "the package is not what users are promised."

export GENREC_PACKAGE_VERSION="$version"
export GENREC_NOTEBOOK_EPOCHS="${GENREC_NOTEBOOK_EPOCHS:-1}"
# dotnet-repl 0.3.259 targets an older runtime than the .NET 10 SDK brings.
export DOTNET_ROLL_FORWARD=Major

failed=()
for notebook in "${notebooks[@]}"; do
    name="$(basename "$notebook")"
    result="$output/$name"
    rm -f "$result"
    say "running $name (epochs: $GENREC_NOTEBOOK_EPOCHS)"
    begin=$SECONDS
    rc=0
    # Started in the notebook's folder, the kernel's working directory is the one VS Code would give it
    # (dotnet-repl's --working-dir does not change it in this mode). The folder must be inside the repository,
    # where `dotnet repl` finds the local tool manifest.
    path="$(realpath "$notebook")"
    (cd "$(dirname "$path")" && timeout 30m dotnet repl --run "$path" --exit-after-run --output-path "$result" </dev/null) \
        || rc=$?
    if [ "$rc" -eq 0 ] && [ -s "$result" ]; then
        say "passed $name in $((SECONDS - begin)) s -> artifacts/notebooks/$name"
    else
        failed+=("$name")
        printf 'notebooks: FAILED %s (exit code %s, %s s); the executed notebook is %s\n' \
            "$name" "$rc" "$((SECONDS - begin))" "$result" >&2
        if [ -s "$result" ] && command -v jq >/dev/null 2>&1; then
            jq -r '.cells | to_entries[] | .key as $i | .value.outputs[]?
                   | select(.output_type == "error") | "  cell \($i + 1): \(.evalue)"' "$result" | head -n 40 >&2 || true
        fi
    fi
done

[ ${#failed[@]} -eq 0 ] || fail "${#failed[@]} of ${#notebooks[@]} notebook(s) failed: ${failed[*]} ($((SECONDS - started)) s)."
say "all ${#notebooks[@]} notebook(s) ran without an error in $((SECONDS - started)) s, packing included."
