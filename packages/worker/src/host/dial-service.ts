import { broadcastChannelEndpoint, connectionChannelName, dialChannelName, isConnectionId } from '@tandem/core';
import type { DialAnswer, DialRequest } from '@tandem/core';
import type { TabEndpoint } from './tab-endpoint.ts';

/**
 * Without SharedWorker, the elected tab's dedicated Worker serves the other tabs of its database:
 * each dials on one BroadcastChannel and is then connected on a channel of its own. The connection
 * exists before the answer goes out, so nothing the tab sends after it is lost.
 */
export function serveDials(database: string, workerId: string, connect: (endpoint: TabEndpoint) => void): () => void {
  const dial = new BroadcastChannel(dialChannelName(database));
  const connected = new Set<string>();
  dial.addEventListener('message', (event: MessageEvent) => {
    const request = event.data as Partial<DialRequest> | null;
    if (request?.tandem !== 'dial' || !isConnectionId(request.conn)) return;
    if (!connected.has(request.conn)) {
      connected.add(request.conn);
      connect(broadcastChannelEndpoint(new BroadcastChannel(connectionChannelName(request.conn))));
    }
    dial.postMessage({ tandem: 'dialed', conn: request.conn, workerId } satisfies DialAnswer);
  });
  // Tabs that dialed before this worker listened hear it now instead of at their next retry.
  dial.postMessage({ tandem: 'serving', workerId } satisfies DialAnswer);
  return () => dial.close();
}
