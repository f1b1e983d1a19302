// A widget that exercises the memo conglomerate() keeps of meta()'s answers
// per message (runtime/meta_memo_test.go). lib/meta.js's state, the memo
// with it, lasts between data() calls and is shared by the widget's
// instances on a runtime, as a feed's is between rebuilds; this file's own
// state (the benchmark's corpus and page) is per instance. The test copies
// widgets/lib next to this file into a temporary widgets root.
import { clearCaches, conglomerate, setAccounts } from "./lib/meta.js";

// corpus is what a benchmark loaded once; page is its feed page, newest first.
let corpus = [];
let page = [];
let serial = 0;

// stamp is env under a msg_id no call has used before (a new bus message).
function stamp(env) {
  serial++;
  return Object.assign({}, env, { msg_id: "bench-" + serial });
}

// vandalise changes everything a caller could change in conglomerate's
// entries: none of it may reach the next call's entries.
function vandalise(entries) {
  for (const e of entries) {
    for (const k of ["usernames", "packages", "topics", "categories", "msg_ids"]) e[k].push("vandal");
    e.usernames.sort().reverse();
    e.subtitle = "vandal";
    e.link = "vandal";
    e.icon = "vandal";
    e.secondary_icon = "vandal";
  }
}

export default {
  title: "meta.js memo under test",
  params: {},
  data(ctx, config) {
    // Only when asked: the table changes meta()'s answers, so installing
    // it empties the memo.
    if (config.accounts) setAccounts(config.accounts);
    if (config.clear) clearCaches();
    if (config.groups) {
      if (!config.vandalise) return config.groups.map((g) => conglomerate(g));
      return config.groups.map((g) => {
        const first = conglomerate(g);
        const before = JSON.parse(JSON.stringify(first));
        vandalise(first);
        return { before, after: conglomerate(g) };
      });
    }
    if (config.load) {
      corpus = config.load;
      page = [];
      return corpus.length;
    }
    if (config.rebuild) {
      // One feed rebuild: a new message on top of a page of config.rows,
      // or (config.fresh) a page of nothing but new messages, which is
      // what every rebuild cost before the memo. config.show entries are
      // built, as feed.js shows a third of the rows it fetches.
      const env = stamp(corpus[serial % corpus.length]);
      page.unshift(env);
      if (page.length > config.rows) page.pop();
      if (config.fresh) page = page.map(stamp);
      return conglomerate(page, config.show).length;
    }
    return null;
  },
  template() {
    return "";
  },
};
