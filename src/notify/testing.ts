// Test support: a real HTTP receiver for webhooks on 127.0.0.1 that answers from a script (a 500,
// a hang, a dropped connection …) and records every request, for the worker's tests.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { systemClock, type Clock } from '../shared/clock.js';

/** ok: 200; error: 500; hang: never answers; close: drops the connection; slow: 200 after `slowMs`. */
export type ReceiverAnswer = 'ok' | 'error' | 'hang' | 'close' | 'slow';

export interface ReceivedRequest {
  method: string;
  pathWithQuery: string;
  headers: IncomingHttpHeaders;
  body: string;
  answer: ReceiverAnswer;
  /** The test's clock when the request arrived, to verify the signature's timestamp against. */
  receivedAtMs: number;
}

export interface TestReceiver {
  /** The base URL, `http://127.0.0.1:<port>`. */
  origin: string;
  requests: ReceivedRequest[];
  /** Answers still to give, in order; once used up, every request gets `otherwise`. */
  script: ReceiverAnswer[];
  otherwise: ReceiverAnswer;
  close(): Promise<void>;
}

/** Bodies past this are cut off: a webhook body is at most 64 KiB. */
const BODY_BYTES_MAX = 1024 * 1024;

export async function startTestReceiver(
  options: { script?: ReceiverAnswer[]; otherwise?: ReceiverAnswer; slowMs?: number; clock?: Clock } = {},
): Promise<TestReceiver> {
  const sockets = new Set<Socket>();
  const receiver: Omit<TestReceiver, 'origin' | 'close'> = {
    requests: [],
    script: [...(options.script ?? [])],
    otherwise: options.otherwise ?? 'ok',
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= BODY_BYTES_MAX) chunks.push(chunk);
    });
    request.on('end', () => {
      const answer = receiver.script.shift() ?? receiver.otherwise;
      receiver.requests.push({
        method: request.method ?? '',
        pathWithQuery: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        answer,
        receivedAtMs: (options.clock ?? systemClock).nowMs(),
      });
      respond(answer, response, options.slowMs ?? 50);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

function respond(answer: ReceiverAnswer, response: ServerResponse, slowMs: number): void {
  if (answer === 'ok') response.writeHead(200, { 'content-type': 'text/plain' }).end('success');
  else if (answer === 'error') response.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
  else if (answer === 'close') response.socket?.destroy();
  else if (answer === 'slow') setTimeout(() => response.writeHead(200).end('success'), slowMs);
  // 'hang': no answer at all; the sender's timeout has to end it.
}
