import {
  HindsightApiError,
  HindsightConnectionError,
  HindsightResponseValidationError,
} from '../../clients/typescript/src/index.js';
import { GlobError } from './glob.js';
import { createProgram } from './program.js';

const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort(new Error('interrupted')));
// `hindsight operations list bank | head` closes stdout early; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

try {
  await createProgram(interrupt.signal).parseAsync(process.argv);
} catch (error) {
  if (interrupt.signal.aborted) {
    process.exitCode = 130;
  } else {
    process.stderr.write(`error: ${describe(error)}\n`);
    process.exitCode = 1;
  }
}

function describe(error: unknown): string {
  if (error instanceof HindsightConnectionError) return error.message;
  if (error instanceof HindsightApiError) {
    const hint = error.status === 401 ? ' (set --api-key or HINDSIGHT_API_KEY)' : '';
    return `${error.message}${hint} [${error.status} ${error.code}]`;
  }
  if (error instanceof HindsightResponseValidationError) return error.message;
  if (error instanceof GlobError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
