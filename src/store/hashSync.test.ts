import { HashSync, type HashCodec, type HashLocation } from './hashSync';

interface Cfg {
  lr: number;
  batch: number;
}

/** A tiny codec with the same contract as the run config's: the diff from defaults, errors per field. */
const codec: HashCodec<Cfg> = {
  encode: (c) =>
    [c.lr !== 2e-4 && `lr=${c.lr}`, c.batch !== 128 && `batch=${c.batch}`].filter(Boolean).join('&'),
  decode: (hash) => {
    const config: Cfg = { lr: 2e-4, batch: 128 };
    const errors: { path: string; message: string }[] = [];
    for (const part of hash.split('&').filter(Boolean)) {
      const [key, value] = part.split('=');
      const n = Number(value);
      if ((key === 'lr' || key === 'batch') && Number.isFinite(n)) config[key] = n;
      else errors.push({ path: key, message: `${key} = ${value} is not allowed` });
    }
    return { config, errors };
  },
};

function fakeLocation(start: string): HashLocation & { hash: string; writes: number } {
  const loc = {
    hash: start,
    writes: 0,
    read: () => loc.hash,
    replace: (h: string) => {
      loc.hash = `#${h}`;
      loc.writes++;
    },
  };
  return loc;
}

describe('HashSync', () => {
  it('reads the config a link carries, with errors for fields it cannot use', () => {
    const sync = new HashSync(codec, fakeLocation('#lr=0.001&depth=3'));
    expect(sync.initial()).toEqual({
      config: { lr: 0.001, batch: 128 },
      errors: [{ path: 'depth', message: 'depth = 3 is not allowed' }],
    });
  });

  it('writes changes into the hash and skips writes that change nothing', () => {
    const loc = fakeLocation('');
    const sync = new HashSync(codec, loc);
    sync.initial();
    sync.write({ lr: 2e-4, batch: 64 });
    expect(loc.hash).toBe('#batch=64');
    sync.write({ lr: 2e-4, batch: 64 });
    expect(loc.writes).toBe(1);
  });

  it('does not read its own writes back as external changes', () => {
    const loc = fakeLocation('');
    const sync = new HashSync(codec, loc);
    sync.initial();
    sync.write({ lr: 0.01, batch: 128 });
    expect(sync.external()).toBeUndefined();
  });

  it('reports a hash edited by hand (or a pasted link) once', () => {
    const loc = fakeLocation('');
    const sync = new HashSync(codec, loc);
    sync.initial();
    loc.hash = '#batch=32';
    expect(sync.external()?.config).toEqual({ lr: 2e-4, batch: 32 });
    expect(sync.external()).toBeUndefined();
  });

  it('rewrites the hash after a hand edit that decoded with errors', () => {
    const loc = fakeLocation('#batch=oops');
    const sync = new HashSync(codec, loc);
    const { config } = sync.initial();
    sync.write(config);
    expect(loc.hash).toBe('#');
    expect(loc.writes).toBe(1);
  });
});
