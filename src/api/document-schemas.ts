import { z } from 'zod';

// Answers of the documents and bank-delete routes, in the shapes the published clients read.

const documentFields = {
  id: z.string(),
  bank_id: z.string(),
  content_hash: z.null(),
  created_at: z.string().meta({ description: 'When its first memory was written (ISO 8601)' }),
  updated_at: z.string().meta({ description: 'When its latest memory was written (ISO 8601)' }),
  memory_unit_count: z.number().int(),
  retain_params: z.null(),
  document_metadata: z.record(z.string(), z.string()).nullable(),
  tags: z.array(z.string()),
};

export const documentListSchema = z.object({
  items: z.array(z.object({ ...documentFields, text_length: z.number().int() })),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  total_is_estimate: z.boolean(),
});

export const documentSchema = z.object({
  ...documentFields,
  original_text: z.string().meta({ description: "The document's memories' texts, in retain order" }),
});

export const documentUpdatedSchema = z.object({ success: z.boolean() });

export const documentDeleteSchema = z.object({
  success: z.boolean(),
  message: z.string(),
  document_id: z.string(),
  memory_units_deleted: z
    .number()
    .int()
    .meta({ description: 'Memories of the document when the delete was accepted' }),
  operation_id: z.string().meta({ description: 'The delete_document operation doing the work' }),
});

export const bankDeleteSchema = z.object({
  success: z.boolean(),
  message: z.string(),
  deleted_count: z.null(),
  operation_id: z.string().meta({ description: 'The delete_bank operation doing the work' }),
});
