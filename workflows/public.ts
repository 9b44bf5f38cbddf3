// What other Temporal applications import to run operations as child workflows (see child-options.ts).
export { operationChildOptions } from './child-options.js';
export * from './definitions.js';
export * from './index.js';
