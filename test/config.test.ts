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
