import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRIC_DEFINITIONS } from './patter-metrics.js';

describe('the metrics contract', () => {
  it('the core README table lists every metric with its instrument, unit and attributes, and nothing else', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const rows = readme.split('\n').filter((line) => line.startsWith('| `patter.'));
    const documented = rows.map((row) => {
      const [name, instrument, unit, attributes] = row.split(' | ').map((cell) => cell.replace(/^\| /, '').trim());
      return { name: name?.replaceAll('`', ''), instrument, unit, attributes: attributes?.replaceAll('`', '').split(', ') };
    });
    expect(documented).toEqual(
      Object.values(METRIC_DEFINITIONS).map((d) => ({ name: d.name, instrument: d.instrument, unit: d.unit, attributes: [...d.attributes] })),
    );
  });

  it('no metric carries a call id, call ref, stream id or phone number attribute', () => {
    const all = Object.values(METRIC_DEFINITIONS).flatMap((d) => d.attributes as readonly string[]);
    expect(all.filter((a) => /call\.id|call\.ref|stream|phone|from|to$/.test(a))).toEqual([]);
  });
});
