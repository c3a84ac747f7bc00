/** A small, strict argument parser: declared flags only, each at most once, values required. */

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
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  const known = Object.keys(spec).map((f) => `--${f}`).join(', ');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`${command}: unknown option ${arg}; options: ${known}`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!(name in spec)) throw new UsageError(`${command}: unknown flag --${name}; flags: ${known}`);
    if (flags.has(name)) throw new UsageError(`${command}: --${name} given twice`);
    if (!spec[name]) {
      if (eq >= 0) throw new UsageError(`${command}: --${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--')))
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
