// One delivery attempt over node:http against a real receiver on a loopback port: what counts as
// an acknowledgement (a 2xx, or what a format's reader says), redirects, a receiver that never
// answers, and one that is not there.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { isPublicAddress, postWebhookOverHttp } from './delivery.js';

describe('a webhook attempt over node:http', () => {
  let server: Server;
  let base: string;
  const received: { path: string; body: string; type: string | undefined }[] = [];

  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ path: request.url ?? '', body, type: request.headers['content-type'] });
        if (request.url === '/ok') return response.writeHead(204).end();
        if (request.url === '/success') return response.writeHead(200).end('success');
        if (request.url === '/fail-text') return response.writeHead(200).end('fail');
        if (request.url === '/moved') return response.writeHead(302, { location: '/ok' }).end();
        // '/silent': never answers.
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const attempt = (path: string, options: { acknowledge?: (status: number, text: string) => boolean } = {}) =>
    postWebhookOverHttp(
      { url: new URL(base + path), headers: { 'saoma-test': '1' }, body: '{"id":"evt_1"}', ...options },
      300,
    );

  test('a 2xx acknowledges; the body and headers arrive as sent', async () => {
    const result = await attempt('/ok');
    assert.deepEqual([result.acknowledged, result.httpStatus, result.error], [true, 204, null]);
    assert.deepEqual(received.at(-1), { path: '/ok', body: '{"id":"evt_1"}', type: 'application/json; charset=utf-8' });
  });

  test("a format's reader decides from the answer's text", async () => {
    const success = (status: number, text: string) => status === 200 && text === 'success';
    assert.equal((await attempt('/success', { acknowledge: success })).acknowledged, true);
    const refused = await attempt('/fail-text', { acknowledge: success });
    assert.deepEqual([refused.acknowledged, refused.error], [false, 'the answer did not acknowledge: "fail"']);
  });

  test('a redirect is a failed attempt that says why', async () => {
    const result = await attempt('/moved');
    assert.deepEqual([result.acknowledged, result.httpStatus], [false, 302]);
    assert.match(result.error!, /redirects are not followed/);
  });

  test('no answer in time, or nobody there, fail with the reason', async () => {
    const silent = await attempt('/silent');
    assert.deepEqual([silent.acknowledged, silent.httpStatus, silent.error], [false, null, 'no answer within 300 ms']);
    const gone = await postWebhookOverHttp({ url: new URL('http://127.0.0.1:9/hook'), headers: {}, body: '{}' }, 300);
    assert.equal(gone.acknowledged, false);
    assert.match(gone.error!, /ECONNREFUSED/);
  });

  test('with public destinations only, loopback by number or by name is refused before anything is sent', async () => {
    const before = received.length;
    for (const url of [`${base}/ok`, base.replace('127.0.0.1', 'localhost') + '/ok']) {
      const result = await postWebhookOverHttp({ url: new URL(url), headers: {}, body: '{}' }, 300, {
        publicDestinationsOnly: true,
      });
      assert.equal(result.acknowledged, false);
      assert.match(result.error!, /not a public address/);
    }
    assert.equal(received.length, before, 'the receiver heard nothing');
  });
});

describe('which addresses are public', () => {
  test('loopback, private, link-local, shared and reserved ranges are not; ordinary ones are', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      'not an address',
    ]) {
      assert.equal(isPublicAddress(address), false, address);
    }
    for (const address of ['8.8.8.8', '203.0.114.1', '172.32.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8']) {
      assert.equal(isPublicAddress(address), true, address);
    }
  });
});
