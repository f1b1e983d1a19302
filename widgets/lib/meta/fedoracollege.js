// Fedora College, the virtual classroom (never left its pilot): uploads and
// content edits. Its test messages were published without a topic prefix.

import { avatar } from "./util.js";

export default {
  names: ["fedoracollege"],
  icon: null,
  subtitle(c) {
    const m = c.msg;
    switch (c.rest) {
      case "media.upload": return m.username + ' uploaded a new file of type "' + m.title + '"';
      case "content.added": return m.username + ' Created new content titled "' + m.title + '"';
      case "content.edit": return m.username + ' Edited content titled "' + m.title + '"';
    }
    return "";
  },
  link(c) {
    return c.msg.link || null;
  },
  secondary_icon(c) {
    return c.msg.username ? avatar(c.msg.username) : "";
  },
  usernames(c) {
    return [c.msg.username];
  },
};
