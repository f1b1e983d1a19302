// Greenwave, the gating service: go/no-go decisions on builds and updates.

import { appIcon, packageIcon } from "./util.js";

function satisfied(m) {
  // Early messages misspelled the key.
  return "policies_satisfied" in m ? m.policies_satisfied : m.policies_satisified;
}

function packages(c) {
  const out = [];
  const subject = c.msg.subject || [];
  for (let i = 0; i < subject.length; i++) {
    const s = subject[i];
    if (s && s.item && s.type === "koji_build") out.push(nvrName(s.item));
  }
  return out;
}

const SPACES = /%20/g;

function nvrName(nvr) {
  const p = String(nvr).split("-");
  return p.length > 2 ? p.slice(0, -2).join("-") : p[0];
}

export default {
  names: ["greenwave"],
  icon: appIcon("greenwave.png"),
  packages,
  subtitle(c) {
    const m = c.msg;
    let item = m.subject_identifier;
    if (!item) {
      const items = (m.subject || []).filter((s) => s && s.item).map((s) => s.item);
      item = items.length ? items[0] : '"something"';
    }
    return "greenwave " + (satisfied(m) ? "is a GO" : "says NO-GO") + " on " + item + ' for "' + m.decision_context + '" (' +
      m.product_version + ")";
  },
  link(c) {
    const s = (c.msg.subject || [])[0];
    if (!s) return null;
    // Query parameters sorted by key, as resultsdb links were built.
    const q = Object.keys(s).sort().map((k) => encodeURIComponent(k) + "=" + encodeURIComponent(s[k]).replace(SPACES, "+"));
    return "https://taskotron.fedoraproject.org/resultsdb/results?" + q.join("&");
  },
  secondary_icon(c) {
    const p = packages(c).sort();
    return p.length ? packageIcon(p[0]) : null;
  },
};
