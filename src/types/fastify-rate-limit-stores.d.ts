// The two stores @fastify/rate-limit ships (plain CommonJS files, untyped): only what plugins/rate-limit.ts uses.
declare module '@fastify/rate-limit/store/LocalStore.js' {
  class LocalStore {
    constructor(continueExceeding: boolean, exponentialBackoff: boolean, cache?: number);
    incr(...args: unknown[]): void;
    child(routeOptions: object): LocalStore;
  }
  export default LocalStore;
}
declare module '@fastify/rate-limit/store/RedisStore.js' {
  import type { Redis } from 'ioredis';
  class RedisStore {
    constructor(continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, key: string);
    incr(...args: unknown[]): void;
    child(routeOptions: object): RedisStore;
  }
  export default RedisStore;
}
