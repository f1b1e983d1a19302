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

function sortedUnion(lists) {
  const set = new Set();
  for (const l of lists) for (const x of l) set.add(x);
  return Array.from(set).sort();
}

// template holds what every entry has, whether it groups one message or many.
// It only reads the messages' descriptions, and what it returns shares no
// object with them (texts are copied, lists built anew): a description may
// be one conglomerate() remembered from an earlier call and hands out again
// (meta.js), so a caller or a merge that changes an entry must not change it.
function template(cs, metaOf) {
  const metas = cs.map((c) => metaOf(c));
  const times = cs.map((c) => num(c.env.timestamp)).filter((t) => t !== null);
  let sum = 0;
  for (const t of times) sum += t;
  return {
    subtitle: metas[0].subtitle,
    link: metas[0].link,
    icon: metas[0].icon,
    secondary_icon: metas[0].secondary_icon,
    usernames: sortedUnion(metas.map((m) => m.usernames)),
    packages: sortedUnion(metas.map((m) => m.packages)),
    topics: Array.from(new Set(cs.map((c) => c.topic))).sort(),
    categories: Array.from(new Set(cs.map((c) => c.category))).sort(),
    start_time: times.length ? Math.min.apply(null, times) : null,
    end_time: times.length ? Math.max.apply(null, times) : null,
    timestamp: times.length ? sum / times.length : null,
    msg_ids: cs.map((c) => c.env.msg_id).filter((id) => typeof id === "string"),
  };
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
 * and meta its description, which is read and never changed. Entries keep
 * the input's order.
 */
export function conglomerateMessages(envelopes, meta, contextOf) {
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
  for (const env of envelopes) {
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
  return items.map((it) => it.entry || template([it.c], metaOf));
}
