// Package s3test runs a real S3-compatible server for tests: versitygw
// with its POSIX backend in a temporary folder, listening on a free
// loopback port. `make test` installs the pinned versitygw (scripts/deps.sh);
// a test that needs it and does not find it fails saying so.
package s3test
