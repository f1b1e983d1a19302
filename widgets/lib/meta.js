// fedmsg.meta in JavaScript: every Fedora bus message as a title, a sentence
// (subtitle), a link, two icons, and the sets of usernames, packages and
// objects it concerns.
//
// One processor per service lives in ./meta/<service>.js; this file picks the
// processor by the topic's category through a Map (no scan over regexps) and
// turns what it returns into the fixed shape below. It runs on every bus
// message, in goja on the server and unchanged in the browser, so it uses no
// host API at all and keeps per-call work small.
//
// A processor is a plain object. names (the topic categories it serves) is
// required; every other member is optional:
//   icon              string: the service's icon
//   iconFor(c)        string | null, when the icon depends on the message
//   subtitle(c)       string
//   link(c)           string | null
//   secondary_icon(c) string | null (usually the acting person's avatar)
//   usernames(c), packages(c), objects(c): arrays (order and repeats do not matter)
//   conglomerators    see ./meta/conglomerate.js
// where c is a Context (below): env is the envelope, msg its body, rest the
// topic after "<prefix>.<env>.<category>." ("" when nothing follows).
// A processor may throw on a message shaped unlike the service's usual ones:
// that field then falls back to its empty value, and the other fields stand.

import { normalize, avatar, recallMeta, rememberMeta } from "./meta/util.js";
export { clearCaches, setAccounts } from "./meta/util.js";
import { processors } from "./meta/registry.js";
import { conglomerateMessages } from "./meta/conglomerate.js";

const registry = new Map();
for (const p of processors) {
  for (const name of p.names) registry.set(name, p);
}

// fallback serves services no processor knows: no sentence, but the obvious
// people, so hint lookups by username still work for them.
const USER_KEYS = ["agent", "username", "user", "owner", "submitter", "author"];
const fallback = {
  names: [],
  usernames(c) {
    const out = [];
    const m = c.msg;
    for (let i = 0; i < USER_KEYS.length; i++) {
      const v = m[USER_KEYS[i]];
      if (typeof v === "string") out.push(v);
      else if (v && typeof v === "object" && typeof v.name === "string") out.push(v.name);
      else if (v && typeof v === "object" && typeof v.username === "string") out.push(v.username);
    }
    return out;
  },
  secondary_icon(c) {
    const u = this.usernames(c);
    return u.length ? avatar(u[0]) : null;
  },
};

// Context is what processors read about a message. The topic is cut with
// indexOf rather than split: in goja, split/slice/join cost microseconds,
// and this runs on every bus message. `parts` is split only when asked.
// meta() reuses one Context for every message (allocating one costs goja
// about as much as a small processor's whole work); conglomerate() keeps
// one per message. It has eight own properties, no more: goja keeps an
// object's properties in a Go map, which past eight entries grows from one
// group of slots to a table (1.6 kB against 0.7 kB a Context), and a feed
// makes sixty Contexts a rebuild. What is read less is derived (envName) or
// kept together (parts, memo).
class Context {
  constructor() {
    this.env = null;
    this.msg = null;
    this.topic = "";
    this.category = "";
    this.title = ""; // the topic from the category on
    this.rest = ""; // the topic after "<prefix>.<env>.<category>." ("" if nothing)
    this.proc = null;
    this._extra = null; // {parts, memo} once either is asked for
  }

  /** envName is "prod", "stg", "dev": the segment before the title ("" if none). */
  get envName() {
    const n = this.topic.length - this.title.length;
    if (n <= 0) return "";
    const head = this.topic.slice(0, n - 1); // "<prefix>.<prefix>.<env>"
    return head.slice(head.lastIndexOf(".") + 1);
  }

  /** parts is the topic split on dots. */
  get parts() {
    const x = this.extra();
    if (x.parts === null) x.parts = this.topic.split(".");
    return x.parts;
  }

  extra() {
    if (this._extra === null) this._extra = { parts: null, memo: null };
    return this._extra;
  }

  /** last is the topic's last segment ("start" in "...compose.rawhide.start"). */
  get last() {
    return this.topic.slice(this.topic.lastIndexOf(".") + 1);
  }

  /** head is the first segment of rest ("branched" in "compose.branched.start"). */
  get head() {
    const i = this.rest.indexOf(".");
    return i < 0 ? this.rest : this.rest.slice(0, i);
  }

  /** memo is an object a processor may keep work in for this message. */
  memo() {
    const x = this.extra();
    if (x.memo === null) x.memo = {};
    return x.memo;
  }
}

// fill points c at env: it cuts the topic at its first four dots and picks
// the processor.
function fill(c, env) {
  const topic = env && typeof env.topic === "string" ? env.topic : "";
  c.env = env || {};
  c.msg = env && env.msg && typeof env.msg === "object" ? env.msg : {};
  c.topic = topic;
  c._extra = null;
  const d1 = topic.indexOf(".");
  const d2 = d1 < 0 ? -1 : topic.indexOf(".", d1 + 1);
  const d3 = d2 < 0 ? -1 : topic.indexOf(".", d2 + 1);
  const d4 = d3 < 0 ? -1 : topic.indexOf(".", d3 + 1);
  if (d3 >= 0) {
    const category = d4 < 0 ? topic.slice(d3 + 1) : topic.slice(d3 + 1, d4);
    const proc = registry.get(category);
    c.category = category; // envName is topic.slice(d2 + 1, d3), derived
    c.title = topic.slice(d3 + 1);
    c.rest = d4 < 0 ? "" : topic.slice(d4 + 1);
    if (proc !== undefined) {
      c.proc = proc;
      return c;
    }
  }
  // A bare topic without "<prefix>.<env>." (some services' test messages).
  const first = d1 < 0 ? topic : topic.slice(0, d1);
  const bare = registry.get(first);
  if (bare !== undefined) {
    c.category = first;
    c.title = topic;
    c.rest = d1 < 0 ? "" : topic.slice(d1 + 1);
    c.proc = bare;
    return c;
  }
  if (d3 < 0) {
    c.category = "";
    c.title = topic;
    c.rest = "";
  }
  c.proc = fallback;
  return c;
}

// scratch is the Context meta(), usernames() and packages() reuse: they
// run to completion one at a time and keep no reference to it.
const scratch = new Context();

// context gives a message a Context of its own (conglomerate keeps them).
function context(env) {
  return fill(new Context(), env);
}

function call(p, fn, c, dflt) {
  if (p[fn] === undefined) return dflt;
  try {
    // A method call, not f.call(p, c): half the cost in goja.
    const v = p[fn](c);
    return v === undefined ? dflt : v;
  } catch (e) {
    return dflt;
  }
}

function list(p, fn, c) {
  return p[fn] === undefined ? [] : normalize(call(p, fn, c, null));
}

// A processor that meets a message missing a field it expects builds
// "undefined" into its text rather than throwing, and one that meets an
// object where it expected a string builds in "[object Object]". When the
// message itself never says either, such text is dropped: no sentence beats
// a wrong one. The scan of the message runs only in that rare case.
// (The halves of "[object Object]" count too: some processors split text on
// spaces.)
function junk(s) {
  return s.indexOf("undefined") >= 0 || s.indexOf("[object") >= 0 || s.indexOf("Object]") >= 0;
}

// suspect is junk's cheap first pass, over all of a result's text at once:
// every native call counts in goja, and it is almost always false.
function suspect(s) {
  return s.indexOf("ndefined") >= 0 || s.indexOf("bject") >= 0;
}

function saysJunk(v, depth) {
  if (typeof v === "string") return junk(v);
  if (v === null || typeof v !== "object" || depth > 8) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (saysJunk(v[i], depth + 1)) return true;
    return false;
  }
  const ks = Object.keys(v);
  for (let i = 0; i < ks.length; i++) if (saysJunk(v[ks[i]], depth + 1)) return true;
  return false;
}

function listText(list) {
  return list.length === 0 ? "" : list.length === 1 ? list[0] : list.join("\n");
}

function cleanList(list) {
  if (list.length === 0 || !suspect(listText(list))) return list;
  return list.filter((x) => !junk(x));
}

// scrub drops the junk from a result whose text looked suspect, unless the
// message itself says "undefined" or "[object".
function scrub(r, c) {
  if (saysJunk(c.msg, 0)) return r;
  if (junk(r.subtitle)) r.subtitle = "";
  if (r.link !== null && junk(r.link)) r.link = null;
  if (r.icon !== null && junk(r.icon)) r.icon = null;
  if (r.secondary_icon !== null && junk(r.secondary_icon)) r.secondary_icon = null;
  r.usernames = cleanList(r.usernames);
  r.packages = cleanList(r.packages);
  r.objects = cleanList(r.objects);
  return r;
}

/**
 * meta describes one fedmsg envelope: {title, subtitle, link, icon,
 * secondary_icon, usernames, packages, objects}. The three lists are sorted
 * arrays of unique strings; link and the icons are null when nothing applies.
 */
export function meta(env) {
  const c = fill(scratch, env);
  const p = c.proc;
  const icon = typeof p.iconFor === "function" ? call(p, "iconFor", c, null) : p.icon || null;
  const subtitle = call(p, "subtitle", c, "");
  const link = call(p, "link", c, null);
  const secondary = call(p, "secondary_icon", c, null);
  const objects = list(p, "objects", c);
  // Types first: a number says something, an object copied from a message
  // whose schema changed says nothing. (Inline: calls cost in goja.)
  const r = {
    title: c.title,
    subtitle: typeof subtitle === "string" ? subtitle : typeof subtitle === "number" ? String(subtitle) : "",
    link: typeof link === "string" ? link : null,
    icon: typeof icon === "string" ? icon : null,
    secondary_icon: typeof secondary === "string" ? secondary : null,
    usernames: list(p, "usernames", c),
    packages: list(p, "packages", c),
    objects,
  };
  // Then one search over the built text run together (null reads "null",
  // which is no junk; a marker made up across a seam only costs scrub's
  // closer look). Usernames and packages are names: normalize already
  // dropped the junk ones, by comparison.
  const all = r.subtitle + r.link + r.secondary_icon + r.icon +
    (objects.length === 0 ? "" : objects.length === 1 ? objects[0] : objects.join("\n"));
  return suspect(all) ? scrub(r, c) : r;
}

// KNOWN is where the Hubs engine leaves this library's own answer on the message it hands
// shouldInvalidate and hints.messageUsernames (runtime.MetaSymbolKey): it ran usernames()
// and packages() on the message once, so the widgets it asks about the message need not.
// A message from anywhere else (the browser's, a test's) has none: the answer is worked out.
const KNOWN = Symbol.for("hubs.fedmsg.meta");

function known(env, field) {
  const k = env !== null && typeof env === "object" ? env[KNOWN] : undefined;
  return k !== undefined && Array.isArray(k[field]) ? k[field].slice() : undefined;
}

/** usernames returns only the message's sorted unique usernames (the hint index's need). */
export function usernames(env) {
  const k = known(env, "usernames");
  if (k !== undefined) return k;
  const c = fill(scratch, env);
  return list(c.proc, "usernames", c);
}

/** packages returns only the message's sorted unique package names (the archive's need). */
export function packages(env) {
  const k = known(env, "packages");
  if (k !== undefined) return k;
  const c = fill(scratch, env);
  return list(c.proc, "packages", c);
}

/**
 * conglomerate groups related envelopes (one person doing the same thing to
 * many packages, one meeting's many lines, one pull request's comments, ...)
 * into feed entries, in the input's order. Every entry has the same shape,
 * whether it stands for one message or many: {subtitle, link, icon,
 * secondary_icon, usernames, packages, topics, categories, start_time,
 * end_time, timestamp (the mean), msg_ids}.
 *
 * It describes each message once per module evaluation: an envelope whose
 * msg_id (a non-empty string), topic and timestamp were described before, in
 * this call or an earlier one, gets that answer again (see recallMeta in
 * ./meta/util.js), so a feed's rebuild describes only the messages new since
 * the last one (topic and time too: recorded sets reuse ids for different
 * messages). meta() itself does not
 * remember: its other callers (shouldInvalidate, the hint index) see each
 * message once.
 *
 * With a limit, conglomerate(envelopes, limit) is conglomerate(envelopes)
 * .slice(0, limit) for less: all the messages are grouped, but the lone
 * messages past the limit are never described (a feed fetches three times the
 * rows it shows, and building the entries it then dropped was half of
 * conglomerate's time).
 */
export function conglomerate(envelopes, limit) {
  return conglomerateMessages(envelopes, rememberedMeta, context, limit);
}

// rememberedMeta is meta() through the memo. Its answers are shared between
// calls, so conglomerateMessages only reads them (its entries are copies).
// It keeps only the fields conglomerateMessages reads: title and objects
// (a commit's list of files...) were four fifths of the memo's memory.
// The key is the msg_id with the topic and the time: in the archive a msg_id is one
// message, but recorded sets (the fixtures, a replay) reuse ids for different messages.
function rememberedMeta(env) {
  const msgID = env.msg_id;
  if (typeof msgID !== "string" || msgID === "") return meta(env);
  const id = msgID + "\u0000" + env.topic + "\u0000" + env.timestamp;
  let r = recallMeta(id);
  if (r === undefined) {
    const m = meta(env);
    r = {
      subtitle: m.subtitle,
      link: m.link,
      icon: m.icon,
      secondary_icon: m.secondary_icon,
      usernames: m.usernames,
      packages: m.packages,
    };
    rememberMeta(id, r);
  }
  return r;
}
