// Fedora Hubs itself: users, hubs, roles and widget configuration. Hubs on a
// person's own stream are private and get no sentence.

import { avatar } from "./util.js";

const ICON = "https://hubs.fedoraproject.org/static/img/favicon.png";
const LINK = "https://hubs.fedoraproject.org";

function roleAdded(m) {
  const { username: user, hub_name: hub, role, agent } = m;
  if (user === agent) {
    if (role === "stargazer") return agent + " is now watching hub " + hub;
    if (role === "subscriber") return agent + " has subscribed to hub " + hub;
    return agent + " has joined hub " + hub + " as " + role;
  }
  if (agent) return agent + " has added " + user + " to hub " + hub + " as " + role;
  return user + " has joined hub " + hub + " as " + role;
}

function roleRemoved(m) {
  const { username: user, hub_name: hub, role, agent } = m;
  if (user === agent) {
    if (role === "stargazer") return agent + " is not watching hub " + hub + " anymore";
    if (role === "subscriber") return agent + " has unsubscribed from hub " + hub;
    return agent + " has left the hub " + hub + " (they were a " + role + ")";
  }
  if (agent) return agent + " has removed " + user + "'s role " + role + " on hub " + hub;
  return user + "'s role " + role + " on hub " + hub + " was removed";
}

// fields reads a hubs message in the original's shape (hub_name,
// widget_label, username, agent) or with the hub and widget as objects, the
// way this Hubs' engine may announce its own changes (hubs.widget.update).
function fields(m) {
  const hub = m.hub_name || (typeof m.hub === "string" ? m.hub : m.hub && m.hub.name) || (m.widget && m.widget.hub);
  const widget = m.widget_label || (m.widget && (m.widget.label || m.widget.title || m.widget.name));
  return { hub, widget };
}

// Bursts of configuration changes (someone tuning a widget) fold into one
// entry per hub, and per widget.
function hubKey(m) {
  return m.hub_id !== undefined ? m.hub_id : fields(m).hub;
}
function widgetKey(m) {
  return m.widget_id !== undefined ? m.widget_id : fields(m).widget;
}
const isWidgetUpdate = (c) => c.rest === "widget.updated" || c.rest === "widget.update";
const CONGLOMERATORS = [
  {
    handles: (c) => c.rest === "hub.updated" || c.rest === "hub.update",
    matches: (a, b) => hubKey(a.msg) === hubKey(b.msg),
    merge(cs) {
      const m = cs[0].msg;
      return {
        subtitle: "Hub " + fields(m).hub + "'s configuration was changed " + cs.length + " times",
        secondary_icon: ICON,
        link: m.hub_url || null,
      };
    },
  },
  {
    handles: isWidgetUpdate,
    matches: (a, b) => hubKey(a.msg) === hubKey(b.msg) && widgetKey(a.msg) === widgetKey(b.msg),
    merge(cs) {
      const m = cs[0].msg;
      const { hub, widget } = fields(m);
      return {
        subtitle: "On hub " + hub + ', the configuration for widget "' + widget + '" was changed ' + cs.length + " times",
        secondary_icon: ICON,
        link: m.hub_url || null,
      };
    },
  },
];

export default {
  names: ["hubs"],
  conglomerators: CONGLOMERATORS,
  icon: ICON,
  subtitle(c) {
    const m = c.msg;
    if (m.hub_type === "stream") return "";
    switch (c.rest) {
      case "user.created": return "New Hubs user: " + m.username;
      case "user.role.added": return roleAdded(m);
      case "user.role.changed":
        if (m.agent && m.agent !== m.username) {
          return m.agent + " has changed " + m.username + "'s role on hub " + m.hub_name + " from " + m.old_role + " to " + m.role;
        }
        return m.username + "'s role on hub " + m.hub_name + " changed from " + m.old_role + " to " + m.role;
      case "user.role.removed": return roleRemoved(m);
      case "hub.created": return "New hub: " + fields(m).hub;
      case "hub.updated":
      case "hub.update": {
        const { hub } = fields(m);
        return m.agent ? m.agent + " changed hub " + hub + "'s configuration" : "Hub " + hub + "'s configuration was changed";
      }
      case "widget.updated":
      case "widget.update": {
        const { hub, widget } = fields(m);
        return m.agent
          ? m.agent + ' changed the configuration for widget "' + widget + '" on hub ' + hub
          : "On hub " + hub + ', the configuration for widget "' + widget + '" was changed';
      }
    }
    return "";
  },
  link(c) {
    const m = c.msg;
    if (m.hub_url) return m.hub_url;
    if (m.username) return LINK + "/u/" + m.username + "/";
    return null;
  },
  secondary_icon(c) {
    const m = c.msg;
    if (m.agent) return avatar(m.agent);
    if (m.username) return avatar(m.username);
    return ICON;
  },
  usernames(c) {
    const m = c.msg;
    const out = [m.username, m.agent];
    // A person's own hub is named after them.
    if (m.hub_name && m.hub_type === "user") out.push(m.hub_name);
    return out;
  },
  objects(c) {
    const m = c.msg;
    const out = [];
    const { hub } = fields(m);
    if (hub) out.push("hubs/" + hub);
    if (m.username) out.push("users/" + m.username);
    if (m.agent) out.push("users/" + m.agent);
    return out;
  },
};
