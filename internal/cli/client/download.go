package client

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aksnet/aksnet/internal/cli/output"
)

// Download GETs path and streams a 200 response's body to w, returning the
// bytes written. It fails, rather than returning a short copy, when the body
// ends before its Content-Length, and turns an error status into
// output.ARMError.
func (c *Client) Download(path string, w io.Writer) (int64, error) {
	tok, err := c.token()
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequest(http.MethodGet, c.Endpoint+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	c.log.Debug("Request URL: 'GET %s'", req.URL)
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, c.unreachable(err)
	}
	defer resp.Body.Close()
	c.log.Debug("Response status: %d (%s)", resp.StatusCode, time.Since(start).Round(time.Microsecond))
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return 0, output.ParseARMError(resp.StatusCode, body)
	}
	if resp.ContentLength < 0 {
		return 0, fmt.Errorf("GET %s: the server did not say how long the download is", path)
	}
	n, err := io.Copy(w, resp.Body)
	if err == nil && n != resp.ContentLength {
		err = fmt.Errorf("got %d of %d bytes", n, resp.ContentLength)
	}
	if err != nil {
		return n, fmt.Errorf("GET %s: download cut short: %w", path, err)
	}
	return n, nil
}
