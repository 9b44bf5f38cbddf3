import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('the model provider limits in the configuration', () => {
  it('reads a tokens-per-minute quota', () => {
    expect(loadConfig({ HINDSIGHT_MODEL_TOKENS_PER_MINUTE: '200000' }).models.tokensPerMinute).toBe(200_000);
    expect(loadConfig({}).models.tokensPerMinute).toBeUndefined();
  });

  it.each([
    ['lots', 'must be a whole number of tokens a minute, such as 200000'],
    ['1500.5', 'must be a whole number of tokens a minute, such as 200000'],
    ['0', 'must be at least 1 token a minute (leave it unset for no limit)'],
    ['-100', 'must be at least 1 token a minute (leave it unset for no limit)'],
  ])('refuses HINDSIGHT_MODEL_TOKENS_PER_MINUTE=%s and says what to set', (value, message) => {
    const load = () => loadConfig({ HINDSIGHT_MODEL_TOKENS_PER_MINUTE: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`HINDSIGHT_MODEL_TOKENS_PER_MINUTE: ${message}`);
  });
});

describe('the workflow cache bound in the configuration', () => {
  it('bounds the cache at 250 workflows unless told otherwise', () => {
    expect(loadConfig({}).temporal.maxCachedWorkflows).toBe(250);
    expect(loadConfig({ HINDSIGHT_MAX_CACHED_WORKFLOWS: '1000' }).temporal.maxCachedWorkflows).toBe(1000);
  });

  it.each([
    ['many', 'must be a whole number of workflows, such as 250'],
    ['12.5', 'must be a whole number of workflows, such as 250'],
    ['10', 'must be at least 40: the worker runs up to 40 workflow tasks at once'],
    ['1000000', 'must be at most 100000 workflows'],
  ])('refuses HINDSIGHT_MAX_CACHED_WORKFLOWS=%s and says what to set', (value, message) => {
    const load = () => loadConfig({ HINDSIGHT_MAX_CACHED_WORKFLOWS: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`HINDSIGHT_MAX_CACHED_WORKFLOWS: ${message}`);
  });
});

describe('the operation retention in the configuration', () => {
  it('keeps ended operations 30 days and sweeps every 10 minutes unless told otherwise', () => {
    expect(loadConfig({}).retention).toEqual({
      operationRetentionMs: 30 * 86_400_000,
      cleanupIntervalMs: 600_000,
    });
    expect(loadConfig({ HINDSIGHT_OPERATION_RETENTION: '72h' }).retention.operationRetentionMs).toBe(
      72 * 3_600_000,
    );
    expect(loadConfig({ HINDSIGHT_OPERATION_RETENTION: '90s' }).retention.operationRetentionMs).toBe(90_000);
    expect(loadConfig({ HINDSIGHT_OPERATION_RETENTION: 'off' }).retention.operationRetentionMs).toBeNull();
  });

  it.each([
    ['30', 'must be a whole number followed by s, m, h or d (such as 72h or 30d), or off'],
    ['1.5d', 'must be a whole number followed by s, m, h or d (such as 72h or 30d), or off'],
    ['2w', 'must be a whole number followed by s, m, h or d (such as 72h or 30d), or off'],
    ['0d', 'must be at least 1s (or off to keep operations forever)'],
    ['4000d', 'must be at most 3650d (or off to keep operations forever)'],
  ])('refuses HINDSIGHT_OPERATION_RETENTION=%s and says what to set', (value, message) => {
    const load = () => loadConfig({ HINDSIGHT_OPERATION_RETENTION: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`HINDSIGHT_OPERATION_RETENTION: ${message}`);
  });

  it.each([
    ['soon', 'must be a whole number of milliseconds, such as 600000 (10 minutes)'],
    ['10', 'must be at least 100 milliseconds'],
  ])('refuses HINDSIGHT_OPERATION_CLEANUP_INTERVAL_MS=%s and says what to set', (value, message) => {
    const load = () => loadConfig({ HINDSIGHT_OPERATION_CLEANUP_INTERVAL_MS: value });
    expect(load).toThrow(`HINDSIGHT_OPERATION_CLEANUP_INTERVAL_MS: ${message}`);
  });
});
