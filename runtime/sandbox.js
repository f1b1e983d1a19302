// The sandbox glue, evaluated once in every pooled goja runtime (see vm.go).
// It is a plain script whose value is a function: Go calls it with the host
// natives and gets back the few functions the Go side needs, then harden()
// freezes the realm. Nothing here is reachable from widget code except through
// the frozen objects it builds (ctx, responses).
(function (natives) {
  "use strict";

  // deepFreeze freezes v and everything reachable from it through own
  // properties (data and accessors) and prototypes.
  function deepFreeze(v) {
    const stack = [v];
    const seen = new Set();
    while (stack.length > 0) {
      const o = stack.pop();
      if ((typeof o !== "object" && typeof o !== "function") || o === null || seen.has(o)) continue;
      seen.add(o);
      Object.freeze(o);
      for (const k of Reflect.ownKeys(o)) {
        const d = Reflect.getOwnPropertyDescriptor(o, k);
        if (d === undefined) continue;
        if ("value" in d) stack.push(d.value);
        else { stack.push(d.get); stack.push(d.set); }
      }
      stack.push(Object.getPrototypeOf(o));
    }
    return v;
  }

  // freezeData freezes a JSON value (plain objects and arrays only): cheaper
  // than deepFreeze for the parsed bus message, whose prototypes are already
  // frozen intrinsics.
  function freezeData(v) {
    if (typeof v !== "object" || v === null) return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) freezeData(v[i]);
    } else {
      for (const k in v) freezeData(v[k]);
    }
    return Object.freeze(v);
  }

  // freezeAll finishes freezing what Go's JSON builder made: objects whose
  // properties are already read-only only need to stop taking new ones.
  function freezeAll(objects, arrays) {
    for (let i = 0; i < objects.length; i++) Object.preventExtensions(objects[i]);
    for (let i = 0; i < arrays.length; i++) Object.freeze(arrays[i]);
  }

  // allowOverride turns data properties of a shared prototype into accessors
  // whose setter defines an own property on the receiver. Without it, freezing
  // Object.prototype breaks ordinary code such as `this.name = "MyError"` in an
  // Error subclass or `obj.toString = f` (the "override mistake").
  function allowOverride(proto, names) {
    for (const name of names) {
      const d = Object.getOwnPropertyDescriptor(proto, name);
      if (d === undefined || !("value" in d) || !d.configurable) continue;
      const value = d.value;
      Object.defineProperty(proto, name, {
        get() { return value; },
        set(v) {
          if (this === proto) throw new TypeError("Cannot assign to read only property '" + String(name) + "' of a shared prototype");
          Object.defineProperty(this, name, { value: v, writable: true, enumerable: true, configurable: true });
        },
        enumerable: d.enumerable,
        configurable: false,
      });
    }
  }

  // plainCopy copies v into plain data the way JSON.stringify reads it
  // (toJSON applied, each getter read once, functions and symbols dropped),
  // refusing more than maxDepth levels, so a cycle ends too.
  function plainCopy(v, maxDepth) {
    return copy(v, "", 0);
    function copy(x, key, depth) {
      if (x !== null && (typeof x === "object" || typeof x === "bigint") && typeof x.toJSON === "function") x = x.toJSON(key);
      if (typeof x !== "object" || x === null) return x;
      if (depth >= maxDepth) throw new RangeError("JSON.stringify: value nested deeper than " + maxDepth + " levels (or a cycle)");
      if (Array.isArray(x)) {
        const out = [];
        for (let i = 0; i < x.length; i++) {
          const e = x[i];
          out.push(typeof e === "object" && e !== null ? copy(e, String(i), depth + 1) : e);
        }
        return out;
      }
      if (x instanceof Number || x instanceof String || x instanceof Boolean) return x.valueOf();
      const out = {};
      const keys = Object.keys(x);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        const e = x[k];
        const c = typeof e === "object" && e !== null ? copy(e, k, depth + 1) : e;
        if (k === "__proto__") Object.defineProperty(out, k, { value: c, writable: true, enumerable: true, configurable: true });
        else out[k] = c;
      }
      return out;
    }
  }

  // safeStringify replaces JSON.stringify for widget code. The native one
  // cannot be interrupted by the time limit, recurses on the Go stack, and
  // checks for cycles in time proportional to the depth: a value nested a
  // million levels deep would hold a runtime for hours. It now only ever
  // sees a bounded plain copy made in (interruptible) JavaScript. With a
  // replacer function the native code calls back into JavaScript at every
  // level, where an interrupt lands, so no copy is needed.
  const nativeStringify = JSON.stringify;
  const STRINGIFY_MAX_DEPTH = 500; // under the call depth limit (1000 by default)
  function stringify(value, replacer, space) {
    if (typeof replacer === "function") return nativeStringify(value, replacer, space);
    return nativeStringify(plainCopy(value, STRINGIFY_MAX_DEPTH), replacer, space);
  }

  // String amplifiers: "x".repeat(1e9) is one native call that allocates
  // gigabytes before any limit can look. Results are capped at 64 Mi
  // characters, far above what the output cap lets a widget return anyway.
  const MAX_STRING = 64 * 1024 * 1024;
  function capStrings() {
    const proto = String.prototype;
    for (const name of ["repeat", "padStart", "padEnd"]) {
      const native = proto[name];
      const wrapped = {
        [name](n, fill) {
          const len = String(this).length;
          const size = name === "repeat" ? len * Number(n) : Number(n);
          if (size > MAX_STRING) throw new RangeError("String.prototype." + name + ": result longer than " + MAX_STRING + " characters");
          return name === "repeat" ? native.call(this, n) : native.call(this, n, fill);
        },
      }[name];
      Object.defineProperty(proto, name, { value: wrapped, writable: true, configurable: true, enumerable: false });
    }
  }

  // harden freezes every intrinsic reachable from the global object, the ones
  // only reachable through syntax (generator, async and iterator prototypes),
  // and the global object itself. Widget code is compiled in strict mode, so a
  // write to any of them throws instead of leaking into the next call.
  function harden() {
    // goja's constructor for wrapped Go errors: nothing a widget needs, and
    // the runtime never wraps a Go value for JavaScript.
    delete globalThis.GoError;
    Object.defineProperty(JSON, "stringify", { value: stringify, writable: true, configurable: true, enumerable: false });
    capStrings();
    const common = ["constructor", "toString", "valueOf", "toLocaleString"];
    allowOverride(Object.prototype, common.concat(["hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable"]));
    for (const E of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]) {
      allowOverride(E.prototype, ["name", "message", "constructor", "toString"]);
    }
    allowOverride(Function.prototype, ["toString", "constructor"]);
    allowOverride(Array.prototype, ["toString", "constructor"]);
    allowOverride(Promise.prototype, ["constructor", "then"]);
    const roots = [
      globalThis,
      Object.getPrototypeOf(function* () {}),
      Object.getPrototypeOf(async function () {}),
      Object.getPrototypeOf([][Symbol.iterator]()),
      Object.getPrototypeOf(""[Symbol.iterator]()),
      Object.getPrototypeOf(new Map()[Symbol.iterator]()),
      Object.getPrototypeOf(new Set()[Symbol.iterator]()),
      Object.getPrototypeOf(/x/[Symbol.matchAll]("x")),
      Object.getPrototypeOf(Int8Array),
      (function () { return arguments; })(),
    ];
    for (const r of roots) deepFreeze(r);
  }

  function failure(r) {
    // natives return [error message] on failure, [null, result...] on success.
    if (r[0] !== null) throw new Error(r[0]);
    return r;
  }

  function makeResponse(status, url, headersJSON, body) {
    const headers = Object.freeze(JSON.parse(headersJSON));
    return Object.freeze({
      status,
      ok: status >= 200 && status < 300,
      url,
      headers,
      text() { return Promise.resolve(body); },
      json() {
        try { return Promise.resolve(JSON.parse(body)); } catch (e) { return Promise.reject(e); }
      },
    });
  }

  function asPromise(f) {
    try { return Promise.resolve(f()); } catch (e) { return Promise.reject(e); }
  }

  // The members of ctx that are the same for every call are made once per runtime and
  // frozen, functions included: they are shared by every widget's calls, so nothing may be
  // left on them (each native finds the call in progress itself).
  const ctxLog = Object.freeze({
    info: Object.freeze((msg, fields) => { natives.log("info", String(msg), JSON.stringify(fields ?? {})); }),
    warn: Object.freeze((msg, fields) => { natives.log("warn", String(msg), JSON.stringify(fields ?? {})); }),
    error: Object.freeze((msg, fields) => { natives.log("error", String(msg), JSON.stringify(fields ?? {})); }),
  });
  const ctxMessages = Object.freeze({
    grep: Object.freeze((q) => asPromise(() => failure(natives.grep(JSON.stringify(q ?? {})))[1])),
    count: Object.freeze((q) => asPromise(() => failure(natives.count(JSON.stringify(q ?? {})))[1])),
    histogram: Object.freeze((q) => asPromise(() => failure(natives.histogram(JSON.stringify(q ?? {})))[1])),
  });
  const ctxFetch = Object.freeze((url, opts) => asPromise(() => {
    const r = failure(natives.fetch(String(url), JSON.stringify(opts ?? {})));
    return makeResponse(r[1], r[2], r[3], r[4]);
  }));
  const ctxUser = Object.freeze((name) => asPromise(() => failure(natives.user(String(name)))[1]));
  const ctxNow = Object.freeze(() => new Date(natives.now()));

  // makeCtx builds the ctx argument of one data() call (hub, settings and
  // widget come frozen from Go). Every I/O member returns a promise, as in
  // the browser: `await` works the same everywhere.
  function makeCtx(hub, settings, widget) {
    return Object.freeze({
      fetch: ctxFetch,
      messages: ctxMessages,
      user: ctxUser,
      now: ctxNow,
      log: ctxLog,
      hub,
      settings,
      widget,
    });
  }

  return { deepFreeze, freezeData, freezeAll, harden, makeCtx, parse: JSON.parse, stringify: JSON.stringify };
})
