import { z } from 'zod';
import { invalid, unsupportedType } from '../errors.js';
import type { RetainItem } from '../store/retain-items.js';
import { retainItem } from './schemas.js';
import { validate } from './validate.js';

export const MAX_FILES = 1000;

/** Text this service retains as it is; anything else (PDF, images, office files) needs converting first. */
const TEXT_TYPES = /^(text\/[\w.+-]+|application\/(json|x-ndjson|jsonl|xml|yaml|x-yaml|markdown|csv))$/i;
const TEXT_EXTENSIONS = /\.(txt|text|md|markdown|csv|tsv|json|jsonl|ndjson|xml|html?|ya?ml|log|rst|org)$/i;
/** What browsers and clients send when they do not know a file's type: then the name decides. */
const UNKNOWN_TYPES = new Set(['', 'application/octet-stream']);

const fileMetadata = z.looseObject({
  context: retainItem.shape.context,
  document_id: retainItem.shape.document_id,
  tags: retainItem.shape.tags,
  metadata: retainItem.shape.metadata,
  timestamp: retainItem.shape.timestamp,
});

/** The `request` part the published clients send beside the files (Hindsight's FileRetainRequest). */
export const fileRetainRequest = z.looseObject({
  files_metadata: z.array(fileMetadata.nullable()).max(MAX_FILES).nullish(),
  context: retainItem.shape.context,
});

export const fileRetainAnswerSchema = z.object({
  operation_ids: z.array(z.string()).meta({ description: 'One id: the batch_retain of every file' }),
});

function isText(file: File): boolean {
  const type = file.type.split(';')[0]!.trim();
  return TEXT_TYPES.test(type) || (UNKNOWN_TYPES.has(type) && TEXT_EXTENSIONS.test(file.name));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The `request` part: absent, or JSON text of Hindsight's FileRetainRequest. */
export function parseFileRequest(part: unknown): z.output<typeof fileRetainRequest> {
  if (part === undefined) return {};
  if (typeof part !== 'string') throw invalid('invalid body: request: must be a text part holding JSON');
  let json: unknown;
  try {
    json = part.trim() === '' ? {} : JSON.parse(part);
  } catch (error) {
    throw invalid(`invalid body: request: not valid JSON: ${(error as Error).message}`);
  }
  return validate(fileRetainRequest, json, 'request');
}

/**
 * One retain item per uploaded text file: its text is the content, its name the document id unless
 * `files_metadata` gives one. Refuses the whole upload when one file cannot be retained, so nothing is half done.
 */
export async function fileItems(
  files: File[],
  request: z.output<typeof fileRetainRequest>,
): Promise<RetainItem[]> {
  if (files.length === 0) throw invalid('invalid body: files: send at least one file part named "files"');
  if (files.length > MAX_FILES)
    throw invalid(`invalid body: files: at most ${MAX_FILES} files per upload (got ${files.length})`);
  const metadata = request.files_metadata ?? [];
  if (metadata.length > 0 && metadata.length !== files.length)
    throw invalid(
      `invalid body: request.files_metadata: has ${metadata.length} entries for ${files.length} files: ` +
        'give one per file, in the order of the files, or none',
    );
  const items: RetainItem[] = [];
  for (const [i, file] of files.entries()) {
    const name = file.name || `file ${i + 1}`;
    if (!isText(file))
      throw unsupportedType(
        `${name} is ${file.type || 'of no known type'}: this service retains text files (text/*, JSON, XML, ` +
          'YAML, Markdown, CSV); convert it to text first, or send its text as an item of ' +
          'POST /v1/default/banks/{bank_id}/memories',
      );
    let content: string;
    try {
      content = utf8.decode(await file.arrayBuffer());
    } catch {
      throw invalid(`invalid body: files[${i}]: ${name} is not valid UTF-8 text`);
    }
    const meta = metadata[i] ?? {};
    items.push(
      validate(
        retainItem,
        {
          content,
          context: meta.context ?? request.context ?? undefined,
          document_id: meta.document_id ?? (file.name || undefined),
          tags: meta.tags ?? undefined,
          metadata: meta.metadata ?? undefined,
          timestamp: meta.timestamp ?? undefined,
        },
        `files[${i}] (${name})`,
      ),
    );
  }
  return items;
}
