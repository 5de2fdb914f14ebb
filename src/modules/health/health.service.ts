import type { AppContext } from '../../lib/context.js';

export async function pingDatabase(ctx: AppContext) {
  const ping = ctx.pool.query('SELECT 1').then(
    () => true,
    () => false,
  );
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref());
  return Promise.race([ping, timeout]);
}
