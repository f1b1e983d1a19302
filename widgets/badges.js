// Badges: a person's Fedora Badges, newest first, the first ten as images linking to each
// badge. Asked from the badges service (site setting badges_url), /user/NAME/json.
import { style } from "./lib/style.js";
import { required } from "./lib/config.js";
import { isWidgetUpdate, shortTopic } from "./lib/topics.js";
import { baseURL, getJSON } from "./lib/upstream.js";

const SHOWN = 10;

export default {
  title: "Badges",
  description: "A person's Fedora Badges, newest first, from the badges service.",
  params: {
    username: { type: "username", required: true, help: "A FAS username." },
  },
  // Award messages name the person they award (fedmsg.meta usernames).
  // AND-ed: badge awards naming the person (and this hub's own hubs.widget.update).
  hints: { topics: ["hubs.widget.update", "fedbadges.badge.award"], usernames: (config) => (config.username ? [config.username] : []) },
  async data(ctx, config) {
    required(config, "username");
    const base = baseURL(ctx, "badges_url");
    const user = encodeURIComponent(config.username);
    const profile = base + "/user/" + user;
    // 404: nobody of that name has logged in to badges yet, which is no error.
    const r = await getJSON(ctx, profile + "/json", "The badges service", [404]);
    if (r.status === 404) return { username: config.username, profile, known: false, total: 0, assertions: [] };
    const all = r.body.assertions;
    if (!Array.isArray(all)) throw new Error("The badges service answered without an assertions list");
    const sorted = all.slice().sort((a, b) => (Number(b.issued) || 0) - (Number(a.issued) || 0));
    return {
      username: config.username,
      profile,
      known: true,
      total: all.length,
      percent_earned: typeof r.body.percent_earned === "number" ? r.body.percent_earned : null,
      assertions: sorted.slice(0, SHOWN).map((a) => ({
        id: String(a.id ?? ""),
        name: String(a.name ?? ""),
        description: String(a.description ?? ""),
        image: String(a.image ?? ""),
        issued: Number(a.issued) || 0,
        link: base + "/badge/" + encodeURIComponent(String(a.id ?? "")),
      })),
    };
  },
  template(data, h) {
    if (data.assertions.length === 0) {
      return h.html`<p class="empty">${data.username} has no badges yet. <a href="${data.profile}">Badges profile</a></p>`;
    }
    return h.html`${style(h, "list", "badges")}<div class="badges">
  <ul class="badge-list">${data.assertions.map((a) => h.html`<li><a href="${a.link}" title="${a.name + (a.issued ? " (" + h.humanize(a.issued) + ")" : "")}"><img src="${a.image}" alt="${a.name}" width="64" height="64" loading="lazy"></a></li>`)}</ul>
  <p class="more"><a href="${data.profile}">All ${h.commas(data.total)} badges of ${data.username}</a></p>
</div>`;
  },
  shouldInvalidate(message, widget) {
    if (isWidgetUpdate(message, widget)) return true;
    return shortTopic(message) === "fedbadges.badge.award" && message.msg?.user?.username === widget.config.username;
  },
};
