import { useEffect, useRef } from 'react';
import { FILE_DATASETS } from '../config';
import type { BuiltinId } from '../data/builtins';
import { useConfig } from '../store/configStore';
import { useDataset } from '../store/datasetStore';
import { useLab } from '../store/labStore';

/**
 * Loads the built-in dataset the config names whenever it is not the one loaded (on opening a
 * link, after a preset, after picking one). Dropped datasets cannot be fetched: the Data tab asks for them.
 * A failed load is not retried until the config names another dataset.
 */
export function useDatasetFollowsConfig(): void {
  const wanted = useConfig((s) => s.valid.data.dataset);
  const ready = useLab((s) => s.backend !== undefined);
  const active = useDataset((s) => s.active?.id);
  const loading = useDataset((s) => s.status.kind === 'running');
  const attempted = useRef<string>(undefined);
  useEffect(() => {
    if (
      !ready ||
      loading ||
      active === wanted ||
      FILE_DATASETS.includes(wanted) ||
      attempted.current === wanted
    )
      return;
    attempted.current = wanted;
    useDataset.getState().loadBuiltin(wanted as BuiltinId);
  }, [ready, loading, active, wanted]);
}
