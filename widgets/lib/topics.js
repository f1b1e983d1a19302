// Helpers for shouldInvalidate: reading a bus message's topic and the engine's own
// hubs.* messages. Pure functions of their arguments, so they run the same in goja and in
// the browser.

// shortTopic is the topic after "<prefix>.<env>." ("org.fedoraproject.prod.bodhi.update.comment"
// -> "bodhi.update.comment"): what hints.topics match, so a widget serves prod, stg and dev.
export function shortTopic(message) {
  const t = String(message?.topic ?? "");
  // Three indexOf rather than split/slice/join: widgets hinting a topic run this for every
  // hub that shows them, and arrays are what goja makes slowly.
  let i = -1;
  for (let n = 0; n < 3; n++) {
    i = t.indexOf(".", i + 1);
    if (i < 0) return t;
  }
  return t.slice(i + 1);
}

// isWidgetUpdate says whether message is the engine's hubs.widget.update about this very
// widget instance (its config was saved, or it was moved).
export function isWidgetUpdate(message, widget) {
  return shortTopic(message) === "hubs.widget.update" && sameID(message?.msg?.widget?.id, widget?.id);
}

// isHubUpdate says whether message is the engine's hubs.hub.update about the hub this widget
// instance sits on (its summary, archived flag or people changed).
export function isHubUpdate(message, widget) {
  return shortTopic(message) === "hubs.hub.update" && message?.msg?.hub?.name === widget?.hub;
}

// roleChange is the {username, role, removed} of a hubs.hub.update that changed someone's
// role, or null.
export function roleChange(message) {
  if (shortTopic(message) !== "hubs.hub.update") return null;
  const r = message?.msg?.role;
  return r && typeof r.username === "string" ? r : null;
}

function sameID(a, b) {
  return a !== undefined && a !== null && b !== undefined && b !== null && String(a) === String(b);
}
