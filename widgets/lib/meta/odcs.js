// ODCS, the on-demand compose service: composes changing state.

import { appIcon, avatar } from "./util.js";

export default {
  names: ["odcs"],
  icon: appIcon("odcs.png"),
  subtitle(c) {
    const x = c.msg.compose;
    return x.owner + "'s compose " + (x.pungi_compose_id || x.id) + " entered the " + x.state_name + " state.";
  },
  link(c) {
    return "https://odcs.fedoraproject.org/api/1/composes/" + c.msg.compose.id;
  },
  secondary_icon(c) {
    return avatar(c.msg.compose.owner);
  },
  usernames(c) {
    return [c.msg.compose.owner];
  },
  objects(c) {
    return [c.msg.compose.id];
  },
};
