import { readFileSync } from 'node:fs';
import { CSP_HEADER, SECURITY_HEADERS, apacheSnippet, hostFiles, nginxSnippet } from '../csp';

const deploy = readFileSync(new URL('../docs/DEPLOY.md', import.meta.url), 'utf8');
const block = (lang: string) => new RegExp('```' + lang + '\\n([^]*?)\\n```').exec(deploy)?.[1];

describe('static hosting headers', () => {
  it('carry the CSP with frame-ancestors, COOP/COEP, nosniff and no referrer', () => {
    expect(SECURITY_HEADERS).toEqual({
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Content-Security-Policy': CSP_HEADER,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    expect(CSP_HEADER).toContain("frame-ancestors 'none'");
  });

  it('are written for Netlify/Cloudflare Pages, Vercel and Azure Static Web Apps with every header', () => {
    const files = hostFiles();
    expect(Object.keys(files).sort()).toEqual(['_headers', 'staticwebapp.config.json', 'vercel.json']);
    const lines = files._headers.trim().split('\n');
    expect(lines[0]).toBe('/*');
    expect(
      Object.fromEntries(
        lines.slice(1).map((l) =>
          l
            .trim()
            .split(/: (.*)/s)
            .slice(0, 2),
        ),
      ),
    ).toEqual(SECURITY_HEADERS);
    const vercel = JSON.parse(files['vercel.json']) as {
      headers: { source: string; headers: { key: string; value: string }[] }[];
    };
    expect(vercel.headers).toHaveLength(1);
    expect(vercel.headers[0].source).toBe('/(.*)');
    expect(Object.fromEntries(vercel.headers[0].headers.map((h) => [h.key, h.value]))).toEqual(
      SECURITY_HEADERS,
    );
    expect(JSON.parse(files['staticwebapp.config.json'])).toEqual({ globalHeaders: SECURITY_HEADERS });
  });

  it('docs/DEPLOY.md gives the nginx and Apache lines csp.ts generates', () => {
    expect(block('nginx')).toBe(nginxSnippet());
    expect(block('apache')).toBe(apacheSnippet());
  });
});
