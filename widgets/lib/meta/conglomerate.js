// Conglomeration: folding related bus messages into one feed entry ("ralph
// commented on 3 updates", "pingou pushed 5 commits to pagure"), after
// fedmsg.meta's conglomerators.
//
// Each processor may list `conglomerators`: {handles(c), matches(a, b),
// merge(cs, t)} where a, b and cs are message contexts (see meta.js) and t is
// the group's template below. The grouping is fedmsg.meta's: take the first
// message a conglomerator handles that has later matches (each compared with
// that first message), replace them all by one merged entry at the first
// one's place, and go on; then the next conglomerator. It is quadratic in
// the number of messages, which is fine for a feed page.

function num(v) {
  return typeof v === "number" && isFinite(v) ? v : null;
}

// template holds what every entry has, whether it groups one message or many.
// It only reads the messages' descriptions, and what it returns shares no
// object with them (texts are copied, lists built anew): a description may
// be one conglomerate() remembered from an earlier call and hands out again
// (meta.js), so a caller or a merge that changes an entry must not change it.
// It runs once per feed entry, so it is written for goja: one loop with
// indexed stores instead of map/filter/Set/Array.from and their iterators,
// and short sorts by insertion (BenchmarkFeedRebuild/memo in runtime/: 8 ->
// 2.5 ms for a page of 60 messages, same entries).
function template(cs, metaOf) {
  const usernames = [];
  const packages = [];
  const topics = [];
  const categories = [];
  const msgIDs = [];
  let nu = 0;
  let np = 0;
  let ni = 0;
  let first = null;
  let n = 0;
  let sum = 0;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    const m = metaOf(c);
    if (i === 0) first = m;
    const mu = m.usernames;
    for (let k = 0; k < mu.length; k++) usernames[nu++] = mu[k];
    const mp = m.packages;
    for (let k = 0; k < mp.length; k++) packages[np++] = mp[k];
    topics[i] = c.topic;
    categories[i] = c.category;
    const t = num(c.env.timestamp);
    if (t !== null) {
      if (n === 0 || t < lo) lo = t;
      if (n === 0 || t > hi) hi = t;
      sum += t;
      n++;
    }
    const id = c.env.msg_id;
    if (typeof id === "string") msgIDs[ni++] = id;
  }
  return {
    subtitle: first.subtitle,
    link: first.link,
    icon: first.icon,
    secondary_icon: first.secondary_icon,
    usernames: sortedUnique(usernames),
    packages: sortedUnique(packages),
    topics: sortedUnique(topics),
    categories: sortedUnique(categories),
    start_time: n ? lo : null,
    end_time: n ? hi : null,
    timestamp: n ? sum / n : null,
    msg_ids: msgIDs,
  };
}

// sortedUnique sorts a list of strings in place, in the order of
// Array.prototype.sort, drops repeats, and returns it. A message's own lists
// are sorted already, and a group's are short, so insertion is the sort
// (goja's native sort costs microseconds even for three items).
function sortedUnique(a) {
  if (a.length < 2) return a;
  if (a.length > 32) {
    a.sort();
  } else {
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
  let w = 1;
  for (let i = 1; i < a.length; i++) {
    if (a[i] !== a[w - 1]) a[w++] = a[i];
  }
  a.length = w;
  return a;
}

function safe(f, self, a, b) {
  try {
    return f.call(self, a, b);
  } catch (e) {
    return false;
  }
}

/**
 * conglomerateMessages groups envelopes using each processor's
 * conglomerators; contextOf gives a message's context (with its processor)
 * and meta its description (at least subtitle, link, icon, secondary_icon,
 * usernames and packages, as meta() returns them), which is read and never
 * changed. Entries keep the input's order. With a limit, the result is the
 * whole result's .slice(0, limit): every message still takes part in the
 * grouping (and groups are built as they form), but a lone message past the
 * limit is never described.
 */
export function conglomerateMessages(envelopes, meta, contextOf, limit) {
  if (!Array.isArray(envelopes)) return [];
  const metas = new Map();
  const metaOf = (c) => {
    let m = metas.get(c);
    if (m === undefined) {
      m = meta(c.env);
      metas.set(c, m);
    }
    return m;
  };
  let items = [];
  const procs = [];
  // Indexed loops on the paths every feed rebuild takes: goja's for-of makes an object per
  // step (the iterator's result), a tenth of what a rebuild allocated.
  for (let e = 0; e < envelopes.length; e++) {
    const env = envelopes[e];
    if (!env || typeof env !== "object") continue;
    const c = contextOf(env);
    items.push({ c, entry: null });
    if (procs.indexOf(c.proc) < 0) procs.push(c.proc);
  }
  for (const proc of procs) {
    for (const cg of proc.conglomerators || []) {
      const usable = (it) => it.entry === null && it.c.proc === proc && safe(cg.handles, cg, it.c);
      // One sweep suffices: a message that had no match among those after
      // it has none among fewer of them, so after a merge the scan goes on
      // from the merged entry (fedmsg.meta restarted from the top, to the
      // same result).
      for (let i = 0; i < items.length; i++) {
        if (!usable(items[i])) continue;
        const idx = [i];
        for (let j = i + 1; j < items.length; j++) {
          if (usable(items[j]) && safe(cg.matches, cg, items[i].c, items[j].c)) idx.push(j);
        }
        if (idx.length < 2) continue;
        const cs = idx.map((k) => items[k].c);
        const t = template(cs, metaOf);
        let entry;
        try {
          entry = Object.assign(t, cg.merge(cs, t));
        } catch (e) {
          // A group the conglomerator cannot describe stays ungrouped.
          continue;
        }
        const drop = new Set(idx);
        const next = [];
        for (let k = 0; k < items.length; k++) {
          if (k === i) next.push({ c: cs[0], entry });
          else if (!drop.has(k)) next.push(items[k]);
        }
        items = next;
      }
    }
  }
  // The limit as Array.prototype.slice reads its end: a number or what converts to one,
  // truncated, NaN as 0, a negative one counted from the end; undefined is all.
  let n = items.length;
  if (limit !== undefined) {
    let k = Math.trunc(Number(limit));
    if (Number.isNaN(k)) k = 0;
    n = k < 0 ? Math.max(items.length + k, 0) : Math.min(k, items.length);
  }
  const entries = new Array(n);
  for (let i = 0; i < n; i++) entries[i] = items[i].entry || template([items[i].c], metaOf);
  return entries;
}
