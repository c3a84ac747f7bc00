import { UsageError, parseArgs, requireFlag } from './args';

const SPEC = { unet: true, out: true, verbose: false };

describe('parseArgs', () => {
  it('reads flags with values in both spellings, switches and positionals', () => {
    const a = parseArgs(['in.st', '--unet', 'dir', '--out=o.st', '--verbose'], SPEC, 'cmd');
    expect(a.flags.get('unet')).toBe('dir');
    expect(a.flags.get('out')).toBe('o.st');
    expect(a.flags.get('verbose')).toBe(true);
    expect(a.positionals).toEqual(['in.st']);
  });

  it('takes negative numbers as values, a lone - as a positional, and everything after -- as positionals', () => {
    const a = parseArgs(['--out', '-1', '-', '--', '--unet'], SPEC, 'cmd');
    expect(a.flags.get('out')).toBe('-1');
    expect(a.flags.has('unet')).toBe(false);
    expect(a.positionals).toEqual(['-', '--unet']);
  });

  it.each([
    [['--unt', 'x'], /cmd: unknown flag --unt; flags: --unet, --out, --verbose/],
    [['-u', 'x'], /unknown option -u/],
    [['--unet'], /--unet needs a value/],
    [['--unet', '--out', 'x'], /--unet needs a value/],
    [['--unet=', 'x'], /--unet needs a value/],
    [['--unet', 'a', '--unet', 'b'], /--unet given twice/],
    [['--verbose=yes'], /--verbose takes no value/],
    [['--verbose', '--verbose'], /--verbose given twice/],
    [['-uv'], /cmd: unknown option -u; options: --unet, --out, --verbose/],
    [['--constructor', 'x'], /unknown flag --constructor/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv, SPEC, 'cmd')).toThrow(UsageError);
    expect(() => parseArgs(argv, SPEC, 'cmd')).toThrow(message);
  });

  it('requires flags by name', () => {
    expect(() => requireFlag(parseArgs([], SPEC, 'cmd'), 'unet', 'cmd')).toThrow('cmd: --unet is required');
  });
});
