/**
 * Streaming gunzip over fflate's `Gunzip`, with the checks fflate leaves out: the trailer's CRC-32
 * and length of every member (a corrupt or cut-off file must fail loudly, not train on garbage) and
 * a cap on the decompressed size (a small file can inflate to gigabytes).
 */
import { Gunzip } from 'fflate';
import type { LoadBudget } from '../io/budget';
import { crc32 } from '../io/crc32';
import { INFLATE_SLICE } from '../io/inflateExact';
import { DatasetError, datasetBudget } from './errors';

/** Whether bytes start with the gzip magic number (1f 8b). */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Push compressed chunks in, get decompressed chunks out through `onData`; call `finish()` at the
 * end. Input goes to the inflater in small slices and every slice's output is charged to `budget`
 * (the load's, shared with the archives around and inside this stream) as it appears, so a bomb is
 * stopped within one slice's output of the limit. Each member of a multi-member file is checked
 * against its own trailer.
 */
export class GunzipStream {
  private readonly inflater: Gunzip;
  private crc = 0;
  private readonly tail = new Uint8Array(8);
  private tailLength = 0;
  private bytesIn = 0;
  /** Output of the member being inflated. */
  private bytesOut = 0;
  private members = 1;
  private ended = false;

  constructor(
    private readonly name: string,
    private readonly onData: (chunk: Uint8Array) => void,
    private readonly budget: LoadBudget = datasetBudget(),
  ) {
    this.inflater = new Gunzip((chunk, final) => {
      this.budget.spend(chunk.length, this.name);
      this.bytesOut += chunk.length;
      this.crc = crc32(chunk, this.crc);
      if (final) this.ended = true;
      if (chunk.length > 0) this.onData(chunk);
    });
    this.inflater.onmember = () => {
      this.checkMember(this.previousTrailer(), true);
      this.members++;
      this.crc = 0;
      this.bytesOut = 0;
    };
  }

  push(chunk: Uint8Array): void {
    if (this.bytesIn === 0 && chunk.length >= 2 && !isGzip(chunk))
      throw new DatasetError(this.name, 'is not a gzip file (no 1f 8b magic number)');
    this.bytesIn += chunk.length;
    this.keepTail(chunk);
    for (let p = 0; p < chunk.length; p += INFLATE_SLICE)
      this.inflate(chunk.subarray(p, Math.min(p + INFLATE_SLICE, chunk.length)), false);
  }

  /** Ends the stream and checks that it was whole: complete deflate data, matching CRC-32 and length. */
  finish(): void {
    this.inflate(new Uint8Array(0), true);
    if (!this.ended || this.tailLength < 8)
      throw new DatasetError(this.name, 'gzip stream is truncated (it ends before its trailer)');
    this.checkMember(this.tail, this.members > 1);
  }

  /** Compares a member's output with its trailer (CRC-32, then length mod 2^32). */
  private checkMember(trailer: Uint8Array, multi: boolean): void {
    const member = multi ? `member ${this.members}` : '';
    const view = new DataView(trailer.buffer, trailer.byteOffset, 8);
    const crc = view.getUint32(0, true);
    const size = view.getUint32(4, true);
    if (size !== this.bytesOut % 2 ** 32)
      throw new DatasetError(
        this.name,
        `gzip stream is truncated or corrupt${member && ` (${member})`}: trailer says ${size} bytes, got ${this.bytesOut}`,
      );
    if (crc !== this.crc)
      throw new DatasetError(
        this.name,
        `gzip data is corrupt (CRC-32 mismatch${member && `, ${member}`}): download the file again`,
      );
  }

  /**
   * The trailer of the member that just ended. fflate hides member boundaries; when it reports a
   * new member, its pending input still holds the old member's 8 trailer bytes right before the
   * new header (`v - 1` is where that header starts). The layout is checked so that an fflate
   * upgrade that changes it fails here instead of skipping the check.
   */
  private previousTrailer(): Uint8Array {
    const state = this.inflater as unknown as { p?: unknown; v?: unknown };
    const { p, v } = state;
    if (!(p instanceof Uint8Array) || typeof v !== 'number' || v < 9 || v - 1 > p.length)
      throw new DatasetError(this.name, 'multi-member gzip: the member trailer cannot be located');
    return p.subarray(v - 9, v - 1);
  }

  private inflate(chunk: Uint8Array, final: boolean): void {
    try {
      this.inflater.push(chunk, final);
    } catch (err) {
      if (err instanceof DatasetError) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw new DatasetError(this.name, `gzip data is truncated or corrupt (${reason})`);
    }
  }

  /** Keeps the last 8 input bytes: the trailer, once the stream has ended. */
  private keepTail(chunk: Uint8Array): void {
    if (chunk.length >= 8) {
      this.tail.set(chunk.subarray(chunk.length - 8));
      this.tailLength = 8;
      return;
    }
    const keep = Math.min(this.tailLength, 8 - chunk.length);
    this.tail.copyWithin(0, this.tailLength - keep, this.tailLength);
    this.tail.set(chunk, keep);
    this.tailLength = keep + chunk.length;
  }
}
