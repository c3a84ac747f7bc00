/** The CLI's dispatcher: picks the subcommand, turns every failure into one line and exit code 1. */
import { UsageError } from './args';
import { DATA_USAGE, dataCommand } from './data';
import { EXPORT_PYTORCH_USAGE, exportPytorchCommand } from './exportPytorch';
import { FORWARD_USAGE, forwardCommand } from './forward';
import { INFO_USAGE, infoCommand } from './info';
import { SAMPLE_USAGE, sampleCommand } from './sample';
import { TRAIN_USAGE, trainCommand } from './train';
import { SCORE_USAGE, scoreCommand } from './score';
import type { Output } from './output';

const COMMANDS: Record<string, (argv: readonly string[], out: Output) => Promise<number>> = {
  info: infoCommand,
  forward: forwardCommand,
  sample: sampleCommand,
  data: dataCommand,
  train: trainCommand,
  score: scoreCommand,
  'export-pytorch': exportPytorchCommand,
};

const USAGE = [
  'usage:',
  `  ${INFO_USAGE}`,
  `  ${FORWARD_USAGE}`,
  `  ${SAMPLE_USAGE}`,
  `  ${DATA_USAGE}`,
  `  ${TRAIN_USAGE}`,
  `  ${SCORE_USAGE}`,
  `  ${EXPORT_PYTORCH_USAGE}`,
  'global flags: --debug (stack traces), --help',
].join('\n');

/** Runs one command line (without `node` and the script); returns the exit code. */
export async function runCli(argv: readonly string[], out: Output): Promise<number> {
  const debug = argv.includes('--debug');
  const rest = argv.filter((a) => a !== '--debug');
  if (rest.length === 0) {
    out.stderr(USAGE);
    return 1;
  }
  if (rest.includes('--help') || rest[0] === 'help') {
    out.stdout(USAGE);
    return 0;
  }
  const [name, ...args] = rest;
  try {
    const command = COMMANDS[name];
    if (!command)
      throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return await command(args, out);
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    out.stderr(debug && error.stack ? error.stack : `ddpm-lab: ${error.message.replace(/\s*\n\s*/g, ' ')}`);
    return 1;
  }
}
