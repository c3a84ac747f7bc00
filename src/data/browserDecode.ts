/**
 * The browser's image decoder for the worker: `createImageBitmap` decodes off the main thread and
 * an `OffscreenCanvas` reads the pixels back. Not imported by Node code (no canvas there).
 */
import type { DecodeImage } from './decode';

export const browserDecodeImage: DecodeImage = async (bytes) => {
  // Colour-space conversion and premultiplication would change the bytes the learner gave us.
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), {
    premultiplyAlpha: 'none',
    colorSpaceConversion: 'none',
  });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D context on OffscreenCanvas');
    ctx.drawImage(bitmap, 0, 0);
    const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width: bitmap.width, height: bitmap.height, data };
  } finally {
    bitmap.close();
  }
};
