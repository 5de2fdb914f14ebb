import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { runMigrations, runMigrationsApart } from './db/migrate.js';
import { seedDemoData } from './db/seed.js';
import { loadJwtKey } from './lib/secrets.js';
import { ensureAdmin } from './modules/auth/auth.service.js';
import { importAlumni } from './modules/profiles/profiles.import.js';

const usage = `Usage: cohort <command> [options]

Commands:
  migrate                                   apply pending database migrations
  create-admin --email E --password P       create (or promote) a verified admin account
  seed [--users N]                          deterministic demo data (default 200 users)
  import-alumni FILE.csv                    import alumni from a CSV file (see API.md)
  worker                                    run background jobs without serving HTTP
`;

function fail(message: string): never {
  process.stderr.write(`cohort: ${message}\n`);
  process.exit(1);
}

/** Ctrl-C during a command still stops the embedded PostgreSQL it started (nothing else would). */
function stopDatabaseOnInterrupt(database: { close(): Promise<void> }) {
  const stop = (signal: NodeJS.Signals) => {
    process.stderr.write(`cohort: interrupted (${signal}); stopping the database\n`);
    database.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function withApp<T>(work: boolean, fn: (app: Awaited<ReturnType<typeof buildApp>>) => Promise<T>) {
  const config = loadConfig();
  const database = await openDatabase(config);
  stopDatabaseOnInterrupt(database);
  try {
    await runMigrationsApart(database.pool, database.url);
    const app = await buildApp(
      { ...config, logLevel: work ? config.logLevel : 'warn' },
      { database, jwtKey: await loadJwtKey(config), work },
    );
    try {
      return await fn(app);
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { email: { type: 'string' }, password: { type: 'string' }, users: { type: 'string' } },
  });
  switch (command) {
    case 'migrate': {
      const config = loadConfig();
      const database = await openDatabase(config);
      stopDatabaseOnInterrupt(database);
      await runMigrations(database.pool).finally(() => database.close());
      console.log('migrations applied');
      return;
    }
    case 'create-admin': {
      if (!values.email || !values.password) fail('create-admin needs --email and --password');
      const user = await withApp(false, (app) => ensureAdmin(app.ctx, values.email!, values.password!, { promote: true }));
      console.log(`admin ready: ${user.email} (${user.id})`);
      return;
    }
    case 'seed': {
      const users = Number(values.users ?? 200);
      if (!Number.isInteger(users) || users < 1 || users > 1_000_000) fail('--users must be an integer between 1 and 1000000');
      const summary = await withApp(false, (app) => seedDemoData(app.ctx, { users }));
      console.log(JSON.stringify(summary));
      return;
    }
    case 'import-alumni': {
      const file = positionals[0];
      if (!file) fail('import-alumni needs a CSV file');
      const report = await withApp(false, (app) => importAlumni(app.ctx, createReadStream(file)));
      console.log(JSON.stringify(report, null, 2));
      return;
    }
    case 'worker': {
      const config = loadConfig();
      const database = await openDatabase(config);
      await runMigrationsApart(database.pool, database.url);
      const app = await buildApp(config, { database, jwtKey: await loadJwtKey(config), work: true });
      app.log.info('worker running background jobs; Ctrl-C to stop');
      const stop = async () => {
        await app.close();
        await database.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return;
    }
    default:
      process.stdout.write(usage);
      if (command && command !== 'help' && command !== '--help') process.exit(1);
  }
}

main().catch((err) => fail(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)));
