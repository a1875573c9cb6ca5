// Package publish uploads veza output folders to S3-compatible object
// storage without ever leaving a playlist in the bucket that names an object
// the bucket does not have.
//
// A track is published in three phases, each started only when the one
// before it succeeded: the media objects (init sections, segments, I-frame
// and subtitle files, images), then the media playlists, then the master
// playlists and MPDs. Before a playlist is uploaded every object it names is
// confirmed to be in the bucket: uploaded or found unchanged by this run, or
// answered by a HEAD request. AES-128 keys are left out unless Config.KeysTo
// names a separate location for them.
//
// A rerun uploads only what changed: the bucket is listed once and an
// object whose size and ETag (the MD5 of a single-part upload) match the
// local file is skipped. Config.Delete removes objects under the prefix
// that the output no longer has, once the new playlists are up.
//
// Files from Config.MultipartSize up are sent in parts, each with its
// MD5; a rerun recognises them by the parts' ETag.
//
// The package also reads and writes single objects for the runs that work
// with a bucket: List and Fetch (or Download) bring sources to the local
// disk, reporting progress and telling a missing object, a missing bucket
// and refused credentials apart; Put and Remove keep a live recording's
// backups.
//
// The client is aws-sdk-go-v2's service/s3 with request checksums and
// response validation set to "when required": the CRC32 checksums the SDK
// sends by default since service/s3 v1.73 are refused by many
// S3-compatible stores. Failed requests are retried here, with exponential
// backoff and full jitter, on throttling, 5xx and network errors.
//
// The package reports what it did through Config.OnEvent; it writes no
// catalog rows (pkg/recorder turns the events into rows) and prints nothing.
package publish
