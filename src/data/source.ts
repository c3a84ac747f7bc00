/** Ways to wrap bytes as a `ByteSource`, and the one read loop that checks size and reports progress. */
import type { ByteSource, LoadProgress } from './types';
import { checkSize } from './errors';
import { concatBytes } from '../io/bytes';

/** Chunk size for reading files: big enough to keep inflate busy, small enough for smooth progress. */
const CHUNK_BYTES = 4 << 20;

/** A source over bytes already in memory (tests, fetched built-ins, zip members). */
export function bytesSource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    size: bytes.length,
    async *chunks() {
      for (let i = 0; i < bytes.length; i += CHUNK_BYTES)
        yield bytes.subarray(i, Math.min(bytes.length, i + CHUNK_BYTES));
    },
  };
}

/** A source over a `Blob`/`File` (the browser's file picker or drop), read slice by slice. */
export function blobSource(name: string, blob: Blob): ByteSource {
  return {
    name,
    size: blob.size,
    async *chunks() {
      for (let i = 0; i < blob.size; i += CHUNK_BYTES)
        yield new Uint8Array(await blob.slice(i, Math.min(blob.size, i + CHUNK_BYTES)).arrayBuffer());
    },
  };
}

/** Counts bytes over several sources and reports them; shared by one load so the bar spans all files. */
export class ProgressCounter {
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly report?: (p: LoadProgress) => void,
  ) {}

  add(bytes: number): void {
    this.done += bytes;
    this.report?.({ bytesDone: this.done, bytesTotal: this.total });
  }
}

/**
 * Streams a source's chunks after refusing it by size; each chunk is counted once consumed.
 * Every loader reads through here, so no file is read before `checkSize` has seen it.
 */
export async function* readChunks(
  source: ByteSource,
  progress?: ProgressCounter,
): AsyncGenerator<Uint8Array> {
  checkSize(source.name, source.size);
  for await (const chunk of source.chunks()) {
    yield chunk;
    progress?.add(chunk.length);
  }
}

/** Reads a whole source into one array (formats that need random access: zip, idx, single images). */
export async function readAll(source: ByteSource, progress?: ProgressCounter): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of readChunks(source, progress)) parts.push(chunk);
  return concat(parts);
}

/** Joins byte arrays; returns the only part as is, without a copy. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}
