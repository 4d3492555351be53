#!/usr/bin/env bash
# Checks a packed Microsoft.ML.GenerativeRec .nupkg (and its .snupkg) for what issue #7 promises users:
# the library with its XML docs, the package readme and licence, symbols, Microsoft.ML at one exact version,
# TorchSharp without a runtime package (users choose TorchSharp-cpu or a CUDA package themselves).
#   build/check-package.sh artifacts/packages/Microsoft.ML.GenerativeRec.<version>.nupkg
set -euo pipefail

nupkg="${1:?usage: build/check-package.sh <path to .nupkg>}"
snupkg="${nupkg%.nupkg}.snupkg"
package_id="Microsoft.ML.GenerativeRec"
problems=()
fail() { problems+=("$*"); }

[ -f "$nupkg" ] || { echo "package: ERROR: $nupkg does not exist." >&2; exit 1; }
command -v unzip >/dev/null 2>&1 || { echo "package: ERROR: unzip is needed to read $nupkg." >&2; exit 1; }

files="$(unzip -Z1 "$nupkg")"
for expected in "lib/net10.0/$package_id.dll" "lib/net10.0/$package_id.xml" "PACKAGE.md" "LICENSE" "$package_id.nuspec"; do
    grep -qxF "$expected" <<<"$files" || fail "$expected is missing from the package"
done

nuspec="$(unzip -p "$nupkg" "$package_id.nuspec")"
grep -q '<readme>PACKAGE.md</readme>' <<<"$nuspec" || fail "the nuspec names no package readme"
grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || fail "the nuspec has no MIT licence expression"
grep -Eq '<dependency id="Microsoft.ML" version="\[[0-9.]+\]"' <<<"$nuspec" \
    || fail "Microsoft.ML is not a dependency at one exact version ([x.y.z]): $(grep -o '<dependency id="Microsoft.ML"[^>]*>' <<<"$nuspec" || echo none)"
grep -q '<dependency id="TorchSharp" ' <<<"$nuspec" || fail "TorchSharp is not a dependency"
if grep -Eq '<dependency id="(TorchSharp-cpu|TorchSharp-cuda[^"]*|libtorch[^"]*)"' <<<"$nuspec"; then
    fail "the package forces a TorchSharp runtime package on its users"
fi
if grep -q '<dependency id="MLPublicizer"' <<<"$nuspec"; then
    fail "the build-time MLPublicizer leaked into the dependencies"
fi

if [ -f "$snupkg" ]; then
    # Listed into a variable, not piped: unzip writes each name unbuffered, so a `grep -q` that stops at the pdb
    # line could end unzip with SIGPIPE, and under pipefail a package with its pdb would fail the check.
    symbols="$(unzip -Z1 "$snupkg")"
    grep -qxF "lib/net10.0/$package_id.pdb" <<<"$symbols" || fail "$(basename "$snupkg") holds no $package_id.pdb"
else
    fail "the symbols package $(basename "$snupkg") was not written"
fi

if [ ${#problems[@]} -gt 0 ]; then
    printf 'package: ERROR: %s\n' "${problems[@]}" >&2
    exit 1
fi
echo "package: $(basename "$nupkg") has the library, XML docs, readme, licence, symbols and the expected dependencies."
