/**
 * The Content-Security-Policy and the other response headers of Diffusion Lab, in one place.
 * `vite.config.ts` sends them from `vite preview` (and a dev variant from `vite`), and the build
 * writes the policy into `index.html` as `<meta http-equiv>` and every header into the header
 * files of common static hosts ({@link hostFiles}: `_headers` for Netlify and Cloudflare Pages,
 * `vercel.json`, `staticwebapp.config.json` for Azure Static Web Apps); docs/DEPLOY.md holds the
 * nginx and Apache snippets ({@link nginxSnippet}, {@link apacheSnippet}), kept equal to these by a
 * test. `e2e/security.spec.ts` runs the built app under it.
 *
 * Why each source is there (nothing else is allowed: `default-src 'none'`):
 * - `script-src 'self'`: the app's own module scripts and chunks; no inline script, no `eval`.
 * - `'wasm-unsafe-eval'`: WebAssembly compilation only (never JS eval). tfjs-core bundles long.js,
 *   which compiles a 200-byte WebAssembly module for 64-bit multiply/divide when the worker starts;
 *   without this source the browser reports a violation on every start (long.js then falls back
 *   to JS). It also leaves room for tfjs' wasm backend. Shaders are not scripts: WGSL and GLSL
 *   compile through WebGPU/WebGL, which CSP does not govern.
 * - `worker-src 'self'`: the training worker is a module script from the same origin (no blob:).
 * - `connect-src 'self'`: the built-in datasets are fetched from the app's own `datasets/` folder;
 *   no other origin is ever contacted.
 * - `img-src 'self' data:`: the `data:,` favicon; images the lab shows are drawn on canvases.
 * - `style-src 'self'`: the one stylesheet; React sets `style` through the CSSOM, which CSP allows.
 * - `base-uri`, `form-action`, `object-src 'none'`: no `<base>` rewrites, no form posts, no plugins.
 * - `frame-ancestors 'none'` (header only; browsers ignore it in a meta tag): no framing.
 */

type Directives = Readonly<Record<string, readonly string[]>>;

const SELF = "'self'";

/** The production policy, directive by directive. */
export const CSP_DIRECTIVES: Directives = {
  'default-src': ["'none'"],
  'script-src': [SELF, "'wasm-unsafe-eval'"],
  'worker-src': [SELF],
  'connect-src': [SELF],
  'img-src': [SELF, 'data:'],
  'style-src': [SELF],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/** Directives a `<meta>` policy may not carry (the browser ignores them there, with a warning). */
const HEADER_ONLY = ['frame-ancestors'];

/**
 * `vite` (dev) only: the React refresh preamble is an inline script and Vite injects CSS as
 * `<style>` elements, so both need `'unsafe-inline'`; HMR's websocket is same-origin (`'self'`
 * covers ws:). The built app never gets this variant.
 */
const DEV_EXTRA: Directives = {
  'script-src': ["'unsafe-inline'"],
  'style-src': ["'unsafe-inline'"],
};

function serialise(directives: Directives, skip: readonly string[] = []): string {
  return Object.entries(directives)
    .filter(([name]) => !skip.includes(name))
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** The header value for the built app (`vite preview`, static hosts). */
export const CSP_HEADER = serialise(CSP_DIRECTIVES);

/** The `<meta http-equiv>` value: the header without its header-only directives. */
export const CSP_META = serialise(CSP_DIRECTIVES, HEADER_ONLY);

/** The dev server's header: the production policy plus what Vite's dev client needs. */
export const CSP_DEV_HEADER = serialise(
  Object.fromEntries(
    Object.entries(CSP_DIRECTIVES).map(([name, sources]) => [name, [...sources, ...(DEV_EXTRA[name] ?? [])]]),
  ),
);

/**
 * Cross-origin isolation (COOP + COEP) gives the page `crossOriginIsolated === true`, which the
 * lab needs for precise timers (performance.now resolution for benchmarks) and SharedArrayBuffer.
 */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Every header the built app is served with: isolation, the policy (whose `frame-ancestors 'none'`
 * only a header can carry), no MIME sniffing, no referrer sent anywhere.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  ...ISOLATION_HEADERS,
  'Content-Security-Policy': CSP_HEADER,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * The header files static hosts read from the published folder, by file name: Netlify and
 * Cloudflare Pages (`_headers`), Vercel (`vercel.json`), Azure Static Web Apps
 * (`staticwebapp.config.json`). Each applies `headers` to every path.
 */
export function hostFiles(
  headers: Readonly<Record<string, string>> = SECURITY_HEADERS,
): Record<string, string> {
  const entries = Object.entries(headers);
  return {
    _headers: `/*\n${entries.map(([name, value]) => `  ${name}: ${value}`).join('\n')}\n`,
    'vercel.json': `${JSON.stringify(
      { headers: [{ source: '/(.*)', headers: entries.map(([key, value]) => ({ key, value })) }] },
      null,
      2,
    )}\n`,
    'staticwebapp.config.json': `${JSON.stringify({ globalHeaders: headers }, null, 2)}\n`,
  };
}

/** The nginx lines (inside the app's `location`) that send `headers` on every response, errors included. */
export function nginxSnippet(headers: Readonly<Record<string, string>> = SECURITY_HEADERS): string {
  return Object.entries(headers)
    .map(([name, value]) => `add_header ${name} "${value}" always;`)
    .join('\n');
}

/** The Apache lines (`.htaccess` or the app's `<Directory>`, mod_headers) for `headers`. */
export function apacheSnippet(headers: Readonly<Record<string, string>> = SECURITY_HEADERS): string {
  return Object.entries(headers)
    .map(([name, value]) => `Header always set ${name} "${value}"`)
    .join('\n');
}

/** A minimal Vite plugin shape, so this file needs no Vite types. */
interface BuildPlugin {
  name: string;
  apply: 'build';
  transformIndexHtml: () => { tag: string; attrs: Record<string, string>; injectTo: 'head-prepend' }[];
  generateBundle: (this: {
    emitFile(file: { type: 'asset'; fileName: string; source: string }): void;
  }) => void;
}

/**
 * Writes the policy into the built `index.html` (first in `<head>`, so it covers everything after
 * it) and emits the static hosts' header files ({@link hostFiles}) with {@link SECURITY_HEADERS}.
 */
export function cspPlugin(): BuildPlugin {
  return {
    name: 'diffusion-lab-csp',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP_META },
        injectTo: 'head-prepend',
      },
    ],
    generateBundle() {
      for (const [fileName, source] of Object.entries(hostFiles()))
        this.emitFile({ type: 'asset', fileName, source });
    },
  };
}
