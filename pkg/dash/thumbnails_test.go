package dash

import (
	"strings"
	"testing"
)

func TestAddThumbnails(t *testing.T) {
	m := &MPD{Profiles: ProfileLive, Type: "static", MediaPresentationDuration: 130, MinBufferTime: 2, Periods: []Period{{ID: "0",
		AdaptationSets: []AdaptationSet{{ID: "0", ContentType: "video", MimeType: "video/mp4"}}}}}
	th := Thumbnails{Media: "thumbnails_$Number%05d$.jpg", MimeType: "image/jpeg", Width: 800, Height: 450,
		Columns: 5, Rows: 5, Interval: 5, Bandwidth: 3200}
	if err := m.AddThumbnails(th); err != nil {
		t.Fatal(err)
	}
	data, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "thumbnails.mpd", data)
	back, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	as := back.Periods[0].AdaptationSets[1]
	rep := as.Representations[0]
	if as.ContentType != "image" || as.MimeType != "image/jpeg" || rep.ID != "thumbnails_160x90" ||
		len(rep.EssentialProperties) != 1 || rep.EssentialProperties[0] != (Descriptor{ThumbnailTileScheme, "5x5"}) {
		t.Fatalf("read back %+v", as)
	}
	segs, err := as.Template(&rep).Segments(rep.ID, rep.Bandwidth, 130)
	if err != nil || len(segs) != 2 || segs[0].URL != "thumbnails_00001.jpg" || segs[1].Seconds(1000) != 5 {
		t.Fatalf("sheets %+v %v: want two, the second covering the last 5 s", segs, err)
	}
	th.Interval = 0
	if err := m.AddThumbnails(th); err == nil || !strings.Contains(err.Error(), "interval") {
		t.Errorf("a zero interval: %v", err)
	}
	if err := (&MPD{}).AddThumbnails(Thumbnails{}); err == nil {
		t.Error("an MPD without a Period took thumbnails")
	}
}
