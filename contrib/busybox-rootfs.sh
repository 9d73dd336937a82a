#!/bin/sh
# busybox-rootfs.sh ROOT CMD...: a minimal root file system in ROOT for a test
# or demo image, made offline: the host's busybox with a link for each CMD,
# root and agent (uid 1000) users, /tmp. Debian's busybox-static is used as it
# is; a dynamically linked busybox (Debian's busybox) brings the shared
# libraries it needs.
set -eu
root=$1
shift
bb=$(command -v busybox || echo /bin/busybox)
[ -x "$bb" ] || { echo "busybox-rootfs: no busybox (make deps installs busybox-static)" >&2; exit 1; }
mkdir -p "$root/bin" "$root/etc" "$root/home/agent" "$root/tmp" "$root/root"
cp "$bb" "$root/bin/busybox"
# Shared libraries, when there are any: "name => /path (addr)" or "/path (addr)".
if command -v ldd >/dev/null 2>&1 && ldd "$bb" >/dev/null 2>&1; then
	ldd "$bb" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\).*/\1/p' | sort -u |
		while read -r lib; do
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
fi
for c in "$@"; do ln -sf busybox "$root/bin/$c"; done
printf 'root:x:0:0:root:/root:/bin/sh\nagent:x:1000:1000:agent:/home/agent:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nagent:x:1000:\n' >"$root/etc/group"
chmod 1777 "$root/tmp"
