// Command sseload measures Hubs' event stream under many clients: it opens -n event
// streams on one hub of a running `hubs serve --dev`, reads the server's memory from
// /metrics before and after, then saves a widget's config once (as an owner, through the
// edit form) and measures how long the resulting widget event takes to reach every client.
//
//	go run ./server/testdata/sseload -url http://127.0.0.1:5000 -n 10000
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:5000", "the server")
	hub := flag.String("hub", "designteam", "the hub to watch")
	widget := flag.String("widget", "sticky", "the widget whose config is saved")
	user := flag.String("user", "duffy", "an owner of the hub (dev sign-in)")
	n := flag.Int("n", 10000, "event stream clients")
	dialers := flag.Int("dialers", 64, "connections opened at once")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil {
		log.Fatal(err)
	}

	before := metrics(*base)
	marker := fmt.Sprintf("sseload-%d", time.Now().UnixNano())
	var connected sync.WaitGroup
	connected.Add(*n)
	got := make([]time.Time, *n)
	var received atomic.Int64
	done := make(chan struct{}, *n)
	sem := make(chan struct{}, *dialers)
	start := time.Now()
	for i := range *n {
		sem <- struct{}{}
		go func() {
			conn, err := net.Dial("tcp", u.Host)
			if err != nil {
				log.Fatalf("client %d: %v", i, err)
			}
			fmt.Fprintf(conn, "GET /%s/events HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n", *hub, u.Host)
			r := bufio.NewReaderSize(conn, 1024)
			hello := false
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					if !hello {
						log.Fatalf("client %d: %v", i, err)
					}
					return
				}
				if !hello && strings.Contains(line, ": hello") {
					hello = true
					<-sem
					connected.Done()
				}
				if got[i].IsZero() && strings.Contains(line, marker) {
					got[i] = time.Now()
					received.Add(1)
					done <- struct{}{}
				}
			}
		}()
	}
	connected.Wait()
	fmt.Printf("%d clients connected in %s\n", *n, time.Since(start).Round(time.Millisecond))
	time.Sleep(2 * time.Second) // let the server settle before reading its memory
	after := metrics(*base)
	for _, k := range []string{"process_resident_memory_bytes", "go_memstats_heap_inuse_bytes", "go_goroutines"} {
		fmt.Printf("%s: %.0f -> %.0f (%.0f per client)\n", k, before[k], after[k], (after[k]-before[k])/float64(*n))
	}

	c, csrf, id := owner(*base, *hub, *widget, *user)
	sent := time.Now()
	resp, err := c.PostForm(fmt.Sprintf("%s/%s/%d/edit", *base, *hub, id), url.Values{"_csrf": {csrf}, "text": {marker}})
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		log.Fatalf("save config: %s", resp.Status)
	}
	timeout := time.After(30 * time.Second)
	for k := 0; k < *n; k++ {
		select {
		case <-done:
		case <-timeout:
			k = *n
		}
	}
	var lat []time.Duration
	for _, t := range got {
		if !t.IsZero() {
			lat = append(lat, t.Sub(sent))
		}
	}
	slices.Sort(lat)
	if len(lat) == 0 {
		log.Fatalf("no client received the update")
	}
	q := func(p float64) time.Duration {
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(time.Millisecond)
	}
	fmt.Printf("update reached %d of %d clients: p50 %s, p99 %s, last %s (from the POST that saved it)\n",
		len(lat), *n, q(0.5), q(0.99), lat[len(lat)-1].Round(time.Millisecond))
}

// metrics reads the gauges of /metrics.
func metrics(base string) map[string]float64 {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if f, err := strconv.ParseFloat(val, 64); err == nil {
			out[name] = f
		}
	}
	return out
}

var csrfRE = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

// owner signs in as user and returns the client, its CSRF token and the widget's id.
func owner(base, hub, widget, user string) (*http.Client, string, int64) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/login/dev?user=" + url.QueryEscape(user))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Get(base + "/" + hub + "/")
	if err != nil {
		log.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(page)
	if m == nil {
		log.Fatalf("no CSRF token: is the server running with --dev and %s an owner of %s?", user, hub)
	}
	re := regexp.MustCompile(`data-idx="(\d+)" data-name="` + regexp.QuoteMeta(widget) + `"`)
	w := re.FindSubmatch(page)
	if w == nil {
		log.Fatalf("hub %s has no widget %s", hub, widget)
	}
	id, _ := strconv.ParseInt(string(w[1]), 10, 64)
	return c, string(m[1]), id
}
