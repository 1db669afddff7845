// Which protocol each response a Chromium page got came over (`h2`, `http/1.1`), from the DevTools
// protocol's Network events: unlike Resource Timing, they cover a stream that never ends.
import type { Page } from 'playwright-core';

export interface PageResponse {
  url: string;
  /** As Chromium names it: `h2`, `http/1.1`. */
  protocol: string;
  status: number;
}

/** Starts recording the page's responses; the list fills as they arrive. Call before navigating. */
export async function recordProtocols(page: Page): Promise<PageResponse[]> {
  const responses: PageResponse[] = [];
  const session = await page.context().newCDPSession(page);
  session.on('Network.responseReceived', ({ response }) => {
    responses.push({ url: response.url, protocol: response.protocol ?? '', status: response.status });
  });
  await session.send('Network.enable');
  return responses;
}
