package publish

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// store is a client of one S3 endpoint with the retry policy of the
// requests made through it.
type store struct {
	client *s3.Client
	creds  aws.Credentials
	// attempts bounds the tries of one request; retryDelay is the backoff
	// before the second (see Config.Attempts and Config.RetryDelay).
	attempts   int
	retryDelay time.Duration
}

// openStore builds the S3 client from the SDK's standard chain and cfg's
// endpoint settings; cfg's defaults must be filled. Retries are the
// store's own (see retrying), so the SDK makes one attempt.
func openStore(ctx context.Context, cfg *Config) (*store, error) {
	awsCfg, err := config.LoadDefaultConfig(ctx,
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
	)
	if err != nil {
		return nil, fmt.Errorf("S3 configuration: %w", err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		if cfg.PathStyle {
			o.UsePathStyle = true
		}
	})
	// The credentials are read once here, so messages can be scrubbed of
	// them; a chain with none fails at the first request instead.
	creds, _ := awsCfg.Credentials.Retrieve(ctx)
	return &store{client: client, creds: creds, attempts: cfg.Attempts, retryDelay: cfg.RetryDelay}, nil
}

// retryables are the SDK's own judgement of a retryable error (throttling
// codes, 500/502/503/504, timeouts, refused and reset connections), plus
// 429, which S3-compatible stores use for throttling, and a download's
// body cut short.
var retryables = retry.IsErrorRetryables(append(append([]retry.IsErrorRetryable{}, retry.DefaultRetryables...),
	retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
		var be *bodyError
		return aws.BoolTernary(statusOf(err) == http.StatusTooManyRequests || errors.As(err, &be))
	})))

// retrying runs op until it succeeds, fails for a reason a retry cannot
// change, or has run Config.Attempts times, waiting a random part of an
// exponentially growing delay between tries (Config.Attempts and Config.RetryDelay). It returns the number of tries.
func (p *store) retrying(ctx context.Context, op func(context.Context) error) (int, error) {
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil || attempt >= p.attempts || ctx.Err() != nil ||
			retryables.IsErrorRetryable(err) != aws.TrueTernary {
			return attempt, err
		}
		limit := p.retryDelay << min(attempt-1, 5)
		wait := time.Duration(rand.Int64N(int64(limit)) + 1)
		select {
		case <-ctx.Done():
			return attempt, err
		case <-time.After(wait):
		}
	}
}

// ObjectError is a request about one object (or a listing of a prefix)
// that failed after its last try.
type ObjectError struct {
	// Op is "upload", "check", "delete" or "list".
	Op string
	// Location is the s3:// URL of the object or prefix.
	Location string
	// Attempts is how many tries were made.
	Attempts int
	// Err is the cause: ErrNoBucket or ErrAccessDenied where they apply,
	// otherwise the SDK's or the network's error.
	Err error
	// msg is the cause in one line, scrubbed of credentials.
	msg string
}

func (e *ObjectError) Error() string {
	s := e.Op + " " + e.Location + ": " + e.msg
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d tries)", e.Attempts)
	}
	return s
}

func (e *ObjectError) Unwrap() error { return e.Err }

// objectError describes err, the failure of op on loc, in one line.
func (p *store) objectError(op, loc string, attempts int, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	e := &ObjectError{Op: op, Location: loc, Attempts: attempts, Err: err}
	code, msg := "", ""
	var api smithy.APIError
	if errors.As(err, &api) {
		code, msg = api.ErrorCode(), api.ErrorMessage()
	}
	status := statusOf(err)
	switch {
	case code == "NoSuchBucket" || (status == http.StatusNotFound && op == "list" && (code == "" || code == "NotFound")):
		e.Err = ErrNoBucket
		e.msg = ErrNoBucket.Error()
	case status == http.StatusForbidden || deniedCodes[code]:
		e.Err = fmt.Errorf("%w: %w", ErrAccessDenied, err)
		e.msg = ErrAccessDenied.Error()
		if code != "" {
			e.msg += " (" + join(code, msg) + ")"
		}
		e.msg += "; check the credentials and the bucket policy"
	case status != 0:
		e.msg = fmt.Sprintf("%d %s", status, http.StatusText(status))
		if code != "" {
			e.msg += " (" + join(code, msg) + ")"
		}
	default:
		var op *net.OpError
		if errors.As(err, &op) {
			e.msg = op.Error()
		} else {
			e.msg = err.Error()
		}
	}
	e.msg = p.scrub(firstLine(e.msg))
	return e
}

// deniedCodes are the error codes of a refused identity. versitygw answers
// an unknown access key with 404 XAdminUserNotFound.
var deniedCodes = map[string]bool{
	"AccessDenied": true, "InvalidAccessKeyId": true, "SignatureDoesNotMatch": true,
	"InvalidToken": true, "ExpiredToken": true, "XAdminUserNotFound": true,
}

func join(code, msg string) string {
	if msg == "" || msg == code {
		return code
	}
	return code + ": " + strings.TrimSuffix(msg, ".")
}

// statusOf is the HTTP status of a failed request, 0 when none came back.
func statusOf(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// scrub removes the credentials from s, should a store or a transport echo
// them.
func (p *store) scrub(s string) string {
	for _, secret := range []string{p.creds.SecretAccessKey, p.creds.SessionToken, p.creds.AccessKeyID} {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
