// Nagios, infrastructure monitoring: hosts and services going down and up,
// and admins acknowledging problems.

import { appIcon, avatar } from "./util.js";

const ICON = appIcon("nagios-logo.png");
const STATES = { CRITICAL: "down", WARNING: "having problems", OK: "back up" };

// Acknowledgers appear as OpenID URLs (http://kevin.id.fedoraproject.org/).
function ackUser(v) {
  return v ? String(v).split("://").pop().split(".")[0] : null;
}
function usernames(c) {
  const m = c.msg;
  return [ackUser(m.service_ack_author), ackUser(m.host_ack_author)].filter(Boolean);
}

export default {
  names: ["nagios"],
  icon: ICON,
  usernames,
  subtitle(c) {
    const m = c.msg;
    const state = STATES[m.state] || "in an unknown state";
    let s = "";
    if (c.rest === "host.state.change") s = m.host + " is " + state;
    else if (c.rest === "service.state.change") s = (m.service || "some service") + " is " + state + " on " + m.host;
    if (m.type === "ACKNOWLEDGEMENT") {
      const u = usernames(c);
      s = (u.length ? u[0] : "somebody") + " acknowledged that " + s;
    }
    if (s && "output" in m) s += ': "' + m.output + '"';
    return s;
  },
  link(c) {
    return "https://admin.fedoraproject.org/nagios/cgi-bin/status.cgi?navbarsearch=1&host=" + c.msg.host;
  },
  secondary_icon(c) {
    const u = usernames(c);
    return u.length ? avatar(u[0]) : ICON;
  },
  objects(c) {
    const service = c.rest === "host.state.change" ? "state" : c.msg.service || "unknown";
    return [c.msg.host + "/" + service];
  },
};
