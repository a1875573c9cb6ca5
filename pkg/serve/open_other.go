//go:build !unix

package serve

// openNonblock is not needed where files cannot be FIFOs.
const openNonblock = 0
