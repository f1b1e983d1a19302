// Release engineering's Atomic Host two-week releases.

import { appIcon } from "./util.js";

const ICON = appIcon("atomic.png");

// Newer messages group the images by architecture.
function release(m) {
  const raw = m.x86_64 ? m.x86_64.atomic_raw : m.atomic_raw;
  return (raw && raw.release) || "";
}

export default {
  names: ["releng"],
  icon: ICON,
  subtitle(c) {
    if (c.rest === "atomic.twoweek.begin") {
      return "Release engineering scripts started evaluating a new set of builds for a Fedora " + release(c.msg) + " Atomic Host release";
    }
    if (c.rest === "atomic.twoweek.complete") return "A new release of Fedora " + release(c.msg) + " Atomic Host is ready";
    return "";
  },
  link() {
    return "https://download.fedoraproject.org/pub/alt/atomic/stable/";
  },
  secondary_icon() {
    return ICON;
  },
  objects(c) {
    const m = c.msg;
    if (m.x86_64) return Object.keys(m);
    return Object.keys(m).filter((k) => k.startsWith("atomic_")).map((k) => m[k].release + "/" + k);
  },
};
