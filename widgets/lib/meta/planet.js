// Fedora Planet, the contributors' blog aggregator: new posts.

import { appIcon } from "./util.js";

export default {
  names: ["planet"],
  icon: appIcon("planet_logo.png"),
  subtitle(c) {
    const m = c.msg;
    const title = (m.post && m.post.title) || "(no title found)";
    return m.username ? m.username + ' posted "' + title + '"' : 'New post: "' + title + '"';
  },
  link(c) {
    return c.msg.post.link;
  },
  secondary_icon(c) {
    // The author's face as the feed gives it.
    return c.msg.face || null;
  },
  usernames(c) {
    return [c.msg.username];
  },
  objects(c) {
    return [String(c.msg.post.link).replace("https://", "").replace("http://", "")];
  },
};
