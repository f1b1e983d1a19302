// Fedmsg stats: how many bus messages concern a person (from our own archive) and how many
// people subscribe to their hub, with a subscribe button.
import { style } from "./lib/style.js";
import { required } from "./lib/config.js";
import { usernames } from "./lib/meta.js";
import { isHubUpdate, isWidgetUpdate, shortTopic } from "./lib/topics.js";

export default {
  title: "Fedmsg Stats",
  description: "A person's number of bus messages and their hub's subscribers, with a subscribe button.",
  params: {
    username: { type: "username", required: true, help: "A FAS username." },
  },
  // Any topic naming the person (hints are AND-ed: a topic list would shut out the bus).
  hints: { usernames: (config) => (config.username ? [config.username] : []) },
  async data(ctx, config) {
    required(config, "username");
    const fedmsgs = await ctx.messages.count({ usernames: [config.username] });
    return {
      username: config.username,
      hub: ctx.hub.name,
      fedmsgs,
      subscribers: ctx.hub.subscribers.length,
    };
  },
  template(data, h) {
    // The button is for visitors: data-owner lets the page hide it from the hub's own person,
    // and the page's client fills the empty _csrf field (the data is the same for every
    // viewer, so the template can know neither who looks nor their token).
    return h.html`${style(h, "stats")}<div class="stats fedmsgstats">
  <div class="stat-row">
    <div class="stat"><span class="stat-value">${h.commas(data.fedmsgs)}</span> <span class="stat-label">${data.fedmsgs === 1 ? "fedmsg" : "fedmsgs"}</span></div>
    <div class="stat"><span class="stat-value">${h.commas(data.subscribers)}</span> <span class="stat-label">${data.subscribers === 1 ? "subscriber" : "subscribers"}</span></div>
  </div>
  <form method="post" action="${"/api/hub/" + encodeURIComponent(data.hub) + "/subscribe"}" class="inline" data-owner="${data.username}">
    <input type="hidden" name="_csrf" value=""><button type="submit" data-action="subscribe">Subscribe</button>
  </form>
</div>`;
  },
  shouldInvalidate(message, widget) {
    if (isWidgetUpdate(message, widget) || isHubUpdate(message, widget)) return true;
    // The engine's other hubs.* messages are not in the archive: they change no count.
    if (shortTopic(message).startsWith("hubs.")) return false;
    return usernames(message).includes(widget.config.username);
  },
};
