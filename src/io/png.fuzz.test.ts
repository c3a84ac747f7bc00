import { fixPngCrcs } from '../fuzz/formats';
import { expectRefusedBeforeAllocating, fuzzIt } from '../fuzz/fuzzTest';
import { pngTarget } from '../fuzz/ioTargets';
import { PngError, decodePng, encodePng } from './png';

/** A valid 2×2 gray PNG whose IHDR then claims `width`×`height` (CRC repaired). */
function claiming(width: number, height: number): Uint8Array {
  const png = encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array(4) });
  const view = new DataView(png.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return fixPngCrcs(png);
}

describe('decodePng, fuzzed', () => {
  fuzzIt(pngTarget);

  it('refuses 2^31 − 1 × 2^31 − 1 pixels on IHDR, before inflating', async () => {
    await expectRefusedBeforeAllocating(
      () => decodePng(claiming(2 ** 31 - 1, 2 ** 31 - 1)),
      PngError,
      /over the 67108864-pixel limit/,
    );
  });
  it('refuses 2^32 − 1 wide as invalid', async () => {
    await expectRefusedBeforeAllocating(() => decodePng(claiming(2 ** 32 - 1, 1)), PngError, /is invalid/);
  });
});
