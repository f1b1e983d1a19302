// A widget that exposes widgets/lib/meta.js to the Go tests of record
// (runtime/meta_test.go): the runtime runs lib code only inside a widget, so
// this one hands its config's envelopes to meta() and returns the results.
// The test copies widgets/lib next to this file into a temporary widgets root.
import { clearCaches, conglomerate, meta, setAccounts, usernames } from "./lib/meta.js";

// Envelopes a benchmark loaded once; module state lasts per instance.
let loaded = [];

export default {
  title: "meta.js under test",
  params: {},
  data(ctx, config) {
    setAccounts(config.accounts || {});
    if (config.load) {
      loaded = config.load;
      return loaded.length;
    }
    if (config.run === "clear") {
      clearCaches();
      return 0;
    }
    if (config.run) {
      // One pass of meta() (or a fast path) over the loaded envelopes.
      let n = 0;
      if (config.cold) clearCaches();
      for (const env of loaded) {
        const r = config.run === "usernames" ? usernames(env) : meta(env);
        n += r.length === undefined ? 1 : 0;
      }
      return n;
    }
    if (config.groups) return config.groups.map((g) => conglomerate(g, config.limit));
    return (config.envelopes || []).map((env) => meta(env));
  },
  template() {
    return "";
  },
  // Where meta() runs in production: on every bus message, inside
  // shouldInvalidate. The benchmark uses config.mode to compare meta(), the
  // usernames() fast path, and a baseline that does not call the library.
  shouldInvalidate(message, widget) {
    const mode = widget.config.mode;
    if (mode === "meta") return meta(message).title === null;
    if (mode === "usernames") return usernames(message).length < 0;
    return false;
  },
};
