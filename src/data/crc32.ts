/**
 * CRC-32 (IEEE 802.3, the gzip trailer's checksum), slicing-by-8. fflate's streaming inflate does
 * not check the trailer, and a flipped bit inside a stored or literal block decompresses without
 * complaint, so the gzip reader verifies it here (about 1 ms per MB).
 */

const TABLE = buildTable();

function buildTable(): Int32Array {
  const table = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  for (let n = 0; n < 256; n++)
    for (let t = 1; t < 8; t++) {
      const prev = table[(t - 1) * 256 + n];
      table[t * 256 + n] = (prev >>> 8) ^ table[prev & 255];
    }
  return table;
}

/** Running CRC-32: feed chunks with `update`, read the checksum with `digest`. */
export class Crc32 {
  private c = -1;

  update(d: Uint8Array): void {
    const t = TABLE;
    let c = this.c;
    let i = 0;
    for (const end = d.length - 8; i <= end; i += 8) {
      c ^= d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24);
      c =
        t[1792 + (c & 255)] ^
        t[1536 + ((c >>> 8) & 255)] ^
        t[1280 + ((c >>> 16) & 255)] ^
        t[1024 + (c >>> 24)] ^
        t[768 + d[i + 4]] ^
        t[512 + d[i + 5]] ^
        t[256 + d[i + 6]] ^
        t[d[i + 7]];
    }
    for (; i < d.length; i++) c = t[(c ^ d[i]) & 255] ^ (c >>> 8);
    this.c = c;
  }

  /** The checksum of everything fed so far, as an unsigned 32-bit number. */
  digest(): number {
    return ~this.c >>> 0;
  }
}
