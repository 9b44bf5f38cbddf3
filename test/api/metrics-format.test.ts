import { describe, expect, it } from 'vitest';
import { Registry, renderGauge } from '../../src/metrics.js';

describe('Prometheus exposition', () => {
  it('renders counters, histograms and gauges in text format 0.0.4', () => {
    const registry = new Registry();
    const counter = registry.counter('x_total', 'Things.');
    counter.inc({ type: 'a"b\\c' });
    counter.inc({ type: 'a"b\\c' }, 2);
    const histogram = registry.histogram('d_seconds', 'Durations.', [0.1, 1]);
    histogram.observe({ activity: 'x' }, 0.05);
    histogram.observe({ activity: 'x' }, 0.5);
    histogram.observe({ activity: 'x' }, 5);
    const text = [
      ...registry.render(),
      ...renderGauge('g', 'Gauge.', [{ labels: { s: 'ok' }, value: 4 }]),
    ].join('\n');
    expect(text).toContain('# TYPE x_total counter');
    expect(text).toContain('x_total{type="a\\"b\\\\c"} 3');
    expect(text).toContain('d_seconds_bucket{activity="x",le="0.1"} 1');
    expect(text).toContain('d_seconds_bucket{activity="x",le="1"} 2');
    expect(text).toContain('d_seconds_bucket{activity="x",le="+Inf"} 3');
    expect(text).toContain('d_seconds_count{activity="x"} 3');
    expect(text).toContain('d_seconds_sum{activity="x"} 5.55');
    expect(text).toContain('# TYPE g gauge\ng{s="ok"} 4');
    expect(() => counter.inc({}, -1)).toThrow();
  });
});
