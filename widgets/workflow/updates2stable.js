// Updates ready for stable: a packager's updates in testing that Bodhi says can be pushed to
// stable now and that nobody asked to push yet, with karma, link and package icon. Asked from
// Bodhi (site setting bodhi_url), /updates/?user=NAME&status=testing.
import { style } from "../lib/style.js";
import { required } from "../lib/config.js";
import { isWidgetUpdate, shortTopic } from "../lib/topics.js";
import { baseURL, getJSON, query } from "../lib/upstream.js";

// Bodhi's own comment once an update has enough karma or days in testing.
const GIVEAWAY = "can be pushed to stable now";

// packageOf is an update's first package: its build's package name, else the build's
// name-version-release without the last two parts.
function packageOf(update) {
  const b = Array.isArray(update.builds) ? update.builds[0] : null;
  if (!b) return "";
  if (b.package && b.package.name) return String(b.package.name);
  return String(b.nvr ?? "").split("-").slice(0, -2).join("-");
}

// ownerOf is the update's submitter in a bodhi message.
const ownerOf = (update) => update?.user?.name ?? update?.submitter ?? null;

// ownerConcerned is the packager whose list a bodhi message can change: the owner of the
// update commented on, or asked / pushed to stable. fedmsg.meta names the commenter and the
// people a comment mentions, not always the owner, so the widget names its person itself
// (hints.messageUsernames) and is asked only on that person's hub.
function ownerConcerned(message) {
  const topic = shortTopic(message);
  const msg = message.msg ?? {};
  if (topic === "bodhi.update.comment") {
    const c = msg.comment ?? {};
    return String(c.text ?? "").includes(GIVEAWAY) ? ownerOf(c.update) : null;
  }
  // A push asked or done takes the update off the list.
  if (topic === "bodhi.update.request.stable" || topic === "bodhi.update.complete.stable") return ownerOf(msg.update);
  return null;
}

export default {
  title: "Updates Ready for Stable",
  description: "A packager's updates in testing that can be pushed to stable, from Bodhi.",
  params: {
    username: { type: "username", required: true, help: "A FAS username." },
  },
  hints: {
    topics: ["hubs.widget.update", "bodhi.update.comment", "bodhi.update.request.stable", "bodhi.update.complete.stable"],
    usernames: (config) => (config.username ? [config.username] : []),
    messageUsernames(message) {
      const owner = ownerConcerned(message);
      return typeof owner === "string" ? [owner] : [];
    },
  },
  async data(ctx, config) {
    required(config, "username");
    const base = baseURL(ctx, "bodhi_url");
    const icons = baseURL(ctx, "packages_url") + "/images/icons/";
    const url = base + "/updates/" + query({ user: config.username, status: "testing", rows_per_page: 100 });
    const r = await getJSON(ctx, url, "Bodhi");
    if (!Array.isArray(r.body.updates)) throw new Error("Bodhi answered without an updates list");
    const ready = r.body.updates.filter((u) =>
      (u.request === null || u.request === undefined) &&
      Array.isArray(u.comments) && u.comments.some((c) => String(c?.text ?? "").includes(GIVEAWAY)));
    return {
      username: config.username,
      manage: base + "/updates/" + query({ user: config.username }),
      updates: ready.map((u) => {
        const pkg = packageOf(u);
        const alias = String(u.alias ?? u.title ?? "");
        return {
          title: String(u.title || alias),
          karma: Number(u.karma) || 0,
          link: String(u.url || base + "/updates/" + encodeURIComponent(alias)),
          package: pkg,
          icon: pkg ? icons + encodeURIComponent(pkg) + ".png" : "",
        };
      }),
    };
  },
  template(data, h) {
    if (data.updates.length === 0) return h.html`<p class="empty">No update of ${data.username} waits for a push to stable.</p>`;
    return h.html`${style(h, "list", "people")}<div class="updates2stable">
  <p><a href="${data.manage}">Manage updates</a></p>
  <ul class="media-list">${data.updates.map((u) => h.html`
    <li>${u.icon ? h.html`<img src="${u.icon}" alt="" width="32" height="32" loading="lazy"> ` : ""}<a href="${u.link}">${u.title}</a> (karma ${u.karma}) ready for love</li>`)}
  </ul>
</div>`;
  },
  shouldInvalidate(message, widget) {
    if (isWidgetUpdate(message, widget)) return true;
    const owner = ownerConcerned(message);
    return owner !== null && owner === widget.config.username;
  },
};
