/**
 * One budget for everything a single load inflates, however the archives nest: a zip of gzip
 * files, a zip inside a zip or a tar inside a gzip all draw on the same byte, entry and depth
 * allowance, so wrapping a bomb in more layers buys it nothing. Every reader that produces bytes
 * (`readZip`, `GunzipStream`, the tar reader) charges them while it inflates, slice by slice.
 */
import { formatBytes } from './bytes';

/** Limits of one load; what a built-in CIFAR-10 archive or an image-folder zip needs fits easily. */
export interface LoadLimits {
  /** Bytes produced by all archive layers together. */
  maxBytes: number;
  /** Zip entries and tar members, counted over every layer. */
  maxEntries: number;
  /** Archive layers opened inside one another (gzip, tar, zip). */
  maxDepth: number;
}

/** The defaults: 1 GiB inflated, 100,000 entries, 4 layers (a zip of the CIFAR-10 tar.gz plus one). */
export const LOAD_LIMITS: LoadLimits = { maxBytes: 2 ** 30, maxEntries: 100_000, maxDepth: 4 };

/** Turns a budget problem in `where` (a file or entry) into the error type of the reader that hit it. */
export type BudgetFail = (where: string, problem: string) => Error;

/** Tracks what one load has inflated; throws (through `fail`) the moment a limit is passed. */
export class LoadBudget {
  readonly limits: LoadLimits;
  private inflated = 0;
  private entryCount = 0;

  constructor(
    limits: Partial<LoadLimits> = {},
    private readonly fail: BudgetFail = (where, problem) => new BudgetError(`${where}: ${problem}`),
  ) {
    this.limits = { ...LOAD_LIMITS, ...limits };
  }

  /** Bytes inflated so far by every layer. */
  get bytes(): number {
    return this.inflated;
  }

  /** Bytes still allowed. */
  get remaining(): number {
    return this.limits.maxBytes - this.inflated;
  }

  /** Charges `n` inflated bytes produced for `where`. */
  spend(n: number, where: string): void {
    this.inflated += n;
    if (this.inflated > this.limits.maxBytes)
      throw this.fail(
        where,
        `decompresses past the ${formatBytes(this.limits.maxBytes)} limit for one load (all archive layers together)`,
      );
  }

  /** Refuses `n` bytes that a header declares, before the buffer for them is allocated. */
  reserve(n: number, where: string): void {
    if (n > this.remaining)
      throw this.fail(
        where,
        `declares ${formatBytes(n)}, more than the ${formatBytes(Math.max(0, this.remaining))} left of the ${formatBytes(this.limits.maxBytes)} limit for one load`,
      );
  }

  /** Counts `n` archive entries (zip entries or tar members) found in `where`. */
  entries(n: number, where: string): void {
    this.entryCount += n;
    if (this.entryCount > this.limits.maxEntries)
      throw this.fail(
        where,
        `holds more than the ${this.limits.maxEntries} archive entries allowed in one load (all layers together)`,
      );
  }

  /** Refuses to open archive layer number `depth` (1 = the outermost). */
  enter(depth: number, where: string): void {
    if (depth > this.limits.maxDepth)
      throw this.fail(
        where,
        `nests archives more than ${this.limits.maxDepth} deep (gzip, tar or zip inside one another); unpack the outer layers first`,
      );
  }
}

/** A load over its budget, for readers that have no error type of their own. */
export class BudgetError extends Error {
  override name = 'BudgetError';
}
