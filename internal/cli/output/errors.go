package output

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
)

// Error is an az-style command line error: az logs Message as an error
// ("ERROR: " + Message), prints each recommendation on its own line, and
// exits with Code.
type Error struct {
	Message         string
	Recommendations []string
	Code            int
}

func (e *Error) Error() string { return e.Message }

// UsageError is an argument error (az exits 2), for example
//
//	UsageError("the following arguments are required: --name/-n, --resource-group/-g")
func UsageError(message string, recommendations ...string) *Error {
	return &Error{Message: message, Recommendations: recommendations, Code: 2}
}

// ARMError is an error response from the ARM API, as az prints it.
type ARMError struct {
	Status  int // HTTP status
	Code    string
	Message string
	Target  string
	Details []ARMError
	// AdditionalInfo are ARM's typed error details ("additionalInfo").
	AdditionalInfo []AdditionalInfo
	// InnerError is the "innererror" object, if any.
	InnerError json.RawMessage
}

// AdditionalInfo is one entry of an ARM error's additionalInfo.
type AdditionalInfo struct {
	Type string
	Info json.RawMessage
}

// ParseARMError reads an ARM error response body ({"error": {...}} or the
// bare error object; keys matched without regard to case, as az's AAZ
// commands do).
func ParseARMError(status int, body []byte) ARMError {
	e := ARMError{Status: status}
	v, err := Decode(body)
	if err != nil {
		return e
	}
	o, ok := v.(*Object)
	if !ok {
		return e
	}
	parseARMErrorObject(&e, o)
	return e
}

func getFold(o *Object, label string) (any, bool) {
	for _, k := range o.keys {
		if strings.EqualFold(k, label) {
			return o.values[k], true
		}
	}
	return nil, false
}

func parseARMErrorObject(e *ARMError, o *Object) {
	if inner, ok := getFold(o, "error"); ok {
		if obj, ok := inner.(*Object); ok {
			o = obj
		}
	}
	e.Code, e.Message, e.Target = foldString(o, "code"), foldString(o, "message"), foldString(o, "target")
	for _, obj := range foldObjects(o, "details") {
		var de ARMError
		parseARMErrorObject(&de, obj)
		if de.Code != "" || de.Message != "" {
			e.Details = append(e.Details, de)
		}
	}
	if ie, ok := getFold(o, "innererror"); ok && ie != nil {
		if b, err := json.Marshal(ie); err == nil {
			e.InnerError = b
		}
	}
	for _, obj := range foldObjects(o, "additionalInfo") {
		e.AdditionalInfo = append(e.AdditionalInfo, parseAdditionalInfo(obj))
	}
}

// foldString is o's field label (any case) as az prints it: a string as is,
// another value as Python's str, a missing one or null as "".
func foldString(o *Object, label string) string {
	v, _ := getFold(o, label)
	if s, ok := v.(string); ok {
		return s
	}
	if v != nil {
		return pyStr(v)
	}
	return ""
}

// foldObjects is the objects in o's list field label (any case); other
// items, and a field that is not a list, are skipped.
func foldObjects(o *Object, label string) []*Object {
	l, _ := getFold(o, label)
	items, _ := l.([]any)
	var out []*Object
	for _, item := range items {
		if obj, ok := item.(*Object); ok {
			out = append(out, obj)
		}
	}
	return out
}

// parseAdditionalInfo reads one additionalInfo entry: its type, and its
// info as raw JSON.
func parseAdditionalInfo(obj *Object) AdditionalInfo {
	var a AdditionalInfo
	if t, ok := obj.Get("type"); ok {
		a.Type = pyStr(t)
	}
	if info, ok := obj.Get("info"); ok {
		if b, err := json.Marshal(info); err == nil {
			a.Info = b
		}
	}
	return a
}

// Error is the message az prints for the error (azure-core's
// HttpResponseError with ARMErrorFormat):
//
//	(Code) Message
//	Code: Code
//	Message: Message
//	Target: target
//
// with Target only when set, then "Exception Details:", "Inner error:" and
// "Additional Information:" parts when present. A response with neither
// code nor message gives "Operation returned an invalid status '<reason>'".
func (e ARMError) Error() string {
	if e.Code == "" && e.Message == "" {
		return fmt.Sprintf("Operation returned an invalid status '%s'", http.StatusText(e.Status))
	}
	s := fmt.Sprintf("(%s) %s\n%s", pyNone(e.Code), pyNone(e.Message), e.messageDetails())
	if len(e.AdditionalInfo) > 0 {
		s += "\nAdditional Information:"
		for _, a := range e.AdditionalInfo {
			s += "Type: " + a.Type + "\nInfo: " + dumpsIndent4(a.Info)
		}
	}
	return s
}

func (e ARMError) messageDetails() string {
	s := "Code: " + pyNone(e.Code) + "\nMessage: " + pyNone(e.Message)
	if e.Target != "" {
		s += "\nTarget: " + e.Target
	}
	if len(e.Details) > 0 {
		s += "\nException Details:"
		for _, d := range e.Details {
			// azure-core joins the indented lines of each detail without a
			// separator between details; az prints it that way.
			lines := pySplitlines(d.Error())
			for i := range lines {
				lines[i] = "\t" + lines[i]
			}
			s += strings.Join(lines, "\n")
		}
	}
	if len(e.InnerError) > 0 && !isEmptyJSON(e.InnerError) {
		s += "\nInner error: " + dumpsIndent4(e.InnerError)
	}
	return s
}

// pyNone formats an absent string field as Python formats None.
func pyNone(s string) string {
	if s == "" {
		return "None"
	}
	return s
}

func isEmptyJSON(b json.RawMessage) bool {
	v, err := Decode(b)
	if err != nil {
		return true
	}
	switch v := v.(type) {
	case nil:
		return true
	case *Object:
		return v.Len() == 0
	case []any:
		return len(v) == 0
	case string:
		return v == ""
	case bool:
		return !v
	}
	return false
}

// dumpsIndent4 is json.dumps(v, indent=4).
func dumpsIndent4(b json.RawMessage) string {
	v, err := Decode(b)
	if err != nil {
		return string(b)
	}
	return pyJSON{indent: 4, ensureASCII: true}.dumps(v)
}

// ExitCode is az's exit code for an ARM error: 3 for 404 (az's
// ResourceNotFoundError, for show and every other command), otherwise 1.
func ExitCode(e ARMError) int {
	if e.Status == http.StatusNotFound {
		return 3
	}
	return 1
}

// PrintError prints an ARM error as az does when stderr is not a terminal.
func PrintError(w io.Writer, e ARMError) {
	fmt.Fprintf(w, "ERROR: %s\n", e.Error())
}

// HandleError prints err the way az's error handler does and returns the
// process exit code: *Error with its code, ARMError 3 for 404 and 1
// otherwise, anything else 1.
func HandleError(l *Logger, err error) int {
	if err == nil {
		return 0
	}
	var ae ARMError
	var pae *ARMError
	var ce *Error
	switch {
	case errors.As(err, &ce):
		l.Error("%s", ce.Message)
		for _, r := range ce.Recommendations {
			fmt.Fprintln(l.W, r)
		}
		if ce.Code == 0 {
			return 1
		}
		return ce.Code
	case errors.As(err, &pae) && pae != nil:
		l.Error("%s", pae.Error())
		return ExitCode(*pae)
	case errors.As(err, &ae):
		l.Error("%s", ae.Error())
		return ExitCode(ae)
	}
	l.Error("%s", err.Error())
	return 1
}

// closeMatches is Python's difflib.get_close_matches(word, possibilities,
// n, cutoff): the best matches by SequenceMatcher ratio, best first.
func closeMatches(word string, possibilities []string, n int, cutoff float64) []string {
	type scored struct {
		score float64
		s     string
	}
	var res []scored
	b := []rune(word)
	for _, p := range possibilities {
		a := []rune(p)
		if r := seqRatio(a, b); r >= cutoff {
			res = append(res, scored{r, p})
		}
	}
	// heapq.nlargest on (score, string) tuples.
	sort.Slice(res, func(i, j int) bool {
		if res[i].score != res[j].score {
			return res[i].score > res[j].score
		}
		return res[i].s > res[j].s
	})
	var out []string
	for i := 0; i < len(res) && i < n; i++ {
		out = append(out, res[i].s)
	}
	return out
}

// seqRatio is difflib.SequenceMatcher(None, a, b).ratio() for short
// sequences (no junk, no autojunk).
func seqRatio(a, b []rune) float64 {
	if len(a)+len(b) == 0 {
		return 1
	}
	b2j := map[rune][]int{}
	for j, r := range b {
		b2j[r] = append(b2j[r], j)
	}
	longest := func(alo, ahi, blo, bhi int) (int, int, int) {
		besti, bestj, bestsize := alo, blo, 0
		j2len := map[int]int{}
		for i := alo; i < ahi; i++ {
			newj2len := map[int]int{}
			for _, j := range b2j[a[i]] {
				if j < blo {
					continue
				}
				if j >= bhi {
					break
				}
				k := j2len[j-1] + 1
				newj2len[j] = k
				if k > bestsize {
					besti, bestj, bestsize = i-k+1, j-k+1, k
				}
			}
			j2len = newj2len
		}
		return besti, bestj, bestsize
	}
	matches := 0
	type span struct{ alo, ahi, blo, bhi int }
	queue := []span{{0, len(a), 0, len(b)}}
	for len(queue) > 0 {
		s := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		i, j, k := longest(s.alo, s.ahi, s.blo, s.bhi)
		if k == 0 {
			continue
		}
		matches += k
		if s.alo < i && s.blo < j {
			queue = append(queue, span{s.alo, i, s.blo, j})
		}
		if i+k < s.ahi && j+k < s.bhi {
			queue = append(queue, span{i + k, s.ahi, j + k, s.bhi})
		}
	}
	return 2 * float64(matches) / float64(len(a)+len(b))
}

// CLIError is a knack CLIError, as az raises for bad argument values once
// parsing is done: "ERROR: message", exit code 1.
func CLIError(format string, args ...any) error {
	return &Error{Code: 1, Message: fmt.Sprintf(format, args...)}
}
