#!/bin/sh
# make deps decides what to install without harming what the machine has:
# contrib/install-deps.sh run against stand-ins for dpkg-query, apt-get, docker,
# dockerd, podman and curl on a PATH of their own, and what it asked apt for.
# usage: tests/deps/run.sh
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/sbx-deps.XXXXXX)
trap 'rm -rf "$T"' EXIT
OUT="$T/out"
ERR="$T/err"
. "$ROOT/tests/lib/harness.sh"

# machine [PKG...] [--cmd NAME]... [--answers]: a PATH holding the tools the
# script uses and stand-ins: dpkg-query knows the PKGs as installed, apt-get
# records its arguments in $T/apt, each --cmd NAME is a command on PATH, and
# with --answers `docker version` succeeds.
machine() {
	rm -rf "$T/bin" "$T/apt" && mkdir -p "$T/bin" || return 1
	for _c in sh grep sed readlink id cat; do
		ln -s "$(command -v "$_c")" "$T/bin/$_c" || return 1
	done
	_installed=""
	_answers=1
	while [ $# -gt 0 ]; do
		case "$1" in
		--cmd) shift && printf '#!/bin/sh\nexit 1\n' >"$T/bin/$1" ;;
		--answers) _answers=0 ;;
		*) _installed="$_installed $1" ;;
		esac
		shift
	done
	printf '#!/bin/sh\n[ "$1" = -W ] || exit 1\nfor p in %s; do [ "$p" = "$3" ] && { printf "install ok installed"; exit 0; }; done\nexit 1\n' \
		"$_installed" >"$T/bin/dpkg-query" &&
		printf '#!/bin/sh\necho "$*" >>"%s/apt"\n' "$T" >"$T/bin/apt-get" &&
		printf '#!/bin/sh\nexit 1\n' >"$T/bin/curl" &&
		if [ -e "$T/bin/docker" ] || [ "$_answers" = 0 ]; then
			printf '#!/bin/sh\nexit %s\n' "$_answers" >"$T/bin/docker"
		fi &&
		chmod +x "$T/bin/dpkg-query" "$T/bin/apt-get" "$T/bin/curl" &&
		for _f in "$T/bin"/*; do [ -L "$_f" ] || chmod +x "$_f" || return 1; done
}
deps() {
	run 0 env -i PATH="$T/bin" XDG_RUNTIME_DIR=/nonexistent "$T/bin/sh" "$ROOT/contrib/install-deps.sh"
}
# What the last run asked apt to install, one package a line, sorted.
asked() { tr ' ' '\n' <"$T/apt" | grep -v '^-' | grep -v '^install$' | grep . | sort; }
BASE="make gcc libc6-dev pkg-config git libyaml-dev libcurl4-openssl-dev libjson-c-dev libgit2-dev
libssl-dev libcmocka-dev valgrind python3 python3-yaml python3-jsonschema jq bsdutils iproute2
iptables debootstrap docker-registry tmux openssl zsh fish groff-base"

t "a bare machine: everything, docker.io and busybox-static too, and apt never removes" <<'EOF'
machine && deps && out_has "deps: installing:" &&
	asked | grep -qx docker.io && asked | grep -qx busybox-static &&
	eq "$(asked | grep -v -x -e docker.io -e busybox-static | tr '\n' ' ')" "$(echo $BASE | tr ' ' '\n' | sort | tr '\n' ' ')" "the rest" &&
	grep -q -- '--no-remove' "$T/apt" && grep -q -- '--no-install-recommends' "$T/apt"
EOF

t "Docker CE installed: no engine package, and it says so" <<'EOF'
machine docker-ce docker-ce-cli containerd.io && deps &&
	! asked | grep -v -x docker-registry | grep -q docker && out_has "no engine package: the package docker-ce is installed"
EOF

t "only Docker CE's CLI (a remote engine): no engine package" <<'EOF'
machine docker-ce-cli && deps && ! asked | grep -qx docker.io &&
	out_has "the package docker-ce-cli is installed"
EOF

t "containerd.io alone (docker.io's containerd would replace it): no engine package" <<'EOF'
machine containerd.io && deps && ! asked | grep -qx docker.io
EOF

t "Podman: no engine package" <<'EOF'
machine podman && deps && ! asked | grep -qx docker.io && out_has "the package podman is installed"
EOF

t "a dockerd on PATH from no package: no engine package, and where it is" <<'EOF'
machine --cmd dockerd && deps && ! asked | grep -qx docker.io && out_has "bin/dockerd is installed"
EOF

t "an engine that answers: no engine package" <<'EOF'
machine --cmd docker --answers && deps && ! asked | grep -qx docker.io && out_has "an engine answers"
EOF

t "a docker CLI from no package and no engine: docker.io (nothing for it to conflict with)" <<'EOF'
machine --cmd docker && deps && asked | grep -qx docker.io
EOF

t "a busybox already installed: no busybox-static (it conflicts with busybox)" <<'EOF'
machine busybox && deps && ! asked | grep -qx busybox-static
EOF

t "everything installed: apt is not called, and it says so" <<'EOF'
machine $BASE busybox-static docker.io && deps && out_has "every package is installed" && [ ! -e "$T/apt" ]
EOF

t "only what is missing is asked for" <<'EOF'
machine $(echo $BASE | sed 's/ jq / /') busybox-static docker.io && deps && eq "$(asked)" jq "asked for"
EOF

# The Makefile asks pkg-config when a recipe first needs the flags, not when it
# is read: deps runs before any -dev package is there. A stand-in pkg-config
# that knows every module but libgit2.
mkdir -p "$T/pc" &&
	printf '#!/bin/sh\nfor a; do [ "$a" = libgit2 ] && exit 1; done\nexec %s "$@"\n' \
		"$(command -v pkg-config)" >"$T/pc/pkg-config" && chmod +x "$T/pc/pkg-config"
t "make deps reads no library flags; a build without a module stops, naming it" <<'EOF'
PATH="$T/pc:$PATH" run 0 make -C "$ROOT" -n BUILD="$T/build" deps && out_has "install-deps.sh" &&
	PATH="$T/pc:$PATH" run 2 make -C "$ROOT" -n BUILD="$T/build" "$T/build/sbx" &&
	err_has "pkg-config cannot find libgit2: run 'make deps'" && ! grep -q yaml-0.1 "$ERR"
EOF

t "no package mirror or registry host is named in the scripts and the build: the tools' defaults reach them" <<'EOF'
{ git -C "$ROOT" grep -nE 'https?://|(^|[^a-z])(deb|ftp[.a-z0-9]*|security|archive)\.(debian|ubuntu)\.(org|com)|registry-1\.docker|ghcr\.io|quay\.io' \
	-- .ci contrib tests Makefile ':!tests/fuzz/corpus' ':!tests/schema/invalid' ':!tests/schema/valid' >"$OUT"
	[ $? -le 1 ]; } && [ -s "$OUT" ] &&
	{ ! grep -v -e 'http://engine/' -e '127\.0\.0\.1' -e '\.invalid' -e '^tests/deps/run.sh:' "$OUT" ||
		fail "a host is named there"; }
EOF

t_done deps
