package main

import "testing"

func TestSiteSettings(t *testing.T) {
	t.Setenv("HUBS_BODHI_URL", " https://bodhi.stg.fedoraproject.org ")
	t.Setenv("HUBS_BADGES_URL", "")
	got := siteSettings()
	if got["bodhi_url"] != "https://bodhi.stg.fedoraproject.org" {
		t.Errorf("bodhi_url = %q, want the environment's", got["bodhi_url"])
	}
	if got["badges_url"] != "https://badges.fedoraproject.org" {
		t.Errorf("badges_url = %q, want Fedora's when the variable is empty", got["badges_url"])
	}
	for k, v := range upstreamDefaults {
		if got[k] == "" {
			t.Errorf("%s missing (default %q)", k, v)
		}
	}
}
