import type { ScheduleWarning } from '../../diffusion';

/** The schedule's problems as `describeSchedule` words them, each with its fix; or a line saying there are none. */
export function ScheduleWarnings({ warnings }: { warnings: readonly ScheduleWarning[] }) {
  if (warnings.length === 0)
    return (
      <p className="ok-text" data-testid="schedule-warnings">
        No schedule warnings: x_T is close to pure noise.
      </p>
    );
  return (
    <ul className="warnings" data-testid="schedule-warnings" aria-label="Schedule warnings">
      {warnings.map((w) => (
        <li key={w.code} className="warning">
          <strong>{w.message}</strong> {w.fix}
        </li>
      ))}
    </ul>
  );
}
