import { renderToStaticMarkup } from 'react-dom/server';
import { presetRunConfig } from '../../config';
import type { RunRecord } from '../../store/runsStore';
import { RunsTable } from './RunsTable';

const run = (id: string, score: RunRecord['score']): RunRecord => ({
  id,
  name: `run ${id}`,
  source: 'browser',
  config: presetRunConfig('tiny'),
  points: [
    { step: 1, loss: 1 },
    { step: 1500, loss: 0.0312 },
  ],
  lossPerT: null,
  grid: null,
  score,
  createdAt: 0,
});

/** The text of each cell of each body row. */
function cells(html: string): string[][] {
  const body = html.slice(html.indexOf('<tbody>'));
  return [...body.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((row) =>
    [...row[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1].replace(/<[^>]+>/g, '')),
  );
}

describe('RunsTable', () => {
  it('lists every run newest first with steps, last loss and its score, "—" where none was computed', () => {
    const html = renderToStaticMarkup(
      <RunsTable
        runs={[run('a', null), run('b', { fcd: 40.25, classifierScore: 2.5, n: 32, step: 1500 })]}
        compared={['a']}
        onToggle={() => {}}
        onRemove={() => {}}
      />,
    );
    expect(html).toContain('score (FCD)</abbr></th>');
    const rows = cells(html);
    expect(rows.map((r) => [r[1], r[3], r[4], r[5]])).toEqual([
      ['run b', '1,500', '0.0312', '40.3 (classifier score 2.50; 32 samples at step 1,500)'],
      ['run a', '1,500', '0.0312', '—'],
    ]);
    expect(html.match(/type="checkbox"[^>]*checked=""/g)).toHaveLength(1);
  });
});
