/**
 * The floor server, run as its own process by bench/lib.ts `startFloor`: plain node:http + a pg
 * Pool answering the scenarios' requests with the same SQL as Cohort and nothing else (no framework,
 * no validation, no hooks). Cohort's requests/s divided by the floor's is the bench's main figure.
 */
import { serveFloor, type Scenario } from './lib.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`floor: ${name} is required`);
  return value;
};

const names = env('FLOOR_SCENARIOS').split(',').filter(Boolean);
const routes = [];
for (const name of names) {
  const module = (await import(`./${name}.bench.js`)) as { default: Scenario };
  routes.push(...module.default.floorRoutes);
}

await serveFloor(routes, {
  port: Number(env('FLOOR_PORT')),
  databaseUrl: env('FLOOR_DATABASE_URL'),
  poolSize: Number(env('FLOOR_POOL_SIZE')),
  jwtSecret: env('FLOOR_JWT_SECRET'),
});
