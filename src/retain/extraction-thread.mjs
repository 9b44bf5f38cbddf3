// An extraction thread's entry: the service runs TypeScript through tsx, and a new thread needs its loader
// registered before it can import the worker's code.
import { register } from 'tsx/esm/api';

register();
await import('./extraction-worker.ts');
