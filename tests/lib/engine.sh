# Sourced by the integration tests and the benchmark: an engine to work
# against. engine_up uses the engine DOCKER_HOST or /var/run/docker.sock
# reaches, or starts a private dockerd (own socket, data-root, exec-root under
# $1, own bridge) and engine_down stops only an engine that engine_up started.
# engine_up DIR private always starts one (a suite that kills its engine);
# engine_crash and engine_restart kill that one and start it again.
# sbx_test_image DIR TAG [docker-import --change ...]: busybox with an agent
# user, made offline (contrib/busybox-rootfs.sh). The caller sets ROOT.

engine_ok() { docker version >/dev/null 2>&1; }

started_engine=0
DOCKERD_PID=""

engine_up() {
	_dir=$1
	if [ "${2:-}" != private ] && [ -n "${DOCKER_HOST:-}" ] && engine_ok; then
		echo "engine: using DOCKER_HOST=$DOCKER_HOST"
		return 0
	fi
	if [ "${2:-}" != private ] && [ -S /var/run/docker.sock ] &&
		DOCKER_HOST=unix:///var/run/docker.sock engine_ok; then
		export DOCKER_HOST=unix:///var/run/docker.sock
		echo "engine: using $DOCKER_HOST"
		return 0
	fi
	if ! command -v dockerd >/dev/null 2>&1; then
		echo "no engine is reachable and dockerd is not installed (make deps)"
		return 1
	fi
	mkdir -p "$_dir"
	private_net "$_dir" || return 1
	export DOCKER_HOST="unix://$_dir/docker.sock"
	dockerd_start "$_dir" || return 1
	echo "engine: a private dockerd at $DOCKER_HOST"
}

# dockerd_start DIR: the private dockerd on DIR's socket and roots, up when it returns
dockerd_start() {
	_dir=$1
	dockerd --host "$DOCKER_HOST" --data-root "$_dir/data" --exec-root "$_dir/exec" \
		--pidfile "$_dir/dockerd.pid" --bridge "$BRIDGE" --iptables=false \
		>>"$_dir/log" 2>&1 &
	DOCKERD_PID=$!
	started_engine=1
	_i=0
	until engine_ok; do
		_i=$((_i + 1))
		if [ $_i -gt 150 ] || ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
			echo "the private dockerd did not come up:"
			tail -20 "$_dir/log"
			return 1
		fi
		sleep 0.2
	done
}

# engine_crash DIR: the private engine engine_up started killed with SIGKILL; its
# containerd dies with it, the containers' shims stay. engine_restart DIR starts
# it again on the same socket and directories (it stops what was running).
# Call both from the shell that started the engine (it waits for its child).
engine_crash() {
	[ "$started_engine" = 1 ] && [ -n "$DOCKERD_PID" ] || { echo "no private engine to kill"; return 1; }
	_cpid=$(cat "$1/exec/containerd/containerd.pid" 2>/dev/null)
	kill -9 "$DOCKERD_PID" 2>/dev/null
	wait "$DOCKERD_PID" 2>/dev/null
	# Its containerd is dead once a zombie (its reaping can take seconds); a new
	# dockerd that finds it alive by its pid file waits for it in vain.
	_i=0
	while [ -n "$_cpid" ] && [ -e "/proc/$_cpid" ] && [ "$(cut -d' ' -f3 "/proc/$_cpid/stat" 2>/dev/null)" != Z ]; do
		_i=$((_i + 1))
		[ $_i -lt 100 ] || { echo "the engine's containerd ($_cpid) outlived it"; return 1; }
		sleep 0.05
	done
	rm -f "$1/dockerd.pid" "$1/exec/containerd/containerd.pid"
}
engine_restart() {
	[ "$started_engine" = 1 ] || { echo "no private engine to restart"; return 1; }
	dockerd_start "$1"
}

# The private engine's network: a bridge of its own (never docker0, never
# --bridge=none, which deletes docker0 for every engine on the machine) on a
# free /24, and --iptables=false so that it never rewrites the chains another
# engine on this machine keeps; its containers reach out through one
# MASQUERADE rule and two FORWARD rules of ours, removed by engine_down.
BRIDGE=""
SUBNET=""
private_net() {
	BRIDGE="sbxt$$"
	_n=100
	while ip -4 route 2>/dev/null | grep -q "^172\.29\.$_n\." || ip -4 addr | grep -q " 172\.29\.$_n\."; do
		_n=$((_n + 1))
		[ $_n -lt 255 ] || { echo "no free 172.29.x.0/24 for the private engine"; return 1; }
	done
	SUBNET="172.29.$_n.0/24"
	ip link add "$BRIDGE" type bridge && ip addr add "172.29.$_n.1/24" dev "$BRIDGE" &&
		ip link set "$BRIDGE" up || { echo "cannot make the bridge $BRIDGE"; return 1; }
	iptables -t nat -A POSTROUTING -s "$SUBNET" ! -o "$BRIDGE" -j MASQUERADE &&
		iptables -I FORWARD -i "$BRIDGE" -j ACCEPT &&
		iptables -I FORWARD -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
}
private_net_down() {
	[ -n "$BRIDGE" ] || return 0
	# each step on its own: a caller under set -e (make bench) still cleans up the rest
	iptables -t nat -D POSTROUTING -s "$SUBNET" ! -o "$BRIDGE" -j MASQUERADE 2>/dev/null || :
	iptables -D FORWARD -i "$BRIDGE" -j ACCEPT 2>/dev/null || :
	iptables -D FORWARD -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT \
		2>/dev/null || :
	ip link del "$BRIDGE" 2>/dev/null || :
	BRIDGE=""
}

engine_down() {
	_dir=$1
	[ "$started_engine" = 1 ] && [ -n "$DOCKERD_PID" ] || { private_net_down; return 0; }
	kill "$DOCKERD_PID" 2>/dev/null || :
	_i=0
	while kill -0 "$DOCKERD_PID" 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.2
		_i=$((_i + 1))
	done
	kill -9 "$DOCKERD_PID" 2>/dev/null || : # gone already, as it should be
	# what the private engine mounted under its roots
	grep " $_dir/" /proc/mounts | awk '{print $2}' | sort -r | while read -r _m; do
		umount -l "$_m" 2>/dev/null || :
	done
	private_net_down
}

sbx_test_image() {
	_root=$1/rootfs
	_tag=$2
	shift 2
	sh "$ROOT/contrib/busybox-rootfs.sh" "$_root" sh sleep cat id echo ls env touch \
		mkdir rm stat grep test true false chown || return 1
	tar -C "$_root" -c . | docker import "$@" - "$_tag" >/dev/null
}

# sbx_debian_image TAG: a minimal Debian (debootstrap minbase with sudo) with
# an agent user that may sudo, imported as TAG with USER agent. The root file
# system is built once and kept as a tarball in $SBX_TEST_CACHE
# (/var/cache/sbx-tests for root); apt inside reaches Debian's mirror.
sbx_debian_image() {
	_tag=$1
	_cache=${SBX_TEST_CACHE:-/var/cache/sbx-tests}
	_tar="$_cache/debian-bookworm-minbase.tar"
	if [ ! -s "$_tar" ]; then
		command -v debootstrap >/dev/null 2>&1 || { echo "debootstrap is missing (make deps)"; return 1; }
		mkdir -p "$_cache" || return 1
		_root=$(mktemp -d "$_cache/rootfs.XXXXXX") || return 1
		# debootstrap's own default mirror: no host is named here
		if ! debootstrap --variant=minbase --include=sudo,ca-certificates bookworm "$_root" \
			>"$_cache/debootstrap.log" 2>&1; then
			echo "debootstrap failed; see $_cache/debootstrap.log"
			rm -rf "$_root"
			return 1
		fi
		chroot "$_root" useradd -m -s /bin/bash agent &&
			echo 'agent ALL=(ALL) NOPASSWD:ALL' >"$_root/etc/sudoers.d/agent" &&
			chmod 0440 "$_root/etc/sudoers.d/agent" &&
			rm -rf "$_root"/var/cache/apt/archives/*.deb "$_root"/var/lib/apt/lists/* &&
			tar -C "$_root" -cf "$_tar.$$" . && mv "$_tar.$$" "$_tar"
		_rc=$?
		rm -rf "$_root"
		[ $_rc -eq 0 ] || return 1
	fi
	docker import -c 'USER agent' "$_tar" "$_tag" >/dev/null
}

# pids_with STRING...: the processes whose command line holds every STRING, read
# from /proc (procps is no package make deps installs); one grep per STRING.
pids_with() {
	_pf=$(grep -lsaF -- "$1" /proc/[0-9]*/cmdline)
	shift
	for _ps in "$@"; do
		[ -n "$_pf" ] || return 0
		# shellcheck disable=SC2086 # one word per /proc path
		_pf=$(grep -lsaF -- "$_ps" $_pf)
	done
	for _pp in $_pf; do
		_pp=${_pp#/proc/}
		echo "${_pp%/cmdline}"
	done
}
