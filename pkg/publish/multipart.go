package publish

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Multipart defaults (see Config.MultipartSize and Config.PartSize).
const (
	// DefaultMultipartSize is the size from which a file is uploaded in
	// parts: one PUT of a large transcode output that fails near its end
	// would send it all again, and S3 refuses single PUTs above 5 GiB.
	DefaultMultipartSize = 64 << 20
	// DefaultPartSize is the size of each part but the last.
	DefaultPartSize = 16 << 20
	// MinPartSize is the smallest part S3 accepts (but the last).
	MinPartSize = 5 << 20
)

// put uploads size bytes of body as the object in describes: in one
// request below multipartSize, else in parts of partSize. Each request
// carries the MD5 of what it sends, and no other checksum (the "when
// required" setting). It returns the object's ETag without quotes, and the
// tries of the request that failed.
func (st *store) put(ctx context.Context, in *s3.PutObjectInput, body io.ReaderAt, size int64, sum []byte, multipartSize, partSize int64) (string, int, error) {
	if size < multipartSize {
		in.ContentLength = aws.Int64(size)
		in.ContentMD5 = aws.String(base64.StdEncoding.EncodeToString(sum))
		etag := hex.EncodeToString(sum)
		n, err := st.retrying(ctx, func(ctx context.Context) error {
			in.Body = io.NewSectionReader(body, 0, size)
			out, err := st.client.PutObject(ctx, in)
			if err == nil && out.ETag != nil {
				etag = strings.Trim(*out.ETag, `"`)
			}
			return err
		})
		return etag, n, err
	}
	return st.multipart(ctx, in, body, size, partSize)
}

// multipart uploads body in parts. A failure aborts the upload, so that no
// parts are left for the store to keep (and bill).
func (st *store) multipart(ctx context.Context, in *s3.PutObjectInput, body io.ReaderAt, size, partSize int64) (string, int, error) {
	var created *s3.CreateMultipartUploadOutput
	n, err := st.retrying(ctx, func(ctx context.Context) error {
		var err error
		created, err = st.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: in.Bucket, Key: in.Key,
			ContentType: in.ContentType, CacheControl: in.CacheControl})
		return err
	})
	if err != nil {
		return "", n, err
	}
	abort := func() {
		st.client.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{Bucket: in.Bucket, Key: in.Key, UploadId: created.UploadId})
	}
	var parts []types.CompletedPart
	buf := make([]byte, min(partSize, size))
	for off, num := int64(0), int32(1); off < size; off, num = off+partSize, num+1 {
		data := buf[:min(partSize, size-off)]
		if _, err := body.ReadAt(data, off); err != nil && err != io.EOF {
			abort()
			return "", 1, &localError{err}
		}
		sum := md5.Sum(data)
		var out *s3.UploadPartOutput
		n, err := st.retrying(ctx, func(ctx context.Context) error {
			var err error
			out, err = st.client.UploadPart(ctx, &s3.UploadPartInput{Bucket: in.Bucket, Key: in.Key, UploadId: created.UploadId,
				PartNumber: aws.Int32(num), Body: io.NewSectionReader(body, off, int64(len(data))),
				ContentLength: aws.Int64(int64(len(data))), ContentMD5: aws.String(base64.StdEncoding.EncodeToString(sum[:]))})
			return err
		})
		if err != nil {
			abort()
			return "", n, err
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
	}
	var done *s3.CompleteMultipartUploadOutput
	n, err = st.retrying(ctx, func(ctx context.Context) error {
		var err error
		done, err = st.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: in.Bucket, Key: in.Key,
			UploadId: created.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		return err
	})
	if err != nil {
		abort()
		return "", n, err
	}
	return strings.Trim(aws.ToString(done.ETag), `"`), n, nil
}

// multipartETag is the ETag S3 gives body uploaded in parts of partSize:
// the MD5 of the parts' MD5s, then "-" and the number of parts.
func multipartETag(body io.ReaderAt, size, partSize int64) (string, error) {
	all := md5.New()
	n := 0
	for off := int64(0); off < size; off += partSize {
		h := md5.New()
		if _, err := io.Copy(h, io.NewSectionReader(body, off, min(partSize, size-off))); err != nil {
			return "", err
		}
		all.Write(h.Sum(nil))
		n++
	}
	return fmt.Sprintf("%s-%d", hex.EncodeToString(all.Sum(nil)), n), nil
}
