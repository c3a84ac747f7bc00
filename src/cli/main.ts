/** Entry point of `ddpm-lab` (see bin/ddpm-lab.mjs). */
import { runCli } from './run';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
