import { useEffect, useMemo, useState } from 'react';
import { diagnose } from '../../clinic/diagnose';
import {
  compareToReference,
  configDifferences,
  matchReference,
  referenceLength,
  type ReferenceMatch,
} from '../../clinic/reference';
import { TWIN_SWITCHES, twinConfig } from '../../clinic/switches';
import { RUN_PRESET_NAMES, presetRunConfig, type RunConfig } from '../../config';
import { useConfig } from '../../store/configStore';
import { useReferences, type ReferenceState } from '../../store/referenceStore';
import { gridBatch, MAX_COMPARED, useRuns, type RunRecord } from '../../store/runsStore';
import { useTrain } from '../../store/trainStore';
import { GridCanvas } from '../GridCanvas';
import { CompareCharts } from './CompareCharts';

const PAPER = presetRunConfig('paper');
/** Settings that say nothing about what a run is (logging, length, seeds). */
const BOOKKEEPING = /^training\.(targetSteps|seed|logEveryMs|preview\w*|checkpointEverySec)$/;

/** What differs from the paper's recipe, in short. */
export function differsFromPaper(config: RunConfig | null): string {
  if (!config) return 'unknown (a log without its config)';
  const d = configDifferences(PAPER, config).filter((p) => !BOOKKEEPING.test(p));
  if (d.length === 0) return 'nothing';
  return d.length <= 4 ? d.join(', ') : `${d.slice(0, 4).join(', ')} and ${d.length - 4} more`;
}

/** The reference of a config, loading it on first use. */
export function useReference(config: RunConfig | null): {
  match: ReferenceMatch | null;
  state: ReferenceState | undefined;
} {
  const match = useMemo(() => (config ? matchReference(config) : null), [config]);
  const state = useReferences((s) => (match ? s.byPreset[match.preset] : undefined));
  useEffect(() => {
    if (match) useReferences.getState().load(match.preset);
  }, [match]);
  return { match, state };
}

/**
 * The Clinic: reference curves, every run of this browser side by side, Twin run, Import a log,
 * and Diagnose. What a healthy run of a config looks like, and what is wrong with one that is not.
 */
export function ClinicView() {
  const runs = useRuns((s) => s.runs);
  const compared = useRuns((s) => s.compared);
  const shown = compared.map((id) => runs.find((r) => r.id === id)).filter((r): r is RunRecord => !!r);
  return (
    <div className="clinic">
      <RunsPanel runs={runs} compared={compared} />
      <TwinPanel />
      <ComparePanel runs={shown} />
      <DiagnosePanel runs={runs} initial={shown[0]?.id} />
      <ReferencesPanel />
      <SwitchesPanel />
    </div>
  );
}

function RunsPanel({ runs, compared }: { runs: RunRecord[]; compared: string[] }) {
  const { toggleCompared, remove, importLog } = useRuns.getState();
  const importError = useRuns((s) => s.importError);
  const draft = useConfig((s) => s.valid);
  const [withConfig, setWithConfig] = useState(false);
  return (
    <section className="panel" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs in this browser</h2>
      {runs.length === 0 ? (
        <p className="hint">No runs yet: train one on the Train tab, or import a log below.</p>
      ) : (
        <table data-testid="runs-table">
          <thead>
            <tr>
              <th>compare</th>
              <th>run</th>
              <th>differs from the paper</th>
              <th>steps</th>
              <th>last loss</th>
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
                      onChange={() => toggleCompared(r.id)}
                    />
                  </td>
                  <td>{r.name}</td>
                  <td>{differsFromPaper(r.config)}</td>
                  <td>{last ? last.step.toLocaleString('en-US') : 0}</td>
                  <td>{last ? last.loss.toPrecision(3) : '–'}</td>
                  <td>
                    <button type="button" onClick={() => remove(r.id)}>
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p className="hint">Pick up to {MAX_COMPARED} to overlay.</p>
      <h3>Import a log</h3>
      <p className="hint">
        A CSV with a header <code>step,loss</code> and optionally loss-per-t columns (
        <code>loss_t_0_49,…</code>, as the lab’s own metrics.csv), from a run made elsewhere.
      </p>
      <label className="inline">
        <input type="checkbox" checked={withConfig} onChange={(e) => setWithConfig(e.target.checked)} /> its
        config is the one on the Train tab
      </label>{' '}
      <input
        type="file"
        accept=".csv,text/csv"
        aria-label="Import a log (CSV)"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void file.text().then((text) => importLog(file.name, text, withConfig ? draft : null));
          e.target.value = '';
        }}
      />
      {importError && (
        <p role="alert" className="error">
          {importError}
        </p>
      )}
    </section>
  );
}

function TwinPanel() {
  const config = useTrain((s) => s.config);
  const status = useTrain((s) => s.status);
  const [path, setPath] = useState(TWIN_SWITCHES[0].path);
  const busy = status === 'running' || status === 'starting';
  const start = () => {
    if (!config) return;
    const twin = twinConfig(config, path);
    const go = () => {
      useRuns.getState().nameNext(`twin: ${path} = ${JSON.stringify(valueOf(twin, path))}`);
      useConfig.getState().replace(twin);
      useTrain.getState().train(twin);
    };
    if (status !== 'paused') return go();
    // A paused (or finished) run is stopped first: the worker trains one run at a time.
    const off = useTrain.subscribe((s) => {
      if (s.status === 'stopped') {
        off();
        go();
      }
    });
    useTrain.getState().stop();
  };
  return (
    <section className="panel" aria-labelledby="twin-title">
      <h2 id="twin-title">Twin run</h2>
      <p className="hint">
        The last run again with one switch flipped and the same seed: the same data order, t and ε, so any
        difference is the switch’s.
      </p>
      <select aria-label="Switch to flip" value={path} onChange={(e) => setPath(e.target.value)}>
        {TWIN_SWITCHES.map((s) => (
          <option key={s.path} value={s.path}>
            {s.label} ({s.path})
          </option>
        ))}
      </select>{' '}
      <button type="button" data-testid="twin-start" disabled={!config || busy} onClick={start}>
        Start twin run
      </button>
      {!config && <span className="hint"> Train a run first.</span>}
      {busy && <span className="hint"> A run is training: pause it (or let it finish) first.</span>}
    </section>
  );
}

function valueOf(config: RunConfig, path: string): unknown {
  const [section, key] = path.split('.') as [keyof RunConfig, string];
  return (config[section] as unknown as Record<string, unknown>)[key];
}

function ComparePanel({ runs }: { runs: RunRecord[] }) {
  const withConfig = runs.find((r) => r.config !== null) ?? null;
  const { match, state } = useReference(withConfig?.config ?? null);
  const curve = state?.kind === 'ready' ? state.curve : null;
  return (
    <section className="panel" aria-labelledby="compare-title">
      <h2 id="compare-title">Side by side</h2>
      {runs.length === 0 && <p className="hint">Pick runs above to compare them.</p>}
      <ReferenceLine match={match} state={state} />
      {runs.length > 0 && <CompareCharts runs={runs} reference={curve} />}
      {curve && (
        <ul data-testid="reference-sentences">
          {runs.map((r) => {
            const c = compareToReference(curve, r.points);
            return c && <li key={r.id}>{`${r.name}: ${c.sentence}.`}</li>;
          })}
        </ul>
      )}
      <div className="charts-row">
        {runs.map(
          (r) =>
            r.grid && (
              <figure key={r.id} className="chart" data-testid="compare-grid">
                <GridCanvas
                  batch={gridBatch(r.grid)}
                  scale={r.grid.width <= 16 ? 6 : 3}
                  label={`Last preview of ${r.name}`}
                />
                <figcaption>{r.name}</figcaption>
              </figure>
            ),
        )}
      </div>
    </section>
  );
}

/** One line on which reference applies and whether it exists. */
export function ReferenceLine({
  match,
  state,
}: {
  match: ReferenceMatch | null;
  state: ReferenceState | undefined;
}) {
  if (!match)
    return (
      <p className="hint">
        No reference curve fits this config (its data, model, schedule or inputs differ from every preset).
      </p>
    );
  const caveat = match.caveats.length > 0 ? ` (this run differs in ${match.caveats.join('; ')})` : '';
  if (!state || state.kind === 'loading')
    return <p className="hint">Loading the {match.preset} reference…</p>;
  if (state.kind === 'missing')
    return (
      <p className="hint" data-testid="reference-missing">
        The {match.preset} reference curve is missing: it needs a GPU (
        <code>
          npm run reference -- --preset {match.preset} --steps N
          {match.preset !== 'tiny' && match.preset !== 'mnist' ? ' --data cifar-10-binary.tar.gz' : ''}
        </code>
        ).
      </p>
    );
  if (state.kind === 'error')
    return (
      <p role="alert" className="error">
        {state.message}
      </p>
    );
  const p = state.curve.provenance;
  return (
    <p className="hint" data-testid="reference-info">
      Reference: the {match.preset} preset trained by the PyTorch reference trainer,{' '}
      {referenceLength(state.curve)}, seeds {p.seeds.join(', ')} ({p.machine}, {p.date}){caveat}.
    </p>
  );
}

function DiagnosePanel({ runs, initial }: { runs: RunRecord[]; initial: string | undefined }) {
  const [picked, setPicked] = useState<string | undefined>(undefined);
  const id = picked ?? initial ?? runs[runs.length - 1]?.id;
  const run = runs.find((r) => r.id === id);
  const { state } = useReference(run?.config ?? null);
  const findings = useMemo(
    () =>
      run
        ? diagnose({
            config: run.config,
            points: run.points,
            lossPerT: run.lossPerT,
            reference: state?.kind === 'ready' ? state.curve : null,
          })
        : [],
    [run, state],
  );
  return (
    <section className="panel" aria-labelledby="diagnose-title">
      <h2 id="diagnose-title">Diagnose</h2>
      {!run ? (
        <p className="hint">Train or import a run to diagnose it.</p>
      ) : (
        <>
          <select aria-label="Run to diagnose" value={run.id} onChange={(e) => setPicked(e.target.value)}>
            {runs.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
          {findings.length === 0 ? (
            <p data-testid="diagnose-none">Nothing found: this run looks like the paper’s recipe would.</p>
          ) : (
            <ul data-testid="diagnose-findings">
              {findings.map((f) => (
                <li key={f.id} data-finding={f.id}>
                  <strong>{f.title}.</strong> {f.evidence} <em>Reproduce with {f.switch}.</em>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

function ReferencesPanel() {
  const byPreset = useReferences((s) => s.byPreset);
  useEffect(() => {
    for (const p of RUN_PRESET_NAMES) useReferences.getState().load(p);
  }, []);
  return (
    <section className="panel" aria-labelledby="refs-title">
      <h2 id="refs-title">Reference curves</h2>
      <ul>
        {RUN_PRESET_NAMES.map((p) => {
          const s = byPreset[p];
          return (
            <li key={p} data-testid={`reference-${p}`}>
              {p}:{' '}
              {s?.kind === 'ready'
                ? `${referenceLength(s.curve)}, seeds ${s.curve.seeds.join(', ')}, ${s.curve.provenance.date}; ${s.curve.provenance.command}`
                : s?.kind === 'missing'
                  ? 'missing (needs a GPU run of the reference trainer)'
                  : s?.kind === 'error'
                    ? s.message
                    : 'loading…'}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function SwitchesPanel() {
  return (
    <section className="panel" aria-labelledby="switches-title">
      <h2 id="switches-title">The learner’s code, as switches</h2>
      {TWIN_SWITCHES.map((s) => (
        <details key={s.path}>
          <summary>
            {s.label} (<code>{s.path}</code>)
          </summary>
          <p>{s.explanation}</p>
        </details>
      ))}
    </section>
  );
}
