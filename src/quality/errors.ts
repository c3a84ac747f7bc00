/** Errors of the sample-quality score. */

/** Input the score cannot work with: mismatched image sizes, too few images, a bad classifier file. */
export class QualityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QualityError';
  }
}
