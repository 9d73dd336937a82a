#!/usr/bin/env bash
# A newcomer's first run, proven: a fresh Debian 12 root (debootstrap minbase
# plus git and make, the two things the README assumes), a clean clone of this
# repository in it, and the README's two commands run there in the order given,
# each expected to pass at its first try. Nothing but `make deps` (which both
# commands call) installs anything in that root.
#
#   .ci/fresh-root.sh "demo test"   make demo, then make test (an engine runs)
#   .ci/fresh-root.sh "test demo"   make test first (no engine runs), then demo
#
# The root runs in namespaces of its own (mount, pid, network), so the engine it
# starts has its own bridge, iptables and processes and cannot disturb an engine
# on this machine; everything in those namespaces ends with the run. Its network
# is a veth pair to this host, NATed, for apt. Cached between runs, like the
# tests' Debian image: the debootstrap result (a tarball) and apt's downloaded
# .deb files, which apt still installs itself. As root.
set -euo pipefail
order=${1:-"demo test"}
# SBX_CI_KEEP=1 keeps the root afterwards; SBX_CI_ROOT=DIR runs in a kept one.
src=$(cd "$(dirname "$0")/.." && pwd)
cache=${SBX_CI_CACHE:-/var/cache/sbx-ci}
base="$cache/bookworm-minbase.tar"
mkdir -p "$cache/apt-archives/partial" /var/cache/sbx-tests

if [ ! -s "$base" ]; then
	echo "fresh-root: debootstrap bookworm (minbase, git, make) into the cache"
	tmp=$(mktemp -d "$cache/root.XXXXXX")
	# debootstrap's default mirror; no host is named here
	if ! debootstrap --variant=minbase --include=git,make bookworm "$tmp" >"$cache/debootstrap.log" 2>&1; then
		tail -n 20 "$cache/debootstrap.log"
		rm -rf "$tmp"
		exit 1
	fi
	rm -rf "$tmp"/var/cache/apt/archives/*.deb
	chmod 755 "$tmp"
	tar -C "$tmp" -cf "$base.$$" . && mv "$base.$$" "$base"
	rm -rf "$tmp"
fi

id=$$
R=${SBX_CI_ROOT:-}
ns="sbxci$id"
host_if="sbxci$id"
net="10.$((200 + id % 50)).$((id / 50 % 250)).0"
pfx=${net%.0}
nat_rule=(-t nat -s "$net/30" ! -o "$host_if" -j MASQUERADE)
fwd_in=(-i "$host_if" -j ACCEPT)
fwd_out=(-o "$host_if" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT)
old_forward=$(cat /proc/sys/net/ipv4/ip_forward)

cleanup() {
	set +e
	ip netns del "$ns" 2>/dev/null
	ip link del "$host_if" 2>/dev/null
	iptables "${nat_rule[@]:0:2}" -D POSTROUTING "${nat_rule[@]:2}" 2>/dev/null
	iptables -D FORWARD "${fwd_in[@]}" 2>/dev/null
	iptables -D FORWARD "${fwd_out[@]}" 2>/dev/null
	# .ci/run, running roots beside other tests, sets it back itself at its end
	[ "$old_forward" = 1 ] || [ -n "${SBX_CI_FORWARD_KEPT:-}" ] || echo "$old_forward" >/proc/sys/net/ipv4/ip_forward
	# the mount namespace took its mounts with it; only files remain
	if [ -n "${SBX_CI_KEEP:-}" ]; then echo "fresh-root: kept $R"; else rm -rf "$R"; fi
}
trap cleanup EXIT

if [ -z "$R" ]; then
	R=$(mktemp -d /var/tmp/sbx-fresh.XXXXXX)
	tar -C "$R" -xf "$base"
	chmod 755 "$R" # it becomes /, which every user traverses (after tar set its mode)
	git clone -q --no-local "$src" "$R/root/sbx"
fi
cp /etc/resolv.conf "$R/etc/resolv.conf"
rm -f "$R/usr/sbin/policy-rc.d"

ip netns add "$ns"
ip link add "$host_if" type veth peer name eth0 netns "$ns"
ip addr add "$pfx.1/30" dev "$host_if"
ip link set "$host_if" up
ip -n "$ns" link set lo up
ip -n "$ns" addr add "$pfx.2/30" dev eth0
ip -n "$ns" link set eth0 up
ip -n "$ns" route add default via "$pfx.1"
echo 1 >/proc/sys/net/ipv4/ip_forward
iptables "${nat_rule[@]:0:2}" -A POSTROUTING "${nat_rule[@]:2}"
iptables -I FORWARD "${fwd_in[@]}"
iptables -I FORWARD "${fwd_out[@]}"

case "$order" in
*[!a-z\ ]* | *[!demostl\ ]*) steps="$order &&" ;; # a command of one's own, with a kept root
*)
	steps=""
	for s in $order; do
		steps="$steps echo \"== fresh root ($order): make $s\" && make $s &&"
	done
	;;
esac

# In new mount, pid and network namespaces: the root's own /proc, /sys (this
# network namespace's), /dev, cgroups and tmpfs /run and /tmp; the two caches
# bound in. When the shell ends, every process in the pid namespace ends too.
nsenter --net="/run/netns/$ns" unshare --mount --pid --fork bash -euc '
	R=$1 cache=$2 steps=$3
	mount --make-rprivate /
	mount --bind "$R" "$R"
	mount -t proc proc "$R/proc"
	mount -t sysfs sysfs "$R/sys"
	mount --rbind /sys/fs/cgroup "$R/sys/fs/cgroup"
	mount --rbind /dev "$R/dev"
	mount -t tmpfs -o mode=755 tmpfs "$R/run"
	mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
	mkdir -p "$R/var/cache/sbx-tests"
	mount --bind "$cache/apt-archives" "$R/var/cache/apt/archives"
	mount --bind /var/cache/sbx-tests "$R/var/cache/sbx-tests"
	# The root becomes the mount namespace'"'"'s own root (pivot_root, not chroot):
	# runc exec joins a container'"'"'s mount namespace at that namespace'"'"'s root.
	cd "$R"
	mkdir -p .old-root
	pivot_root . .old-root
	exec /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		bash -c "cd / && umount -l /.old-root && rmdir /.old-root && cd /root/sbx && $steps"
' bash "$R" "$cache" "$steps echo 'fresh root ($order): every command passed'"
