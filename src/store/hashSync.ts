/**
 * Mirrors a config into the URL hash (tensorflow/playground's trick), so a copied link reproduces
 * the setup. The codec is injected: the run config's own encode/decode own the format.
 *
 * Writes use `replaceState` (one history entry per page, not per keystroke). A hash the lab wrote
 * itself is never read back as a change, so a round trip cannot loop or clobber a field being typed.
 */

/** What decoding a hash gives: the config it describes and a message for every field it could not use. */
export interface Decoded<C> {
  config: C;
  errors: { path: string; message: string }[];
}

export interface HashCodec<C> {
  encode(config: C): string;
  decode(hash: string): Decoded<C>;
}

/** The URL as far as the sync needs it; the browser's `location`/`history` in the app, a fake in tests. */
export interface HashLocation {
  read(): string;
  replace(hash: string): void;
}

export class HashSync<C> {
  private lastWritten: string | undefined;

  constructor(
    private readonly codec: HashCodec<C>,
    private readonly location: HashLocation,
  ) {}

  /** The config the page was opened with (or the defaults, with errors for the fields that were dropped). */
  initial(): Decoded<C> {
    const hash = stripHash(this.location.read());
    this.lastWritten = hash;
    return this.codec.decode(hash);
  }

  /** Writes `config` into the hash unless it already says exactly that. */
  write(config: C): void {
    const hash = this.codec.encode(config);
    if (hash === this.lastWritten && hash === stripHash(this.location.read())) return;
    this.lastWritten = hash;
    this.location.replace(hash);
  }

  /** For `hashchange`: the newly decoded config when someone else changed the hash, else undefined. */
  external(): Decoded<C> | undefined {
    const hash = stripHash(this.location.read());
    if (hash === this.lastWritten) return undefined;
    this.lastWritten = hash;
    return this.codec.decode(hash);
  }
}

function stripHash(hash: string): string {
  return hash.startsWith('#') ? hash.slice(1) : hash;
}

/** The browser's URL: replaceState keeps the Back button for real navigation. */
export const browserLocation: HashLocation = {
  read: () => window.location.hash,
  replace: (hash) => {
    const url = new URL(window.location.href);
    url.hash = hash;
    window.history.replaceState(window.history.state, '', url);
  },
};
