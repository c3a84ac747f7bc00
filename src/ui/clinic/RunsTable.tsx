import type { RunRecord } from '../../store/runsStore';
import { differsFromPaper, scoreText } from './runText';

/**
 * Every run of this browser, newest first: name, what differs from the paper, steps, last loss and
 * the score of its model where one was computed (Sample tab → Sample quality), with a box to
 * overlay it.
 */
export function RunsTable({
  runs,
  compared,
  onToggle,
  onRemove,
}: {
  runs: readonly RunRecord[];
  compared: readonly string[];
  onToggle: (id: string) => void;
  onRemove: (id: string) => void;
}) {
  return (
    <table data-testid="runs-table">
      <thead>
        <tr>
          <th>compare</th>
          <th>run</th>
          <th>differs from the paper</th>
          <th>steps</th>
          <th>last loss</th>
          <th>
            <abbr title="Fréchet classifier distance of the samples to held-out data (lower is better); the lab's own classifier, not comparable to Inception FID">
              score (FCD)
            </abbr>
          </th>
          <th />
        </tr>
      </thead>
      <tbody>
        {[...runs].reverse().map((r) => {
          const last = r.points[r.points.length - 1];
          return (
            <tr key={r.id} data-testid="run-row">
              <td>
                <input
                  type="checkbox"
                  aria-label={`compare ${r.name}`}
                  checked={compared.includes(r.id)}
                  onChange={() => onToggle(r.id)}
                />
              </td>
              <td>{r.name}</td>
              <td>{differsFromPaper(r.config)}</td>
              <td>{last ? last.step.toLocaleString('en-US') : 0}</td>
              <td>{last ? last.loss.toPrecision(3) : '—'}</td>
              <td data-testid="run-score">{scoreText(r.score)}</td>
              <td>
                <button type="button" onClick={() => onRemove(r.id)}>
                  Remove
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
