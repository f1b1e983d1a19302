// Helpers for data() functions that ask one of Fedora's services (badges, the calendar,
// bodhi, pkgdb) through ctx.fetch. Every failure is thrown as an Error that says which service
// and why: the server shows it in the widget's error panel and the rest of the page carries on.

// baseURL is the site setting key (an upstream's base URL, "https://bodhi.fedoraproject.org"),
// without a trailing slash. The server fills ctx.settings with Fedora's URLs by default.
export function baseURL(ctx, key) {
  const v = ctx.settings ? ctx.settings[key] : undefined;
  if (typeof v !== "string" || v === "") throw new Error("site setting " + key + " is not set");
  return v.replace(/\/+$/, "");
}

// getJSON fetches url and resolves to {status, body} (the parsed JSON object). what names the
// service in errors. A status other than 2xx throws, unless listed in accept (404 for "no
// such user").
export async function getJSON(ctx, url, what, accept = []) {
  // Site setting upstream_timeout_ms bounds each request (ctx.fetch's own default otherwise).
  const timeout = Number(ctx.settings ? ctx.settings.upstream_timeout_ms : undefined);
  let r;
  try {
    r = await ctx.fetch(url, { headers: { Accept: "application/json" }, timeout: timeout > 0 ? timeout : undefined });
  } catch (e) {
    throw new Error(what + " is unreachable: " + (e && e.message ? e.message : String(e)));
  }
  if (!r.ok && !accept.includes(r.status)) throw new Error(what + " answered HTTP " + r.status);
  let body;
  try {
    body = await r.json();
  } catch (e) {
    throw new Error(what + " did not answer JSON (HTTP " + r.status + ")");
  }
  if (body === null || typeof body !== "object") throw new Error(what + " answered something other than a JSON object");
  return { status: r.status, body };
}

// query builds a URL query string from an object, leaving out null and undefined values.
export function query(params) {
  const parts = [];
  for (const k of Object.keys(params)) {
    const v = params[k];
    if (v === null || v === undefined) continue;
    parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(String(v)));
  }
  return parts.length ? "?" + parts.join("&") : "";
}
