import type { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import type { Logger } from '../logger.js';

// The definitions live beside the workflows, which must import nothing from the service's I/O code.
export {
  BANK_ID,
  OPERATION_STATUS,
  OPERATION_TYPE,
  SEARCH_ATTRIBUTES,
} from '../../workflows/search-attributes.js';

export class MissingSearchAttributes extends Error {}

/**
 * Refuses to start against a namespace that lacks the search attributes every operation workflow is started
 * with: each start would fail, and accepted operations would wait as `pending` with nothing to say why.
 */
export async function requireSearchAttributes(
  connection: Connection,
  namespace: string,
  logger: Logger,
): Promise<void> {
  let registered: Record<string, unknown>;
  try {
    const answer = await connection.operatorService.listSearchAttributes({ namespace });
    registered = answer.customAttributes ?? {};
  } catch (err) {
    // Some hosted clusters do not offer the operator API to applications: the first workflow start will tell.
    logger.warn({ err, namespace }, "could not list the Temporal namespace's search attributes");
    return;
  }
  const missing = SEARCH_ATTRIBUTES.filter(({ name }) => !(name in registered));
  if (missing.length === 0) return;
  throw new MissingSearchAttributes(
    `The Temporal namespace "${namespace}" lacks the search attributes operations are started with ` +
      `(${missing.map((a) => a.name).join(', ')}). Register them once, then start again:\n` +
      missing
        .map(
          ({ name, type }) =>
            `  temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${type}`,
        )
        .join('\n'),
  );
}
