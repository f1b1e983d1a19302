// The hubs the user follows: from ctx.hub, no query.
export default {
  title: "Subscriptions",
  params: { username: { type: "username", required: true } },
  hints: { usernames: (config) => [config.username] },
  data(ctx, config) {
    return { user: config.username, subscribers: ctx.hub.subscribers.length, stargazers: ctx.hub.stargazers.length };
  },
  template(data, h) {
    return h.html`<p>${data.subscribers} subscribers</p>`;
  },
  shouldInvalidate(message, widget) {
    return message.topic.includes(".hubs.") && message.msg.hub?.name === widget.hub;
  },
};
