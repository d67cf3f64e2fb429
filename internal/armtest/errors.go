package armtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// APIError is ARM's error envelope as a test sees it.
type APIError struct {
	Status  int
	Code    string
	Message string
	Target  string
	Raw     string
}

// ParseEnvelope reads ARM's error envelope from an error response's body;
// a body that isn't one (not JSON, no code or message) is an error.
func ParseEnvelope(status int, body []byte) (APIError, error) {
	var env struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Target  string `json:"target"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return APIError{}, fmt.Errorf("error body is not JSON: %v: %q", err, body)
	}
	if env.Error == nil || env.Error.Code == "" || env.Error.Message == "" {
		return APIError{}, fmt.Errorf("error body is not ARM's envelope: %s", body)
	}
	return APIError{Status: status, Code: env.Error.Code, Message: env.Error.Message, Target: env.Error.Target, Raw: string(body)}, nil
}

// SDKError unwraps the ARM error behind an SDK call's error (a refused
// request or a failed operation), failing t when err is nil or isn't one.
func SDKError(t testing.TB, err error) APIError {
	t.Helper()
	if err == nil {
		t.Fatal("call succeeded; want an error")
	}
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error is not an *azcore.ResponseError: %v", err)
	}
	body, perr := runtime.Payload(re.RawResponse)
	if perr != nil {
		t.Fatalf("read error body: %v", perr)
	}
	ae, perr := ParseEnvelope(re.StatusCode, body)
	if perr != nil {
		t.Fatal(perr)
	}
	if ae.Code != re.ErrorCode {
		t.Errorf("SDK read code %q, envelope has %q", re.ErrorCode, ae.Code)
	}
	return ae
}

// WantError describes an expected ARM error. Empty fields are not checked;
// every string in Mentions must appear in the message (see Fold).
type WantError struct {
	Status   int
	Code     string
	Target   string
	Mentions []string
}

// Fold marks a mention to be matched ignoring case: ARM echoes ids in the
// casing of the request, which SDKs sometimes lower-case.
func Fold(s string) string { return foldMark + s }

const foldMark = "\x00fold:"

// Check reports on t every way got differs from w.
// CheckSDK checks that err, the error of an SDK call, is the ARM error w.
func (w WantError) CheckSDK(t testing.TB, err error) {
	t.Helper()
	w.Check(t, SDKError(t, err))
}

func (w WantError) Check(t testing.TB, got APIError) {
	t.Helper()
	if w.Status != 0 && got.Status != w.Status {
		t.Errorf("status %d, want %d (%s)", got.Status, w.Status, got.Raw)
	}
	if got.Code != w.Code {
		t.Errorf("code %q, want %q (%s)", got.Code, w.Code, got.Raw)
	}
	if w.Target != "" && got.Target != w.Target {
		t.Errorf("target %q, want %q (%s)", got.Target, w.Target, got.Raw)
	}
	for _, m := range w.Mentions {
		if f, ok := strings.CutPrefix(m, foldMark); ok {
			if !strings.Contains(strings.ToLower(got.Message), strings.ToLower(f)) {
				t.Errorf("message %q does not mention %q (ignoring case)", got.Message, f)
			}
			continue
		}
		if !strings.Contains(got.Message, m) {
			t.Errorf("message %q does not mention %q", got.Message, m)
		}
	}
}
