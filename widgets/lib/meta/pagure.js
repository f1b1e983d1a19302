// Pagure: the pagure.io forge (io.pagure.*) and Fedora's dist-git, which
// runs pagure too (org.fedoraproject.*.pagure.*): projects, tickets, pull
// requests, flags and pushes.

import { PACKAGE_ICON, account, avatar, series } from "./util.js";

// project names a project "name", "ns/name", or "fork/user/ns/name".
function project(p) {
  let name = p.name;
  if (p.namespace) name = p.namespace + "/" + name;
  if (p.parent) name = "fork/" + p.user.name + "/" + name;
  return name;
}

function projectOf(m) {
  try {
    return project(m.project);
  } catch (e) {
    try {
      return project(m.pullrequest.project);
    } catch (e2) {
      return "(unknown)";
    }
  }
}

function baseURL(c) {
  const stg = c.envName === "stg";
  if (c.topic.startsWith("io.")) return stg ? "https://stg.pagure.io" : "https://pagure.io";
  return stg ? "https://src.stg.fedoraproject.org" : "https://src.fedoraproject.org";
}

// The pull request appears under several keys depending on pagure's version.
function pr(m) {
  return m.pullrequest || m.pull_request || m["pull-request"];
}

function branchName(b) {
  return String(b).replace("refs/heads/", "");
}

// listed names tags or fields in a stable (sorted) order: pagure sends them
// in whatever order its form produced.
function listed(a) {
  return series(Array.isArray(a) ? a.slice().sort() : []);
}

function last(a) {
  return Array.isArray(a) && a.length ? a[a.length - 1] : null;
}

function subtitle(c) {
  const m = c.msg;
  const proj = projectOf(m);
  const user = m.agent;
  const t = c.rest;
  const issue = m.issue;
  switch (t) {
    case "project.new": return user + ' created a new project "' + proj + '"';
    case "issue.new": return user + " opened a new ticket " + proj + "#" + issue.id + ': "' + issue.title + '"';
    case "issue.drop": return user + " deleted ticket " + proj + "#" + issue.id + ': "' + issue.title + '"';
    case "issue.comment.edited":
      return user + " edited a comment on ticket " + proj + "#" + issue.id + ': "' + issue.title + '"';
    case "issue.comment.added":
      return user + " commented on ticket " + proj + "#" + issue.id + ': "' + issue.title + '"';
    case "issue.tag.added": return user + " tagged ticket " + proj + "#" + issue.id + ": " + listed(m.tags);
    case "issue.tag.removed":
      return user + " removed the " + listed(m.tags) + " tags from ticket " + proj + "#" + issue.id;
    case "pull-request.tag.added":
      return user + " tagged pull-request " + proj + "#" + pr(m).id + ": " + listed(m.tags);
    case "pull-request.tag.removed":
      return user + " removed the " + listed(m.tags) + " tags from pull-request " + proj + "#" + pr(m).id;
    case "issue.assigned.added":
      return user + " assigned ticket " + proj + "#" + issue.id + (issue.assignee ? " to " + issue.assignee.name : "");
    case "issue.assigned.reset": return user + " reset the assignee of ticket " + proj + "#" + issue.id;
    case "issue.dependency.added":
      return user + " added ticket " + proj + "#" + issue.id + " as a dependency of ticket " + proj + "#" + m.added_dependency;
    case "issue.dependency.removed":
      return user + " removed ticket " + proj + "#" + issue.id + " as a dependency of ticket " + proj + "#" + m.removed_dependency;
    case "issue.edit":
      if (Array.isArray(m.fields) && m.fields.length === 1 && m.fields[0] === "status") {
        return user + " set the status of ticket " + proj + "#" + issue.id + " to: " + issue.status;
      }
      return user + " edited the " + listed(m.fields) + " fields of ticket " + proj + "#" + issue.id;
    case "project.edit": return user + " edited the " + listed(m.fields) + " fields of project " + proj;
    case "project.group.added":
      return user + ' added group "' + m.new_group + '" to project ' + proj + (m.access ? " with " + m.access + " access" : "");
    case "project.group.access.updated":
      return user + ' updated access of group "' + m.new_group + '" to ' + m.new_access + " on project " + proj;
    case "project.user.added":
      return user + ' added "' + m.new_user + '" to project ' + proj + (m.access ? " with " + m.access + " access" : "");
    case "project.user.access.updated":
      return user + ' updated access of "' + m.new_user + '" to ' + m.new_access + " in project " + proj;
    case "project.user.removed": return user + ' removed "' + m.removed_user + '" from the project ' + proj;
    case "project.tag.removed": return user + ' removed tags "' + listed(m.tags) + '" from project ' + proj;
    case "project.tag.edited":
      return user + " altered tags on project " + proj + ' from "' + m.old_tag + '" to "' + m.new_tag + '"';
    case "project.forked": return user + " forked " + m.project.parent.name + " to " + proj;
    case "project.deleted": return user + ' deleted the project "' + proj + '"';
    case "pull-request.comment.added": return user + " commented on PR #" + pr(m).id + " on " + proj;
    case "pull-request.comment.edited": return user + " edited a comment on PR #" + pr(m).id + " on " + proj;
    case "pull-request.closed":
      return m.merged
        ? user + " merged pull request #" + pr(m).id + " on " + proj
        : user + " closed (without merging) pull request #" + pr(m).id + " on " + proj;
    case "pull-request.new": return user + " opened pull request #" + pr(m).id + " on " + proj + ": " + pr(m).title;
    case "pull-request.updated": return "Pull-request #" + pr(m).id + " has been updated";
    case "pull-request.rebased": return "Pull-request #" + pr(m).id + " has been rebased";
    case "pull-request.flag.added":
      return m.flag.username + " flagged " + proj + "#" + pr(m).id + ' with "' + m.flag.comment + '"';
    case "pull-request.flag.updated":
      return m.flag.username + " updated the flags on " + proj + "#" + pr(m).id + ' with: "' + m.flag.comment + '"';
    case "request.assigned.added":
      return user + " assigned PR " + proj + "#" + m.request.id + (m.request.assignee ? " to " + m.request.assignee.name : "");
    case "request.assigned.reset": return user + " reset the assignee of PR " + proj + "#" + m.request.id;
    case "commit.flag.added":
      return m.flag.username + " added a flag on the commit " + String(m.flag.commit_hash).slice(0, 8) +
        " of the project " + project(m.repo);
    case "commit.flag.updated":
      return m.flag.username + " updated its flag on the commit " + String(m.flag.commit_hash).slice(0, 8) +
        " of the project " + project(m.repo);
    case "git.receive":
      if (m.commit) {
        // Old style: one message per commit.
        const cm = m.commit;
        let summary = cm.summary;
        if (String(cm.summary).trim() !== String(cm.message).trim()) summary += " (..more)";
        return account(cm.email) + " pushed to " + project(cm.repo) + " (" + branchName(cm.branch) + '). "' + summary + '"';
      }
      return user + " pushed " + m.total_commits + (String(m.total_commits) === "1" ? " commit" : " commits") +
        " to " + project(m.repo) + " (" + branchName(m.branch) + ")";
  }
  return "";
}

function link(c) {
  const m = c.msg;
  const base = baseURL(c);
  const proj = projectOf(m);
  const t = c.rest;
  const at = base + "/" + proj;
  if (t.startsWith("issue.")) {
    const id = m.issue.id;
    if (t === "issue.comment.edited") {
      if (proj === "(unknown)") return base;
      const cid = m.comment && m.comment.id;
      return cid ? at + "/issue/" + id + "#comment-" + cid : at + "/issue/" + id;
    }
    if (t === "issue.comment.added") {
      const lc = last(m.issue.comments);
      return lc ? at + "/issue/" + id + "#comment-" + lc.id : at + "/issue/" + id;
    }
    return at + "/issue/" + id;
  }
  if (t.startsWith("pull-request.")) {
    const id = pr(m).id;
    if (t.indexOf("comment") >= 0) {
      const lc = last(m.pullrequest && m.pullrequest.comments);
      if (lc) return at + "/pull-request/" + id + "#comment-" + lc.id;
      if (m.comment) return at + "/pull-request/" + id + "#comment-" + m.comment.id;
    }
    return at + "/pull-request/" + id;
  }
  if (t.startsWith("request.")) return at + "/pull-request/" + m.request.id;
  if (t === "project.deleted") return base;
  if (t.startsWith("project.")) return at;
  if (t.startsWith("commit.flag.")) return base + "/" + project(m.repo) + "/c/" + m.flag.commit_hash;
  if (t === "git.receive") {
    if (m.commit) return base + "/" + project(m.commit.repo) + "/" + m.commit.rev;
    return base + "/" + project(m.repo) + "/branch/" + branchName(m.branch);
  }
  return base;
}

// Activity on one pull request or one ticket folds into "a and b interacted
// with pull-request #3 of project "x" 4 times"; pushes to one repository
// fold into "a pushed 7 commits to x".
function ticketConglomerator(kind, entity, repoOf) {
  return {
    handles: (c) => c.rest.startsWith(kind + "."),
    matches: (a, b) => entity(a.msg).id === entity(b.msg).id && repoOf(a.msg) === repoOf(b.msg),
    merge(cs) {
      const agents = Array.from(new Set(cs.map((c) => c.msg.agent))).sort();
      const id = entity(cs[0].msg).id;
      const repo = repoOf(cs[0].msg);
      return {
        subtitle: series(agents) + " interacted with " + kind + " #" + id + ' of project "' + repo + '" ' + cs.length + " times",
        secondary_icon: avatar(cs[0].msg.agent),
        link: baseURL(cs[0]) + "/" + repo + "/" + kind + "/" + id,
      };
    },
  };
}
const CONGLOMERATORS = [
  ticketConglomerator("pull-request", (m) => pr(m), (m) => pr(m).project.name),
  ticketConglomerator("issue", (m) => m.issue, (m) => m.project.name),
  {
    handles: (c) => c.rest === "git.receive" && !c.msg.commit,
    matches: (a, b) => a.msg.repo.name === b.msg.repo.name,
    merge(cs) {
      let count = 0;
      for (const c of cs) count += Number(c.msg.total_commits) || 0;
      const agents = Array.from(new Set(cs.map((c) => c.msg.agent))).sort();
      const repo = cs[0].msg.repo.name;
      return {
        subtitle: series(agents) + " pushed " + count + " commits to " + repo + " (" + series(cs.map((c) => branchName(c.msg.branch)).sort()) + ")",
        secondary_icon: avatar(cs[0].msg.agent),
        link: baseURL(cs[0]) + "/" + repo + "/commits",
      };
    },
  },
  {
    handles: (c) => c.rest === "git.receive" && !!c.msg.commit,
    matches: (a, b) => a.msg.commit.path === b.msg.commit.path,
    merge(cs) {
      const agents = Array.from(new Set(cs.map((c) => account(c.msg.commit.email)))).sort();
      const repo = cs[0].msg.commit.repo.name;
      return {
        subtitle: series(agents) + " pushed " + cs.length + " commits to the " + repo + " project",
        secondary_icon: avatar(agents[0]),
        link: baseURL(cs[0]) + "/" + repo + "/commits",
      };
    },
  },
];

export default {
  names: ["pagure"],
  conglomerators: CONGLOMERATORS,
  icon: PACKAGE_ICON,
  subtitle,
  link,
  secondary_icon(c) {
    return c.msg.agent ? avatar(c.msg.agent) : null;
  },
  usernames(c) {
    const m = c.msg;
    if (m.agent) return [m.agent];
    if (c.rest === "git.receive" && m.commit) return [account(m.commit.email)];
    return [];
  },
  objects(c) {
    const m = c.msg;
    const t = c.rest;
    const proj = "project/" + projectOf(m);
    if (t.startsWith("project.")) return [proj];
    if (t.startsWith("issue.")) return ["issue/" + m.issue.id, proj];
    if (t.startsWith("pull-request.")) return ["pull-request/" + pr(m).id, proj];
    if (t.startsWith("request.")) return ["pull-request/" + m.request.id, proj];
    if (t === "git.receive") return ["project/" + project(m.commit ? m.commit.repo : m.repo)];
    if (t.startsWith("commit.flag.")) return ["project/" + project(m.repo)];
    return [];
  },
};
