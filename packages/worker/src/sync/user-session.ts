import { ErrorKind, TandemError } from '@tandem/core';
import type { JournalStore } from '../store/journal-store.ts';

/** Journal meta keys: who the local database belongs to, and whether that user signed out. */
export const OWNER_META_KEY = 'owner';
export const SIGNED_OUT_META_KEY = 'signedOut';

/**
 * Who the local database belongs to, durably. Its pending actions are that user's: pushing them
 * with another user's token would make them that user's on the server. So the database is bound to
 * the first user who signs in (actions made before any sign-in are adopted by them), a sign-in as
 * anyone else is refused, and a signed-out database syncs nothing until its user signs in again.
 * A database nobody ever signed in to (an app that only gives tokens) syncs with whatever token it
 * is given, as before sign-in existed.
 */
export class UserSession {
  #owner: string | null;
  #signedOut: boolean;
  readonly #store: JournalStore;

  static async load(store: JournalStore): Promise<UserSession> {
    const [owner, signedOut] = await Promise.all([store.getMeta<string>(OWNER_META_KEY), store.getMeta<boolean>(SIGNED_OUT_META_KEY)]);
    return new UserSession(store, typeof owner === 'string' ? owner : null, signedOut === true);
  }

  private constructor(store: JournalStore, owner: string | null, signedOut: boolean) {
    this.#store = store;
    this.#owner = owner;
    this.#signedOut = signedOut;
  }

  get owner(): string | null {
    return this.#owner;
  }

  get signedOut(): boolean {
    return this.#signedOut;
  }

  /** Binds the database to `user` (durably, before any push can use their token), or refuses. */
  async signIn(user: string, database: string): Promise<void> {
    if (this.#owner !== null && this.#owner !== user) throw otherUser(database, this.#owner, user);
    if (this.#owner === null) await this.#store.setMeta(OWNER_META_KEY, user);
    if (this.#signedOut) await this.#store.setMeta(SIGNED_OUT_META_KEY, false);
    this.#owner = user;
    this.#signedOut = false;
  }

  /** Durable: a restart (or a tab's config token) does not sign the user back in. */
  async signOut(): Promise<void> {
    if (!this.#signedOut) await this.#store.setMeta(SIGNED_OUT_META_KEY, true);
    this.#signedOut = true;
  }

  /** Why a token alone cannot be used now, or null when it can. */
  tokenRefusal(): TandemError | null {
    if (!this.#signedOut) return null;
    return new TandemError(ErrorKind.unauthorized, 'Signed out: call db.sync.signIn({ user, token }) to sync again (setToken only refreshes the signed-in user\'s token).');
  }
}

function otherUser(database: string, owner: string, user: string): TandemError {
  return new TandemError(
    ErrorKind.userMismatch,
    `The local database "${database}" belongs to user ${JSON.stringify(owner)}, not ${JSON.stringify(user)}: its pending actions must not be pushed as another user. Either sign out with db.sync.signOut({ data: 'wipe' }) first (it deletes the local data), or open one database per user (openTandem({ name: 'app-' + userId })). Nothing was changed.`,
    { owner, user },
  );
}
