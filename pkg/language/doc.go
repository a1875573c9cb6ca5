// Package language turns the language tags media containers carry (ISO
// 639-2 codes such as "eng" or "fre", ISO 639-1 codes, BCP 47 tags with
// regions) into the BCP 47 tags HLS and DASH want ("en", "fr", "pt-BR"),
// and checks that a tag is well formed.
package language
