// The card writes numbers as the dashboard does (dashboard/ui/format.py); these are the dashboard's outputs.
import { describe, expect, it } from 'vitest';
import { age, countOf, day, money, overdue, pct, pp, text } from './format.js';

describe('format', () => {
  it('writes money in whole units with the currency symbol, rounding ties to even as Python does', () => {
    expect(money(1234567.891, 'USD')).toBe('$1,234,568');
    expect(money(-67926.88, 'USD')).toBe('-$67,927');
    expect(money(1234.5, 'EUR')).toBe('€1,234');
    expect(money(1235.5, 'GBP')).toBe('£1,236');
    expect(money(500, 'SEK')).toBe('SEK 500');
    expect(money(null, 'USD')).toBe('—');
  });

  it('writes fractions as percentages and percentage points with a sign', () => {
    expect(pct(0.253)).toBe('25.3 %');
    expect(pct(-0.2391898)).toBe('-23.9 %');
    expect(pct(undefined)).toBe('—');
    expect(pp(4.24)).toBe('+4.2 pp');
    expect(pp(-47.41898)).toBe('-47.4 pp');
    expect(pp(-0.01)).toBe('+0.0 pp');
  });

  it('writes dates, ages and counts', () => {
    expect(day('2026-11-21')).toBe('21 Nov 2026');
    expect(day('2026-12-03T15:10:19.787249+00:00')).toBe('03 Dec 2026');
    expect(day(null)).toBe('—');
    expect(age(0.4)).toBe('0 s ago');
    expect(age(180)).toBe('3 min ago');
    expect(age(7200)).toBe('2 h ago');
    expect(age(3 * 86400)).toBe('3 days ago');
    expect(age(null)).toBe('never');
    expect(countOf(2, 6)).toBe('2 of 6');
    expect(countOf(null, null)).toBe('—');
    expect(text('')).toBe('—');
  });

  it('says how overdue the outstanding amount is', () => {
    expect(overdue(28333.32, 18)).toBe('18 days overdue');
    expect(overdue(100, 1)).toBe('1 day overdue');
    expect(overdue(100, 0)).toBe('not due yet');
    expect(overdue(0, 0)).toBe('nothing outstanding');
  });
});
