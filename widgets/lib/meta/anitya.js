// Anitya (release-monitoring.org): upstream projects, their versions, and
// how they map to distribution packages.

import { PACKAGE_ICON, account, avatar, emailAvatar, packageIcon, series } from "./util.js";

// user reduces anitya's agent (an OpenID URL, a Fedora e-mail, another
// e-mail or a bare name) to a Fedora username where it can; other e-mails
// stay e-mails unless the account table knows them. Messages without an agent come from anitya's own cron.
function user(c) {
  const msg = c.msg.message;
  if (!msg || typeof msg !== "object" || !("agent" in msg)) return c.env.username || "anitya";
  const agent = String(msg.agent);
  const id = agent.indexOf(".id.fedoraproject.org");
  if (id >= 0) {
    const head = agent.slice(0, id);
    const sl = head.indexOf("//");
    return sl >= 0 ? head.slice(sl + 2) : "";
  }
  return account(agent);
}

function fedoraPackages(list) {
  const out = [];
  if (!Array.isArray(list)) return out;
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    if (p && String(p.distro).toLowerCase() === "fedora") out.push(p.package_name);
  }
  return out;
}

function packages(c) {
  const m = c.msg;
  const t = c.rest;
  const fedora = m.distro && String(m.distro.name).toLowerCase() === "fedora";
  if (t === "project.map.update") return fedora ? [m.message.new, m.message.prev] : [];
  if (t === "project.map.new") return fedora ? [m.message.new] : [];
  if (t === "project.version.update") return fedoraPackages((m.message || m).packages);
  if (t === "project.flag") return fedoraPackages(m.packages || (m.project && m.project.packages));
  return [];
}

export default {
  names: ["anitya"],
  icon: PACKAGE_ICON,
  subtitle(c) {
    const m = c.msg;
    const u = user(c);
    const p = m.project;
    switch (c.rest) {
      case "project.map.new":
        return u + ' mapped the name of "' + p.name + '" in ' + m.distro.name + ' to "' + m.message.new + '"';
      case "project.map.update":
        return u + ' updated the name of "' + p.name + '" in "' + m.distro.name + '" from "' + m.message.prev +
          '" to "' + m.message.new + '"';
      case "distro.add": return u + ' added the distro named "' + m.distro.name + '" to anitya';
      case "distro.edit": return u + ' changed a distro name from "' + m.message.old + '" to "' + m.message.new + '"';
      case "distro.remove": return u + ' deleted the distro "' + m.distro.name + '"';
      case "project.add.tried":
        return u + ' tried to add the project "' + p.name + '" to anitya (but it already exists there)';
      case "project.add": return u + ' added the project "' + p.name + '" to anitya';
      case "project.edit":
        return u + ' edited the following fields of the "' + p.name + '" project: ' + m.message.fields.join(", ");
      case "project.remove": return u + ' deleted the "' + p.name + '" project';
      case "project.map.remove":
        return u + ' deleted the mapping of "' + p.name + '" project on "' + m.message.distro + '"';
      case "project.version.update": {
        const msg = m.message || m;
        const pk = series(fedoraPackages(msg.packages));
        const old = msg.old_version;
        if (old && !msg.odd_change) {
          return 'A new version of "' + p.name + '" has been detected:  "' + msg.upstream_version + '" newer than "' +
            old + '", packaged as "' + pk + '"';
        }
        return 'A new version of "' + p.name + '" has been detected:  "' + msg.upstream_version + '", packaged as "' + pk + '"';
      }
      case "project.version.remove": return u + " deleted the version " + m.message.version + ' of "' + p.name + '"';
      case "project.flag.set": return u + " " + m.message.state + ' flag "' + m.message.flag + '"';
      case "project.flag": return u + ' flagged the project "' + p.name + '"';
    }
    return "";
  },
  link(c) {
    const m = c.msg;
    if (m.project) return "https://release-monitoring.org/project/" + m.project.id + "/";
    if (c.rest === "project.flag.set") return "https://release-monitoring.org/";
    return "https://release-monitoring.org/distros";
  },
  secondary_icon(c) {
    const u = user(c);
    if (u) return u.indexOf("@") >= 0 ? emailAvatar(u) : avatar(u);
    const p = packages(c);
    return p.length ? packageIcon(p[0]) : null;
  },
  usernames(c) {
    const u = user(c);
    return u && u.indexOf("@") < 0 ? [u] : [];
  },
  packages,
  objects(c) {
    const m = c.msg;
    const t = c.rest;
    const proj = () => "projects/" + m.project.name;
    switch (t) {
      case "project.map.update":
        return ["mappings/" + m.distro.name + "/" + m.message.new, "mappings/" + m.distro.name + "/" + m.message.prev,
          "distros/" + m.distro.name, proj()];
      case "project.map.new":
        return ["mappings/" + m.distro.name + "/" + m.message.new, "distros/" + m.distro.name, proj()];
      case "project.version.remove": case "project.remove": case "project.map.remove": case "project.version.update":
      case "project.edit": case "project.add.tried": case "project.add": case "project.flag":
        return [proj()];
      case "distro.add": case "distro.remove": return ["distros/" + m.distro.name];
      case "distro.edit": return ["distros/" + m.message.old, "distros/" + m.message.new];
      case "project.flag.set": return ["flag/" + m.message.flag];
    }
    return [];
  },
};
