/**
 * Shared machinery of `npm run bench`, one file per concern under bench/lib/ (re-exported here so a
 * scenario imports from one place). A scenario (bench/<name>.bench.ts) exports a `Scenario`; see bench/run.ts.
 */
export * from './lib/settings.js';
export * from './lib/util.js';
export * from './lib/processes.js';
export * from './lib/databases.js';
export * from './lib/http.js';
export * from './lib/load.js';
export * from './lib/cpu.js';
export * from './lib/report.js';
export * from './lib/targets.js';
export * from './lib/floor-server.js';
export * from './lib/members.js';
export * from './lib/service-sql.js';
export * from './lib/floor-counts.js';
