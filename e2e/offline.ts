import type { BrowserContext } from '@playwright/test';

const LOCAL = /^(https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/|blob:|data:)/;

/** Records every request the context makes that does not stay on this machine. */
export function watchRemoteRequests(context: BrowserContext): string[] {
  const remote: string[] = [];
  context.on('request', (req) => {
    if (!LOCAL.test(req.url())) remote.push(req.url());
  });
  return remote;
}
