// Which processes may write a disk image, read from /proc rather than asked of QEMU: a guest's QMP
// socket serves one client (its host's process), and `qemu-img info` tells that someone holds an
// image, not who. QEMU's file driver (block/file-posix.c) takes a shared OFD lock on byte
// 100 + n of an image for every permission n its block node holds, and on byte 200 + n for every
// permission it refuses to share; the write permission is bit 1. So a process with a lock on byte
// 101 is one whose node may write the image: a running guest's disk, or a guest stopped with its
// disks still active (pre-switchover). An inactive node (an incoming guest, a source after the
// switchover) holds none. OFD locks belong to an open file description, and /proc/locks shows
// them with pid -1; /proc/<pid>/fdinfo/<fd> lists the locks taken through that descriptor, which is
// what ties a lock to a process.
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';

/** RAW_LOCK_PERM_BASE (100) + the bit of BLK_PERM_WRITE (1). */
export const WRITE_PERM_BYTE = 101;

export interface ImageUser {
  pid: number;
  /** /proc/<pid>/comm: `qemu-system-x86` for a guest, `qemu-storage-da` for a storage daemon. */
  comm: string;
  /** Holds the write permission's lock: its block node may write the image. */
  writes: boolean;
}

export interface LockRange {
  start: number;
  end: number;
}

/** The byte ranges of the locks an fdinfo file lists (`lock:\t1: OFDLCK ADVISORY  READ  -1 fd:01:1234 100 101`). */
export function fdinfoLocks(fdinfo: string): LockRange[] {
  return fdinfo.split('\n').flatMap((line) => {
    const m = /^lock:.*\s(\d+)\s+(\d+|EOF)\s*$/.exec(line);
    if (!m?.[1] || !m[2]) return [];
    return [{ start: Number(m[1]), end: m[2] === 'EOF' ? Number.POSITIVE_INFINITY : Number(m[2]) }];
  });
}

export const holdsWritePermission = (fdinfo: string): boolean =>
  fdinfoLocks(fdinfo).some((r) => r.start <= WRITE_PERM_BYTE && WRITE_PERM_BYTE <= r.end);

/** Only QEMU's programs use this lock protocol (qemu-system-*, qemu-storage-daemon, qemu-img, qemu-nbd). */
const isQemu = (comm: string): boolean => comm.startsWith('qemu');

/** A /proc read that loses a race with the process exiting (or is not ours to read) is nothing. */
function tryRead<T>(read: () => T, otherwise: T): T {
  try {
    return read();
  } catch {
    return otherwise;
  }
}

/** The path a descriptor must resolve to: /proc's links show the canonical path. */
const canonical = (path: string): string => tryRead(() => realpathSync(path), resolve(path));

/**
 * Every QEMU process with one of `paths` open, per path (as given), and whether it holds the write
 * permission through any of its descriptors of it. One pass over /proc; QEMU processes only.
 */
export function imageUsers(paths: readonly string[]): Map<string, ImageUser[]> {
  const wanted = new Map(paths.map((p) => [canonical(p), p]));
  const users = new Map<string, ImageUser[]>(paths.map((p) => [p, []]));
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const comm = tryRead(() => readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), '');
    if (!isQemu(comm)) continue;
    for (const [path, writes] of openImages(pid, wanted)) users.get(path)?.push({ pid: Number(pid), comm, writes });
  }
  return users;
}

/** The wanted images process `pid` has open, each with whether some descriptor of it holds the write lock. */
function openImages(pid: string, wanted: Map<string, string>): Map<string, boolean> {
  const found = new Map<string, boolean>();
  for (const fd of tryRead(() => readdirSync(`/proc/${pid}/fd`), [] as string[])) {
    const path = wanted.get(tryRead(() => readlinkSync(`/proc/${pid}/fd/${fd}`), ''));
    if (path === undefined) continue;
    const writes = holdsWritePermission(tryRead(() => readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'), ''));
    found.set(path, (found.get(path) ?? false) || writes);
  }
  return found;
}

/** The pids holding the write permission on `path`. */
export const imageWriters = (path: string): number[] =>
  (imageUsers([path]).get(path) ?? []).filter((u) => u.writes).map((u) => u.pid);
