#!/bin/sh
# Install what sbx's build, its tests and its engine need, when it is missing.
# Idempotent: a second run installs nothing and says so. Debian/Ubuntu (apt);
# elsewhere it names what to install and checks that pkg-config finds it.
set -eu

# Build: compiler, pkg-config and the five libraries; tests: cmocka, valgrind,
# the schema checker (python3-jsonschema, python3-yaml), jq; the engine
# (docker.io), the offline test image (busybox-static) and the Debian one
# the hardening test installs packages in (debootstrap).
PKGS="make gcc libc6-dev pkg-config git \
libyaml-dev libcurl4-openssl-dev libjson-c-dev libgit2-dev libssl-dev \
libcmocka-dev valgrind python3 python3-yaml python3-jsonschema jq \
docker.io busybox-static debootstrap"

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: no apt here; install the equivalents of: $PKGS"
	echo "deps: (macOS: brew install pkg-config libyaml json-c curl libgit2 openssl cmocka jq)"
	if pkg-config --exists yaml-0.1 json-c libcurl libgit2 libcrypto cmocka; then
		echo "deps: pkg-config finds every library"
		exit 0
	fi
	echo "deps: pkg-config does not find every library" >&2
	exit 1
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "deps: every package is installed"
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "deps: missing:$missing; run as root: apt-get install$missing" >&2
		exit 1
	fi
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y -q --no-install-recommends $missing; then
	echo "deps: refreshing the package lists and trying again"
	$SUDO apt-get update -q
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -q --no-install-recommends $missing
fi
echo "deps: done"
