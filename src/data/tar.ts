/**
 * Streaming tar reader (POSIX ustar and GNU/pax variants): push bytes in any chunking, get each
 * regular file's data streamed to a sink its caller picks. Nothing but the current header is
 * buffered, so a 180 MB archive never sits in memory as a whole.
 */
import type { LoadBudget } from '../io/budget';
import { DatasetError } from './errors';

const BLOCK = 512;
/** pax and GNU long-name records are names and key=value lines: anything this big is not one. */
const MAX_META_BYTES = 1 << 20;
const utf8 = new TextDecoder();

/** A regular file in the archive: its full path and its size from the header. */
export interface TarEntry {
  name: string;
  size: number;
}

/** Where an entry's bytes go; `end` is called once all `size` bytes have been written. */
export interface TarEntrySink {
  write(chunk: Uint8Array): void;
  end(): void;
}

type State =
  | { kind: 'header' }
  | { kind: 'data'; entry: TarEntry; left: number; sink?: TarEntrySink }
  | { kind: 'meta'; type: 'pax' | 'longname'; buf: Uint8Array; filled: number }
  | { kind: 'padding'; left: number }
  | { kind: 'done' };

export class TarReader {
  private state: State = { kind: 'header' };
  private readonly header = new Uint8Array(BLOCK);
  private headerFilled = 0;
  private headerAt = 0;
  private offset = 0;
  private nextName: string | undefined;
  private readonly names = new Set<string>();

  /**
   * `onEntry` sees every regular file and returns a sink for its data, or nothing to skip it.
   * Every member is counted against `budget`'s entries when given (the load's, shared by all layers).
   */
  constructor(
    private readonly archive: string,
    private readonly onEntry: (entry: TarEntry) => TarEntrySink | undefined,
    private readonly budget?: LoadBudget,
  ) {}

  push(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.length) {
      const used = this.step(chunk, pos);
      pos += used;
      this.offset += used;
    }
  }

  /** Called at the end of the input: fails if the archive stopped inside an entry. */
  finish(): void {
    const s = this.state;
    if (s.kind === 'data')
      throw new DatasetError(
        this.archive,
        `tar member ${s.entry.name} is truncated: the archive ends after ${s.entry.size - s.left} of its ${s.entry.size} bytes`,
      );
    if (s.kind === 'meta' || (s.kind === 'header' && this.headerFilled > 0))
      throw new DatasetError(this.archive, `tar archive is truncated inside a header at byte ${this.offset}`);
  }

  /** Consumes bytes from `chunk` at `pos` for the current state; returns how many. */
  private step(chunk: Uint8Array, pos: number): number {
    const s = this.state;
    const avail = chunk.length - pos;
    switch (s.kind) {
      case 'header': {
        if (this.headerFilled === 0) this.headerAt = this.offset;
        const n = Math.min(avail, BLOCK - this.headerFilled);
        this.header.set(chunk.subarray(pos, pos + n), this.headerFilled);
        this.headerFilled += n;
        if (this.headerFilled === BLOCK) {
          this.headerFilled = 0;
          this.readHeader();
        }
        return n;
      }
      case 'data': {
        const n = Math.min(avail, s.left);
        if (n > 0) s.sink?.write(chunk.subarray(pos, pos + n));
        s.left -= n;
        if (s.left === 0) {
          s.sink?.end();
          this.afterData(s.entry.size);
        }
        return n;
      }
      case 'meta': {
        const n = Math.min(avail, s.buf.length - s.filled);
        s.buf.set(chunk.subarray(pos, pos + n), s.filled);
        s.filled += n;
        if (s.filled === s.buf.length) {
          this.nextName =
            s.type === 'pax' ? (paxPath(s.buf) ?? this.nextName) : cString(s.buf, 0, s.buf.length);
          this.afterData(s.buf.length);
        }
        return n;
      }
      case 'padding': {
        const n = Math.min(avail, s.left);
        s.left -= n;
        if (s.left === 0) this.state = { kind: 'header' };
        return n;
      }
      case 'done':
        // Everything after the end-of-archive marker is tape padding.
        return avail;
    }
  }

  private readHeader(): void {
    const h = this.header;
    if (h.every((b) => b === 0)) {
      this.state = { kind: 'done' };
      return;
    }
    const at = this.headerAt;
    if (!checksumOk(h))
      throw new DatasetError(
        this.archive,
        `is not a tar archive or is corrupt (bad header checksum at byte ${at})`,
      );
    const size = readSize(h, this.archive, at);
    const type = String.fromCharCode(h[156]);
    if (type === 'x' || type === 'L') {
      if (size > MAX_META_BYTES)
        throw new DatasetError(
          this.archive,
          `tar ${type === 'x' ? 'pax' : 'long-name'} header at byte ${at} claims ${size} bytes`,
        );
      this.state = {
        kind: 'meta',
        type: type === 'x' ? 'pax' : 'longname',
        buf: new Uint8Array(size),
        filled: 0,
      };
      if (size === 0) this.afterData(0);
      return;
    }
    const prefix = isUstar(h) ? cString(h, 345, 155) : '';
    const name = this.nextName ?? (prefix ? `${prefix}/${cString(h, 0, 100)}` : cString(h, 0, 100));
    this.nextName = undefined;
    // Regular files only ('0', or NUL from old tars); directories, links, global pax headers and
    // the rest carry nothing a dataset needs, but their data blocks must still be skipped.
    const entry = { name, size };
    this.budget?.entries(1, this.archive);
    const regular = type === '0' || type === '\0';
    if (regular) this.checkUnique(name, at);
    const sink = regular ? this.onEntry(entry) : undefined;
    this.state = { kind: 'data', entry, left: size, sink };
    if (size === 0) {
      sink?.end();
      this.afterData(0);
    }
  }

  /**
   * Two members with one path are an archive that means two things: `tar x` keeps the last, a
   * streaming reader sees both. Refused instead of guessing (`./a` and `a` are the same path).
   */
  private checkUnique(name: string, at: number): void {
    const path = name
      .split('/')
      .filter((s) => s !== '' && s !== '.')
      .join('/');
    if (this.names.has(path))
      throw new DatasetError(this.archive, `tar member ${name} at byte ${at} appears twice in the archive`);
    this.names.add(path);
  }

  private afterData(size: number): void {
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    this.state = pad > 0 ? { kind: 'padding', left: pad } : { kind: 'header' };
  }
}

function checksumOk(h: Uint8Array): boolean {
  const stored = parseOctal(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return stored === sum;
}

function readSize(h: Uint8Array, archive: string, at: number): number {
  // GNU base-256 sizes (high bit set) are only used past 8 GiB, far beyond any file the lab reads.
  if (h[124] & 0x80) throw new DatasetError(archive, `tar member at byte ${at} is larger than 8 GiB`);
  const size = parseOctal(h, 124, 12);
  if (Number.isNaN(size))
    throw new DatasetError(archive, `tar header at byte ${at} has a size field that is not octal`);
  return size;
}

function parseOctal(h: Uint8Array, start: number, length: number): number {
  const text = cString(h, start, length).trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN;
}

function isUstar(h: Uint8Array): boolean {
  return cString(h, 257, 5) === 'ustar';
}

function cString(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return utf8.decode(bytes.subarray(start, end));
}

/** The `path` record of a pax extended header (`"<len> path=<value>\n"` lines), if present. */
function paxPath(buf: Uint8Array): string | undefined {
  for (const line of utf8.decode(buf).split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}
