import { agentOf } from "./lib/names.js";

export default {
  title: "Badges",
  params: {
    username: { type: "username", required: true, help: "A FAS username." },
    limit: { type: "integer", default: 10, min: 1, max: 50, help: "How many badges." },
  },
  hints: { topics: ["fedbadges.badge.award"], usernames: (config) => [config.username] },
  async data(ctx, config) {
    const badges = [];
    for (let i = 0; i < config.limit; i++) badges.push({ name: "badge " + i, user: config.username });
    return { badges, hub: ctx.hub.name };
  },
  template(data, h) {
    return h.html`<ul class="badges">${data.badges.map((b) => h.html`<li><a href="${b.url}">${b.name}</a> for ${b.user}</li>`)}</ul>`;
  },
  shouldInvalidate(message, widget) {
    return message.topic.endsWith(".fedbadges.badge.award") && agentOf(message) === widget.config.username;
  },
};
