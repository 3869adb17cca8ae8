// Where the command-line wallet keeps its sessions: one token per server in a JSON file readable
// by its owner only (~/.saoma/wallet.json, or SAOMA_WALLET_FILE), so that `login` once lets every
// later command act as that person until `logout` or the session's expiry.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface SavedSession {
  token: string;
  userId: string;
  phone: string;
  provider: string;
  /** Sent again at the next login, so that logging in again does not add a device each time. */
  deviceId: string;
  expiresAt: string;
}

interface WalletFile {
  version: 1;
  /** By server URL, as normalised by normaliseServerUrl. */
  sessions: Record<string, SavedSession>;
}

/** A file this large is not ours; refusing it keeps a mistaken SAOMA_WALLET_FILE from being read whole. */
const WALLET_FILE_BYTES_MAX = 1024 * 1024;

export function walletFilePath(env: NodeJS.ProcessEnv): string {
  return env.SAOMA_WALLET_FILE || join(homedir(), '.saoma', 'wallet.json');
}

export interface SessionStore {
  path: string;
  get(server: string): SavedSession | null;
  save(server: string, session: SavedSession): void;
  /** Returns whether there was a session to forget. */
  forget(server: string): boolean;
}

export function openSessionStore(path: string): SessionStore {
  return {
    path,
    get: (server) => readWalletFile(path).sessions[server] ?? null,
    save(server, session) {
      const file = readWalletFile(path);
      file.sessions[server] = session;
      writeWalletFile(path, file);
    },
    forget(server) {
      const file = readWalletFile(path);
      if (!(server in file.sessions)) return false;
      delete file.sessions[server];
      writeWalletFile(path, file);
      return true;
    },
  };
}

function readWalletFile(path: string): WalletFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, sessions: {} };
    throw error;
  }
  if (text.length > WALLET_FILE_BYTES_MAX) throw new Error(`${path} is too large to be a saoma wallet file`);
  try {
    const parsed = JSON.parse(text) as Partial<WalletFile>;
    if (parsed.version !== 1 || typeof parsed.sessions !== 'object' || parsed.sessions === null) throw new Error();
    return { version: 1, sessions: parsed.sessions };
  } catch {
    throw new Error(`${path} is not a saoma wallet file; remove it (it only holds sessions) and log in again`);
  }
}

/** Written whole to a new file and renamed over the old one: a crash never leaves half a file. */
function writeWalletFile(path: string, file: WalletFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  // The mode above is only for a new file and is narrowed by the umask, never widened; be sure.
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** `http://Host:3000/` and `http://host:3000` name one server: the origin, lower-case, no trailing slash. */
export function normaliseServerUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path}`;
}
