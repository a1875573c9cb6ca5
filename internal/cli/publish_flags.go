package cli

import (
	"slices"

	"github.com/spf13/pflag"

	"github.com/veza-media/veza/pkg/publish"
)

// PublishFlags are --publish and --keys-to with the object-storage flags,
// for the commands that publish while they encode (ladder, segment).
type PublishFlags struct {
	// Target is --publish: the s3://bucket/prefix each track goes to once
	// complete; empty publishes nothing.
	Target string
	// KeysTo is --keys-to: where AES-128 keys go; empty leaves them out.
	KeysTo string
	S3     S3Options
}

// addPublishFlags adds --publish, --keys-to and the S3 flags to fl.
func addPublishFlags(fl *pflag.FlagSet, o *PublishFlags) {
	fl.StringVar(&o.Target, "publish", "", "upload each track to s3://bucket/prefix as soon as it is complete (see veza publish)")
	fl.StringVar(&o.KeysTo, "keys-to", "", "with --publish: publish AES-128 keys to this separate s3://bucket/prefix (default: not published)")
	addS3Flags(fl, &o.S3)
}

// check rejects object-storage flags that nothing uses and bad URLs: the
// endpoint flags need --publish or an input read from a bucket.
func (o PublishFlags) check(inputs ...string) error {
	if o.Target == "" {
		if o.KeysTo != "" {
			return usageErrorf("--keys-to needs --publish")
		}
		if (o.S3.Endpoint != "" || o.S3.PathStyle) && !slices.ContainsFunc(inputs, publish.IsURL) {
			return usageErrorf("--s3-endpoint and --s3-path-style need --publish or an s3:// input")
		}
		return o.S3.check()
	}
	if _, err := publish.ParseLocation(o.Target); err != nil {
		return usageErrorf("--publish: %v", err)
	}
	if o.KeysTo != "" {
		if _, err := publish.ParseLocation(o.KeysTo); err != nil {
			return usageErrorf("--keys-to: %v", err)
		}
	}
	return o.S3.check()
}

// config is the library's publish the flags ask for; nil without
// --publish. Its Dir is left to the library.
func (o PublishFlags) config() *publish.Config {
	if o.Target == "" {
		return nil
	}
	pc := o.S3.config("", o.Target)
	pc.KeysTo = o.KeysTo
	return &pc
}
