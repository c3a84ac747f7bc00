/** Errors of the data layer: every message names the file and what is wrong with it. */
import { LoadBudget, type LoadLimits } from '../io/budget';
import { formatBytes } from '../io/bytes';

export { formatBytes };

/** A file that cannot be turned into a dataset; `file` is the offending file's name. */
export class DatasetError extends Error {
  readonly file: string;

  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'DatasetError';
    this.file = file;
  }
}

/**
 * The largest file (and the largest decompressed stream) the lab reads: 1 GiB. The official
 * CIFAR-10 archive is 170 MB; anything past this limit is a mistake that would exhaust a tab's memory.
 */
export const MAX_FILE_BYTES = 1024 ** 3;

/** Refuses a file from its size alone, before a single byte is read. */
export function checkSize(name: string, bytes: number): void {
  if (!Number.isFinite(bytes) || bytes < 0) throw new DatasetError(name, `size ${bytes} is not a byte count`);
  if (bytes > MAX_FILE_BYTES)
    throw new DatasetError(
      name,
      `${formatBytes(bytes)} is larger than the ${formatBytes(MAX_FILE_BYTES)} limit for a dataset file`,
    );
}

/**
 * A budget for one dataset load (see `io/budget.ts`): 1 GiB inflated over all archive layers,
 * whose errors are `DatasetError`s naming the file or member that went over.
 */
export function datasetBudget(limits: Partial<LoadLimits> = {}): LoadBudget {
  return new LoadBudget(
    { maxBytes: MAX_FILE_BYTES, ...limits },
    (where, problem) => new DatasetError(where, problem),
  );
}
