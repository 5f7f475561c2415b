// The test guest's /init (PID 1 of a busybox initramfs) and the two markers it prints. The guest
// exists to make a live migration observable from outside: a counter that must keep climbing,
// without gaps, on the serial console and on every virtio disk, across the switchover.

export const GUEST_READY = 'LIVESHIFT-READY';
export const GUEST_COUNTER = 'LIVESHIFT-COUNTER';
/** The initramfs file listing the modules to insmod, one name a line, dependencies first. */
export const GUEST_MODULE_LIST = 'lib/modules/load-order';
/** Where the modules sit in the initramfs, as <name>.ko. */
export const GUEST_MODULE_DIR = 'lib/modules';

/**
 * Kernel command line. console=ttyS0 sends kernel and init output to the first serial port;
 * panic=-1 reboots at once on a panic (e.g. /init failing), which -no-reboot turns into QEMU
 * exiting, so a broken guest shows up as a dead process rather than a silent hang.
 */
export const GUEST_APPEND = 'console=ttyS0 panic=-1';

// The module list is read from a file rather than written into this script so the script (and
// the hash of it in the image's cache key) does not depend on which kernel it is paired with.
export const GUEST_INIT = `#!/bin/busybox sh
# liveshift test guest. Kernel messages and this script's output go to the serial console.

# /proc first: busybox finds itself through /proc/self/exe to make its applet links.
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin
mount -t sysfs sysfs /sys
# The kernel does not mount devtmpfs on /dev for an initramfs; we need it for /dev/vd*, which
# appear (and, after a hotplug, disappear) as the drivers find disks.
mount -t devtmpfs devtmpfs /dev
# Reopen stdio on the console: a no-op when the kernel opened it from the archive's node, and
# init's output still reaches the serial port if it could not.
exec </dev/console >/dev/console 2>&1

# virtio_pci, virtio_blk and what they need, in dependency order (computed when the image was
# built). A failure is reported but not fatal, so the console still shows the counter.
while read -r m; do
  insmod /${GUEST_MODULE_DIR}/"$m".ko || echo "LIVESHIFT-INSMOD-FAILED $m"
done </${GUEST_MODULE_LIST}

# From here on only emergencies from the kernel, so its messages cannot split a counter line.
echo 1 >/proc/sys/kernel/printk

echo ${GUEST_READY}
n=0
while :; do
  n=$((n + 1))
  line="${GUEST_COUNTER} $n"
  # Disk before console, each write flushed (conv=fsync): once a value is on the console it is
  # also on every disk, so after a stop the disk holds the last value printed or the one after.
  # conv=sync pads the line with zeros to a whole 512-byte sector.
  # The glob is re-read on every pass so hot-plugged disks join in.
  for d in /dev/vd?; do
    [ -b "$d" ] || continue
    echo "$line" | dd of="$d" bs=512 count=1 conv=notrunc,sync,fsync 2>/dev/null || echo "LIVESHIFT-DISK-FAILED $d $n"
  done
  echo "$line"
  usleep 100000
done
`;

const COUNTER_LINE = new RegExp(`^${GUEST_COUNTER} (\\d+)$`);

/** The counter values printed on a serial log, in order (other lines, e.g. boot messages, skipped). */
export function parseCounters(serialLog: string): number[] {
  return serialLog
    .split(/\r?\n/)
    .map((l) => COUNTER_LINE.exec(l.trim()))
    .flatMap((m) => (m?.[1] ? [Number(m[1])] : []));
}

/** The counter in a disk's first sector (the line, then zero padding), or undefined if none yet. */
export function parseDiskCounter(sector: Buffer): number | undefined {
  const m = new RegExp(`^${GUEST_COUNTER} (\\d+)\\n\\0*$`).exec(sector.subarray(0, 512).toString('latin1'));
  return m?.[1] ? Number(m[1]) : undefined;
}
