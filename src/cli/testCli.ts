/** The command line as the CLI tests run it: the real binary in a child process, or in-process. */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeSafetensors } from '../io/safetensors';
import type { StateDict } from '../model/stateDict';
import { runCli } from './run';

const run = promisify(execFile);
const BIN = new URL('../../bin/ddpm-lab.mjs', import.meta.url).pathname;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawns the real CLI (with `env`, default this process's); resolves with its exit code and output instead of throwing. */
export async function spawnCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  timeout = 100_000,
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run('node', [BIN, ...args], { timeout, env });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as CliResult;
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Runs the CLI in this process, collecting its lines. */
export async function inProcess(...args: string[]): Promise<CliResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(args, { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

/** Writes a unet folder (config.json + diffusion_pytorch_model.safetensors) at `dir/name`; returns its path. */
export function writeUnetFolder(dir: string, name: string, weights: StateDict, config: unknown): string {
  const path = join(dir, name);
  mkdirSync(path);
  writeFileSync(join(path, 'config.json'), JSON.stringify(config));
  writeFileSync(join(path, 'diffusion_pytorch_model.safetensors'), writeSafetensors(weights));
  return path;
}

/** `ddpm-lab forward` of the unet folder at `unet` on `input`, writing `out`, plus `extra` flags. */
export function forwardArgs(unet: string, input: string, out: string, ...extra: string[]): string[] {
  return ['forward', '--unet', unet, '--input', input, '--out', out, ...extra];
}
