// hubs.js: the client runtime of a hub page. No framework, no build step.
//
// The page arrives complete from the server; this module only keeps it live. It imports
// the modules of the widgets on the page (the very files the server runs), listens to the
// hub's event stream, and re-renders exactly the widget an update names, with that
// widget's own template and the same h helpers the server used.
import * as h from "./h.js";
import { renderInto, setStatus, showError } from "./render.js";

const main = document.getElementById("hub");
if (main) start(main);
postWidgetForms(document.querySelector('meta[name="csrf-token"]')?.content || "");

function start(main) {
  const hub = main.dataset.hub;
  const base = "/" + encodeURIComponent(hub);
  const modules = new Map(); // module URL -> Promise of the module
  const queues = new Map(); // widget id -> the promise of its last update, to keep order
  const conn = document.getElementById("hubs-conn");

  const load = (url) => {
    let p = modules.get(url);
    if (!p) {
      p = import(url);
      modules.set(url, p);
      p.catch(() => modules.delete(url)); // a failed import may be retried
    }
    return p;
  };
  const sections = () => Array.from(main.querySelectorAll("section.widget[data-idx]"));
  const sectionOf = (idx) => main.querySelector(`section.widget[data-idx="${Number(idx)}"]`);
  const moduleURL = (name, version) => `/widgets/${version}/${name.split(".").join("/")}.js`;
  const preload = () => {
    for (const s of sections()) if (s.dataset.module) load(s.dataset.module).catch(() => {});
  };

  // inOrder runs the updates of one widget one after the other (an import may be slow).
  const inOrder = (idx, fn) => {
    const key = String(idx); // events carry numbers, data-idx strings: one queue for both
    const next = (queues.get(key) || Promise.resolve()).then(fn).catch((err) => console.error("hubs: widget", key, err));
    queues.set(key, next);
    return next;
  };

  // render shows data in a section with the module of version.
  async function render(section, name, version, data) {
    const mod = await load(moduleURL(name, version));
    let html;
    try {
      html = h.render(mod.default.template(data, h));
    } catch (err) {
      showError(section, "This widget could not be shown: " + err.message);
      return;
    }
    section.dataset.version = version;
    section.dataset.module = moduleURL(name, version);
    section.classList.remove("failed");
    if (renderInto(section, html)) flash(section);
  }

  function onWidget(u) {
    const section = sectionOf(u.idx);
    if (!section) return;
    inOrder(u.idx, async () => {
      await render(section, u.name, u.version || section.dataset.version, u.data);
      setStatus(section, u.stale ? "Showing older data: " + (u.error || "the latest update failed") : "");
    });
  }

  function onCode(u) {
    const section = sectionOf(u.idx);
    if (!section) return;
    inOrder(u.idx, async () => {
      await load(moduleURL(u.name, u.version));
      const data = await getJSON(`${base}/${u.idx}/json`);
      await render(section, u.name, u.version, data);
      setStatus(section, "");
    });
  }

  function onError(u) {
    const section = sectionOf(u.idx);
    if (!section) return;
    inOrder(u.idx, async () => {
      const text = "Error: " + (u.error || "the widget failed") + (u.pos && !String(u.error).startsWith(u.pos) ? " (" + u.pos + ")" : "");
      if (section.classList.contains("failed")) showError(section, text);
      else setStatus(section, text);
    });
  }

  // layoutOf the page as "id:column:position" lines, to compare with the server's.
  const pageLayout = () => sections().map((s) => `${s.dataset.idx}:${s.dataset.column}:${s.dataset.position}`).join(",");
  const hubLayout = (hubJSON) => hubJSON.widgets.map((w) => `${w.id}:${w.column}:${w.position}`).join(",");

  // swapPage fetches the page again and puts its widgets in place of the current ones.
  async function swapPage() {
    const res = await fetch(location.pathname, { headers: { Accept: "text/html" }, credentials: "same-origin" });
    if (!res.ok) throw new Error("GET " + location.pathname + ": " + res.status);
    const doc = new DOMParser().parseFromString(await res.text(), "text/html");
    const fresh = doc.getElementById("hub");
    if (!fresh) return;
    const y = window.scrollY;
    main.replaceChildren(...Array.from(fresh.childNodes, (n) => document.importNode(n, true)));
    const add = doc.querySelector(".add-widget");
    const oldAdd = document.querySelector(".add-widget");
    if (add && oldAdd) oldAdd.replaceWith(document.importNode(add, true));
    window.scrollTo(0, y);
    preload();
  }

  // resync brings everything up to date after missed updates (reload) or a layout
  // change: the layout from /{hub}/json, then every widget's data.
  async function resync() {
    if (main.classList.contains("alone")) {
      for (const s of sections()) {
        const data = await getJSON(`${base}/${s.dataset.idx}/json`);
        await inOrder(s.dataset.idx, () => render(s, s.dataset.name, s.dataset.version, data));
      }
      return;
    }
    const hubJSON = await getJSON(`${base}/json`);
    if (hubLayout(hubJSON) !== pageLayout()) {
      await swapPage();
      return;
    }
    await Promise.all(sections().map(async (s) => {
      if (!s.dataset.version) return;
      const data = await getJSON(`${base}/${s.dataset.idx}/json`).catch(() => undefined);
      if (data !== undefined) await inOrder(s.dataset.idx, () => render(s, s.dataset.name, s.dataset.version, data));
    }));
  }

  async function onLayout() {
    if (main.classList.contains("alone")) return;
    const hubJSON = await getJSON(`${base}/json`);
    if (hubLayout(hubJSON) !== pageLayout()) await swapPage();
  }

  const setState = (state) => {
    if (!conn) return;
    conn.hidden = false;
    conn.dataset.state = state;
    conn.textContent = state === "live" ? "live" : state === "connecting" ? "reconnecting" : "offline";
    conn.title = state === "live" ? "Live updates are on" : "Live updates are interrupted; the page will catch up";
  };

  setState("connecting");
  preload();
  // From the update id the page was rendered at: what changed since then is sent first.
  const since = /^[0-9]+$/.test(main.dataset.since || "") ? main.dataset.since : "";
  const es = new EventSource(`${base}/events` + (since ? `?since=${since}` : ""));
  es.onopen = () => setState("live");
  // EventSource reconnects by itself (sending Last-Event-ID); CLOSED means it gave up.
  es.onerror = () => setState(es.readyState === EventSource.CLOSED ? "offline" : "connecting");
  const on = (kind, fn) => es.addEventListener(kind, (e) => {
    // "error" is also the name of EventSource's own connection error, which has no data.
    if (!(e instanceof MessageEvent) || !e.data) return;
    let u;
    try {
      u = JSON.parse(e.data);
    } catch {
      return;
    }
    Promise.resolve(fn(u)).catch((err) => console.error("hubs:", kind, err));
  });
  on("widget", onWidget);
  on("code", onCode);
  on("error", onError);
  on("layout", onLayout);
  on("reload", resync);

  // For tests and the curious: what this page runs with.
  // user is who is signed in ("" for nobody), as the server put it in the page.
  const user = document.querySelector('meta[name="hubs-user"]')?.content || "";
  window.hubs = Object.freeze({ h, hub, user, load, moduleURL, events: es });
}

async function getJSON(url) {
  const res = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-cache" });
  if (!res.ok) throw new Error("GET " + url + ": " + res.status);
  return res.json();
}

function flash(section) {
  section.classList.remove("updated");
  void section.offsetWidth; // restart the animation
  section.classList.add("updated");
}

// postWidgetForms makes the forms inside widgets work for the signed-in viewer. A widget's
// HTML is the same for everyone (the server caches it, updates push it to every page), so
// its forms cannot hold the viewer's CSRF token: they come with an empty _csrf field. One
// listener on the document, so that forms of widgets re-rendered later are covered too,
// takes the submit of such a form and posts it with fetch and the page's token in the
// X-CSRF-Token header. The token never goes into the widget's markup, and the page stays:
// what the post changes reaches the widget as a live update, like any other change.
//
// It leaves alone (to the browser's own submit) forms that are not POST, that carry a
// token already (the page's own forms), and forms whose action is on another site: the
// token is never sent anywhere else, whatever a widget's markup says. Signed out (no
// token), nothing is taken over: the server sends the browser to sign in.
function postWidgetForms(token) {
  if (!token) return;
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (e.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    // The form's own elements, as the browser associates them (form= attributes too).
    const field = form.elements.namedItem("_csrf");
    if (!(field instanceof HTMLInputElement) || field.value !== "") return;
    const by = e.submitter;
    const method = (by?.getAttribute("formmethod") || form.getAttribute("method") || "get").toLowerCase();
    if (method !== "post") return;
    // From the attribute: form.action would be an <input name="action"> of the form.
    const action = new URL(by?.hasAttribute("formaction") ? by.formAction : form.getAttribute("action") ?? "", location.href);
    if (action.origin !== location.origin) return;
    e.preventDefault();
    post(form, by, action, token).catch((err) => console.error("hubs: form", action.pathname, err));
  });
}

async function post(form, by, action, token) {
  const section = form.closest("section.widget");
  const fields = new FormData(form, by || null);
  const multipart = (by?.getAttribute("formenctype") || form.getAttribute("enctype") || "").toLowerCase() === "multipart/form-data";
  const body = multipart ? fields : new URLSearchParams(fields);
  if (by) by.disabled = true; // one post per click
  let res;
  try {
    res = await fetch(action, {
      method: "POST", body, credentials: "same-origin",
      headers: { "X-CSRF-Token": token, Accept: "application/json" },
    });
  } catch (err) {
    failed(section, "Could not send that: " + err.message);
    throw err;
  } finally {
    if (by) by.disabled = false;
  }
  // Sent elsewhere (the session ended: the sign-in page): go there, as a plain post would.
  if (res.redirected && new URL(res.url).pathname !== location.pathname) {
    location.assign(res.url);
    return;
  }
  if (!res.ok) {
    failed(section, "Could not do that: the server answered " + res.status + (res.statusText ? " " + res.statusText : ""));
    return;
  }
  // Clear only what a failed post said: a stale-data line belongs to the updates.
  if (section && formFailed.has(section)) {
    formFailed.delete(section);
    setStatus(section, "");
  }
}

// formFailed holds the sections whose status line says a post failed.
const formFailed = new WeakSet();

function failed(section, text) {
  if (!section) {
    window.alert(text);
    return;
  }
  formFailed.add(section);
  setStatus(section, text);
}
