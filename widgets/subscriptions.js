// Subscriptions: the hubs a person belongs to (as owner or member) and subscribes to.
import { required } from "./lib/config.js";
import { isWidgetUpdate, roleChange } from "./lib/topics.js";

export default {
  title: "Hubs",
  description: "The hubs a person belongs to and subscribes to (\"a, b and c\").",
  params: {
    username: { type: "username", required: true, help: "A FAS username." },
  },
  // The engine sends hubs.hub.update for a role change with the person in its usernames,
  // so the username hint finds exactly the instances concerned.
  // AND-ed: the engine's hubs.* messages only; a role change on any hub names its person.
  hints: { topics: ["hubs.widget.update", "hubs.hub.update"], usernames: (config) => (config.username ? [config.username] : []) },
  async data(ctx, config) {
    required(config, "username");
    const user = await ctx.user(config.username);
    const roles = (user && user.hubs) || {};
    const having = (...wanted) => Object.keys(roles).filter((hub) => roles[hub].some((r) => wanted.includes(r))).sort();
    return {
      username: config.username,
      known: user !== null,
      memberships: having("owner", "member"),
      subscriptions: having("subscriber"),
      stars: having("stargazer"),
    };
  },
  template(data, h) {
    if (!data.known) return h.html`<p class="empty">${data.username} has not signed in to Hubs yet.</p>`;
    // h.series joins text; the hub names are links, so join them the same way here.
    const links = (hubs) => hubs.map((hub, i) => h.html`${i === 0 ? "" : i === hubs.length - 1 ? " and " : ", "}<a href="${"/" + encodeURIComponent(hub) + "/"}">${hub}</a>`);
    if (data.memberships.length + data.subscriptions.length + data.stars.length === 0) {
      return h.html`<p class="empty">${data.username} belongs to no hub yet.</p>`;
    }
    return h.html`<div class="subscriptions">
  ${data.memberships.length ? h.html`<p>Belongs to: ${links(data.memberships)}</p>` : ""}
  ${data.subscriptions.length ? h.html`<p>Subscribes to: ${links(data.subscriptions)}</p>` : ""}
  ${data.stars.length ? h.html`<p>Stars: ${links(data.stars)}</p>` : ""}
</div>`;
  },
  shouldInvalidate(message, widget) {
    if (isWidgetUpdate(message, widget)) return true;
    const change = roleChange(message);
    return change !== null && change.username === widget.config.username;
  },
};
