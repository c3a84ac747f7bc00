/**
 * diffusers configuration files: a component's `config.json` / `scheduler_config.json` (a flat
 * object plus `_class_name` and `_diffusers_version`, both kept as found when a config is read and
 * written back) and a pipeline's `model_index.json` (`{component: [library, class]}`). Size cap
 * and error style as in `json.ts`.
 */
import { JsonFileError, describeValue, encodeJson, isPlainObject, parseJsonObject } from './json';

/** The diffusers version written into new configs (the one the lab's file layout follows). */
export const DIFFUSERS_VERSION = '0.21.0';

/** A pipeline's component table: component name → `[library, class]` (`null`s for an absent one). */
export interface ModelIndex {
  className: string;
  components: Record<string, [string | null, string | null]>;
}

/**
 * Parses a diffusers config. `_class_name` and `_diffusers_version`, when present, must be strings;
 * with `className` given, a different `_class_name` is an error (a config of another model).
 */
export function readDiffusersConfig(
  input: Uint8Array | string,
  fileName: string,
  className?: string,
): Record<string, unknown> {
  const config = parseJsonObject(input, fileName);
  for (const key of ['_class_name', '_diffusers_version']) {
    if (key in config && typeof config[key] !== 'string')
      throw new JsonFileError(`${fileName}: ${key} must be a string, got ${describeValue(config[key])}`);
  }
  if (className !== undefined && config._class_name !== undefined && config._class_name !== className) {
    throw new JsonFileError(
      `${fileName}: _class_name is "${String(config._class_name)}", expected "${className}"`,
    );
  }
  return config;
}

/**
 * Serialises a config for class `className`, keeping its `_diffusers_version` if it has one
 * (else {@link DIFFUSERS_VERSION}). A config that names a different `_class_name` is an error.
 */
export function writeDiffusersConfig(
  config: Record<string, unknown>,
  className: string,
  fileName: string,
): Uint8Array {
  if (config._class_name !== undefined && config._class_name !== className) {
    throw new JsonFileError(
      `${fileName}: config has _class_name "${String(config._class_name)}" but is written as "${className}"`,
    );
  }
  return encodeJson(
    { ...config, _class_name: className, _diffusers_version: config._diffusers_version ?? DIFFUSERS_VERSION },
    fileName,
  );
}

/** `model_index.json` of a `DDPMPipeline` (a `UNet2DModel` and the given scheduler class). */
export function writeModelIndex(schedulerClass = 'DDPMScheduler'): Uint8Array {
  return encodeJson(
    {
      _class_name: 'DDPMPipeline',
      _diffusers_version: DIFFUSERS_VERSION,
      scheduler: ['diffusers', schedulerClass],
      unet: ['diffusers', 'UNet2DModel'],
    },
    'model_index.json',
  );
}

/** Parses `model_index.json`: a string `_class_name` and `[library, class]` pairs for every component. */
export function readModelIndex(input: Uint8Array | string, fileName: string): ModelIndex {
  const json = parseJsonObject(input, fileName);
  if (typeof json._class_name !== 'string')
    throw new JsonFileError(
      `${fileName}: _class_name must be a string, got ${describeValue(json._class_name)}`,
    );
  const components: ModelIndex['components'] = {};
  for (const [key, value] of Object.entries(json)) {
    if (key.startsWith('_')) continue;
    const pair =
      Array.isArray(value) && value.length === 2 && value.every((v) => v === null || typeof v === 'string');
    if (!pair)
      throw new JsonFileError(
        `${fileName}: component "${key}" must be [library, class], got ${isPlainObject(value) ? 'an object' : JSON.stringify(value)}`,
      );
    components[key] = value as [string | null, string | null];
  }
  return { className: json._class_name, components };
}
