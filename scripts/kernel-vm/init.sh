#!/bin/busybox sh
# /init of the kernel-test VM's initramfs (built by packages/vm/src/initramfs.ts).
# Mounts the host's / read-only over virtio-9p with a tmpfs overlay on top, mounts
# the writable per-run job folder on /kpx-vm and the cached kernel's module tree
# on /lib/modules, then switch_roots into that tree to run /kpx-vm/run.sh as PID 1
# (a real root, so the kernel's own module autoloading finds /sbin/modprobe).
# run.sh powers the VM off; if anything here fails the reason lands in
# /kpx-vm/init-error (when the job folder is mounted) and on the console.
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec < /dev/console > /dev/console 2>&1

power_off() {
  sync
  echo o > /proc/sysrq-trigger
  poweroff -f
}
fail() {
  echo "kpx-vm: init failed: $*"
  [ -d /job/out ] && echo "$*" > /job/init-error
  power_off
}

while read -r module; do
  insmod "/modules/$module" || fail "insmod $module"
done < /modules/order

NINEP='trans=virtio,version=9p2000.L,msize=512000'
mkdir -p /job /lower /rw
mount -t 9p -o "$NINEP,rw" kpxjob /job || fail "cannot mount the job folder (9p tag kpxjob)"
mount -t 9p -o "$NINEP,cache=loose,ro" kpxhost /lower || fail "cannot mount the host's / (9p tag kpxhost)"
mount -t tmpfs -o mode=0755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot || fail "cannot mount the overlay"

# The host writes KPX_VM_MODULES (host path of the kernel's lib/modules) here.
. /job/config || fail "cannot read /job/config"
mkdir -p /newroot/kpx-vm /newroot/lib/modules
mount --move /job /newroot/kpx-vm || fail "cannot move the job folder"
mount --bind "/newroot$KPX_VM_MODULES" /newroot/lib/modules || fail "cannot bind $KPX_VM_MODULES on /lib/modules"
mount --move /dev /newroot/dev
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs tmpfs /newroot/dev/shm
mount -t tmpfs tmpfs /newroot/run
hostname kpx-vm
ip link set lo up

cut -d' ' -f1 /newroot/proc/uptime > /newroot/kpx-vm/out/boot-seconds
exec switch_root /newroot /bin/sh /kpx-vm/run.sh
