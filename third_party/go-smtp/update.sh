#!/usr/bin/env bash
# Keeps this copy of github.com/emersion/go-smtp equal to an upstream
# release plus SLUICE.patch (see README.md). Run it from this directory.
#
#   ./update.sh check  vX.Y.Z   this copy = release vX.Y.Z + SLUICE.patch, and
#                               the reference readers in sluice_fast_test.go
#                               are that release's, verbatim
#   ./update.sh diff   vX.Y.Z   rewrite SLUICE.patch from this copy
#   ./update.sh rebase vX.Y.Z   replace upstream's files by release vX.Y.Z's
#                               and apply SLUICE.patch to them
#
# Releases come from the Go module proxy only (go mod download), never from
# a repository. Upstream's repository files (.build.yml, .github/,
# .gitignore) are left out, and README.md here is sluice's.
set -euo pipefail

mod=github.com/emersion/go-smtp
# Files that are sluice's, not upstream's: kept across a rebase, left out
# of the patch.
ours=(README.md SLUICE.patch sluice_fast_test.go update.sh testdata)

[[ -f sluice_fast_test.go && -f go.mod ]] || { echo "update.sh: run it from third_party/go-smtp" >&2; exit 2; }
[[ $# -eq 2 && $2 == v* ]] || { sed -n '5,10p' "$0" >&2; exit 2; }
cmd=$1 version=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# pristine copies release $version to $work/a, without the repository files.
pristine() {
	local dir
	dir=$(cd "$work" && GOFLAGS=-mod=mod \
		go mod download -json "$mod@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
	[[ -n $dir ]] || { echo "update.sh: $mod@$version not found on the module proxy" >&2; exit 1; }
	cp -r "$dir" "$work/a"
	chmod -R u+w "$work/a"
	rm -rf "$work/a/.build.yml" "$work/a/.github" "$work/a/.gitignore"
}

# patchdiff prints this copy's diff against $work/a, reproducibly (no
# timestamps), with git-style a/ b/ paths.
patchdiff() {
	local ex=() f
	for f in "${ours[@]}"; do ex+=(-x "$f"); done
	rm -rf "$work/b"
	cp -r . "$work/b"
	(cd "$work" && diff -ruN "${ex[@]}" a b) | sed -E 's/^((---|\+\+\+) [^\t]+)\t.*$/\1/' || true
}

# reference checks that each reference reader in sluice_fast_test.go has
# the body of upstream's method in $work/a.
reference() {
	local ok=0 file method ref
	while read -r file method ref; do
		if ! diff -u --label "upstream $method" --label "sluice_fast_test.go $ref" \
			<(sed -n "/^func $method(/,/^}/p" "$work/a/$file" | tail -n +2) \
			<(sed -n "/^func $ref(/,/^}/p" sluice_fast_test.go | tail -n +2); then
			echo "update.sh: $ref is not $version's $method: copy its body, then check the patch against upstream's change" >&2
			ok=1
		fi
	done <<'EOF'
data.go (r \*dataReader) Read refDataRead
lengthlimit_reader.go (r \*lineLimitReader) Read refLineLimitRead
conn.go (c \*Conn) writeResponse refWriteResponse
EOF
	return $ok
}

pristine
case $cmd in
check)
	patchdiff | cmp -s - SLUICE.patch || { echo "update.sh: this copy is not $version + SLUICE.patch (./update.sh diff $version shows the difference)" >&2; exit 1; }
	reference
	echo "update.sh: this copy is $version + SLUICE.patch"
	;;
diff)
	patchdiff >SLUICE.patch
	reference
	;;
rebase)
	for f in * .[!.]*; do
		[[ -e $f ]] || continue
		[[ " ${ours[*]} " == *" $f "* ]] || rm -rf "$f"
	done
	cp -r "$work/a/." .
	patch -p1 --no-backup-if-mismatch <SLUICE.patch
	reference || echo "update.sh: the readers changed upstream; see README.md before trusting the patch" >&2
	echo "update.sh: now run: go vet . && go test -race ./... and both fuzz targets (README.md)"
	;;
*)
	sed -n '5,10p' "$0" >&2
	exit 2
	;;
esac
