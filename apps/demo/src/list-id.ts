import { getProfileValue, setProfileValue } from './profile-store.ts';

/** A list id as the server's read rule accepts it (and as a URL carries it without escaping). */
export const LIST_ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
const LAST_LIST_KEY = 'last-list';

function newListId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return [...bytes].map((b) => (b % 36).toString(36)).join('');
}

/**
 * The open list: `?list=<id>` from the address, else the list this browser profile opened last,
 * else a new one. The address always ends up carrying it, so copying the address shares the list.
 */
export async function currentListId(): Promise<string> {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('list');
  let id = fromUrl !== null && LIST_ID_PATTERN.test(fromUrl) ? fromUrl : null;
  if (!id) {
    const last = await getProfileValue(LAST_LIST_KEY).catch(() => null);
    id = last !== null && LIST_ID_PATTERN.test(last) ? last : newListId();
    url.searchParams.set('list', id);
    history.replaceState(history.state, '', url);
  }
  await setProfileValue(LAST_LIST_KEY, id).catch(() => {});
  return id;
}
