// Pending ACLs: requests for rights on a packager's packages waiting for their answer, with
// the requesters' avatars. Asked from pkgdb (site setting pkgdb_url), /api/pendingacls.
import { style } from "../lib/style.js";
import { required } from "../lib/config.js";
import { avatar } from "../lib/meta/util.js";
import { isWidgetUpdate, shortTopic } from "../lib/topics.js";
import { baseURL, getJSON, query } from "../lib/upstream.js";

// concerned are the people whose pending requests a pkgdb.acl.update changes: the
// package's point of contact, who answers requests (newer pkgdb), the package's ACL holders
// (older messages listed them), and the requester. fedmsg.meta names only the requester and
// the agent, so the widget names them itself (hints.messageUsernames) and is asked only on
// their hubs.
function concerned(message) {
  if (shortTopic(message) !== "pkgdb.acl.update") return [];
  const msg = message.msg ?? {};
  const listing = msg.package_listing ?? {};
  const out = [listing.point_of_contact, msg.username, msg.agent];
  if (Array.isArray(listing.acls)) for (const a of listing.acls) out.push(a?.fas_name);
  return out.filter((u) => typeof u === "string" && u !== "");
}

export default {
  title: "Pending ACL Requests",
  description: "ACL requests on a packager's packages that wait for their review.",
  params: {
    username: { type: "username", required: true, help: "A FAS username." },
  },
  hints: {
    topics: ["hubs.widget.update", "pkgdb.acl.update"],
    usernames: (config) => (config.username ? [config.username] : []),
    messageUsernames: concerned,
  },
  async data(ctx, config) {
    required(config, "username");
    const base = baseURL(ctx, "pkgdb_url");
    const r = await getJSON(ctx, base + "/api/pendingacls" + query({ username: config.username, format: "json" }), "pkgdb");
    if (!Array.isArray(r.body.pending_acls)) throw new Error("pkgdb answered without a pending_acls list");
    return {
      username: config.username,
      manage: base + "/acl/pending/",
      pending: r.body.pending_acls.map((a) => ({
        user: String(a.user ?? ""),
        avatar: avatar(String(a.user ?? "")), // hashed once per rebuild, not at every render
        acl: String(a.acl ?? ""),
        package: String(a.package ?? ""),
        namespace: String(a.namespace ?? "rpms"),
        collection: String(a.collection ?? ""),
        status: String(a.status ?? ""),
        link: base + "/package/" + encodeURIComponent(String(a.namespace ?? "rpms")) + "/" + encodeURIComponent(String(a.package ?? "")) + "/",
      })),
    };
  },
  template(data, h) {
    if (data.pending.length === 0) return h.html`<p class="empty">No ACL request waits for ${data.username}.</p>`;
    return h.html`${style(h, "list", "people")}<div class="pendingacls">
  <p><a href="${data.manage}">Manage requests</a></p>
  <ul class="media-list">${data.pending.map((a) => h.html`
    <li>${a.avatar ? h.html`<img class="avatar" src="${a.avatar}" alt="" width="32" height="32" loading="lazy">` : ""}
      <strong>${a.user}</strong> is ${a.status.toLowerCase() || "waiting"} for ${a.acl} on <a href="${a.link}">${a.package}</a> (${a.collection})</li>`)}
  </ul>
</div>`;
  },
  shouldInvalidate(message, widget) {
    if (isWidgetUpdate(message, widget)) return true;
    return concerned(message).includes(widget.config.username);
  },
};
