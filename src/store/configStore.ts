/**
 * The run config being edited: the draft as typed (possibly invalid), the last valid config, and
 * every problem by field path. The valid config is mirrored into the URL hash, so a copied link
 * reproduces the setup; a hash edited by hand (or a pasted link) is read back.
 */
import { create } from 'zustand';
import {
  applyOverrides,
  decodeRunConfigHash,
  encodeRunConfigHash,
  presetRunConfig,
  validateRunConfig,
  type RunConfig,
  type RunPresetName,
} from '../config';
import { setPath } from '../config/configPath';
import { HashSync, type HashCodec, type HashLocation } from './hashSync';

const codec: HashCodec<RunConfig> = {
  encode: (c) => encodeRunConfigHash(c).replace(/^#/, ''),
  decode: (hash) => decodeRunConfigHash(hash),
};

interface ConfigState {
  draft: RunConfig;
  valid: RunConfig;
  /** Messages by field path ('' for the whole config). */
  errors: Record<string, string>;
  /** Settings in the opening link that could not be used (the rest was applied). */
  linkErrors: string[];
  /** Reads the config from the URL and starts mirroring it there. */
  init(location: HashLocation): void;
  /** For `hashchange`: applies a link pasted or edited by hand. */
  onHashChange(): void;
  setField(path: string, value: unknown): void;
  /** A run preset, or null for the defaults. */
  applyPreset(name: RunPresetName | null): void;
  /** Replaces the whole config (a resumed checkpoint's). */
  replace(config: RunConfig): void;
}

export const useConfig = create<ConfigState>((set, get) => {
  let sync: HashSync<RunConfig> | undefined;
  const commit = (draft: RunConfig) => {
    const result = validateRunConfig(draft);
    if ('config' in result) {
      set({ draft, valid: result.config, errors: {} });
      sync?.write(result.config);
    } else {
      set({ draft, errors: Object.fromEntries(result.errors.map((e) => [e.path, e.message])) });
    }
  };
  const fresh = presetRunConfig(null);
  return {
    draft: fresh,
    valid: fresh,
    errors: {},
    linkErrors: [],
    init(location) {
      sync = new HashSync(codec, location);
      const { config, errors } = sync.initial();
      set({ draft: config, valid: config, errors: {}, linkErrors: errors.map((e) => e.message) });
      if (errors.length > 0) sync.write(config);
    },
    onHashChange() {
      const decoded = sync?.external();
      if (!decoded) return;
      set({
        draft: decoded.config,
        valid: decoded.config,
        errors: {},
        linkErrors: decoded.errors.map((e) => e.message),
      });
    },
    setField(path, value) {
      const draft = get().draft;
      // A U-Net preset restarts the model section from that preset (the config's own rule).
      if (path === 'model.preset' && value !== 'custom')
        commit(applyOverrides(draft, { model: { preset: value as RunConfig['model']['preset'] } }));
      else commit(setPath(draft, path, value));
    },
    applyPreset(name) {
      commit(presetRunConfig(name));
    },
    replace(config) {
      commit(structuredClone(config));
    },
  };
});
