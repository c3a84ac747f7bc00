/**
 * The CLI's flags, read by Node's `util.parseArgs`: declared flags only, each at most once, values
 * required. parseArgs tokenizes (`--name value`, `--name=value`, switches, `--` ends the flags);
 * the checks below turn each misuse into a message naming the command and the flag.
 */
import { parseArgs as parseTokens, type ParseArgsConfig } from 'node:util';

/** A command line that cannot be run as given. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Flags a command takes: `true` for flags with a value, `false` for switches. */
export type FlagSpec = Record<string, boolean>;

/** Parsed arguments: flag values (switches as true) and positionals in order. */
export interface ParsedArgs {
  flags: Map<string, string | true>;
  positionals: string[];
}

/** Parses `--name value`, `--name=value` and switches; anything not declared is an error naming it. */
export function parseArgs(argv: readonly string[], spec: FlagSpec, command: string): ParsedArgs {
  const options: ParseArgsConfig['options'] = Object.fromEntries(
    Object.entries(spec).map(([name, takesValue]) => [name, { type: takesValue ? 'string' : 'boolean' }]),
  );
  // Not strict: parseArgs' own errors do not name the command, so the tokens are checked here.
  const { tokens } = parseTokens({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const known = Object.keys(spec)
    .map((f) => `--${f}`)
    .join(', ');
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const { name, rawName, value, inlineValue } = token;
    if (!Object.hasOwn(spec, name))
      throw new UsageError(
        rawName.startsWith('--')
          ? `${command}: unknown flag ${rawName}; flags: ${known}`
          : `${command}: unknown option ${rawName}; options: ${known}`,
      );
    if (flags.has(name)) throw new UsageError(`${command}: --${name} given twice`);
    if (!spec[name]) {
      if (inlineValue) throw new UsageError(`${command}: --${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    // A following flag is not a value (`--unet --out x`); a negative number is (`--seed -1`).
    if (value === undefined || value === '' || (!inlineValue && value.startsWith('--')))
      throw new UsageError(`${command}: --${name} needs a value`);
    flags.set(name, value);
  }
  return { flags, positionals };
}

/** A flag that must be present, as a string. */
export function requireFlag(args: ParsedArgs, name: string, command: string): string {
  const value = args.flags.get(name);
  if (typeof value !== 'string') throw new UsageError(`${command}: --${name} is required`);
  return value;
}
