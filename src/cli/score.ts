/**
 * `ddpm-lab score --pipeline PATH --data PATH --num N [--seed S] [--sampler ddpm|ddim] [--steps K]
 * [--classifier-steps C] [--backend cpu|webgpu]`: samples N images from the pipeline and prints ONE
 * JSON object on stdout:
 *
 *   {"fcd": …, "classifier_score": …, "real_classifier_score": …, "num": N,
 *    "label": "FCD — not comparable to Inception FID"}
 *
 * The features come from a small classifier trained on the train split of `--data` (fitted to the
 * model's sample size as for training), cached in the user's cache folder keyed by the data's hash, so
 * only the first score of a dataset pays for training. Progress and notes go to stderr.
 */
import { homedir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import { parseSchedulerConfig } from '../diffusion';
import { parseUNetConfig } from '../model/config';
import { checkWeightsForConfig } from '../model/limits';
import { UNet } from '../model/unet';
import type { ClassifierCache } from '../quality/classifierCache';
import { sampleMany } from '../quality/sampleMany';
import { FCD_LABEL, MAX_SCORE_IMAGES } from '../quality/scoreTypes';
import { fitToModel, scoreAgainstDataset } from '../quality/scoreDataset';
import { DEFAULT_RECIPE } from '../quality/trainClassifier';
import { parseArgs, requireFlag, UsageError } from './args';
import { parseBackend, useBackend } from './backend';
import { loadPaths } from './data';
import { privateFolder, readPrivateFile, writeFileAtomic } from './files';
import { readModelPath } from './modelFiles';
import type { Output } from './output';

/** Usage line shown by --help and on errors. */
export const SCORE_USAGE =
  'ddpm-lab score --pipeline PATH --data PATH --num N [--seed S] [--sampler ddpm|ddim] [--steps K] [--classifier-steps C] [--backend cpu|webgpu]';

const FLAGS = {
  pipeline: true,
  data: true,
  num: true,
  seed: true,
  sampler: true,
  steps: true,
  'classifier-steps': true,
  backend: true,
};

/**
 * Where trained classifiers are kept between runs: the user's own cache folder
 * (`$XDG_CACHE_HOME/ddpm-lab/classifiers`, else `~/.cache/ddpm-lab/classifiers`), never the shared
 * temp dir, where another user could plant a link under the predictable name.
 */
export function classifierCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
  return join(base, 'ddpm-lab', 'classifiers');
}

/** Samples, scores, prints the JSON object. */
export async function scoreCommand(argv: readonly string[], out: Output): Promise<number> {
  const args = parseArgs(argv, FLAGS, 'score');
  if (args.positionals.length)
    throw new UsageError(
      `score takes no positional arguments, got ${args.positionals.join(' ')}; usage: ${SCORE_USAGE}`,
    );
  const flag = (name: string) => args.flags.get(name) as string | undefined;
  const pipelinePath = requireFlag(args, 'pipeline', 'score');
  const dataPath = requireFlag(args, 'data', 'score');
  const num = integer(requireFlag(args, 'num', 'score'), 'num', 2, MAX_SCORE_IMAGES);
  const seed = integer(flag('seed') ?? '0', 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const sampler = flag('sampler') ?? 'ddpm';
  if (sampler !== 'ddpm' && sampler !== 'ddim')
    throw new UsageError(`score: --sampler ${sampler} is not supported; samplers: ddpm, ddim`);
  const classifierSteps = integer(
    flag('classifier-steps') ?? String(DEFAULT_RECIPE.steps),
    'classifier-steps',
    1,
    1_000_000,
  );
  const backend = parseBackend(flag('backend'));

  const bundle = readModelPath(pipelinePath);
  if (!bundle.schedulerConfig)
    throw new UsageError(
      `${pipelinePath} has no scheduler/scheduler_config.json; sampling needs the schedule the model was trained with (give the pipeline folder or zip, not the unet alone)`,
    );
  const schedule = parseSchedulerConfig(bundle.schedulerConfig).config;
  const T = schedule.num_train_timesteps;
  const steps = integer(flag('steps') ?? String(T), 'steps', 1, T);
  const config = parseUNetConfig(bundle.unetConfig);
  // Shapes, limits and finiteness of the file before a model is built from its config.
  checkWeightsForConfig(config, bundle.tensors);

  const { pair, warnings } = await loadPaths([dataPath]);
  for (const w of warnings) out.stderr(`warning: ${w}`);
  const fitted = fitToModel(pair, config);

  await useBackend(backend);
  const model = new UNet(config, { seed: 0 });
  try {
    model.loadStateDict(bundle.tensors);
    const score = await scoreAgainstDataset({
      datasetId: basename(dataPath),
      pair: fitted,
      n: num,
      seed,
      cache: new FileClassifierCache(classifierCacheDir()),
      recipe: { ...DEFAULT_RECIPE, steps: classifierSteps },
      hooks: {
        onProgress: (step, total, loss) =>
          out.stderr(`score: training the classifier: step ${step}/${total}, loss ${loss.toFixed(4)}`),
      },
      samples: () => {
        out.stderr(
          `score: sampling ${num} images (${sampler}, ${steps} step${steps === 1 ? '' : 's'}, seed ${seed}, ${backend} backend)`,
        );
        return sampleMany(model, schedule, { sampler, numInferenceSteps: steps }, num, seed, {
          onProgress: tenths((pct) => out.stderr(`score: sampling ${pct}%`)),
        });
      },
    });
    for (const w of score.warnings) out.stderr(`warning: ${w}`);
    if (score.classifierCached) out.stderr(`score: used the cached classifier in ${classifierCacheDir()}`);
    out.stdout(
      JSON.stringify({
        fcd: score.fcd,
        classifier_score: score.classifierScore,
        real_classifier_score: score.realClassifierScore,
        num: score.n,
        label: FCD_LABEL,
      }),
    );
  } finally {
    model.dispose();
  }
  return 0;
}

/** Calls `report` with 10, 20, … 100 as progress passes each tenth. */
function tenths(report: (pct: number) => void): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const pct = Math.floor((10 * done) / total) * 10;
    if (pct > last) report((last = pct));
  };
}

function integer(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(
      `score: --${name} ${value} is not allowed; expected an integer from ${min} to ${max}`,
    );
  return n;
}

/**
 * Classifiers as files in one private folder (mode 0700, ours), one per key; written exclusively
 * into a temporary sibling and renamed, read without following links, so neither a crash nor a
 * planted link leaves or reads anything but our own file.
 */
class FileClassifierCache implements ClassifierCache {
  constructor(private readonly dir: string) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    return readPrivateFile(join(privateFolder(this.dir), this.name(key)));
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    writeFileAtomic(join(privateFolder(this.dir), this.name(key)), bytes, 0o600);
  }

  /** The key made a safe file name; its tail holds the hashes, so that is what a length cap keeps. */
  private name(key: string): string {
    return `${key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-200)}.safetensors`;
  }
}
