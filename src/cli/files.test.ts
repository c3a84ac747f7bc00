import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileError,
  StagedFolder,
  checkOutputFile,
  privateFolder,
  readPrivateFile,
  readRegularFile,
  samePath,
  writeFileAtomic,
} from './files';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ddpm-lab-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (s: string) => new TextEncoder().encode(s);

describe('reading', () => {
  it('refuses a FIFO at once instead of blocking, and devices', () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    expect(() => readRegularFile(fifo)).toThrow(`${fifo}: is a FIFO (named pipe), not a regular file`);
    expect(() => readRegularFile('/dev/zero')).toThrow(
      '/dev/zero: is a character device, not a regular file',
    );
    expect(() => readRegularFile(dir)).toThrow(/is a folder, not a regular file/);
  });

  it('refuses a file over the limit before reading it', () => {
    writeFileSync(join(dir, 'big'), new Uint8Array(2000));
    expect(() => readRegularFile(join(dir, 'big'), 1000)).toThrow(
      /2,000 bytes is more than the 1,000-byte limit for this input/,
    );
    expect(readRegularFile(join(dir, 'big'), 2000)).toHaveLength(2000);
  });
});

describe('writing', () => {
  it('an output file must be new unless forced; links and folders are never replaced', () => {
    const path = join(dir, 'out.png');
    expect(() => checkOutputFile(path, false, '--out')).not.toThrow();
    writeFileSync(path, 'old');
    expect(() => checkOutputFile(path, false, '--out')).toThrow(
      `--out ${path}: already exists; give --force to replace it`,
    );
    expect(() => checkOutputFile(path, true, '--out')).not.toThrow();
    symlinkSync(join(dir, 'victim'), join(dir, 'link.png'));
    expect(() => checkOutputFile(join(dir, 'link.png'), true, '--out')).toThrow(/is a symbolic link/);
    expect(() => checkOutputFile(dir, true, '--out')).toThrow(/is a folder/);
  });

  it('writes atomically through a temporary sibling and replaces a planted link instead of following it', () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    const path = join(dir, 'cache.bin');
    symlinkSync(victim, path);
    writeFileAtomic(path, bytes('new'));
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir).sort()).toEqual(['cache.bin', 'victim']);
  });

  it('a staged folder appears whole at commit, and an abandoned one leaves nothing', () => {
    const out = join(dir, 'run');
    const failed = new StagedFolder(out, false);
    failed.write('unet/config.json', bytes('{}'));
    expect(existsSync(out)).toBe(false);
    failed.abandon();
    expect(readdirSync(dir)).toEqual([]);

    const ok = new StagedFolder(out, false);
    ok.write('unet/config.json', bytes('{}'));
    ok.commit();
    ok.abandon();
    expect(readFileSync(join(out, 'unet/config.json'), 'utf8')).toBe('{}');
    expect(readdirSync(dir)).toEqual(['run']);
  });

  it('refuses a non-empty folder unless forced, then replaces it whole without following its links', () => {
    const out = join(dir, 'run');
    mkdirSync(out);
    expect(() => new StagedFolder(out, false).abandon()).not.toThrow();
    const victim = join(dir, 'victim.json');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(out, 'run.json'));
    expect(() => new StagedFolder(out, false)).toThrow(
      `--out ${out}: the folder is not empty; give --force to replace it`,
    );
    const forced = new StagedFolder(out, true);
    forced.write('run.json', bytes('{"fresh": true}'));
    forced.commit();
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(join(out, 'run.json')).isSymbolicLink()).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['run', 'victim.json']);
    symlinkSync(out, join(dir, 'alias'));
    expect(() => new StagedFolder(join(dir, 'alias'), true)).toThrow(/is a symbolic link/);
  });

  it('refuses paths that leave the staged folder', () => {
    const f = new StagedFolder(join(dir, 'run'), false);
    expect(() => f.write('../escape', bytes('x'))).toThrow(FileError);
    f.abandon();
  });

  it('samePath sees one file under two names', () => {
    writeFileSync(join(dir, 'a'), 'x');
    symlinkSync(join(dir, 'a'), join(dir, 'b'));
    expect(samePath(join(dir, 'a'), join(dir, '.', 'a'))).toBe(true);
    expect(samePath(join(dir, 'a'), join(dir, 'b'))).toBe(true);
    expect(samePath(join(dir, 'a'), join(dir, 'c'))).toBe(false);
  });
});

describe('private cache folders', () => {
  it('are created with mode 0700', () => {
    const path = privateFolder(join(dir, 'cache', 'ddpm-lab'));
    expect(lstatSync(path).mode & 0o777).toBe(0o700);
  });

  it('refuse a planted link or a folder open to others', () => {
    mkdirSync(join(dir, 'elsewhere'), { mode: 0o700 });
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'linked'));
    expect(() => privateFolder(join(dir, 'linked'))).toThrow(/is a symbolic link, not a folder/);
    mkdirSync(join(dir, 'open'));
    chmodSync(join(dir, 'open'), 0o777);
    expect(() => privateFolder(join(dir, 'open'))).toThrow(/open to other users \(mode 777\)/);
  });

  it('files are read without following links', () => {
    const folder = privateFolder(join(dir, 'c'));
    writeFileSync(join(dir, 'secret'), 'x');
    symlinkSync(join(dir, 'secret'), join(folder, 'k.safetensors'));
    expect(() => readPrivateFile(join(folder, 'k.safetensors'))).toThrow(/is a symbolic link/);
    expect(readPrivateFile(join(folder, 'none'))).toBeUndefined();
  });
});
