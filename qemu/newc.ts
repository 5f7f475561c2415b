// A writer of the cpio "newc" format, the one the Linux kernel unpacks as an initramfs. Written
// here rather than calling cpio(1) so that building the guest needs no root and no mknod: the
// archive just *says* /dev/console is a character device and the kernel creates it.
import { gzipSync } from 'node:zlib';
import { FailureType, LiveshiftError } from '../domain/errors';

export type NewcEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Buffer; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

/** File-type bits of st_mode (S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR). */
const S_IF = { dir: 0o040000, file: 0o100000, symlink: 0o120000, chardev: 0o020000 } as const;
const DEFAULT_PERM = { dir: 0o755, file: 0o644, symlink: 0o777, chardev: 0o600 } as const;
const MAGIC = '070701';
const TRAILER = 'TRAILER!!!';

interface Header {
  ino: number;
  mode: number;
  nlink: number;
  size: number;
  rdevMajor: number;
  rdevMinor: number;
}

const hex8 = (n: number): string => {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new LiveshiftError(FailureType.BadRequest, `cpio header field out of range: ${n}`);
  return n.toString(16).toUpperCase().padStart(8, '0');
};

const pad4 = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);

// Header fields in format order. uid/gid are 0 (root owns everything in the guest, whoever built
// it); mtime is 0 so the same inputs give byte-identical archives.
function record(name: string, h: Header, data: Buffer): Buffer[] {
  const fields = [h.ino, h.mode, 0, 0, h.nlink, 0, h.size, 0, 0, h.rdevMajor, h.rdevMinor];
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  const head = Buffer.from(MAGIC + fields.map(hex8).join('') + hex8(nameBytes.length) + hex8(0), 'ascii');
  // The name is padded so header + name ends on a 4-byte boundary; the data likewise.
  return [head, nameBytes, pad4(head.length + nameBytes.length), data, pad4(data.length)];
}

function checkPath(path: string): void {
  const bad = path === '' || path.startsWith('/') || path.split('/').some((p) => p === '' || p === '.' || p === '..');
  if (bad) throw new LiveshiftError(FailureType.BadRequest, `cpio path must be relative and normalised: "${path}"`);
}

function entryRecord(e: NewcEntry, ino: number): Buffer[] {
  checkPath(e.path);
  const perm = e.kind === 'symlink' ? DEFAULT_PERM.symlink : (e.mode ?? DEFAULT_PERM[e.kind]);
  const base = { ino, mode: S_IF[e.kind] | (perm & 0o7777), nlink: 1, size: 0, rdevMajor: 0, rdevMinor: 0 };
  switch (e.kind) {
    case 'dir':
      return record(e.path, { ...base, nlink: 2 }, Buffer.alloc(0));
    case 'file':
      return record(e.path, { ...base, size: e.data.length }, e.data);
    case 'symlink': {
      // A symlink's data is its target, without a terminating NUL.
      const target = Buffer.from(e.target, 'utf8');
      return record(e.path, { ...base, size: target.length }, target);
    }
    case 'chardev':
      return record(e.path, { ...base, rdevMajor: e.major, rdevMinor: e.minor }, Buffer.alloc(0));
  }
}

/**
 * The uncompressed archive. Entries are written in the order given, so parents must come before
 * their children (the kernel does not create missing directories). Each entry gets its own inode
 * number, with nlink 1, so no entry is mistaken for a hard link of another.
 */
export function newcArchive(entries: readonly NewcEntry[]): Buffer {
  const parts = entries.flatMap((e, i) => entryRecord(e, i + 1));
  parts.push(...record(TRAILER, { ino: 0, mode: 0, nlink: 1, size: 0, rdevMajor: 0, rdevMinor: 0 }, Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** The archive gzip-compressed, as `-initrd` takes it. */
export const newcGzip = (entries: readonly NewcEntry[]): Buffer => gzipSync(newcArchive(entries), { level: 9 });
