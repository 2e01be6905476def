#!/usr/bin/env bash
# Packs static mayfly and mayflyctl binaries into a FROM-scratch image, so
# that no base image has to be pulled from a registry.
#
#   deploy/docker/pack.sh -t mayfly:1.4.0                # build the binaries from this checkout, then pack them
#   deploy/docker/pack.sh -t mayfly:1.4.0 -b DIR         # pack DIR/mayfly and DIR/mayflyctl, built with CGO_ENABLED=0
#
# The image runs as user 65532 with /data as its volume, and its health
# check is `mayfly healthcheck`. Building the binaries sets the version,
# the commit and the build date with -ldflags (VERSION overrides the
# version, which defaults to `git describe`).
set -euo pipefail

usage() {
	echo "usage: $0 -t TAG [-b DIR_WITH_BINARIES]" >&2
	exit 2
}

tag="" bindir=""
while getopts "t:b:" opt; do
	case "$opt" in
	t) tag="$OPTARG" ;;
	b) bindir="$OPTARG" ;;
	*) usage ;;
	esac
done
[ -n "$tag" ] || usage

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT

commit="$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)"
version="${VERSION:-$(git -C "$repo" describe --tags --always --dirty 2>/dev/null || echo dev)}"
build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

mkdir -p "$ctx/rootfs/usr/local/bin" "$ctx/rootfs/tmp" "$ctx/rootfs/etc/ssl/certs" "$ctx/data"
if [ -z "$bindir" ]; then
	bindir="$ctx/bin"
	ldflags="-s -w -X main.version=$version -X main.commit=$commit -X main.buildDate=$build_date"
	(cd "$repo" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$bindir/" ./cmd/mayfly ./cmd/mayflyctl)
fi

for bin in mayfly mayflyctl; do
	if [ ! -x "$bindir/$bin" ]; then
		echo "$0: $bindir/$bin is missing or not executable" >&2
		exit 1
	fi
	# A scratch image has no C library, so a cgo binary would not start.
	if ! go version -m "$bindir/$bin" | grep -q 'CGO_ENABLED=0'; then
		echo "$0: $bindir/$bin was not built with CGO_ENABLED=0; rebuild it static" >&2
		exit 1
	fi
	cp "$bindir/$bin" "$ctx/rootfs/usr/local/bin/$bin"
done

# The roots that ACME and https calls to other edges need.
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
	cp /etc/ssl/certs/ca-certificates.crt "$ctx/rootfs/etc/ssl/certs/"
fi
# Numeric owners need no /etc/passwd; names make `ps` and logs readable.
printf 'root:x:0:0:root:/:/sbin/nologin\nmayfly:x:65532:65532:mayfly:/data:/sbin/nologin\n' >"$ctx/rootfs/etc/passwd"
printf 'root:x:0:\nmayfly:x:65532:\n' >"$ctx/rootfs/etc/group"
chmod 1777 "$ctx/rootfs/tmp"
chmod 0700 "$ctx/data"

cp "$here/Dockerfile.scratch" "$ctx/Dockerfile"
rm -rf "$ctx/bin"
docker build -q -t "$tag" \
	--build-arg VERSION="$version" --build-arg COMMIT="$commit" --build-arg BUILD_DATE="$build_date" \
	"$ctx" >/dev/null
echo "$tag"
