// The demo's sign-in: anonymous users with HS256-signed tokens (jose). A browser profile asks for a
// token once (POST /api/session) and keeps it, so each profile is one user. Tokens do not expire:
// losing one would orphan that user's pending changes, and there is nothing to protect but todos.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT, jwtVerify } from 'jose';

const ISSUER = 'tandem-demo';
const SECRET_FILE = 'session-secret';

/**
 * The signing key: `TANDEM_DEMO_SECRET` when set (several instances must share it), else a random
 * key generated once and kept in `dataDir`, so tokens survive restarts.
 */
export async function loadSecret(dataDir, env = process.env) {
  if (env.TANDEM_DEMO_SECRET) return new TextEncoder().encode(env.TANDEM_DEMO_SECRET);
  const file = path.join(dataDir, SECRET_FILE);
  const stored = await readSecretFile(file);
  if (stored) return stored;
  await mkdir(dataDir, { recursive: true });
  try {
    // `wx`: if another process created it meanwhile, use theirs (read below) rather than overwrite.
    await writeFile(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if (e?.code !== 'EEXIST') throw e;
  }
  const created = await readSecretFile(file);
  if (!created) throw new Error(`${file} does not hold a 64-digit hex key: delete it to generate a new one (this signs everyone out).`);
  return created;
}

async function readSecretFile(file) {
  let text;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch (e) {
    if (e?.code === 'ENOENT') return null;
    throw e;
  }
  return /^[0-9a-f]{64}$/.test(text) ? Buffer.from(text, 'hex') : null;
}

export function createSessions(secret) {
  return {
    /** A new anonymous user and its token. */
    async issue() {
      const userId = randomUUID();
      const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuer(ISSUER).setIssuedAt().sign(secret);
      return { token, userId };
    },
    /** The user a token names, or null when it is missing, forged or malformed. */
    async verify(token) {
      if (!token) return null;
      try {
        const { payload } = await jwtVerify(token, secret, { issuer: ISSUER, algorithms: ['HS256'] });
        return typeof payload.sub === 'string' && payload.sub ? { id: payload.sub } : null;
      } catch {
        return null;
      }
    },
  };
}

/** Lists are shared by link, so any signed-in user may read any list; other channel names are refused. */
export const LIST_ID = /^[A-Za-z0-9_-]{1,100}$/;
export const canReadList = (_user, channel) => LIST_ID.test(channel);
