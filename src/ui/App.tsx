import { useEffect } from 'react';
import { routeEvent, routeWorkerExit } from '../store/events';
import { useConfig } from '../store/configStore';
import { browserLocation } from '../store/hashSync';
import { useLab } from '../store/labStore';
import { useUi, type TabKey } from '../store/uiStore';
import { useDataset } from '../store/datasetStore';
import { useWeights } from '../store/weightsStore';
import { useRuns } from '../store/runsStore';
import { BackendBadge } from './BackendBadge';
import { ClinicView } from './clinic/ClinicView';
import { DataView } from './data/DataView';
import { DropZone } from './data/DropZone';
import { FaultBanner } from './FaultBanner';
import { GpuCheck } from './GpuCheck';
import { ImageSizeControl } from './ImageSizeControl';
import { SampleView } from './sample/SampleView';
import { Tabs, type TabSpec } from './Tabs';
import { TrainView } from './train/TrainView';
import { WeightsView } from './weights/WeightsView';
import { useDatasetFollowsConfig } from './useDatasetFollowsConfig';
import { useDownloads } from './useDownloads';

const TABS: readonly TabSpec<TabKey>[] = [
  { key: 'data', title: 'Data', render: () => <DataView /> },
  { key: 'train', title: 'Train', render: () => <TrainView /> },
  { key: 'sample', title: 'Sample & timeline', render: () => <SampleView /> },
  { key: 'weights', title: 'Weights', render: () => <WeightsView /> },
  { key: 'clinic', title: 'Clinic', render: () => <ClinicView /> },
];

export function App() {
  const connect = useLab((s) => s.connect);
  const error = useLab((s) => s.error);
  const urlWarning = useLab((s) => s.urlWarning);
  const tab = useUi((s) => s.tab);
  const setTab = useUi((s) => s.setTab);
  useEffect(() => {
    useConfig.getState().init(browserLocation);
    const onHash = () => useConfig.getState().onHashChange();
    window.addEventListener('hashchange', onHash);
    connect(window.location.search, routeEvent, routeWorkerExit);
    return () => window.removeEventListener('hashchange', onHash);
  }, [connect]);
  useEffect(() => useRuns.getState().follow(), []);
  useDatasetFollowsConfig();
  useDownloads();
  // On the Weights tab a drop imports a model; everywhere else it loads a dataset.
  const onDrop = tab === 'weights' ? useWeights.getState().importFiles : useDataset.getState().loadFiles;
  return (
    <div className="app">
      <header className="topbar">
        <h1>Diffusion Lab</h1>
        <BackendBadge />
        <ImageSizeControl />
        <GpuCheck />
      </header>
      {urlWarning && (
        <p role="alert" className="warning">
          {urlWarning}
        </p>
      )}
      {error && (
        <p role="alert" className="error" data-testid="lab-error">
          {error}
        </p>
      )}
      <FaultBanner />
      <main>
        <Tabs tabs={TABS} active={tab} onSelect={setTab} />
      </main>
      <DropZone
        onFiles={(files) => void onDrop(files)}
        hint={
          tab === 'weights'
            ? 'Drop a diffusers pipeline, unet folder, zip or .safetensors to import it'
            : 'Drop dataset files to load them'
        }
      />
    </div>
  );
}
