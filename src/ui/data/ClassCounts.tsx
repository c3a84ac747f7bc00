import { useId } from 'react';

interface Props {
  classNames: readonly string[];
  counts: readonly number[];
  testCounts?: readonly number[];
  /** The class training is restricted to, or null for all. */
  filter: string | null;
  onFilter(cls: string | null): void;
}

/** Images per class, and the filter that trains on one class only. */
export function ClassCounts({ classNames, counts, testCounts, filter, onFilter }: Props) {
  const id = useId();
  const total = counts.reduce((a, b) => a + b, 0);
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Classes</h2>
      <label htmlFor={`${id}-filter`}>Train on</label>{' '}
      <select
        id={`${id}-filter`}
        data-testid="class-filter"
        value={filter ?? ''}
        onChange={(e) => onFilter(e.target.value === '' ? null : e.target.value)}
      >
        <option value="">all classes ({total.toLocaleString('en')} images)</option>
        {classNames.map((c, k) => (
          <option key={c} value={c}>
            {c} only ({counts[k].toLocaleString('en')})
          </option>
        ))}
      </select>
      <table className="counts" data-testid="class-counts">
        <thead>
          <tr>
            <th scope="col">class</th>
            <th scope="col">train</th>
            {testCounts && <th scope="col">test</th>}
          </tr>
        </thead>
        <tbody>
          {classNames.map((c, k) => (
            <tr key={c} className={filter === c ? 'active' : undefined}>
              <th scope="row">{c}</th>
              <td>{counts[k].toLocaleString('en')}</td>
              {testCounts && <td>{testCounts[k].toLocaleString('en')}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
