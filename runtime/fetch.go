package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// FetchConfig configures ctx.fetch.
type FetchConfig struct {
	// Allow lists where widgets may fetch from (HUBS_FETCH_ALLOW): a host name
	// ("pagure.io"), every sub-domain of one ("*.fedoraproject.org"), an IP
	// address or a CIDR ("127.0.0.1", "10.0.0.0/8"). Nothing else is reachable.
	// Loopback, private, link-local and other non-public addresses are refused
	// even for an allowed host name, unless the address itself is covered by
	// an IP or CIDR entry: the check runs on the address actually dialled,
	// after DNS resolution, so a name that resolves (or re-resolves) to an
	// internal address gets nowhere.
	Allow []string
	// Timeout bounds one request, headers and body (default 5 s; never more
	// than what is left of the data() call).
	Timeout time.Duration
	// MaxBytes caps a response body (default 2 MiB).
	MaxBytes int64
}

// ParseAllowList splits HUBS_FETCH_ALLOW (comma or space separated).
func ParseAllowList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
}

// FetchRequest is the second argument of ctx.fetch.
type FetchRequest struct {
	URL     string            `json:"-"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	Body    *string           `json:"body"`
	Timeout float64           `json:"timeout"` // milliseconds, like the browser's AbortSignal.timeout
}

// FetchResponse is what ctx.fetch resolves to (the body read in full).
type FetchResponse struct {
	Status  int
	URL     string
	Headers map[string]string
	Body    string
}

type fetcher struct {
	hosts    []string // exact host names
	suffixes []string // ".fedoraproject.org" for "*.fedoraproject.org"
	nets     []netip.Prefix
	timeout  time.Duration
	maxBytes int64
	client   *http.Client
}

func newFetcher(c FetchConfig) (*fetcher, error) {
	f := &fetcher{timeout: c.Timeout, maxBytes: c.MaxBytes}
	if f.timeout <= 0 {
		f.timeout = 5 * time.Second
	}
	if f.maxBytes <= 0 {
		f.maxBytes = 2 << 20
	}
	for _, e := range c.Allow {
		e = strings.ToLower(strings.TrimSpace(e))
		switch {
		case e == "":
		case strings.Contains(e, "/"):
			p, err := netip.ParsePrefix(e)
			if err != nil {
				return nil, fmt.Errorf("fetch allowlist entry %q: %w", e, err)
			}
			f.nets = append(f.nets, p.Masked())
		case strings.HasPrefix(e, "*."):
			f.suffixes = append(f.suffixes, e[1:])
		default:
			if a, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
				f.nets = append(f.nets, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
			if strings.ContainsAny(e, ":*") {
				return nil, fmt.Errorf("fetch allowlist entry %q: want a host, *.domain, an IP or a CIDR", e)
			}
			f.hosts = append(f.hosts, e)
		}
	}
	dialer := &net.Dialer{Timeout: f.timeout, Control: f.checkDial}
	f.client = &http.Client{
		Transport: &http.Transport{
			Proxy:               nil, // a proxy would dial for us, past the address check
			DialContext:         dialer.DialContext,
			ForceAttemptHTTP2:   true,
			MaxIdleConns:        32,
			IdleConnTimeout:     60 * time.Second,
			TLSHandshakeTimeout: f.timeout,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			return f.checkURL(req.URL)
		},
	}
	return f, nil
}

// checkURL allows http and https URLs to allowlisted hosts.
func (f *fetcher) checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: only http and https URLs", ErrFetch)
	}
	host := strings.ToLower(u.Hostname())
	if a, err := netip.ParseAddr(host); err == nil {
		if f.coveredByIP(a) {
			return nil
		}
		return fmt.Errorf("%w: %s is not on the fetch allowlist", ErrFetch, host)
	}
	for _, h := range f.hosts {
		if host == h {
			return nil
		}
	}
	for _, s := range f.suffixes {
		if strings.HasSuffix(host, s) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s is not on the fetch allowlist", ErrFetch, host)
}

func (f *fetcher) coveredByIP(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range f.nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// checkDial runs on the resolved address of every connection, redirects
// included: non-public addresses need an explicit IP/CIDR entry.
func (f *fetcher) checkDial(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFetch, err)
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: dial %s: not an IP address", ErrFetch, address)
	}
	a = a.Unmap()
	if isPublic(a) || f.coveredByIP(a) {
		return nil
	}
	return fmt.Errorf("%w: %s is a loopback, private or link-local address (allow it with an IP or CIDR entry)", ErrFetch, a)
}

// nonPublic are the ranges IsPrivate/IsLoopback... do not cover.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64 (maps to any IPv4, private included)
	netip.MustParsePrefix("64:ff9b:1::/48"), // local NAT64
}

func isPublic(a netip.Addr) bool {
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// do performs one request for ctx.fetch, bounded by the per-request timeout
// and by ctx (the data() call's deadline).
func (f *fetcher) do(ctx context.Context, r FetchRequest) (FetchResponse, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return FetchResponse{}, fmt.Errorf("%w: bad URL: %v", ErrFetch, err)
	}
	if err := f.checkURL(u); err != nil {
		return FetchResponse{}, err
	}
	timeout := f.timeout
	if r.Timeout > 0 && time.Duration(r.Timeout*float64(time.Millisecond)) < timeout {
		timeout = time.Duration(r.Timeout * float64(time.Millisecond))
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	method := strings.ToUpper(r.Method)
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if r.Body != nil {
		body = strings.NewReader(*r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return FetchResponse{}, fmt.Errorf("%w: %v", ErrFetch, err)
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "hubs-widget")
	}
	resp, err := f.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return FetchResponse{}, fmt.Errorf("timed out after %s", timeout)
		}
		return FetchResponse{}, netCause(u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBytes+1))
	if errors.Is(err, context.DeadlineExceeded) {
		return FetchResponse{}, fmt.Errorf("timed out after %s reading the body", timeout)
	}
	if err != nil {
		return FetchResponse{}, fmt.Errorf("read body: %w", err)
	}
	if int64(len(b)) > f.maxBytes {
		return FetchResponse{}, fmt.Errorf("%w: response body larger than %d bytes", ErrFetch, f.maxBytes)
	}
	headers := make(map[string]string, len(resp.Header))
	for k, vs := range resp.Header {
		headers[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	return FetchResponse{Status: resp.StatusCode, URL: resp.Request.URL.String(), Headers: headers, Body: string(b)}, nil
}

// netCause says why a request could not be made in a few words a widget can show
// on a public page. Go's own text ("Get URL: dial tcp: lookup HOST on
// 10.0.0.53:53: no such host") names the machine's resolver and addresses,
// which belong in the server's log, not in a widget's error panel. Our own
// refusals (allowlist, private addresses) are kept whole.
func netCause(u *url.URL, err error) error {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, ErrFetch):
		// Our dialer's refusal, without the url.Error and net.OpError around it.
		for e := err; e != nil; e = errors.Unwrap(e) {
			if errors.Unwrap(e) == ErrFetch {
				return e
			}
		}
		return err
	case errors.As(err, &dnsErr):
		return fmt.Errorf("cannot resolve %s", u.Hostname())
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%s refused the connection", u.Host)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s closed the connection", u.Host)
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return fmt.Errorf("no route to %s", u.Host)
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return fmt.Errorf("request to %s failed: %v", u.Host, uerr.Err)
	}
	return err
}
