import pg from 'pg';

/** Runs one statement on its own connection to the server (CREATE and DROP DATABASE refuse transactions). */
async function onServer(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Creates an empty database `name` on the server and returns its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops the database at `databaseUrl`, ending its sessions first. */
export function dropDatabase(serverUrl: string, databaseUrl: string): Promise<void> {
  return onServer(
    serverUrl,
    `DROP DATABASE IF EXISTS ${new URL(databaseUrl).pathname.slice(1)} WITH (FORCE)`,
  );
}
