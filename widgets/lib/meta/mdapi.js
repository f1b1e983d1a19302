// mdapi, the repository metadata API: changes noticed in a repo's metadata.
// Old messages list every difference by category; new ones only packages.

import { PACKAGE_ICON, series } from "./util.js";

// each calls fn(category, action, name) for every difference of an old message.
function each(m, fn) {
  const diff = m.differences || {};
  const categories = Object.keys(diff);
  for (let i = 0; i < categories.length; i++) {
    const category = categories[i];
    const actions = Object.keys(diff[category] || {});
    for (let j = 0; j < actions.length; j++) {
      const action = actions[j];
      const list = diff[category][action] || [];
      for (let k = 0; k < list.length; k++) {
        const d = list[k];
        // Files are listed as [path, kind, package]; the rest as [name, ...].
        const name = String(d[0]).indexOf("/") >= 0 ? d[d.length - 1] : d[0];
        fn(category, action, name);
      }
    }
  }
}

export default {
  names: ["mdapi"],
  icon: PACKAGE_ICON,
  subtitle(c) {
    const m = c.msg;
    if (c.rest !== "repo.update") return "";
    let summary;
    if (m.differences) {
      const parts = [];
      const categories = Object.keys(m.differences).sort();
      for (let i = 0; i < categories.length; i++) {
        const category = categories[i];
        const added = (m.differences[category].added || []).length;
        const removed = (m.differences[category].removed || []).length;
        if (added || removed) parts.push(category + ": +" + added + "/-" + removed);
      }
      summary = parts.join(", ");
    } else {
      summary = series((m.packages || []).slice().sort());
    }
    return "mdapi noticed a " + m.name + " repomd change: " + summary;
  },
  link(c) {
    const url = String(c.msg.url);
    return url.startsWith("http") ? url : "https://download.fedoraproject.org/pub/" + url;
  },
  secondary_icon() {
    return PACKAGE_ICON;
  },
  packages(c) {
    const m = c.msg;
    if (!m.differences) return m.packages || [];
    const out = [];
    // Provides and requires carry a version in parentheses: keep the name.
    each(m, (cat, act, name) => out.push(String(name).split("(")[0]));
    return out;
  },
  objects(c) {
    const m = c.msg;
    if (!m.differences) return (m.packages || []).map((p) => m.name + "/" + p);
    const out = [];
    each(m, (cat, act, name) => out.push(m.name + "/" + cat + "/" + act + "/" + name));
    return out;
  },
};
