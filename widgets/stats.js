// Stats: how many people own, belong to, subscribe to and star the hub, with the buttons
// to join in (they post to /api/hub/{hub}/...; the server checks the session and CSRF token).
import { style } from "./lib/style.js";
import { isHubUpdate } from "./lib/topics.js";

export default {
  title: "Stats",
  description: "Counts of owners, members, subscribers and stargazers, with subscribe, star and join buttons.",
  params: {},
  hints: { topics: ["hubs.hub.update"] },
  data(ctx) {
    const hub = ctx.hub;
    return {
      hub: hub.name,
      owners: hub.owners.length,
      members: hub.members.length,
      subscribers: hub.subscribers.length,
      stargazers: hub.stargazers.length,
    };
  },
  template(data, h) {
    const api = "/api/hub/" + encodeURIComponent(data.hub) + "/";
    const cell = (one, many, n) => h.html`<div class="stat"><span class="stat-value">${h.commas(n)}</span> <span class="stat-label">${n === 1 ? one : many}</span></div>`;
    // Plain forms to the hub API. The data is the same for every viewer, so the CSRF token
    // cannot be in it: the page's client fills the empty _csrf field from its csrf-token meta.
    const button = (action, label) => h.html`<form method="post" action="${api + action}" class="inline"><input type="hidden" name="_csrf" value=""><button type="submit" data-action="${action}">${label}</button></form>`;
    return h.html`${style(h, "stats")}<div class="stats">
  <div class="stat-row">${cell("owner", "owners", data.owners)}${cell("member", "members", data.members)}${cell("subscriber", "subscribers", data.subscribers)}${cell("stargazer", "stargazers", data.stargazers)}</div>
  <div class="hub-actions">${button("subscribe", "Subscribe")}${button("star", "Star")}${button("join", "Join")}</div>
</div>`;
  },
  shouldInvalidate(message, widget) {
    return isHubUpdate(message, widget);
  },
};
