// Helpers shared by the per-service processors.

import { md5Hex, sha256Hex } from "./hash.js";

const AVATAR_QUERY = "?s=64&d=retro";
const AVATAR_BASE = "https://seccdn.libravatar.org/avatar/";

// Hashing is the costliest step of meta() in goja (some 300 µs per SHA-256,
// against about 30 µs for a whole message otherwise), and a bus repeats the
// same few hundred people all day, so the URLs are memoised. The cache is
// cleared, not evicted one by one, when it grows past CACHE_MAX: simple,
// bounded, and still a hit for nearly every message. The server evaluates
// this module once per widget version and runtime (a widget's imports are
// shared by its instances there): 1,024 entries is about 100 kB at worst.
const CACHE_MAX = 1024;
let avatarCache = new Map();

/** avatar returns the Libravatar URL of a Fedora account (hash of its OpenID). */
export function avatar(username) {
  if (!username) return null;
  let url = avatarCache.get(username);
  if (url === undefined) {
    if (noName(username)) return null; // checked on a miss only: hits are known names
    url = AVATAR_BASE + sha256Hex("http://" + username + ".id.fedoraproject.org/") + AVATAR_QUERY;
    if (avatarCache.size >= CACHE_MAX) avatarCache = new Map();
    avatarCache.set(username, url);
  }
  return url;
}

// noName is true of what a processor makes of a missing field or of an
// object where it expected a name: the hash of it would be someone's
// avatar-looking picture of no one.
function noName(s) {
  return typeof s !== "string" || s === "null" || junkName(s) || s.indexOf("[object") >= 0;
}

// junkName is true of the names JavaScript makes of a missing field and of
// an object ("[object Object]", and its halves when split on spaces).
// Comparisons, not searches: they cost no native call in goja.
function junkName(s) {
  return s === "undefined" || s === "[object Object]" || s === "[object" || s === "Object]";
}

/**
 * clearCaches empties the avatar URL cache and the memo of meta()'s answers:
 * for benchmarks that want the cold cost, and for hosts that want memory back.
 */
export function clearCaches() {
  avatarCache = new Map();
  forgetMeta();
}

// The memo of meta()'s answers by msg_id, for conglomerate(): a feed
// rebuilt after a bus message conglomerates the same page as last time plus
// that message, and describing the page again was most of a rebuild. One
// msg_id is one message (the archive is idempotent on it), so an answer
// stays right for as long as the accounts table it was made with (see
// setAccounts). The server evaluates this module once per widget version and
// runtime, so the memo serves every feed rebuilt on that runtime: the pages
// (at most 100 messages each) of the feeds being rebuilt, which overlap (a
// message naming two people is on both their feeds), and the messages about
// to join them. Two generations of MEMO_GEN bound it: when the current one is
// full it becomes the previous one and the one before is dropped; a hit in the
// previous one moves to the current, so a page that gains one message per
// rebuild misses only that one while the pages in use fit (a single Map
// cleared when full would make one rebuild in every few hundred a cold one).
// At most 2,048 answers, about 4 MB of goja objects.
const MEMO_GEN = 1024;
let memoNow = new Map();
let memoPrev = new Map();

/** recallMeta returns the answer remembered for msg_id, or undefined. */
export function recallMeta(msgID) {
  let r = memoNow.get(msgID);
  if (r === undefined) {
    r = memoPrev.get(msgID);
    if (r !== undefined) rememberMeta(msgID, r);
  }
  return r;
}

/** rememberMeta keeps meta()'s answer r for msg_id. */
export function rememberMeta(msgID, r) {
  if (memoNow.size >= MEMO_GEN) {
    memoPrev = memoNow;
    memoNow = new Map();
  }
  memoNow.set(msgID, r);
}

function forgetMeta() {
  memoNow = new Map();
  memoPrev = new Map();
}

/** emailAvatar returns the Libravatar URL for an e-mail address (MD5 of it). */
export function emailAvatar(email) {
  if (!email) return null;
  const key = "\u0000" + email;
  let url = avatarCache.get(key);
  if (url === undefined) {
    if (noName(email)) return null;
    url = AVATAR_BASE + md5Hex(email) + AVATAR_QUERY;
    if (avatarCache.size >= CACHE_MAX) avatarCache = new Map();
    avatarCache.set(key, url);
  }
  return url;
}

/** packageIcon returns the icon fedora-packages serves for a package name. */
export function packageIcon(name) {
  return "https://apps.fedoraproject.org/packages/images/icons/" + name + ".png";
}

/** PACKAGE_ICON is the generic package icon. */
export const PACKAGE_ICON = "https://apps.fedoraproject.org/packages/images/icons/package_128x128.png";

/** appIcon returns the URL of one of Fedora's application icons. */
export function appIcon(file) {
  return "https://apps.fedoraproject.org/img/icons/" + file;
}

/**
 * normalize turns what a processor returned (array, Set, string, nothing)
 * into a sorted array of unique non-empty strings.
 */
export function normalize(v) {
  if (v === null || v === undefined) return [];
  if (typeof v === "string") return v === "" || junkName(v) ? [] : [v];
  let arr;
  if (Array.isArray(v)) {
    arr = v;
  } else if (typeof v.forEach === "function") {
    arr = [];
    v.forEach((x) => arr.push(x));
  } else {
    return [];
  }
  const out = [];
  let n = 0;
  for (let i = 0; i < arr.length; i++) {
    const x = arr[i];
    // Strings and numbers only: an object here is a schema the processor
    // did not expect, and "[object Object]" names nothing.
    if (typeof x === "string") {
      if (x !== "" && !junkName(x)) out[n++] = x; // cheaper than push in goja
    } else if (typeof x === "number") {
      out[n++] = String(x);
    }
  }
  if (out.length < 2) return out;
  sortStrings(out);
  let w = 1;
  for (let i = 1; i < out.length; i++) {
    if (out[i] !== out[w - 1]) out[w++] = out[i];
  }
  out.length = w;
  return out;
}

// sortStrings sorts in place: by insertion for the usual short lists
// (goja's Array.prototype.sort costs microseconds even for three items),
// natively for long ones.
function sortStrings(a) {
  if (a.length > 12) {
    a.sort();
    return;
  }
  for (let i = 1; i < a.length; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > x) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

/**
 * series joins items like fedmsg.meta's list_to_series: "a, b, and 2 others".
 * Duplicates are dropped keeping the first occurrence.
 */
export function series(items, n = 3, oxford = true) {
  if (!items || items.length === 0) return "(nothing)";
  const seen = [];
  for (let i = 0; i < items.length; i++) if (seen.indexOf(items[i]) < 0) seen.push(items[i]);
  if (seen.length === 1) return seen[0];
  let list = seen;
  if (list.length > n) list = list.slice(0, n - 1).concat([list.length - n + 1 + " others"]);
  const first = list.slice(0, -1).join(", ");
  const conj = oxford && list.length > 2 ? ", and " : " and ";
  return first + conj + list[list.length - 1];
}

/**
 * nvrName returns the package name of a name-version-release ("python-foo"
 * for "python-foo-1.0-2.fc30"), or the string itself when it has fewer than
 * two dashes.
 */
export function nvrName(nvr) {
  const s = String(nvr);
  const last = s.lastIndexOf("-");
  if (last <= 0) return s;
  const prev = s.lastIndexOf("-", last - 1);
  return prev < 0 ? s : s.slice(0, prev);
}

/** dotsToSlashes turns "a.b.c" into "a/b/c". */
export function dotsToSlashes(s) {
  return String(s).replace(DOTS, "/");
}
const DOTS = /\./g;

/** truncate shortens s to n characters, ending with an ellipsis when cut. */
export function truncate(s, n) {
  s = s === null || s === undefined ? "" : String(s);
  return s.length > n ? s.slice(0, n) + "..." : s;
}

/** capitalize upper-cases the first letter and lower-cases the rest, like Python's str.capitalize. */
export function capitalize(s) {
  s = s === null || s === undefined ? "" : String(s);
  return s ? s[0].toUpperCase() + s.slice(1).toLowerCase() : s;
}

// Some services name people by IRC nick or e-mail instead of Fedora
// account. fedmsg.meta resolved those through a cache of the account system;
// here the host supplies that table (setAccounts), since a widget library
// cannot query FAS itself. Unknown names pass through unchanged.
let accounts = new Map();

/**
 * setAccounts installs the nick/e-mail -> Fedora username table used to
 * resolve people in IRC and Bugzilla messages. It takes a plain object or a
 * Map and replaces the previous table (and empties the memo of meta()'s
 * answers, which were made with the previous one).
 */
export function setAccounts(table) {
  const next = new Map();
  if (table && typeof table.forEach === "function" && !Array.isArray(table)) {
    table.forEach((v, k) => next.set(String(k), String(v)));
  } else if (table && typeof table === "object") {
    for (const k of Object.keys(table)) next.set(k, String(table[k]));
  }
  accounts = next;
  forgetMeta(); // answers made with the old table may name other people
}

/** account resolves an IRC nick or e-mail to a Fedora username, or returns it as is. */
export function account(name) {
  if (name === null || name === undefined) return name;
  const v = accounts.get(String(name));
  if (v !== undefined) return v;
  // Every Fedora account has the alias <username>@fedoraproject.org.
  if (typeof name === "string" && name.endsWith("@fedoraproject.org")) return name.slice(0, -"@fedoraproject.org".length);
  return name;
}
