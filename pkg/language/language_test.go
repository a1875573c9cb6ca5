package language

import "testing"

var normalizeCases = []struct{ in, want string }{
	{"eng", "en"},
	{"ENG", "en"},
	{"fre", "fr"},
	{"fra", "fr"},
	{"ger", "de"},
	{"deu", "de"},
	{"spa", "es"},
	{"chi", "zh"},
	{"en", "en"},
	{"EN", "en"},
	{"en-us", "en-US"},
	{"pt_br", "pt-BR"},
	{"fre-CA", "fr-CA"},
	{"zh-hant-tw", "zh-Hant-TW"},
	{"es-419", "es-419"},
	{"haw", "haw"},
	{"und", "und"},
	{"", "und"},
	{"  ", "und"},
	{"xyz", "und"},
	{"english", "und"},
	{"e", "und"},
	{"qq", "und"},
	{"en--us", "und"},
	{"en-ü", "und"},
	{"en-toolongsubtag", "und"},
}

func TestNormalize(t *testing.T) {
	for _, c := range normalizeCases {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWellFormed(t *testing.T) {
	for _, c := range []struct {
		tag  string
		want bool
	}{
		{"en", true}, {"fr-CA", true}, {"und", true}, {"zh-Hant-TW", true}, {"es-419", true},
		{"x-klingon", true}, {"haw", true},
		{"", false}, {"e", false}, {"english-", false}, {"en_US", false}, {"en--US", false},
		{"1en", false}, {"abcd", false}, {"x", false}, {"en-abcdefghi", false}, {"English Language", false},
	} {
		if got := WellFormed(c.tag); got != c.want {
			t.Errorf("WellFormed(%q) = %v, want %v", c.tag, got, c.want)
		}
	}
}

// FuzzNormalize checks that whatever a container says, Normalize gives a
// well-formed tag that normalising again leaves alone.
func FuzzNormalize(f *testing.F) {
	for _, c := range normalizeCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := Normalize(in)
		if !WellFormed(got) {
			t.Fatalf("Normalize(%q) = %q, not well formed", in, got)
		}
		if again := Normalize(got); again != got {
			t.Fatalf("Normalize(%q) = %q but Normalize(%q) = %q", in, got, got, again)
		}
	})
}
