// Small pieces of the demo page that hold no state of the explorer: formatting, the progress bar, the
// error panel (what failed, where, and what to try) and downloads.

export const $ = (id) => document.getElementById(id);

export const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');

export function fmtBytes(n) {
  if (!Number.isFinite(n)) return '–';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

/** A number with at most `digits` significant decimals, without trailing zeros. */
export function fmtNum(v, digits = 6) {
  if (v == null || !Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(digits)));
}

/** The text of anything thrown: an Error, Cesium's TileProviderError, a string. */
export function errorText(err) {
  if (err == null) return 'unknown error';
  if (err instanceof Error) return err.message || String(err);
  if (typeof err === 'object') {
    if ('message' in err && 'error' in err && err.error) return `${err.message} ${errorText(err.error)}`;
    if (typeof err.message === 'string') return err.message;
  }
  return String(err);
}

/** What to try, from the words of an error. */
function advice(text, status) {
  if (status === 403 || /\b403\b|forbidden|cors|access-control/i.test(text)) {
    return 'The bucket refused the read: make the object public (or use a presigned URL), and let its CORS rule allow this origin, the Range header, and expose Content-Range.';
  }
  if (status === 404 || /\b404\b|not found/i.test(text)) return 'Check the URL: the server has no file there.';
  if (status === 416) return 'The file is shorter than its header says: it may be truncated or replaced while reading.';
  if (status >= 500 || /\b5\d\d\b/.test(text)) return 'The server failed; try again later, or another mirror of the file.';
  if (/fetch|network|unreachable|connection|timed? ?out/i.test(text)) {
    return 'The server did not answer: check the address, that it is up, and that it allows CORS from this page.';
  }
  if (/tiff|magic|byte order|html/i.test(text)) return 'This is not a (Cloud Optimized) GeoTIFF: open a .tif, e.g. one written by gdal_translate -of COG.';
  if (/expression|style|band|palette/i.test(text)) return 'Fix the style field named above.';
  return 'Try another file, or reload the page.';
}

/**
 * The parts of an error message the panel shows: the URL, the byte range and the HTTP status it names
 * (the core's messages name them), the whole message as the reason, and what to try.
 */
export function describeError(err, fallbackUrl) {
  const text = errorText(err);
  const url = text.match(/\b(?:https?|blob|file):\/\/?[^\s'"<>,)]+/)?.[0] ?? fallbackUrl ?? '–';
  const range = text.match(/bytes[ =:]*(\d+)\s*[-–]\s*(\d+)/i);
  const statusMatch = text.match(/\b(?:HTTP|status)\s*:?\s*(\d{3})\b/i) ?? text.match(/\b([45]\d\d)\b/);
  const status = statusMatch ? Number(statusMatch[1]) : null;
  return {
    url,
    range: range ? `bytes ${range[1]}–${range[2]}` : '–',
    status: status ?? '–',
    reason: text,
    tryThis: advice(text, status),
  };
}

const MAX_ERRORS = 8;

/** The error panel: one entry per distinct failure (URL, byte range, status, reason, what to try). */
export class ErrorPanel {
  constructor(panel, list, clear) {
    this.panel = panel;
    this.list = list;
    this.seen = new Set();
    this.messages = [];
    clear.addEventListener('click', () => this.clear());
  }

  show(what, err, url) {
    const d = describeError(err, url);
    const key = `${what}\n${d.reason}`;
    this.messages.push(`${what}: ${d.reason}`);
    if (this.seen.has(key)) return d;
    this.seen.add(key);
    const li = document.createElement('li');
    const h = document.createElement('strong');
    h.textContent = what;
    li.append(h);
    const dl = document.createElement('dl');
    for (const [k, v] of [['URL', d.url], ['Byte range', d.range], ['Status', d.status], ['Reason', d.reason], ['What to try', d.tryThis]]) {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = String(v);
      dl.append(dt, dd);
    }
    li.append(dl);
    this.list.append(li);
    while (this.list.children.length > MAX_ERRORS) this.list.firstElementChild.remove();
    this.panel.hidden = false;
    return d;
  }

  clear() {
    this.list.replaceChildren();
    this.seen.clear();
    this.panel.hidden = true;
  }
}

/** The progress bar with its counts: one task at a time is named, the latest. */
export class Progress {
  constructor(bar, text) {
    this.bar = bar;
    this.text = text;
  }

  set(label, done, total) {
    this.bar.max = Math.max(1, total);
    this.bar.value = Math.min(done, total);
    this.text.textContent = `${label}: ${fmtInt(done)} of ${fmtInt(total)}`;
  }

  busy(label) {
    this.bar.removeAttribute('value');
    this.text.textContent = `${label}…`;
  }

  done(label) {
    this.bar.max = 1;
    this.bar.value = 1;
    this.text.textContent = label;
  }
}

/** Offers bytes as a download named `name`. */
export function download(bytes, name, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Copies text to the clipboard; falls back to selecting the field's text for the user. */
export async function copyText(text, field) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    field?.select();
    return false;
  }
}
