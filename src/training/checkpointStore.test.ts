import { isQuotaError } from './checkpointStore';

describe('isQuotaError', () => {
  it('recognises the quota errors browsers raise', () => {
    expect(isQuotaError(new DOMException('The quota has been exceeded.', 'QuotaExceededError'))).toBe(true);
    expect(
      isQuotaError({
        name: 'NS_ERROR_DOM_QUOTA_REACHED',
        message: 'Persistent storage maximum size reached',
      }),
    ).toBe(true);
    expect(isQuotaError(new Error('Transaction aborted: quota exceeded'))).toBe(true);
  });

  it('does not mistake other storage failures for a full disk', () => {
    expect(isQuotaError(new DOMException('The transaction was aborted.', 'AbortError'))).toBe(false);
    expect(isQuotaError(new DOMException('Version change blocked.', 'VersionError'))).toBe(false);
    expect(isQuotaError(new Error('no checkpoint with id r@3@1'))).toBe(false);
    expect(isQuotaError(null)).toBe(false);
    expect(isQuotaError('QuotaExceededError')).toBe(false);
  });
});
