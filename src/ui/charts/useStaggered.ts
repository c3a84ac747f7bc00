import { useEffect, useState } from 'react';

/** The gap between two charts' redraws after one metrics publish. */
export const STAGGER_MS = 60;

/**
 * `value`, handed on `slot × STAGGER_MS` after it changes, in a task of its own. The metrics store
 * publishes every series at once; without this the three training charts would redraw in one task
 * (three recharts renders back to back), and that task could pass the 50 ms main-thread budget on a
 * slow machine. Each chart takes another slot, so each redraw is its own short task.
 */
export function useStaggered<T>(value: T, slot: number): T {
  const [shown, setShown] = useState(value);
  useEffect(() => {
    const handle = setTimeout(() => setShown(() => value), slot * STAGGER_MS);
    return () => clearTimeout(handle);
  }, [value, slot]);
  return shown;
}
