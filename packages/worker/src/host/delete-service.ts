import { deleteChannelName, parseDeleteMessage } from '@tandem/core';
import type { DeleteAnswer } from '@tandem/core';

/**
 * Answers `deleteDatabase` requests for `database` while this worker holds it. `decide` frees the
 * database when no tab uses it (`released`) or says how many do (`open`); `null`: not ours any
 * more, say nothing. Returns a function that stops listening.
 */
export function serveDeletes(database: string, decide: () => Promise<{ type: DeleteAnswer['type']; tabs: number } | null>): () => void {
  if (typeof BroadcastChannel !== 'function') return () => {};
  const channel = new BroadcastChannel(deleteChannelName(database));
  channel.onmessage = (event: MessageEvent) => {
    const message = parseDeleteMessage(event.data);
    if (message?.type !== 'delete') return;
    decide().then(
      (answer) => {
        if (answer) channel.postMessage({ ...answer, id: message.id } satisfies DeleteAnswer);
      },
      () => {},
    );
  };
  return () => channel.close();
}
