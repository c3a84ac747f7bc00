import { checksum } from './checksum';

describe('checksum', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(checksum(new Uint8Array(0))).toBe('811c9dc5');
    expect(checksum(new TextEncoder().encode('a'))).toBe('e40c292c');
    expect(checksum(new TextEncoder().encode('foobar'))).toBe('bf9cf968');
  });

  it('changes when one byte changes', () => {
    const a = new Uint8Array(1024).fill(7);
    const b = a.slice();
    b[500] = 8;
    expect(checksum(a)).not.toBe(checksum(b));
  });
});
