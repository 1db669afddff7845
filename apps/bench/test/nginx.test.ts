import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { siteConfig } from '../src/nginx.js';

// The nginx scenario runs docs/deploy/nginx.conf as shipped, changed only where it says where cam and nginx
// listen and where the certificate is: everything else (buffering, timeouts, headers) must reach nginx as
// users install it.
const SHIPPED = readFileSync(new URL('../../../docs/deploy/nginx.conf', import.meta.url), 'utf8');

test('the shipped site config, adapted only in its upstream, listen and certificate lines', () => {
  const site = siteConfig(5555, 8080, 8443, '/tmp/x/cam.pem', '/tmp/x/cam.key');
  const changed = (text: string) => text.split('\n').filter((line) => !SHIPPED.split('\n').includes(line));
  expect(changed(site).map((line) => line.trim())).toEqual([
    'server 127.0.0.1:5555;',
    'listen 127.0.0.1:8080;',
    'listen 127.0.0.1:8443 ssl http2;',
    'ssl_certificate /tmp/x/cam.pem;',
    'ssl_certificate_key /tmp/x/cam.key;',
  ]);
  // Nothing that decides how a stream goes through was lost on the way.
  for (const directive of ['proxy_buffering off;', 'postpone_output 0;', 'proxy_read_timeout 24h;']) {
    expect(site).toContain(directive);
  }
  expect(site).not.toMatch(/listen \[::\]/);
});
