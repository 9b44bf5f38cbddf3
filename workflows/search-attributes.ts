import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Registered on the namespace (the embedded dev server does it at launch; docker-compose's setup job in
// production) so the Temporal UI can filter operations by bank, type and status.
export const BANK_ID = defineSearchAttributeKey('HindsightBankId', SearchAttributeType.KEYWORD);
export const OPERATION_TYPE = defineSearchAttributeKey('HindsightOperationType', SearchAttributeType.KEYWORD);
export const OPERATION_STATUS = defineSearchAttributeKey(
  'HindsightOperationStatus',
  SearchAttributeType.KEYWORD,
);

export const SEARCH_ATTRIBUTES = [BANK_ID, OPERATION_TYPE, OPERATION_STATUS].map((key) => ({
  name: key.name,
  type: 'Keyword' as const,
}));
