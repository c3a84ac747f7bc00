/**
 * The CLI's file access, with the checks every read and write needs. Reads: regular files only
 * (a FIFO would block forever, `/dev/zero` never ends), their size refused before a byte is read.
 * Writes: an output must be new (a folder: new or empty) unless `--force`; everything is written
 * into a temporary sibling created exclusively and renamed into place at the end, so a failed run
 * leaves nothing half-written and a planted symlink is never followed.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

/** A path the CLI will not read or write as asked; the message names it and why. */
export class FileError extends Error {
  override name = 'FileError';
}

/** The largest file any command reads whole (weights, inputs, configs): 1 GiB. */
export const MAX_INPUT_BYTES = 2 ** 30;

/** O_NOFOLLOW where the platform has it (not on Windows, which has no such symlink attack). */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** Opening a FIFO for reading blocks until a writer comes; non-blocking, it returns at once. */
const NONBLOCK = constants.O_NONBLOCK ?? 0;

/** What a non-regular file is, for messages. */
function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  if (s.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function errnoMessage(path: string, e: unknown): FileError | unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new FileError(`${path}: no such file or folder`);
  if (code === 'EACCES') return new FileError(`${path}: permission denied`);
  if (code === 'ELOOP') return new FileError(`${path}: is a symbolic link, which is not followed here`);
  return e;
}

/** Refuses anything but a regular file of at most `maxBytes` (folders, FIFOs, devices, sockets). */
export function checkRegular(path: string, s: Stats, maxBytes: number): void {
  if (!s.isFile()) throw new FileError(`${path}: is ${kindOf(s)}, not a regular file`);
  if (s.size > maxBytes)
    throw new FileError(
      `${path}: ${s.size.toLocaleString('en-US')} bytes is more than the ${maxBytes.toLocaleString('en-US')}-byte limit for this input`,
    );
}

/**
 * Opens a regular file for reading and returns its descriptor and size; checked on the open
 * descriptor, so a file swapped for a FIFO after a `stat` is still caught.
 */
export function openRegular(
  path: string,
  maxBytes = MAX_INPUT_BYTES,
  noFollow = false,
): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NONBLOCK | (noFollow ? NOFOLLOW : 0));
  } catch (e) {
    throw errnoMessage(path, e);
  }
  try {
    const s = fstatSync(fd);
    checkRegular(path, s, maxBytes);
    return { fd, size: s.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Reads a regular file whole (at most `maxBytes`, refused before reading). */
export function readRegularFile(path: string, maxBytes = MAX_INPUT_BYTES, noFollow = false): Uint8Array {
  const { fd, size } = openRegular(path, maxBytes, noFollow);
  try {
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, out, at, size - at, null);
      if (n === 0) break;
      at += n;
    }
    return at === size ? out : out.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/** `lstat` that says "absent" instead of throwing. */
function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw errnoMessage(path, e);
  }
}

/**
 * Checks an output path before any work starts: absent is fine; an existing file needs
 * `force`; a symbolic link or anything else that is not a regular file is refused outright.
 */
export function checkOutputFile(path: string, force: boolean, flag: string): void {
  const s = lstatOrNull(path);
  if (!s) return;
  if (s.isSymbolicLink())
    throw new FileError(`${flag} ${path}: is a symbolic link; outputs never follow links, give a plain path`);
  if (!s.isFile()) throw new FileError(`${flag} ${path}: is ${kindOf(s)}, not a file the output can replace`);
  if (!force) throw new FileError(`${flag} ${path}: already exists; give --force to replace it`);
}

/** Writes `bytes` into a new file, exclusively (O_CREAT|O_EXCL|O_NOFOLLOW): never through a link. */
function writeExclusive(path: string, bytes: Uint8Array, mode = 0o644): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, mode);
  try {
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
  } finally {
    closeSync(fd);
  }
}

/** A temporary name beside `path` that no other writer can have (pid and random suffix). */
function siblingName(path: string, tag: string): string {
  const suffix = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  return join(dirname(path), `.${basename(path)}.${tag}-${suffix}`);
}

/**
 * Writes a file atomically: into an exclusive temporary sibling, then renamed over `path` (a
 * rename replaces a symlink at `path` rather than writing through it). `mode` for caches: 0o600.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, mode = 0o644): void {
  const temp = siblingName(path, 'partial');
  try {
    writeExclusive(temp, bytes, mode);
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw errnoMessage(path, e);
  }
}

/**
 * An output folder built in a temporary sibling and moved into place by {@link commit}: `path`
 * must be absent or an empty folder (with `force`, any folder, replaced whole); until the commit
 * nothing at `path` changes, and {@link abandon} after a failure removes the partial folder.
 */
export class StagedFolder {
  private readonly staging: string;
  private done = false;

  constructor(
    readonly path: string,
    force: boolean,
    flag = '--out',
  ) {
    const s = lstatOrNull(path);
    if (s?.isSymbolicLink())
      throw new FileError(
        `${flag} ${path}: is a symbolic link; outputs never follow links, give a plain folder`,
      );
    if (s && !s.isDirectory()) throw new FileError(`${flag} ${path}: is ${kindOf(s)}, not a folder`);
    if (s && !force && readdirSync(path).length > 0)
      throw new FileError(`${flag} ${path}: the folder is not empty; give --force to replace it`);
    mkdirSync(dirname(resolve(path)), { recursive: true });
    this.staging = mkdtempSync(join(dirname(resolve(path)), `.${basename(path)}.partial-`));
  }

  /** Writes one file at `path`, relative to the folder (sub-folders are created). */
  write(path: string, bytes: Uint8Array): void {
    const full = join(this.staging, path);
    const inside = relative(this.staging, full);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside))
      throw new FileError(`cannot write ${path}: it is not a file inside the output folder`);
    mkdirSync(dirname(full), { recursive: true });
    writeExclusive(full, bytes);
  }

  /** Moves the finished folder into place (replacing an old one only when forced). */
  commit(): void {
    const target = resolve(this.path);
    const existing = lstatOrNull(target);
    let old: string | undefined;
    if (existing) {
      if (existing.isSymbolicLink() || !existing.isDirectory())
        throw new FileError(
          `--out ${this.path}: was replaced by something else while training; not overwritten`,
        );
      old = siblingName(target, 'old');
      renameSync(target, old);
    }
    renameSync(this.staging, target);
    this.done = true;
    // rm does not follow symlinks inside the old folder: it removes the links themselves.
    if (old) rmSync(old, { recursive: true, force: true });
  }

  /** Removes the partial folder (after a failure); the target is untouched. */
  abandon(): void {
    if (!this.done) rmSync(this.staging, { recursive: true, force: true });
    this.done = true;
  }
}

/**
 * A private folder for caches: created with mode 0700, and refused when it is a symlink, not
 * ours, or open to others (a folder someone else planted where ours should be).
 */
export function privateFolder(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const s = lstatSync(path);
  if (!s.isDirectory()) throw new FileError(`${path}: the cache folder is ${kindOf(s)}, not a folder`);
  if (typeof process.getuid === 'function') {
    if (s.uid !== process.getuid())
      throw new FileError(`${path}: the cache folder belongs to another user (uid ${s.uid}); not used`);
    if ((s.mode & 0o077) !== 0)
      throw new FileError(
        `${path}: the cache folder is open to other users (mode ${(s.mode & 0o777).toString(8)}); run chmod 700 on it`,
      );
  }
  return path;
}

/** Reads a cache file without following a link; `undefined` when absent. */
export function readPrivateFile(path: string, maxBytes = MAX_INPUT_BYTES): Uint8Array | undefined {
  if (!lstatOrNull(path)) return undefined;
  return readRegularFile(path, maxBytes, true);
}

/** Whether two paths name the same file (the same path, or an existing file reached both ways). */
export function samePath(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}
