/** Entry point of `ddpm-lab` (see bin/ddpm-lab.mjs). */
import { spawnSync } from 'node:child_process';
import { runCli } from './run';
import { relaunchEnvironment } from './vulkan';

const args = process.argv.slice(2);
// `--backend webgpu` without a system Vulkan loader: start again with Chromium's on the library
// path (the dynamic linker reads LD_LIBRARY_PATH only at process start).
const relaunch = args.some(
  (a, i) => a === '--backend=webgpu' || (a === '--backend' && args[i + 1] === 'webgpu'),
)
  ? relaunchEnvironment(process.env)
  : null;
if (relaunch) {
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: relaunch,
  });
  process.exit(child.status ?? 1);
}

// A closed pipe (`ddpm-lab info … | head`) ends the output, not the program with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await runCli(args, {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
