/**
 * Resolves in a new task rather than a microtask, so that messages already queued (a tab's) are
 * handled first. A message channel rather than setTimeout: a timer nested in timers is clamped to
 * 4 ms.
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}
