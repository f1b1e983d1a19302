// Tries every way to leave state behind for other calls.
let counter = 0;
const seen = new Map();

function attempt(results, name, f) {
  try {
    f();
    results[name] = "allowed";
  } catch (e) {
    results[name] = e.name;
  }
}

export default {
  title: "Polluter",
  params: { tag: { type: "string" } },
  hints: { topics: ["x.y"] },
  data(ctx, config) {
    counter++;
    seen.set(config.tag, true);
    const r = {};
    attempt(r, "global", () => { globalThis.leak = "secret"; });
    attempt(r, "implicitGlobal", () => { leak2 = "secret"; });
    attempt(r, "defineGlobal", () => { Object.defineProperty(globalThis, "leak4", { value: 1 }); });
    attempt(r, "objectPrototype", () => { Object.prototype.polluted = "secret"; });
    attempt(r, "protoSetter", () => { ({}).__proto__.polluted2 = "secret"; });
    attempt(r, "arrayPrototype", () => { Array.prototype.map = () => "hijacked"; });
    attempt(r, "json", () => { JSON.parse = () => "hijacked"; });
    attempt(r, "iteratorPrototype", () => { Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())).leak = 1; });
    attempt(r, "sloppyFunction", () => { Function("this.leak3 = 1")(); });
    attempt(r, "ctx", () => { ctx.hub.name = "other"; });
    // ctx's functions and namespaces are shared by every call on a runtime.
    attempt(r, "ctxFunction", () => { ctx.fetch.leak = "secret"; });
    attempt(r, "ctxNamespace", () => { ctx.messages.leak = "secret"; });
    attempt(r, "ctxNested", () => { ctx.log.info.leak = "secret"; });
    attempt(r, "errorSubclassName", () => {
      class MyError extends Error {
        constructor() { super("m"); this.name = "MyError"; }
      }
      if (new MyError().name !== "MyError") throw new Error("override broken");
    });
    attempt(r, "ownToString", () => {
      const o = {};
      o.toString = () => "mine";
      if (String(o) !== "mine") throw new Error("override broken");
    });
    return { counter, tags: [...seen.keys()], results: r };
  },
  template(data, h) {
    let tried = "allowed";
    try { h.escape = () => "hijacked"; } catch (e) { tried = e.name; }
    return h.html`<p>${tried}</p>`;
  },
  shouldInvalidate(message, widget) {
    try { message.topic = "changed"; } catch (e) {}
    try { message.msg.injected = true; } catch (e) {}
    // The one change a read-only view takes: another prototype, for it or a view inside.
    try { Object.setPrototypeOf(message, { injected: true }); } catch (e) {}
    try { Object.setPrototypeOf(message.msg, { injected: true }); } catch (e) {}
    return false;
  },
};
