package serve

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func TestSignerVerify(t *testing.T) {
	s := NewSigner([]byte("key-1"))
	exp := t0.Add(time.Hour)
	q := s.Query("/a/b.ts", exp)
	if !strings.HasPrefix(q, "exp=1777640400&sig=") {
		t.Fatalf("query %q", q)
	}
	sig := q[strings.Index(q, "sig=")+4:]
	for _, tc := range []struct {
		name, path, query string
		now               time.Time
		want              error
	}{
		{"valid", "/a/b.ts", q, t0, nil},
		{"valid with other parameters", "/a/b.ts", "x=1&" + q + "&_HLS_msn=3", t0, nil},
		{"last second", "/a/b.ts", q, exp.Add(-time.Second), nil},
		{"expired", "/a/b.ts", q, exp, ErrExpired},
		{"other path", "/a/c.ts", q, t0, ErrBadSignature},
		{"other key", "/a/b.ts", NewSigner([]byte("key-2")).Query("/a/b.ts", exp), t0, ErrBadSignature},
		{"later expiry", "/a/b.ts", "exp=1777644000&sig=" + sig, t0, ErrBadSignature},
		{"expiry respelled", "/a/b.ts", "exp=+1777640400&sig=" + sig, t0, ErrBadSignature},
		{"garbage signature", "/a/b.ts", "exp=1777640400&sig=%%%", t0, ErrBadSignature},
		{"truncated signature", "/a/b.ts", "exp=1777640400&sig=" + sig[:20], t0, ErrBadSignature},
		{"no signature", "/a/b.ts", "exp=1777640400", t0, ErrUnsigned},
		{"no expiry", "/a/b.ts", "sig=" + sig, t0, ErrUnsigned},
		{"nothing", "/a/b.ts", "", t0, ErrUnsigned},
	} {
		_, err := s.Verify(tc.path, tc.query, tc.now)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}
	if u := s.URL("/a b/c.ts", exp); !strings.HasPrefix(u, "/a%20b/c.ts?exp=") {
		t.Errorf("URL %q", u)
	}
}

func FuzzSignerVerify(f *testing.F) {
	s := NewSigner([]byte("k"))
	f.Add("/a.ts", s.Query("/a.ts", t0.Add(time.Hour)))
	f.Add("/a.ts", "exp=1&sig=")
	f.Add("/", "&&&exp=&sig=x")
	f.Fuzz(func(t *testing.T, path, query string) {
		exp, err := s.Verify(path, query, t0)
		if err != nil {
			return
		}
		want := "&sig=" + base64.RawURLEncoding.EncodeToString(s.mac(path, exp)) + "&"
		if !strings.Contains("&"+query+"&", want) || !strings.Contains("&"+query+"&", "&exp="+exp+"&") {
			t.Fatalf("accepted %q for %q", query, path)
		}
	})
}

// resolve follows a link as a player would: relative to base.
func resolve(t *testing.T, base, ref string) string {
	t.Helper()
	b, err := url.Parse(base)
	must(t, err)
	r, err := url.Parse(ref)
	must(t, err)
	return b.ResolveReference(r).RequestURI()
}

var uriLine = regexp.MustCompile(`(?m)^[^#\n][^\n]*$|URI="([^"]+)"`)

func playlistRefs(body string) []string {
	var out []string
	for _, m := range uriLine.FindAllStringSubmatch(body, -1) {
		if m[1] != "" {
			out = append(out, m[1])
		} else {
			out = append(out, m[0])
		}
	}
	return out
}

func TestSignedServing(t *testing.T) {
	fx := newFixture(t)
	writeFile(t, fx.root+"/vod/low/fmp4.m3u8", []byte("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n"+
		"#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2.0,\nseg0.ts?x=1\n#EXT-X-ENDLIST\n"))
	now := t0
	h := newTestHandler(t, Config{Dir: fx.root, SignKey: []byte("secret key 0123456789"), Now: func() time.Time { return now }})
	s := h.Signer()
	exp := t0.Add(time.Hour)

	for _, p := range []string{"/vod/master.m3u8", "/vod/low/seg0.ts", "/vod/low/seg1.ts", "/vod/k.key", "/", "/watch/vod", "/api/tracks"} {
		if resp := get(t, h, p); resp.StatusCode != 403 || !strings.Contains(body(t, resp), "signature missing") {
			t.Errorf("unsigned %s: %d", p, resp.StatusCode)
		}
	}
	for _, p := range []string{"/healthz", "/metrics", "/_veza/watch.js"} {
		if resp := get(t, h, p); resp.StatusCode != 200 {
			t.Errorf("open endpoint %s: %d", p, resp.StatusCode)
		}
	}
	if resp := get(t, h, "/vod/low/seg0.ts?"+s.Query("/vod/low/seg1.ts", exp)); resp.StatusCode != 403 {
		t.Errorf("signature of another file: %d", resp.StatusCode)
	}

	// Follow the master like a player: every URI it lists, and every URI
	// of those, must carry a working signature with the master's expiry.
	master := s.URL("/vod/master.m3u8", exp)
	resp := get(t, h, master)
	mb := body(t, resp)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != "" || resp.Header.Get("Cache-Control") != "private, no-cache" {
		t.Fatalf("signed master: %d %v\n%s", resp.StatusCode, resp.Header, mb)
	}
	fetched := 0
	for _, ref := range playlistRefs(mb) {
		if !strings.Contains(ref, "exp=1777640400&sig=") {
			t.Errorf("master URI %q not signed", ref)
		}
		vp := resolve(t, "http://x"+master, ref)
		resp := get(t, h, vp)
		vb := body(t, resp)
		if resp.StatusCode != 200 {
			t.Fatalf("variant %s: %d", vp, resp.StatusCode)
		}
		for _, sref := range playlistRefs(vb) {
			sp := resolve(t, "http://x"+vp, sref)
			if r := get(t, h, sp); r.StatusCode != 200 {
				t.Errorf("%s from %s: %d", sp, vp, r.StatusCode)
			}
			fetched++
		}
	}
	if fetched != 6 { // 2 variants × (key + 2 segments)
		t.Errorf("followed %d URIs, want 6", fetched)
	}
	fm := body(t, get(t, h, s.URL("/vod/low/fmp4.m3u8", exp)))
	refs := playlistRefs(fm)
	if len(refs) != 2 || !strings.HasPrefix(refs[0], "init.mp4?exp=") || !strings.HasPrefix(refs[1], "seg0.ts?x=1&exp=") {
		t.Errorf("fMP4 playlist refs %q", refs)
	}
	for _, ref := range refs {
		if r := get(t, h, resolve(t, "http://x/vod/low/fmp4.m3u8", ref)); r.StatusCode != 200 {
			t.Errorf("%s: %d", ref, r.StatusCode)
		}
	}
	// ranges still work on signed files
	if r := get(t, h, s.URL("/vod/low/seg1.ts", exp), "Range", "bytes=0-9"); r.StatusCode != 206 || len(body(t, r)) != 10 {
		t.Errorf("signed range: %d", r.StatusCode)
	}

	// expiry
	now = exp
	if resp := get(t, h, master); resp.StatusCode != 403 || !strings.Contains(body(t, resp), "expired") {
		t.Errorf("expired master: %d", resp.StatusCode)
	}
}

func TestSignedPagesAndAPI(t *testing.T) {
	fx := newFixture(t)
	reader, writer := catalogPair(t, fx)
	seedCatalog(t, writer)
	h := newTestHandler(t, Config{Dir: fx.root, Catalog: reader, SignKey: []byte("k-0123456789abcdef"), Now: func() time.Time { return t0 }})
	exp := t0.Add(30 * time.Minute)
	index := body(t, get(t, h, h.Signer().URL("/", exp)))
	watch := regexp.MustCompile(`href="(/watch/vod\?[^"]+)"`).FindStringSubmatch(index)
	if watch == nil {
		t.Fatalf("no signed watch link in:\n%s", index)
	}
	page := get(t, h, html.UnescapeString(watch[1]))
	pb := body(t, page)
	src := regexp.MustCompile(`data-src="([^"]+)"`).FindStringSubmatch(pb)
	if page.StatusCode != 200 || src == nil {
		t.Fatalf("watch page %d:\n%s", page.StatusCode, pb)
	}
	if r := get(t, h, html.UnescapeString(src[1])); r.StatusCode != 200 {
		t.Errorf("master from the watch page: %d", r.StatusCode)
	}
	if !strings.Contains(src[1], "exp=1777638600") {
		t.Errorf("page link does not keep the expiry of the page's own link: %s", src[1])
	}

	var tracks []apiTrack
	resp := get(t, h, h.Signer().URL("/api/tracks", exp))
	must(t, json.Unmarshal([]byte(body(t, resp)), &tracks))
	if len(tracks) != 1 {
		t.Fatalf("tracks %+v", tracks)
	}
	for _, u := range []string{tracks[0].MasterURL, tracks[0].WatchURL} {
		if r := get(t, h, u); r.StatusCode != http.StatusOK {
			t.Errorf("API link %s: %d", u, r.StatusCode)
		}
	}
}
