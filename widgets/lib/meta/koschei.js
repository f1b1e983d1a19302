// Koschei: continuous rebuilds of Fedora packages; package and collection
// state changes (failing, fixed, unresolvable dependencies).

import { packageIcon } from "./util.js";

const PACKAGE_STATES = {
  failing: "'s builds started to fail",
  ok: "'s builds are back to normal",
  ignored: " became retired or ignored",
  unresolved: "'s dependencies failed to resolve",
};
const COLLECTION_STATES = { ok: " buildroot was fixed", unresolved: " buildroot was broken" };

function instance(m) {
  return m.koji_instance && m.koji_instance !== "primary" ? " (" + m.koji_instance + ")" : "";
}

export default {
  names: ["koschei"],
  icon: "https://fedoraproject.org/w/uploads/e/e9/Koschei.png",
  subtitle(c) {
    const m = c.msg;
    if (c.rest === "package.state.change") {
      const what = m.new === "ok" && m.old === "ignored" ? " added to Koschei" : PACKAGE_STATES[m.new];
      if (!what) return "";
      return m.name + what + " in " + (m.collection_name || m.repo) + instance(m);
    }
    if (c.rest === "collection.state.change") {
      const what = m.new === "ok" && m.old === "unknown" ? " added to Koschei" : COLLECTION_STATES[m.new];
      return what ? m.collection_name + what + instance(m) : "";
    }
    return "";
  },
  link(c) {
    const m = c.msg;
    const base = "https://apps.fedoraproject.org/koschei";
    if (c.rest === "package.state.change") {
      return base + "/package/" + m.name + ("collection" in m ? "?collection=" + m.collection : "");
    }
    if (c.rest === "collection.state.change") return base + "/collection/" + m.collection;
    return null;
  },
  secondary_icon(c) {
    return c.rest === "package.state.change" ? packageIcon(c.msg.name) : null;
  },
  packages(c) {
    return c.rest === "package.state.change" ? [c.msg.name] : [];
  },
};
