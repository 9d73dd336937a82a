#!/bin/sh
# make deps: install what sbx's build, its tests and its engine need, when it
# is missing. Debian/Ubuntu (apt); elsewhere it names what to install and
# checks that pkg-config finds the libraries.
#
# It never harms what the machine has:
#   - apt is asked only for the packages that are not installed, and with
#     --no-remove: an install that would remove any package is not made.
#   - no engine package when an engine is already there: one that answers, a
#     dockerd or docker installed by any package (Docker CE, docker.io, moby),
#     a dockerd on PATH, containerd.io (which docker.io's containerd would
#     replace), or Podman. It says what it found.
#   - busybox-static only when no busybox is installed (it conflicts with
#     Debian's busybox; the tests use whichever busybox there is).
# Idempotent: a second run installs nothing and says so.
set -eu

# Build: compiler, pkg-config and the five libraries. Tests: cmocka, valgrind,
# the schema checker (python3-jsonschema, python3-yaml), jq, script(1)
# (bsdutils), the shells the completions are loaded in (zsh, fish; bash is there), groff
# for the man pages (groff-base), the private test engine's bridge and NAT (iproute2, iptables),
# the offline test image (busybox) and the Debian one the hardening test
# installs packages in (debootstrap), the local registry the pull test
# starts on 127.0.0.1 (docker-registry), the terminal of sbx run's test
# (tmux), the certificates of the TLS test (openssl). The engine: docker.io.
BUILD_PKGS="make gcc libc6-dev pkg-config git \
libyaml-dev libcurl4-openssl-dev libjson-c-dev libgit2-dev libssl-dev"
TEST_PKGS="libcmocka-dev valgrind python3 python3-yaml python3-jsonschema jq bsdutils iproute2 \
iptables debootstrap docker-registry tmux openssl zsh fish groff-base"
ENGINE_PKG="docker.io"

say() { printf 'deps: %s\n' "$*"; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

# The package a file on PATH comes from, or nothing.
package_of() {
	_p=$(command -v "$1" 2>/dev/null) || return 0
	_r=$(readlink -f "$_p" 2>/dev/null || echo "$_p")
	dpkg-query -S "$_p" 2>/dev/null | sed -n '1s/:.*//p' | grep . ||
		dpkg-query -S "$_r" 2>/dev/null | sed -n '1s/:.*//p'
}

# Prints why no engine package is needed, or nothing when one is.
engine_found() {
	if command -v docker >/dev/null 2>&1 && docker version >/dev/null 2>&1; then
		echo "an engine answers (${DOCKER_HOST:-unix:///var/run/docker.sock})"
		return
	fi
	for _s in /var/run/docker.sock /run/podman/podman.sock \
		"${XDG_RUNTIME_DIR:-/nonexistent}/docker.sock" \
		"${XDG_RUNTIME_DIR:-/nonexistent}/podman/podman.sock"; do
		if [ -S "$_s" ] && command -v curl >/dev/null 2>&1 &&
			curl -fsS --max-time 2 --unix-socket "$_s" http://engine/_ping >/dev/null 2>&1; then
			echo "an engine answers at $_s"
			return
		fi
	done
	for _pkg in docker-ce docker-ce-cli docker-ee docker-ee-cli docker.io moby-engine moby-cli \
		containerd.io podman podman-docker; do
		if installed "$_pkg"; then
			echo "the package $_pkg is installed"
			return
		fi
	done
	for _cmd in dockerd podman; do
		if command -v "$_cmd" >/dev/null 2>&1; then
			_from=$(package_of "$_cmd")
			echo "$(command -v "$_cmd") is installed${_from:+ (package $_from)}"
			return
		fi
	done
	_from=$(package_of docker)
	if [ -n "$_from" ]; then
		echo "$(command -v docker) is installed (package $_from)"
	fi
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	say "no apt here; install the equivalents of: $BUILD_PKGS $TEST_PKGS busybox, and an engine"
	say "(macOS: brew install pkg-config libyaml json-c curl libgit2 openssl cmocka jq)"
	if pkg-config --exists yaml-0.1 json-c libcurl libgit2 libcrypto cmocka; then
		say "pkg-config finds every library"
		exit 0
	fi
	say "pkg-config does not find every library" >&2
	exit 1
fi

want="$BUILD_PKGS $TEST_PKGS"
if command -v busybox >/dev/null 2>&1 || installed busybox || installed busybox-static; then
	:
else
	want="$want busybox-static"
fi
found=$(engine_found)
if [ -n "$found" ]; then
	say "no engine package: $found"
else
	want="$want $ENGINE_PKG"
fi

missing=""
for p in $want; do
	installed "$p" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	say "every package is installed"
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		say "missing:$missing; run as root: apt-get install --no-remove$missing" >&2
		exit 1
	fi
fi
say "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y -q --no-install-recommends --no-remove $missing; then
	say "refreshing the package lists and trying again"
	$SUDO apt-get update -q
	# shellcheck disable=SC2086
	if ! $SUDO apt-get install -y -q --no-install-recommends --no-remove $missing; then
		say "apt could not install:$missing (it would have to remove a package, or cannot" \
			"find one); nothing was removed" >&2
		exit 1
	fi
fi
# Debian starts docker-registry's system service at install (a registry on
# port 5000 of every address); the tests start their own, so one that came
# with this install is stopped and disabled.
case " $missing " in
*" docker-registry "*)
	if command -v systemctl >/dev/null 2>&1; then
		$SUDO systemctl disable --now docker-registry.service >/dev/null 2>&1 &&
			say "stopped and disabled the docker-registry service (the tests start their own)"
	fi
	;;
esac
say "done"
