import { setImmediate as nextTurn } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { computeLinks, type Link } from '../src/domain/links.js';
import type { Database } from '../src/store/db.js';
import {
  allLinkable,
  countUnlinked,
  graphCutoffNow,
  type LinkableMemory,
  markAllUnlinked,
  nextUnlinked,
  writeLinks,
} from '../src/store/graph.js';
import { recordChunkProgress, setTotal } from '../src/store/operations.js';

const SOURCES_PER_TURN = 10;

export const LINK_OPTIONS = { maxPerKind: 5, similarityThreshold: 0.3, temporalWindowMs: 60 * 60 * 1000 };

export interface GraphChunkInput {
  operationId: string;
  bankId: string;
  cutoff: string;
  limit: number;
  progressBefore: number;
  linksCreatedBefore: number;
}

/**
 * The bank's memories as link candidates, kept for the operation's next chunk on this worker: loading them
 * once per operation rather than once per chunk keeps a large update linear. A retry elsewhere reloads.
 */
let universeCache: { operationId: string; memories: LinkableMemory[] } | undefined;

async function universeFor(db: Database, operationId: string, bankId: string): Promise<LinkableMemory[]> {
  if (universeCache?.operationId !== operationId) {
    universeCache = { operationId, memories: await allLinkable(db, bankId) };
  }
  return universeCache.memories;
}

export async function prepareGraphUpdate(
  db: Database,
  input: { operationId: string; bankId: string; fullRebuild: boolean },
): Promise<{ total: number; cutoff: string }> {
  const cutoff = await graphCutoffNow(db);
  if (input.fullRebuild) await markAllUnlinked(db, input.bankId);
  const total = await countUnlinked(db, input.bankId, cutoff);
  await setTotal(db, input.operationId, total);
  return { total, cutoff: cutoff.toISOString() };
}

/** Links the next unlinked memories; links, `linked_at` marks and progress commit together. */
export async function graphChunk(
  db: Database,
  input: GraphChunkInput,
): Promise<{ processed: number; linksCreated: number }> {
  const ctx = Context.current();
  ctx.heartbeat();
  const cutoff = new Date(input.cutoff);
  const sources = await nextUnlinked(db, input.bankId, cutoff, input.limit);
  if (sources.length === 0) return { processed: 0, linksCreated: 0 };
  const universe = await universeFor(db, input.operationId, input.bankId);
  const links: Link[] = [];
  // A few sources at a time, handing the event loop back in between: linking against a large bank takes
  // seconds of CPU, and the API, heartbeats and workflow tasks share this thread.
  for (let i = 0; i < sources.length; i += SOURCES_PER_TURN) {
    await nextTurn();
    ctx.heartbeat();
    ctx.cancellationSignal.throwIfAborted();
    links.push(...computeLinks(sources.slice(i, i + SOURCES_PER_TURN), universe, LINK_OPTIONS));
  }
  const linksCreated = await db.transaction(async (tx) => {
    const created = await writeLinks(
      tx,
      sources.map((s) => s.id),
      links,
    );
    const processed = input.progressBefore + sources.length;
    await recordChunkProgress(tx, input.operationId, processed, {
      memories_processed: processed,
      links_created: input.linksCreatedBefore + created,
    });
    return created;
  });
  return { processed: sources.length, linksCreated };
}
