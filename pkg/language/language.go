package language

import "strings"

// Undetermined is the BCP 47 tag for a language nobody named.
const Undetermined = "und"

// iso639_2 maps the ISO 639-2 codes containers use, bibliographic (B) and
// terminological (T) alike, to the two-letter ISO 639-1 code BCP 47 asks
// for. Languages without a two-letter code map to themselves: BCP 47 uses
// the three-letter code then.
var iso639_2 = map[string]string{
	"afr": "af", "alb": "sq", "sqi": "sq", "amh": "am", "ara": "ar", "arm": "hy", "hye": "hy",
	"aze": "az", "baq": "eu", "eus": "eu", "bel": "be", "ben": "bn", "bos": "bs", "bul": "bg",
	"bur": "my", "mya": "my", "cat": "ca", "chi": "zh", "zho": "zh", "hrv": "hr", "cze": "cs",
	"ces": "cs", "dan": "da", "dut": "nl", "nld": "nl", "eng": "en", "est": "et", "fin": "fi",
	"fre": "fr", "fra": "fr", "geo": "ka", "kat": "ka", "ger": "de", "deu": "de", "gle": "ga",
	"glg": "gl", "gre": "el", "ell": "el", "guj": "gu", "heb": "he", "hin": "hi", "hun": "hu",
	"ice": "is", "isl": "is", "ind": "id", "ita": "it", "jpn": "ja", "kan": "kn", "kaz": "kk",
	"khm": "km", "kor": "ko", "kur": "ku", "lao": "lo", "lat": "la", "lav": "lv", "lit": "lt",
	"mac": "mk", "mkd": "mk", "may": "ms", "msa": "ms", "mal": "ml", "mlt": "mt", "mar": "mr",
	"mon": "mn", "nep": "ne", "nor": "no", "nob": "nb", "nno": "nn", "per": "fa", "fas": "fa",
	"pol": "pl", "por": "pt", "pan": "pa", "rum": "ro", "ron": "ro", "rus": "ru", "srp": "sr",
	"sin": "si", "slo": "sk", "slk": "sk", "slv": "sl", "som": "so", "spa": "es", "swa": "sw",
	"swe": "sv", "tgl": "tl", "tam": "ta", "tel": "te", "tha": "th", "tib": "bo", "bod": "bo",
	"tur": "tr", "ukr": "uk", "urd": "ur", "uzb": "uz", "vie": "vi", "wel": "cy", "cym": "cy",
	"yid": "yi", "yor": "yo", "zul": "zu", "epo": "eo", "bre": "br", "ltz": "lb", "mao": "mi",
	"mri": "mi", "hat": "ht", "hau": "ha", "ibo": "ig", "xho": "xh", "kin": "rw", "tat": "tt",
	"fil": "fil", "haw": "haw", "yue": "yue", "cmn": "cmn", "ast": "ast", "sco": "sco",
	"und": Undetermined, "mul": "mul", "zxx": "zxx", "mis": "mis",
}

// iso639_1 holds the two-letter codes the table above produces, so that a
// two-letter tag is accepted only when it names a language veza knows.
var iso639_1 = func() map[string]bool {
	m := map[string]bool{}
	for _, v := range iso639_2 {
		if len(v) == 2 {
			m[v] = true
		}
	}
	return m
}()

// Normalize returns the BCP 47 tag for a container's language tag: "eng"
// gives "en", "fre" and "fra" give "fr", "pt_br" gives "pt-BR". A missing,
// malformed or unknown language gives Undetermined. Subtags after the
// language keep their meaning and get BCP 47's case: scripts in title case,
// regions in upper case.
func Normalize(tag string) string {
	tag = strings.TrimSpace(strings.ReplaceAll(tag, "_", "-"))
	if tag == "" {
		return Undetermined
	}
	parts := strings.Split(tag, "-")
	primary := strings.ToLower(parts[0])
	switch {
	case len(primary) == 3 && iso639_2[primary] != "":
		primary = iso639_2[primary]
	case len(primary) == 2 && iso639_1[primary]:
	default:
		return Undetermined
	}
	if primary == Undetermined {
		return Undetermined
	}
	out := []string{primary}
	for _, p := range parts[1:] {
		if !alnum(p) || len(p) == 0 || len(p) > 8 {
			return Undetermined
		}
		switch {
		case len(p) == 4 && letters(p): // script
			p = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		case len(p) == 2 && letters(p), len(p) == 3 && digits(p): // region
			p = strings.ToUpper(p)
		default:
			p = strings.ToLower(p)
		}
		out = append(out, p)
	}
	return strings.Join(out, "-")
}

// WellFormed says whether tag has the syntax of a BCP 47 language tag
// (RFC 5646 section 2.1, without checking the registry): a primary
// language of 2–3 or 5–8 letters, or a private use tag, then subtags of
// 1–8 letters and digits.
func WellFormed(tag string) bool {
	if tag == "" {
		return false
	}
	parts := strings.Split(tag, "-")
	p := parts[0]
	switch {
	case strings.EqualFold(p, "x") || strings.EqualFold(p, "i"):
		if len(parts) < 2 {
			return false
		}
	case !letters(p) || len(p) < 2 || len(p) > 8 || len(p) == 4:
		return false
	}
	for _, s := range parts[1:] {
		if len(s) == 0 || len(s) > 8 || !alnum(s) {
			return false
		}
	}
	return true
}

func letters(s string) bool {
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func alnum(s string) bool {
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
