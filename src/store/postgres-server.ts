// Helpers for working on a PostgreSQL server around Saoma's own connections: a statement run
// outside any schema (creating or dropping one), and a URL whose every pooled connection gets
// the same session settings (a search_path into a schema of its own, for tests and benchmarks).
import pg from 'pg';

/** Runs one statement on its own short-lived connection. */
export async function runOnServer(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** The server URL with session options (`-c name=value …`) that every connection opened from it applies. */
export function urlWithSessionOptions(serverUrl: string, options: string): string {
  const url = new URL(serverUrl);
  url.searchParams.set('options', options);
  return url.toString();
}
