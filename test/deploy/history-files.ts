import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';

type History = proto.temporal.api.history.v1.IHistory;
const HistoryMessage = proto.temporal.api.history.v1.History;

/** Where the recorded histories live: one file per workflow run, named by scenario. */
export const HISTORIES_DIR = fileURLToPath(new URL('./histories/', import.meta.url));

export interface HistoryRecord {
  /** What the run was doing when it was recorded (see scripts/record-histories.ts). */
  scenario: string;
  workflowType: string;
  workflowId: string;
  history: History;
}

/** Plain JSON of a history: 64-bit numbers as strings, enums by name, payload bytes as base64. */
export function historyToRecord(history: History): unknown {
  return HistoryMessage.toObject(HistoryMessage.fromObject(history), {
    longs: String,
    enums: String,
    bytes: String,
  });
}

/** Every recorded run, with its history decoded back into the message the replayer takes. */
export function readHistoryRecords(): (HistoryRecord & { file: string })[] {
  return readdirSync(HISTORIES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const record = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'));
      return { ...record, file, history: HistoryMessage.fromObject(record.history) };
    });
}
