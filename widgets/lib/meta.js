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
// A processor is a plain object; every member is optional:
//   icon            string: the service's icon, used when icon() is absent
//   subtitle(c)     string
//   link(c)         string | null
//   icon(c)         string | null (a function named iconFor to avoid clashing)
//   secondary_icon(c)
//   usernames(c), packages(c), objects(c): arrays (order and repeats do not matter)
// where c = {env, msg, topic, rest, parts}: env is the envelope, msg its body,
// rest the topic after "<prefix>.<env>.<category>." ("" when nothing follows).
// A processor may throw on a message shaped unlike the service's usual ones:
// that field then falls back to its empty value, and the other fields stand.

import { normalize, avatar } from "./meta/util.js";
export { setAccounts } from "./meta/util.js";
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
    for (const k of USER_KEYS) {
      const v = m[k];
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

// context splits the topic once; processors read what they need from it.
function context(env) {
  const topic = env && typeof env.topic === "string" ? env.topic : "";
  const msg = env && env.msg && typeof env.msg === "object" ? env.msg : {};
  const parts = topic.split(".");
  let proc = null;
  let restAt = 4;
  let title = parts.length > 3 ? parts.slice(3).join(".") : topic;
  if (parts.length > 3) proc = registry.get(parts[3]) || null;
  if (proc === null && registry.has(parts[0])) {
    // A bare topic without "<prefix>.<env>." (some services' test messages).
    proc = registry.get(parts[0]);
    restAt = 1;
    title = topic;
  }
  if (proc === null) proc = fallback;
  const rest = parts.length > restAt ? parts.slice(restAt).join(".") : "";
  return { env: env || {}, msg, topic, parts, rest, title, proc };
}

function call(p, fn, c, dflt) {
  const f = p[fn];
  if (typeof f !== "function") return dflt;
  try {
    const v = f.call(p, c);
    return v === undefined ? dflt : v;
  } catch (e) {
    return dflt;
  }
}

function list(p, fn, c) {
  return normalize(call(p, fn, c, null));
}

/**
 * meta describes one fedmsg envelope: {title, subtitle, link, icon,
 * secondary_icon, usernames, packages, objects}. The three lists are sorted
 * arrays of unique strings; link and the icons are null when nothing applies.
 */
export function meta(env) {
  const c = context(env);
  const p = c.proc;
  const icon = typeof p.iconFor === "function" ? call(p, "iconFor", c, null) : p.icon || null;
  return {
    title: c.title,
    subtitle: call(p, "subtitle", c, ""),
    link: call(p, "link", c, null),
    icon: icon === undefined ? null : icon,
    secondary_icon: call(p, "secondary_icon", c, null),
    usernames: list(p, "usernames", c),
    packages: list(p, "packages", c),
    objects: list(p, "objects", c),
  };
}

/** usernames returns only the message's sorted unique usernames (the hint index's need). */
export function usernames(env) {
  const c = context(env);
  return list(c.proc, "usernames", c);
}

/** packages returns only the message's sorted unique package names (the archive's need). */
export function packages(env) {
  const c = context(env);
  return list(c.proc, "packages", c);
}

/**
 * conglomerate groups related envelopes (one user doing the same thing to
 * many packages, one build's state changes, ...) into feed entries. Each
 * entry is either a single message's meta plus its msg_id, or a group with
 * subtitle, link, icons, usernames, packages, start_time, end_time,
 * timestamp and the msg_ids it covers. Order follows the input.
 */
export function conglomerate(envelopes) {
  return conglomerateMessages(envelopes, meta, context);
}
