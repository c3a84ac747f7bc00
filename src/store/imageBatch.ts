/** A batch of `count` equally sized uint8 HWC images stored back to back, as the worker sends them. */
export interface ImageBatch {
  data: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
}
