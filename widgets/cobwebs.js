// Cobwebs: warns that a hub is archived, or idle for more than 31 days, and says when it
// was last active: the later of the hub's own last activity and the newest archived message
// about its people.
import { usernames } from "./lib/meta.js";
import { isHubUpdate, shortTopic } from "./lib/topics.js";

const IDLE_DAYS = 31;
const DAY = 24 * 3600;

export default {
  title: "Cobwebs",
  description: "Whether the hub is archived or idle over 31 days, and when it was last active.",
  params: {},
  // No hints, on purpose: whose messages make the hub active again depends on the hub's
  // people, which hints (a function of the config only) cannot name. shouldInvalidate is
  // cheap and decides from the message and the hub's name.
  async data(ctx) {
    const hub = ctx.hub;
    const now = ctx.now().getTime() / 1000;
    const people = hub.user_hub ? [hub.name] : [...new Set([...hub.owners, ...hub.members])];
    let last = now - hub.days_idle * DAY;
    if (people.length > 0) {
      const page = await ctx.messages.grep({ usernames: people, rows: 1, order: "desc" });
      if (page.raw_messages.length > 0) last = Math.max(last, page.raw_messages[0].timestamp);
    }
    const idle = Math.max(0, Math.floor((now - last) / DAY));
    return { archived: hub.archived, idle_days: idle, old: hub.archived || idle > IDLE_DAYS, last_active: last };
  },
  template(data, h) {
    if (data.archived) return h.html`<p class="cobwebs archived">This hub has been archived and locked.</p>`;
    if (data.old) return h.html`<p class="cobwebs old">Cobweb alert! This hub was last active ${h.humanize(data.last_active)}.</p>`;
    return h.html`<p class="cobwebs">Last active ${h.humanize(data.last_active)}.</p>`;
  },
  shouldInvalidate(message, widget) {
    if (isHubUpdate(message, widget)) return true; // archived, or its people changed
    if (shortTopic(message).startsWith("hubs.")) return false;
    // A user hub is named after its person: their message makes it active again. (A team
    // hub's people are not known here; its panel catches up at its next rebuild.)
    return usernames(message).includes(widget.hub);
  },
};
