/**
 * A tab holds a Web Lock named after its id for as long as it lives. MessagePorts give no close
 * event, so the worker waits on this lock to learn that the tab is gone and free its subscriptions.
 * Resolves once the lock is held (the worker must not ask for it before that).
 */
export function holdTabLock(name: string): { held: Promise<void>; release: () => void } {
  const locks = globalThis.navigator?.locks;
  let release = () => {};
  if (!locks) return { held: Promise.resolve(), release };
  const held = new Promise<void>((resolveHeld) => {
    void locks.request(name, () => {
      resolveHeld();
      return new Promise<void>((r) => (release = r));
    });
  });
  return { held, release: () => release() };
}
