// The Module Build Service: module builds moving through their states.

import { appIcon, avatar } from "./util.js";

export default {
  names: ["mbs"],
  icon: appIcon("modularity.png"),
  subtitle(c) {
    const m = c.msg;
    return m.owner + "'s build of modules/" + m.name + " entered the " + m.state_name + " state.";
  },
  link(c) {
    return "https://mbs.fedoraproject.org/module-build-service/1/module-builds/" + c.msg.id;
  },
  secondary_icon(c) {
    return avatar(c.msg.owner);
  },
  usernames(c) {
    return [c.msg.owner];
  },
  objects(c) {
    return [c.msg.name];
  },
};
