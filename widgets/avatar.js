// Avatar: a person's libravatar picture, as Fedora computes it, with their name.
import { required } from "./lib/config.js";
import { isWidgetUpdate } from "./lib/topics.js";

export default {
  title: "Avatar",
  description: "A person's libravatar picture.",
  params: {
    username: { type: "username", required: true, help: "A FAS username." },
  },
  hints: { topics: ["hubs.widget.update"] },
  async data(ctx, config) {
    required(config, "username");
    const user = await ctx.user(config.username);
    return { username: config.username, full_name: user ? user.full_name : "" };
  },
  template(data, h) {
    // h.avatar is computed here rather than in data: the browser computes the same URL.
    return h.html`<figure class="avatar-widget">
  <img class="avatar" src="${h.avatar(data.username, 312)}" alt="${"avatar of " + data.username}" width="156" height="156">
  <figcaption>${data.full_name || data.username}${data.full_name ? h.html` <span class="who">(${data.username})</span>` : ""}</figcaption>
</figure>`;
  },
  shouldInvalidate(message, widget) {
    return isWidgetUpdate(message, widget);
  },
};
