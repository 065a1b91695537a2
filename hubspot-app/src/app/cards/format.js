// Numbers for people, written as the dashboard writes them (dashboard/ui/format.py), so that the card and the
// dashboard's Project page read the same: `$72,000`, `28.2 %`, `+2.3 pp`, `02 Nov 2024`, `42 s ago`.
// An em dash stands for a value the sources left empty.

export const DASH = '—';
const SYMBOLS = { USD: '$', EUR: '€', GBP: '£', CHF: 'CHF ', JPY: '¥', CAD: 'C$', AUD: 'A$' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const missing = (value) => value === null || value === undefined || Number.isNaN(value);

/** `$1,234,567` (whole units, as the dashboard's tiles); an em dash when there is no value. */
export function money(value, currency) {
  if (missing(value)) return DASH;
  const symbol = currency ? (SYMBOLS[currency] ?? `${currency} `) : '';
  const sign = value < 0 ? '-' : '';
  return `${sign}${symbol}${halfEven(Math.abs(value)).toLocaleString('en-US')}`;
}

/** A non-negative amount rounded to whole units, ties to even as Python's format() rounds (1234.5 -> 1234). */
function halfEven(amount) {
  const floor = Math.floor(amount);
  const rest = amount - floor;
  if (rest > 0.5 || (rest === 0.5 && floor % 2 === 1)) return floor + 1;
  return floor;
}

/** A fraction as a percentage: 0.253 -> `25.3 %`. */
export function pct(value, digits = 1) {
  return missing(value) ? DASH : `${(value * 100).toFixed(digits)} %`;
}

/** Percentage points, signed: 4.2 -> `+4.2 pp`. */
export function pp(value) {
  if (missing(value)) return DASH;
  const rounded = Math.round(value * 10) / 10 + 0; // + 0 turns -0 into 0, so no change reads "+0.0"
  return `${rounded >= 0 ? '+' : '-'}${Math.abs(rounded).toFixed(1)} pp`;
}

/** An ISO date (or instant) as `27 Nov 2026`. */
export function day(value) {
  const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})/.exec(value) : null;
  if (!match) return DASH;
  return `${match[3]} ${MONTHS[Number(match[2]) - 1]} ${match[1]}`;
}

/** `42 s ago`, `3 min ago`, `2 h ago`, `5 days ago`, `never`. */
export function age(seconds) {
  if (missing(seconds)) return 'never';
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

/** `3 of 6`, or an em dash when the total is unknown. */
export function countOf(done, total) {
  if (missing(total)) return DASH;
  return `${missing(done) ? 0 : Math.trunc(done)} of ${Math.trunc(total)}`;
}

/** A value as text, or an em dash when it is empty. */
export function text(value) {
  return missing(value) || value === '' ? DASH : String(value);
}

/** What the outstanding amount means for the customer's payments: overdue days, not yet due, or nothing. */
export function overdue(outstanding, daysPastDue) {
  if (missing(outstanding)) return DASH;
  if (outstanding <= 0) return 'nothing outstanding';
  if (!missing(daysPastDue) && daysPastDue > 0) {
    const days = Math.trunc(daysPastDue);
    return `${days} ${days === 1 ? 'day' : 'days'} overdue`;
  }
  return 'not due yet';
}
