// The Fedora wiki (MediaWiki): page edits and file uploads.

import { avatar } from "./util.js";

// user: wiki accounts are Fedora accounts, capitalised by MediaWiki.
function user(m) {
  return String(m.user || m.user_text || "").toLowerCase();
}

function stripSlashes(s) {
  let a = 0, b = s.length;
  while (a < b && s[a] === "/") a++;
  while (b > a && s[b - 1] === "/") b--;
  return s.slice(a, b);
}

export default {
  names: ["wiki"],
  icon: "https://fedoraproject.org/w/skins/common/images/mediawiki.png",
  subtitle(c) {
    const m = c.msg;
    if (c.rest === "article.edit") return m.user + ' made a wiki edit to "' + m.title + '"';
    if (c.rest === "upload.complete") {
      return m.user_text + " uploaded " + m.title.mPrefixedText + ' to the wiki: "' + String(m.description).slice(0, 35) + '..."';
    }
    return "";
  },
  link(c) {
    if (c.rest === "article.edit" && c.msg.url) return String(c.msg.url).replace("http://", "https://");
    if (c.rest === "upload.complete" && c.msg.url) return "https://fedoraproject.org" + c.msg.url;
    return null;
  },
  secondary_icon(c) {
    const u = user(c.msg);
    return u ? avatar(u) : null;
  },
  usernames(c) {
    return [user(c.msg)];
  },
  objects(c) {
    const m = c.msg;
    if (c.rest === "article.edit") return [stripSlashes(String(m.title)) + "-page"];
    if (c.rest === "upload.complete") return [String(m.url).slice(1)];
    return [];
  },
};
