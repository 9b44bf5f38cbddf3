-- Deleting a bank or a document is an operation like the others.
ALTER TABLE operations DROP CONSTRAINT operations_type_check;
ALTER TABLE operations ADD CONSTRAINT operations_type_check CHECK (type IN ('batch_retain', 'regenerate_observations',
  'graph_update', 'delete_bank', 'delete_document'));

-- A delete_bank operation stays readable after its bank's row is gone, so an operation no longer needs its bank.
ALTER TABLE operations DROP CONSTRAINT operations_bank_id_fkey;

-- Set while a delete_bank operation is accepted and not ended: the bank takes no new work meanwhile.
ALTER TABLE banks ADD COLUMN deleting_operation_id text;
