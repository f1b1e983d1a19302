// cnucnu-web, anitya's predecessor for upstream release monitoring.

import { account, avatar } from "./util.js";

function user(c) {
  const msg = c.msg.message;
  return msg && msg.agent ? account(msg.agent) : null;
}

export default {
  names: ["cnucnuweb"],
  subtitle(c) {
    const m = c.msg;
    const u = user(c);
    const p = m.project;
    switch (c.rest) {
      case "project.map.new": return u + ' mapped the name of "' + p.name + '" in ' + m.distro.name + ' to "' + m.message.new + '"';
      case "project.map.update":
        return u + ' updated the name of "' + p.name + '" in "' + m.distro.name + '" from "' + m.message.prev + '" to "' + m.message.new + '"';
      case "distro.add": return u + ' added the distro named "' + m.distro.name + '" to cnucnuweb';
      case "distro.edit": return u + ' changed a distro name from "' + m.message.old + '" to "' + m.message.new + '"';
      case "project.add.tried": return u + ' tried to add the project "' + p.name + '" to cnucnuweb';
      case "project.add": return u + ' added the project "' + p.name + '" to cnucnuweb';
      case "project.edit": return u + ' edited the following fields of the "' + p.name + '" project: ' + m.message.fields.join(", ");
      case "project.remove": return u + ' deleted the "' + p.name + '" project';
      case "project.version.update":
        return 'A new version of "' + p.name + '" has been detected:  "' + m.upstream_version + '" in advance of "' + m.old_version + '"';
    }
    return "";
  },
  link(c) {
    const p = c.msg.project;
    return p ? "https://apps.fedoraproject.org/cnucnu/project/" + p.name + "/" : "https://apps.fedoraproject.org/cnucnu/distros";
  },
  secondary_icon(c) {
    const u = user(c);
    return u ? avatar(u) : null;
  },
  usernames(c) {
    const u = user(c);
    return u && String(u).indexOf("@") < 0 ? [u] : [];
  },
  packages(c) {
    const m = c.msg;
    const fedora = m.distro && String(m.distro.name).toLowerCase() === "fedora";
    if (c.rest === "project.map.update") return fedora ? [m.message.new, m.message.prev] : [];
    if (c.rest === "project.map.new") return fedora ? [m.message.new] : [];
    if (c.rest === "project.version.update") return [m.project.name];
    return [];
  },
  objects(c) {
    const m = c.msg;
    switch (c.rest) {
      case "project.map.update":
        return ["mappings/" + m.distro.name + "/" + m.message.new, "mappings/" + m.distro.name + "/" + m.message.prev,
          "distros/" + m.distro.name, "projects/" + m.project.name];
      case "project.map.new":
        return ["mappings/" + m.distro.name + "/" + m.message.new, "distros/" + m.distro.name, "projects/" + m.project.name];
      case "project.remove": case "project.version.update": case "project.edit": case "project.add.tried": case "project.add":
        return ["projects/" + m.project.name];
      case "distro.add": return ["distros/" + m.distro.name];
      case "distro.edit": return ["distros/" + m.message.old, "distros/" + m.message.new];
    }
    return [];
  },
};
