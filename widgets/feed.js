// Feed: the latest bus messages about a person (or, without one, about the hub's people),
// grouped the way fedmsg.meta's conglomerate groups them, each with its subtitle, link, icon
// and time. Read from our own message archive: no outside service.
import { style } from "./lib/style.js";
import { conglomerate, usernames } from "./lib/meta.js";
import { withDefaults } from "./lib/config.js";
import { isHubUpdate, isWidgetUpdate, shortTopic } from "./lib/topics.js";

const params = {
  username: { type: "username", help: "Whose activity to show. Empty: the hub's owners and members (on a user hub, its person)." },
  rows: { type: "integer", default: 20, min: 1, max: 50, help: "How many entries to show." },
};

// isoTime is epoch seconds as an ISO 8601 time, or "" when it is not a time (toISOString
// would throw, and a template that throws shows an error panel).
function isoTime(seconds) {
  if (typeof seconds !== "number") return "";
  const d = new Date(seconds * 1000);
  return Number.isFinite(d.getTime()) ? d.toISOString() : "";
}

// people is who the feed is about.
function people(config, hub) {
  if (config.username) return [config.username];
  if (hub.user_hub) return [hub.name];
  return [...new Set([...hub.owners, ...hub.members])].sort();
}

export default {
  title: "Activity",
  description: "The latest messages about a person or the hub's people, grouped, with links and icons.",
  params,
  // Hints are AND-ed constraints. With a username: the messages naming that person (and the
  // engine's hubs.* messages about this hub, which never name the widget's person). Without
  // one the hint cannot name the people (hints see the config only), so it is empty and the
  // feed is asked about every message: shouldInvalidate picks the hub's person's.
  hints: { usernames: (config) => (config.username ? [config.username] : []) },
  async data(ctx, config) {
    config = withDefaults(params, config);
    const who = people(config, ctx.hub);
    if (who.length === 0) return { who, entries: [] };
    // Fetch more than shown (three times, at most the archive's page of 100): conglomerate
    // folds runs of related messages into one entry.
    const page = await ctx.messages.grep({ usernames: who, rows: Math.min(100, config.rows * 3), order: "desc" });
    const entries = conglomerate(page.raw_messages, config.rows).map((e) => ({
      subtitle: e.subtitle,
      link: e.link,
      icon: e.icon,
      secondary_icon: e.secondary_icon,
      timestamp: e.timestamp,
      count: e.msg_ids.length,
    }));
    return { who, entries };
  },
  template(data, h) {
    if (data.entries.length === 0) {
      return h.html`<p class="empty">No activity from ${h.series(data.who) || "anyone here"} yet.</p>`;
    }
    return h.html`${style(h, "list", "feed")}<ul class="feed">${data.entries.map((e) => h.html`
  <li class="feed-entry">
    ${e.secondary_icon || e.icon ? h.html`<img class="avatar" src="${e.secondary_icon || e.icon}" alt="" width="32" height="32" loading="lazy">` : ""}
    <div class="feed-text">
      ${e.link ? h.html`<a href="${e.link}">${e.subtitle}</a>` : e.subtitle}
      <div class="feed-time"><time datetime="${isoTime(e.timestamp)}">${h.humanize(e.timestamp)}</time>${e.count > 1 ? h.html` · ${e.count} messages` : ""}</div>
    </div>
  </li>`)}
</ul>`;
  },
  shouldInvalidate(message, widget) {
    if (isWidgetUpdate(message, widget)) return true;
    const config = widget.config ?? {};
    if (!config.username && isHubUpdate(message, widget)) return true; // the hub's people changed
    if (shortTopic(message).startsWith("hubs.")) return false; // not archived: never in a feed
    const who = config.username || widget.hub;
    return usernames(message).includes(who);
  },
};
