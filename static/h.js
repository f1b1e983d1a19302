// h: the template helpers every widget's template(data, h) receives.
//
// One ES module for both sides: the server evaluates it in each goja runtime of
// the widget pool (runtime/ bundles it once and freezes the result), the browser
// imports it as is. So it uses nothing but the language itself: no DOM, no
// crypto.subtle (async), no host API. On the server one evaluation serves every
// widget of a runtime, so it keeps no module-level state a widget could see or
// change: the one mutable thing, a cache of template analyses, holds values
// that depend only on their key (the template's own static text).
//
// Escaping is the default. h.html is a tagged template that knows, for every
// ${hole}, where in the HTML it sits:
//   - element text and quoted attribute values: the value is escaped;
//   - an unquoted attribute value (href=${x}): escaped and quoted for you;
//   - a URL attribute (href, src, action, ...) that the hole starts: a URL whose
//     scheme is not http, https, mailto, tel or relative becomes about:invalid
//     (an array there is joined first and checked as one URL);
//   - event handlers (on*=), style attributes, <script> and <style> bodies,
//     comments, tag and attribute names: refused with an Error, because no
//     escaping makes a string safe there (a boolean attribute name such as
//     "checked" or an empty value is allowed between attributes).
// Nested h.html results and h.safe(...) are inserted without escaping; arrays
// are rendered item by item; null, undefined, true and false render nothing.

// Html is the result of h.html and h.safe. Instances are not frozen (they
// belong to the call that made them, and freezing each one costs); the class
// and its prototype are.
class Html {
  constructor(html) {
    this.html = html;
  }
  toString() {
    return this.html;
  }
}
Object.freeze(Html.prototype);
Object.freeze(Html);

// newHtml makes an Html without a constructor call (an object literal with
// its prototype set is about twice as cheap in goja).
const HTML_PROTO = Html.prototype;
const newHtml = (html) => ({ __proto__: HTML_PROTO, html });

const ESC_TEST = /[&<>"'`]/;

// escape returns s with every character that can end text or an attribute
// value replaced by an entity.
export function escape(s) {
  if (typeof s !== "string") s = String(s);
  // One regexp test, then (rarely) one replace with a lookup: the cheapest
  // combination measured in goja (chained replaces, replaceAll, split/join
  // and a character loop all cost more).
  return ESC_TEST.test(s) ? s.replace(ESC, escapeChar) : s;
}

const ESC = /[&<>"'`]/g;
const ENTITIES = Object.freeze({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" });
const escapeChar = (c) => ENTITIES[c];

// Attributes whose value is a URL: a hole at the start of one decides the scheme.
const URL_ATTRS = new Set(["href", "src", "action", "formaction", "poster", "cite", "background", "xlink:href", "data", "codebase", "manifest", "icon", "ping"]);
const SAFE_SCHEMES = new Set(["http", "https", "mailto", "tel"]);
const RAW_TEXT = new Set(["script", "style"]);
const RCDATA = new Set(["textarea", "title"]);

// safeURL returns u when its scheme is harmless, else about:invalid. Browsers
// ignore ASCII whitespace and control characters inside a scheme, so they are
// dropped before looking at it ("java\tscript:" is javascript:).
export function safeURL(u) {
  u = String(u);
  if (u.startsWith("https://") || u.startsWith("http://")) return u;
  const probe = u.replace(/[\u0000-\u0020\u007f-\u00a0]+/g, "").toLowerCase();
  const m = /^([a-z][a-z0-9+.\-]*):/.exec(probe);
  if (m && !SAFE_SCHEMES.has(m[1])) return "about:invalid#h-unsafe-url";
  // A colon before any / ? # that is not a clean scheme ("&#106;avascript:" after
  // entity decoding, "\\evil:") is refused too.
  const colon = probe.indexOf(":");
  if (!m && colon >= 0) {
    const cut = probe.search(/[\/?#]/);
    if (cut < 0 || colon < cut) return "about:invalid#h-unsafe-url";
  }
  return u;
}

// Contexts a hole can sit in.
const TEXT = 0, ATTR = 1, ATTR_UNQUOTED = 2, BETWEEN = 3, FORBIDDEN = 4, RCDATA_TEXT = 5;

// holesCache remembers scan's answer per template text, so each template
// is analysed once. (Not keyed by the strings array: goja hands out a new
// array object per call.) It is the module's only mutable state and it is
// not observable: a value depends only on its key, the template's own static
// text. Bounded, in case templates are generated.
const holesCache = new Map();
const HOLES_CACHE_MAX = 4096;

// siteOf returns a template's analysis: {parts, holes}, the static parts it
// was made from and, per hole, {kind, url, why}.
function siteOf(strings) {
  // The key joins the parts with NUL; a hit is checked part by part, so two
  // templates whose joined text is equal cannot share an analysis.
  const key = strings.join("\u0000");
  const hit = holesCache.get(key);
  if (hit !== undefined && hit.parts.length === strings.length) {
    let same = true;
    for (let i = 0; i < strings.length; i++) {
      if (hit.parts[i] !== strings[i]) { same = false; break; }
    }
    if (same) return hit;
  }
  const holes = Object.freeze(scan(strings));
  if (holesCache.size >= HOLES_CACHE_MAX) holesCache.clear();
  const site = Object.freeze({ parts: Object.freeze(Array.from(strings)), holes });
  holesCache.set(key, site);
  return site;
}

const isSpace = (c) => c === 32 || c === 9 || c === 10 || c === 12 || c === 13;
const isAlpha = (c) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

// scan walks the static parts of a template with a small HTML tokenizer and
// returns, for each hole, {kind, url, why}. Holes never change the tokenizer
// state: everything put into them is escaped or checked.
function scan(strings) {
  const out = [];
  let st = "text";
  let tag = "";
  let closing = false;
  let attr = "";
  let valueStart = false; // no static character yet in the current attribute value
  let rawEnd = ""; // "</script" while inside a raw text or RCDATA element
  let rawKind = TEXT;
  for (let k = 0; k < strings.length; k++) {
    const s = strings[k];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      switch (st) {
        case "text":
          if (c === 60 /* < */) {
            if (s.startsWith("<!--", i)) { st = "comment"; i += 3; }
            else if (isAlpha(s.charCodeAt(i + 1))) { st = "tagname"; tag = ""; closing = false; }
            else if (s.charCodeAt(i + 1) === 47 && isAlpha(s.charCodeAt(i + 2))) { st = "tagname"; tag = ""; closing = true; i++; }
          }
          break;
        case "raw":
          if (c === 60 && s.slice(i, i + rawEnd.length).toLowerCase() === rawEnd) {
            st = "tagname"; tag = ""; closing = true; i += 1;
          }
          break;
        case "comment":
          if (s.startsWith("-->", i)) { st = "text"; i += 2; }
          break;
        case "tagname":
          if (isSpace(c) || c === 47) st = "intag";
          else if (c === 62 /* > */) st = endTag(tag, closing);
          else tag += s[i].toLowerCase();
          break;
        case "intag":
          if (c === 62) st = endTag(tag, closing);
          else if (!isSpace(c) && c !== 47) { st = "attrname"; attr = s[i].toLowerCase(); }
          break;
        case "attrname":
          if (c === 61 /* = */) st = "beforevalue";
          else if (c === 62) st = endTag(tag, closing);
          else if (isSpace(c)) st = "afterattr";
          else if (c === 47) st = "intag";
          else attr += s[i].toLowerCase();
          break;
        case "afterattr":
          if (c === 61) st = "beforevalue";
          else if (c === 62) st = endTag(tag, closing);
          else if (!isSpace(c) && c !== 47) { st = "attrname"; attr = s[i].toLowerCase(); }
          break;
        case "beforevalue":
          if (c === 34 /* " */) { st = "dq"; valueStart = true; }
          else if (c === 39 /* ' */) { st = "sq"; valueStart = true; }
          else if (c === 62) st = endTag(tag, closing);
          else if (!isSpace(c)) { st = "unq"; valueStart = false; }
          break;
        case "dq":
          if (c === 34) st = "intag"; else valueStart = false;
          break;
        case "sq":
          if (c === 39) st = "intag"; else valueStart = false;
          break;
        case "unq":
          if (isSpace(c)) st = "intag";
          else if (c === 62) st = endTag(tag, closing);
          break;
      }
    }
    if (k === strings.length - 1) break;
    const hole = Object.freeze(holeIn(st, attr, valueStart, rawKind, strings[k + 1]));
    out.push(hole);
    // An unquoted value is quoted whole by html: what follows it is between
    // attributes (without this, class=${a} title="${b}" read title as part
    // of an unquoted value and refused its hole).
    if (hole.kind === ATTR_UNQUOTED) st = "intag";
  }
  return out;

  function endTag(name, isClosing) {
    if (!isClosing && (RAW_TEXT.has(name) || RCDATA.has(name))) {
      rawEnd = "</" + name;
      rawKind = RAW_TEXT.has(name) ? FORBIDDEN : RCDATA_TEXT;
      return "raw";
    }
    return "text";
  }
}

function holeIn(st, attr, valueStart, rawKind, next) {
  switch (st) {
    case "text":
      return { kind: TEXT };
    case "raw":
      return rawKind === FORBIDDEN ? { kind: FORBIDDEN, why: "inside <script> or <style>" } : { kind: RCDATA_TEXT };
    case "comment":
      return { kind: FORBIDDEN, why: "inside an HTML comment" };
    case "dq":
    case "sq":
    case "beforevalue": {
      if (attr.startsWith("on") || attr === "style" || attr === "srcdoc") {
        return { kind: FORBIDDEN, why: "in the " + attr + " attribute" };
      }
      if (st === "beforevalue") {
        if (next !== "" && !/^[\s>\/]/.test(next)) {
          return { kind: FORBIDDEN, why: "in an unquoted attribute value followed by text (quote it)" };
        }
        return { kind: ATTR_UNQUOTED, url: URL_ATTRS.has(attr) };
      }
      return { kind: ATTR, url: valueStart && URL_ATTRS.has(attr) };
    }
    case "unq":
      return { kind: FORBIDDEN, why: "inside an unquoted attribute value (quote it)" };
    default:
      return { kind: BETWEEN };
  }
}

// text renders one interpolated value for element text or an attribute value.
function text(v, url, first) {
  if (typeof v === "string") return escape(url && first ? safeURL(v) : v);
  if (v === null || v === undefined || v === false || v === true) return "";
  if (v instanceof Html) return v.html;
  if (Array.isArray(v)) {
    // A URL is checked whole: the items are joined as text first, so
    // ["javascript", ":alert(1)"] cannot bring its scheme in pieces.
    let s = "";
    for (let i = 0; i < v.length; i++) s += text(v[i], false, false);
    return url && first ? safeURL(s) : s;
  }
  return escape(url && first ? safeURL(v) : v);
}

const BOOLEAN_ATTR = /^[a-zA-Z][a-zA-Z0-9-]*$/;

// htmlJS is the escaping tagged template: html`<b>${name}</b>` (exported as
// html, below).
function htmlJS(strings, ...values) {
  if (values.length === 0) return newHtml(strings[0]); // static text: nothing to analyse
  const holes = siteOf(strings).holes;
  let s = strings[0];
  for (let i = 0; i < values.length; i++) {
    const hole = holes[i];
    const v = values[i];
    switch (hole.kind) {
      case TEXT:
      case RCDATA_TEXT:
        s += text(v, false, true);
        break;
      case ATTR:
        s += text(v, hole.url, true);
        break;
      case ATTR_UNQUOTED:
        s += '"' + text(v, hole.url, true) + '"';
        break;
      case BETWEEN:
        if (v === null || v === undefined || v === false || v === "") break;
        if (typeof v === "string" && BOOLEAN_ATTR.test(v) && !/^on/i.test(v)) { s += v; break; }
        throw new Error("h.html: only a boolean attribute name may be interpolated inside a tag, got " + JSON.stringify(String(v)));
      default:
        throw new Error("h.html: interpolation " + hole.why + " is not allowed");
    }
    s += strings[i + 1];
  }
  return newHtml(s);
}

// On the server, the runtime wraps this module in a function whose parameter
// hubsNative makes a Go twin of htmlJS's join loop (runtime/htmljoin.go):
// given this module's own analysis, escaping and URL checks to fall back on,
// it returns an html that gives the same output for the common values and
// hands everything else to the functions above. In a browser the name is not
// bound, so htmlJS is html (document is checked too: no element with id
// "hubsNative" can stand in for the parameter).
const nativeHtml =
  typeof hubsNative === "function" && typeof document === "undefined"
    ? hubsNative({
        proto: HTML_PROTO, siteOf, text, safeURL, html: htmlJS,
        concat: (x) => "" + x,
        kinds: { TEXT, ATTR, ATTR_UNQUOTED, RCDATA_TEXT },
      })
    : undefined;

// html is the escaping tagged template: html`<b>${name}</b>`.
export const html = nativeHtml ?? htmlJS;

// safe marks a string as HTML on purpose: it is inserted without escaping.
export function safe(s) {
  return s instanceof Html ? s : newHtml(String(s ?? ""));
}

// isHtml reports whether v came from h.html or h.safe.
export function isHtml(v) {
  return v instanceof Html;
}

// render turns what a template returned into an HTML string: h.html and h.safe
// results as they are, anything else as escaped text. The server and the
// browser both use it, so a template renders the same on both.
export function render(v) {
  if (v instanceof Html) return v.html;
  if (typeof v === "string") return escape(v);
  if (v === null || v === undefined) return "";
  if (Array.isArray(v)) return v.map(render).join("");
  throw new TypeError("template must return h.html`...` or a string, got " + typeof v);
}

// ---- formatting helpers ----

// commas formats a number with thousands separators: 1234567 -> "1,234,567".
export function commas(n) {
  const x = Number(n);
  if (!Number.isFinite(x)) return String(n);
  const neg = x < 0;
  const [int, frac] = String(Math.abs(x)).split(".");
  let out = "";
  for (let i = int.length; i > 0; i -= 3) out = int.slice(Math.max(0, i - 3), i) + (out ? "," + out : "");
  return (neg ? "-" : "") + out + (frac ? "." + frac : "");
}

// series joins a list the way English does: ["a","b","c"] -> "a, b and c".
export function series(list) {
  const xs = Array.from(list ?? [], String);
  if (xs.length <= 1) return xs.join("");
  return xs.slice(0, -1).join(", ") + " and " + xs[xs.length - 1];
}

// toMillis reads a time as a Date, epoch seconds (fedmsg timestamps), epoch
// milliseconds, or an ISO 8601 string.
function toMillis(t) {
  if (t instanceof Date) return t.getTime();
  if (typeof t === "number") return t < 1e11 ? t * 1000 : t;
  if (typeof t === "string") {
    if (/^\d+(\.\d+)?$/.test(t)) return toMillis(Number(t));
    return Date.parse(t);
  }
  return NaN;
}

const UNITS = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

// humanize says how long ago (or from now) a time is: "3 hours ago",
// "in 2 days", "just now". now (optional, for tests) is the reference time.
export function humanize(t, now) {
  const ms = toMillis(t);
  if (Number.isNaN(ms)) return "";
  const ref = now === undefined ? Date.now() : toMillis(now);
  const secs = Math.round((ref - ms) / 1000);
  const abs = Math.abs(secs);
  if (abs < 10) return "just now";
  for (const [unit, size] of UNITS) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      const phrase = n + " " + unit + (n === 1 ? "" : "s");
      return secs >= 0 ? phrase + " ago" : "in " + phrase;
    }
  }
  return "just now";
}

// ---- avatars ----

// avatar returns the libravatar URL Fedora uses for a username: the sha256 of
// the user's OpenID URL, as fedmsg.meta and Fedora's apps compute it.
export function avatar(username, size = 64) {
  const openid = "http://" + String(username) + ".id.fedoraproject.org/";
  return "https://seccdn.libravatar.org/avatar/" + sha256(openid) + "?s=" + (Number(size) | 0 || 64) + "&d=retro";
}

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
Object.freeze(K);

function utf8(s) {
  const out = [];
  for (const ch of s) {
    let c = ch.codePointAt(0);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

// sha256 returns the hex SHA-256 of a string's UTF-8 bytes. Synchronous on
// purpose: templates are synchronous and crypto.subtle is not.
export function sha256(str) {
  const bytes = utf8(String(str));
  const bitLen = bytes.length * 8;
  bytes.push(0x80);
  while (bytes.length % 64 !== 56) bytes.push(0);
  for (let i = 7; i >= 0; i--) bytes.push(i >= 4 ? 0 : (bitLen >>> (i * 8)) & 255);
  const H = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  const w = new Array(64);
  for (let off = 0; off < bytes.length; off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
    }
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15], b = w[i - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, h] = H;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + K[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    H[0] = (H[0] + a) | 0; H[1] = (H[1] + b) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0;
    H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
  }
  return H.map((x) => (x >>> 0).toString(16).padStart(8, "0")).join("");
}

// ---- markdown ----

// markdown renders a safe subset of Markdown: paragraphs, line breaks, "- "
// and "* " lists, # headings (as <strong>), **bold**, *italic*, `code`, and
// [text](url) links with a safe URL. Everything else is escaped text; raw HTML
// in the input is shown, never interpreted.
export function markdown(src) {
  const lines = String(src ?? "").replace(/\r\n?/g, "\n").split("\n");
  const blocks = [];
  let para = [];
  let list = [];
  const flushPara = () => {
    if (para.length) blocks.push("<p>" + para.map(inline).join("<br>") + "</p>");
    para = [];
  };
  const flushList = () => {
    if (list.length) blocks.push("<ul>" + list.map((l) => "<li>" + inline(l) + "</li>").join("") + "</ul>");
    list = [];
  };
  for (const line of lines) {
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    const heading = /^\s*#{1,6}\s+(.*)$/.exec(line);
    if (item) { flushPara(); list.push(item[1]); }
    else if (heading) { flushPara(); flushList(); blocks.push("<p><strong>" + inline(heading[1]) + "</strong></p>"); }
    else if (line.trim() === "") { flushPara(); flushList(); }
    else { flushList(); para.push(line.trim()); }
  }
  flushPara();
  flushList();
  return newHtml(blocks.join("\n"));
}

// inline renders one line: code spans first (their content is literal), then
// links, bold and italic over already escaped text.
function inline(s) {
  const parts = s.split("`");
  let out = "";
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 1 && i < parts.length - 1) { out += "<code>" + escape(parts[i]) + "</code>"; continue; }
    let t = i % 2 === 1 ? "`" + parts[i] : parts[i];
    t = t.replace(/\[([^\]]*)\]\(([^)\s]+)\)|([^\[]+|\[)/g, (m, label, url, plain) => {
      if (plain !== undefined) return emphasis(escape(plain));
      const safe = safeURL(url);
      if (safe !== url || !/^(https?:|mailto:|\/|#)/i.test(url)) return emphasis(escape(m));
      return '<a href="' + escape(url) + '" rel="nofollow noopener">' + emphasis(escape(label)) + "</a>";
    });
    out += t;
  }
  return out;
}

function emphasis(escaped) {
  return escaped
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/\*([^*]+)\*/g, "<em>$1</em>");
}
