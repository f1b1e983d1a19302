// GitHub webhooks relayed by github2fedmsg. The relay adds fas_usernames, a
// map from GitHub logins to Fedora accounts for everyone in the event.

import { appIcon, avatar } from "./util.js";

const ICON = appIcon("github.png");

function fas(m, login) {
  const map = m.fas_usernames || {};
  return map[login] || login;
}

// user is who acted: the commit author, the pusher, the sender or the forker.
function user(m) {
  if (m.commit && m.commit.author && m.commit.author.login) return fas(m, m.commit.author.login);
  if (m.pusher && m.pusher.name) return fas(m, m.pusher.name);
  if (m.sender && m.sender.login) return fas(m, m.sender.login);
  if (m.forkee && m.forkee.owner) return fas(m, m.forkee.owner.login);
  return null;
}

function repo(m) {
  const r = m.repository;
  if (!r || !r.owner) return null;
  return ("login" in r.owner ? r.owner.login : r.owner.name) + "/" + r.name;
}

// event is the webhook's kind: the topic word after "github".
function event(c) {
  return c.head;
}

const OBJECT_KIND = {
  push: "tree",
  issue: "issues",
  fork: "forks",
  status: "status",
  pull_request: "pull",
  pull_request_review: "pull",
  pull_request_review_comment: "pull",
  commit_comment: "tree",
  release: "releases",
  create: null,
  delete: null,
  watch: null,
  star: null,
  page_build: "page_build",
  team_add: "team_add",
  member: "member",
  deployment_status: "deployment_status",
};

function subtitle(c) {
  const m = c.msg;
  const u = user(m);
  const r = repo(m);
  switch (event(c)) {
    case "webhook": return "A new github repository has been added to fedmsg";
    case "deployment_status":
      return u + "'s deployment status for " + r + ' updated to "' + m.deployment_status.state + '"';
    case "push": return u + " pushed " + m.commits.length + " commit(s) to " + r;
    case "pull_request": {
      const action = m.action === "synchronize" ? "synchronized" : m.action;
      if (action === "opened") return u + " opened pull request #" + m.number + " on " + r + ": " + m.pull_request.title;
      return u + " " + action + " pull request #" + m.number + " on " + r;
    }
    case "issue": {
      const action = "comment" in m ? "commented on" : m.action;
      const n = "number" in m ? m.number : m.issue.number;
      if (action === "opened") return u + " opened issue #" + n + " on " + r + ": " + m.issue.title;
      if (action === "labeled") return u + " added label " + m.label.name + " to issue #" + n + " on " + r;
      return u + " " + action + " issue #" + n + " on " + r;
    }
    case "pull_request_review": {
      const n = m.pull_request.number;
      const state = m.review.state;
      if (state === "pending") return u + " commented on PR #" + n + " on " + r + " which is in pending state";
      if (state === "approved") return u + " approved the changes on PR #" + n + " on " + r;
      if (state === "changes_requested") return u + " requested changes on PR #" + n + " on " + r;
      return u + " " + state + " on PR #" + n + " on " + r;
    }
    case "pull_request_review_comment": return u + " commented on PR #" + m.pull_request.number + " on " + r;
    case "commit_comment": return u + " commented on a commit on " + r;
    case "create": return u + " created a new " + m.ref_type + ' "' + m.ref + '" at ' + r;
    case "delete": return u + ' deleted the "' + m.ref + '" ' + m.ref_type + " at " + r;
    case "fork": return u + " forked " + r;
    case "status": return m.description + " for " + r + " " + String(m.sha).slice(0, 8);
    case "watch": return u + " " + m.action + " watching " + r;
    case "star": return u + " " + (m.action === "started" ? "starred" : "unstarred") + " " + r;
    case "release":
      return u + " cut a release of " + r.slice(r.indexOf("/") + 1) + ", version " + m.release.tag_name;
    case "page_build": return u + " rebuilt the github.io page for " + r;
    case "team_add": return "The '" + m.team.slug + "' team was added to the " + r + " repository";
    case "member":
      return m.action === "added"
        ? u + " added " + m.member.login + " as a member of " + r
        : u + " removed member " + m.member.login + " from " + r;
  }
  return "";
}

function link(c) {
  const m = c.msg;
  const ev = event(c);
  if (ev === "deployment_status") return m.deployment_status.target_url;
  if (ev === "watch") return m.repository.html_url + "/watchers";
  if (ev === "star") return m.repository.html_url + "/stargazers";
  if (ev === "page_build") {
    const p = m.repository.html_url.split("/");
    return "http://" + p[p.length - 2] + ".github.io/" + p[p.length - 1] + "/";
  }
  if (m.release) return m.release.html_url;
  if (m.target_url) return m.target_url;
  if (m.compare) return m.compare;
  if (m.comment) return m.comment.html_url;
  if (m.review) return m.review.html_url;
  if (m.pull_request) return m.pull_request.html_url;
  if (m.issue) return m.issue.html_url;
  if (m.forkee) return m.forkee.html_url;
  if (m.repository) return m.repository.html_url;
  return null;
}

function objects(c) {
  const m = c.msg;
  const ev = event(c);
  if (!(ev in OBJECT_KIND)) return [];
  let base = repo(m);
  if (OBJECT_KIND[ev]) base += "/" + OBJECT_KIND[ev];
  let items = [];
  if (Array.isArray(m.commits)) {
    for (let i = 0; i < m.commits.length; i++) {
      const cm = m.commits[i];
      items = items.concat(cm.added || [], cm.removed || [], cm.modified || []);
    }
  } else if (ev === "pull_request") items = [String(m.number)];
  else if (ev === "issue") items = [String("number" in m ? m.number : m.issue.number)];
  else if (ev.startsWith("pull_request_review")) items = [String(m.pull_request.number)];
  else if (ev === "fork") items = [user(m)];
  else if (ev === "create" || ev === "delete") items = [m.ref_type + "/" + m.ref];
  else if (ev === "status") items = [m.commit.sha];
  else if (ev === "commit_comment") items = [m.comment.path];
  else if (ev === "release") items = [m.release.tag_name];
  else if (ev === "watch") items = ["watchers"];
  else if (ev === "star") items = ["stargazers"];
  if (!items.length) return [base];
  return items.map((i) => base + "/" + i);
}

export default {
  names: ["github"],
  icon: ICON,
  subtitle,
  link,
  objects,
  secondary_icon(c) {
    if (event(c) === "webhook") return ICON;
    return avatar(user(c.msg));
  },
  usernames(c) {
    const map = c.msg.fas_usernames || {};
    const out = [];
    const logins = Object.keys(map);
    for (let i = 0; i < logins.length; i++) {
      const v = map[logins[i]];
      if (typeof v === "string" && !v.startsWith("github_org_")) out.push(v);
    }
    return out;
  },
};
