// The definitions live beside the workflows, which must import nothing from the service's I/O code.
export {
  BANK_ID,
  OPERATION_STATUS,
  OPERATION_TYPE,
  SEARCH_ATTRIBUTES,
} from '../../workflows/search-attributes.js';
