import { startTransition, useEffect, useState } from 'react';

/**
 * `value`, shown `delayMs` later as a transition. Recharts redraws a whole chart in one task; giving
 * each chart its own delay puts the charts of one metrics event into separate tasks, each short.
 */
export function useLagged<T>(value: T, delayMs: number): T {
  const [shown, setShown] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => startTransition(() => setShown(value)), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return shown;
}
