package main

import (
	"net/url"
	"os"
	"sort"
	"strings"
)

// upstreamDefaults are the site settings the widgets read through ctx.settings: the base
// URLs of the Fedora services they ask, and how long to wait for them (widgets/badges.js, meetings.js,
// workflow/pendingacls.js, workflow/updates2stable.js), Fedora's own by default. Each can be
// changed with the environment variable HUBS_<KEY> (HUBS_BODHI_URL=https://bodhi.stg...),
// which is how the tests point them at local servers. Fetching from them still needs their
// hosts on the fetch allowlist, which by default (upstreamHosts) holds exactly these hosts.
var upstreamDefaults = map[string]string{
	"badges_url":   "https://badges.fedoraproject.org",
	"fedocal_url":  "https://apps.fedoraproject.org/calendar",
	"bodhi_url":    "https://bodhi.fedoraproject.org",
	"pkgdb_url":    "https://admin.fedoraproject.org/pkgdb",
	"packages_url": "https://apps.fedoraproject.org/packages", // package icons, shown by the browser, never fetched
	// How long one upstream request may take, in milliseconds (ctx.fetch's own cap is 5 s).
	"upstream_timeout_ms": "5000",
}

// siteSettings returns ctx.settings: upstreamDefaults with the HUBS_<KEY> overrides applied.
func siteSettings() map[string]string {
	out := make(map[string]string, len(upstreamDefaults))
	for k, v := range upstreamDefaults {
		if env := strings.TrimSpace(os.Getenv("HUBS_" + strings.ToUpper(k))); env != "" {
			v = env
		}
		out[k] = v
	}
	return out
}

// upstreamHosts is the default fetch allowlist: the hosts of the *_url site
// settings, so the upstream widgets work out of the box and nothing else is
// reachable. Setting HUBS_FETCH_ALLOW replaces it whole.
func upstreamHosts() string {
	seen := map[string]bool{}
	var hosts []string
	for k, v := range siteSettings() {
		if !strings.HasSuffix(k, "_url") {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || u.Hostname() == "" || seen[u.Hostname()] {
			continue
		}
		seen[u.Hostname()] = true
		hosts = append(hosts, u.Hostname())
	}
	sort.Strings(hosts)
	return strings.Join(hosts, ",")
}
