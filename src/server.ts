import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { runMigrationsApart } from './db/migrate.js';
import { loadJwtKey } from './lib/secrets.js';

/** Fails start-up with one clear line instead of a stack trace. */
function die(message: string): never {
  process.stderr.write(`cohort: ${message}\n`);
  process.exit(1);
}

async function main() {
  const started = Date.now();
  const config = (() => {
    try {
      return loadConfig();
    } catch (err) {
      if (err instanceof ConfigError) die(err.message);
      throw err;
    }
  })();
  // Loading the application's modules takes about a second of CPU; the embedded PostgreSQL starts in
  // its own process meanwhile, so both proceed at once.
  const appModule = import('./app.js');
  appModule.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
  const database = await openDatabase(config).catch((err: Error) =>
    die(config.databaseUrl ? `DATABASE_URL: cannot connect (${err.message})` : err.message),
  );
  try {
    await database.pool.query('SELECT 1');
  } catch (err) {
    await database.close().catch(() => {});
    die(`DATABASE_URL: cannot connect (${(err as Error).message})`);
  }
  await runMigrationsApart(database.pool, database.url);
  const { buildApp } = await appModule;
  const app = await buildApp(config, { database, jwtKey: await loadJwtKey(config) });

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close(); // finishes in-flight requests, stops jobs
    await database.close(); // stops the embedded PostgreSQL too
  });

  await app.listen({ port: config.port, host: config.host }).catch(async (err: Error) => {
    await database.close();
    die(`PORT/HOST: cannot listen on ${config.host}:${config.port} (${err.message})`);
  });
  app.log.info(
    {
      url: `http://${config.host}:${config.port}`,
      docs: `${config.publicUrl}/api/docs`,
      startup_ms: Date.now() - started,
      database: config.databaseUrl ? 'external' : 'embedded',
    },
    'Cohort is ready',
  );
}

main().catch((err) => die(err instanceof Error ? err.message : String(err)));
