// Setup for the QEMU backend and its tests (`npm run qemu:setup`): install QEMU from Debian if it
// is missing and build the test guest once into the per-user cache. Safe to run again: both
// steps return at once when there is nothing to do.
import { ensureGuestImage } from '../qemu/guest-image';
import { ensureQemu, qemuAccel } from '../qemu/install';

try {
  const qemu = ensureQemu();
  console.error(`liveshift: QEMU ${qemu.qemuVersion} (${qemu.versionLine})${qemu.installed ? ', just installed' : ''}`);
  console.error(`liveshift:   ${qemu.system}\nliveshift:   ${qemu.img}\nliveshift:   ${qemu.storageDaemon}`);
  console.error(`liveshift:   accelerator ${qemuAccel()} (LIVESHIFT_QEMU_ACCEL=tcg|kvm)`);
  const guest = ensureGuestImage();
  console.error(
    `liveshift: guest kernel ${guest.kernelVersion} (${guest.kernelPackage}), busybox ${guest.busyboxVersion}`,
  );
  console.error(`liveshift:   ${guest.kernel}\nliveshift:   ${guest.initrd}`);
  console.error(`liveshift:   modules ${guest.modules.join(' ')}; append "${guest.append}"`);
} catch (err) {
  console.error(`liveshift: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
