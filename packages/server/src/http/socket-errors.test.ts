import { SYNC_LIMITS } from '@tandem/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTandemServer } from '../node-server.ts';
import type { TandemServer } from '../node-server.ts';
import { NOTES_SERVER, openSocket, readySocket, recordingLogger } from './sync-app.fixture.ts';

// Node 20 has no ErrorEvent: @hono/node-ws's `new ErrorEvent(...)` threw, and our onError never ran.
const nodeHadErrorEvent = typeof (globalThis as { ErrorEvent?: unknown }).ErrorEvent === 'function';

describe('socket errors reach the app (real server, real WebSockets, bad frames)', () => {
  let server: TandemServer;
  const logger = recordingLogger();

  beforeAll(async () => {
    server = await startTandemServer({ ...NOTES_SERVER, logger });
  });
  afterAll(async () => {
    await server?.close();
  });

  it(`a text frame of invalid UTF-8 is logged by the socket's error handler, closed 1007 (Node ${process.version}, ErrorEvent ${nodeHadErrorEvent ? 'built in' : 'missing'})`, async () => {
    const socket = await openSocket(server.url);
    // ws sends the bytes as they are: a text frame that is not UTF-8, which the server must refuse.
    socket.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await socket.closed).code).toBe(1007);
    await expect.poll(() => logger.errors.length).toBe(1);
    const [message, error] = logger.errors[0] as [string, Error & { code?: string }];
    expect(message).toBe('sync socket error:');
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('WS_ERR_INVALID_UTF8');
  });

  it('a frame over the size cap is logged too (1009), and the server keeps serving sockets', async () => {
    logger.errors.length = 0;
    const socket = await openSocket(server.url);
    socket.ws.send('x'.repeat(SYNC_LIMITS.body + 2048));
    expect((await socket.closed).code).toBe(1009);
    await expect.poll(() => logger.errors.length).toBe(1);
    expect((logger.errors[0] as [string, { code?: string }])[1].code).toBe('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');

    const { socket: fine } = await readySocket(server.url, ['r']);
    await fine.close();
    expect((await fetch(`${server.url}/sync/health`)).status).toBe(200);
  });
});
