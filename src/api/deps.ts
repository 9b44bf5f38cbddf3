import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { OperationService } from '../operations/service.js';
import type { ExtractionPool } from '../retain/extraction-pool.js';
import type { Database } from '../store/db.js';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  parts: Record<string, { status: 'ok' | 'unavailable'; error?: string }>;
}

export interface AppDeps {
  db: Database;
  operations: OperationService;
  extraction: ExtractionPool;
  config: Config;
  logger: Logger;
  health(): Promise<HealthReport>;
}
