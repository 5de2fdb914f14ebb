import type { AppContext } from '../../lib/context.js';
import type { JobDefinition } from '../../lib/jobs.js';
import { foldFacetJournal } from './profiles.facets.js';

/** Profiles' background jobs; every handler is idempotent (pg-boss delivers at least once). */
export const profilesJobs: JobDefinition<AppContext, any>[] = [
  // An import folds its own journalled facet changes; this catches those of an import that died
  // half-way (killed, out of memory) before the next import does. An empty journal is folded without a lock.
  { name: 'profiles.fold-facet-journal', cron: '*/5 * * * *', handle: async (ctx) => void (await foldFacetJournal(ctx)) },
];
