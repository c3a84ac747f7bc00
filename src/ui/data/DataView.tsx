import { useMemo } from 'react';
import { effectiveSchedulerConfig, FILE_DATASETS } from '../../config';
import { BUILTINS, type BuiltinId } from '../../data/builtins';
import { useConfig } from '../../store/configStore';
import { useDataset } from '../../store/datasetStore';
import { useUi } from '../../store/uiStore';
import { selectImages } from '../../io/imageGrid';
import { ClassCounts } from './ClassCounts';
import { DatasetGrid } from './DatasetGrid';
import { DatasetPicker } from './DatasetPicker';
import { ForwardProcess } from './ForwardProcess';

/** The Data tab: pick or drop a dataset, see its images and classes, and the forward process on them. */
export function DataView() {
  const active = useDataset((s) => s.active);
  const status = useDataset((s) => s.status);
  const selected = useDataset((s) => s.selected);
  const reshuffling = useDataset((s) => s.reshuffling);
  const wanted = useConfig((s) => s.valid.data.dataset);
  const classFilter = useConfig((s) => s.draft.data.classFilter);
  const diffusion = useConfig((s) => s.valid.diffusion);
  const { loadFiles, reshuffle, toggle } = useDataset.getState();
  const setField = useConfig.getState().setField;
  const schedule = useMemo(() => effectiveSchedulerConfig(diffusion), [diffusion]);
  const forward = useMemo(
    () => (active && selected.length > 0 ? selectImages(active.preview, selected) : undefined),
    [active, selected],
  );
  const needsFiles = FILE_DATASETS.includes(wanted) && active?.id !== wanted;
  return (
    <>
      <div className="two-col">
        <div>
          <DatasetPicker
            builtins={BUILTINS}
            activeId={active?.id}
            status={status}
            onBuiltin={(id) => setField('data.dataset', id as BuiltinId)}
            onFiles={(files) => void loadFiles(files)}
          />
          <div className="panel next-step">
            <button
              type="button"
              className="primary"
              disabled={active?.id !== wanted}
              onClick={() => useUi.getState().setTab('train')}
            >
              Next: configure and train
            </button>
            <span className="hint">
              {active?.id === wanted
                ? `Training will use ${active.name}.`
                : status.kind === 'running'
                  ? 'Loading the dataset…'
                  : 'Choose or drop a dataset first.'}
            </span>
          </div>
          {needsFiles && (
            <p className="warning" role="status">
              This setup trains on{' '}
              {wanted === 'cifar10' ? 'CIFAR-10: drop cifar-10-binary.tar.gz' : 'your own files: drop them'}{' '}
              on the page or choose them above.
            </p>
          )}
          {active && (
            <ClassCounts
              classNames={active.classNames}
              counts={active.counts}
              testCounts={active.testCounts}
              filter={classFilter}
              onFilter={(c) => setField('data.classFilter', c)}
            />
          )}
          {active?.warnings.map((w) => (
            <p key={w} className="warning">
              {w}
            </p>
          ))}
        </div>
        <div>
          {active ? (
            <DatasetGrid
              name={active.name}
              preview={active.preview}
              selected={selected}
              onToggle={toggle}
              onReshuffle={reshuffle}
              busy={reshuffling}
            />
          ) : (
            <p className="hint">{status.kind === 'running' ? 'Loading…' : 'No dataset loaded yet.'}</p>
          )}
        </div>
      </div>
      <ForwardProcess images={forward} schedule={schedule} />
    </>
  );
}
