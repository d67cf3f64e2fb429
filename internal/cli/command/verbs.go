package command

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aksnet/aksnet/internal/cli/azshape"
	"github.com/aksnet/aksnet/internal/cli/client"
	"github.com/aksnet/aksnet/internal/cli/output"
)

// Print shapes an ARM JSON document (or list page) as az does and writes it.
func (e *Env) Print(raw []byte) error {
	v, err := azshape.ShapeJSON(raw)
	if err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	return e.PrintValue(v)
}

// PrintValue writes an already shaped value.
func (e *Env) PrintValue(v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return output.Print(e.Streams.Out, raw, output.Options{Format: e.Format, Query: e.Globals.Query, Color: IsTerminal(e.Streams.Out) && IsTerminal(e.Streams.Err), TableTransformer: e.Table})
}

// Shape decodes and shapes one ARM document as az prints it.
func Shape(raw []byte) (any, error) {
	v, err := azshape.ShapeJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("decode response: %w", err)
	}
	return v, nil
}

// Show GETs path and prints it.
func (e *Env) Show(path, api string) error {
	r, err := e.Client.Call(http.MethodGet, path, api, nil)
	if err != nil {
		return err
	}
	return e.Print(r.Body)
}

// List GETs every page of a collection and prints the items as one list.
func (e *Env) List(path, api string) error { return e.list(path, api, azshape.Shape) }

// ListAAZ is List for a command that az implements with AAZ, which prints
// keys in their wire casing (azshape.ShapeAAZ).
func (e *Env) ListAAZ(path, api string) error { return e.list(path, api, azshape.ShapeAAZ) }

// list prints every item of a collection as one list, in shape's form.
func (e *Env) list(path, api string, shape func(any) any) error {
	items, err := e.Client.ListItems(path, api)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(items)
	if err != nil {
		return fmt.Errorf("encode the items of %s: %w", path, err)
	}
	v, err := azshape.Decode(raw)
	if err != nil {
		return fmt.Errorf("decode the items of %s: %w", path, err)
	}
	return e.PrintValue(shape(v))
}

// Put PUTs body, waits for a long-running operation unless noWait, and
// prints the final resource (nothing with --no-wait, as az).
func (e *Env) Put(path, api string, body any, noWait bool) error {
	raw, err := e.PutResource(path, api, body, noWait)
	if err != nil || raw == nil {
		return err
	}
	return e.Print(raw)
}

// PutResource PUTs body and returns the final resource, following a
// long-running operation; nothing with noWait.
func (e *Env) PutResource(path, api string, body any, noWait bool) ([]byte, error) {
	r, err := e.Client.Call(http.MethodPut, path, api, body)
	if err != nil || noWait {
		return nil, err
	}
	if err := e.Wait(r); err != nil {
		return nil, err
	}
	if r.Header.Get("Azure-AsyncOperation") != "" || len(r.Body) == 0 {
		return e.Get(path, api)
	}
	return r.Body, nil
}

// Get GETs path and returns the body.
func (e *Env) Get(path, api string) ([]byte, error) {
	r, err := e.Client.Call(http.MethodGet, path, api, nil)
	if err != nil {
		return nil, err
	}
	return r.Body, nil
}

// ShowIDs prints the resources at paths: one object for one path, a list
// for several, as az does with --ids.
func (e *Env) ShowIDs(paths []string, api string) error {
	return e.ShowEach(paths, api, Shape)
}

// ShowEach is ShowIDs with shape shaping each resource.
func (e *Env) ShowEach(paths []string, api string, shape func(raw []byte) (any, error)) error {
	return e.PrintEach(paths, func(p string) (any, error) {
		raw, err := e.Get(p, api)
		if err != nil {
			return nil, err
		}
		return shape(raw)
	})
}

// PrintEach prints what get returns for each of paths, as az prints the
// results of a command given --ids: one object for one path, a list for
// several. A nil result (a PUT with --no-wait) is left out; nothing at all
// prints nothing.
func (e *Env) PrintEach(paths []string, get func(path string) (any, error)) error {
	var out []any
	for _, p := range paths {
		v, err := get(p)
		if err != nil {
			return err
		}
		if v != nil {
			out = append(out, v)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return e.PrintValue(out[0])
	}
	return e.PrintValue(out)
}

// Wait follows a long-running operation, showing az's progress line on a
// terminal and nothing when stderr is piped.
func (e *Env) Wait(r *client.Response) error {
	tty := IsTerminal(e.Streams.Err)
	spin := []string{"|", "/", "-", "\\"}
	n := 0
	err := e.Client.Wait(r, func(status string) {
		if tty && status == "InProgress" {
			fmt.Fprintf(e.Streams.Err, "\r%s Running ..", spin[n%len(spin)])
			n++
		}
	})
	if tty && n > 0 {
		fmt.Fprint(e.Streams.Err, "\r               \r")
	}
	return err
}

// Delete DELETEs path and waits unless noWait. A missing resource is not
// an error, as with az's delete commands.
func (e *Env) Delete(path, api string, noWait bool) error {
	r, err := e.Client.Do(http.MethodDelete, path, api, nil)
	if err != nil {
		return err
	}
	if r.Status == http.StatusNotFound {
		return nil
	}
	if r.Status >= 400 {
		return output.ParseARMError(r.Status, r.Body)
	}
	if noWait {
		return nil
	}
	return e.Wait(r)
}

// DeleteAll deletes every path, in order.
func (e *Env) DeleteAll(paths []string, api string, noWait bool) error {
	for _, p := range paths {
		if err := e.Delete(p, api, noWait); err != nil {
			return err
		}
	}
	return nil
}

// Confirm asks az's question unless yes; an answer other than yes is
// "Operation cancelled.".
func (e *Env) Confirm(yes bool) error {
	if yes {
		return nil
	}
	ok, err := e.Ask("Are you sure you want to perform this operation? (y/n): ")
	if err != nil {
		return err
	}
	if !ok {
		return &output.Error{Code: 1, Message: "Operation cancelled."}
	}
	return nil
}

// Ask asks question on the terminal and reports whether the answer is y or
// yes (in any case); without a terminal it fails as az's prompts do.
func (e *Env) Ask(question string) (bool, error) {
	if !IsTerminal(e.Streams.In) {
		return false, &output.Error{Code: 1, Message: "Unable to prompt for confirmation as no tty available. Use --yes."}
	}
	fmt.Fprint(e.Streams.Err, question)
	var answer string
	_, _ = fmt.Fscanln(e.Streams.In, &answer) // no answer is no
	answer = strings.TrimSpace(answer)
	return strings.EqualFold(answer, "y") || strings.EqualFold(answer, "yes"), nil
}

// PostAction POSTs a resource action and returns its result. A 200 carries the result; a 202 (Azure's long-running
// form of these operations) is followed through its Azure-AsyncOperation or
// Location header until the result is there.
func (e *Env) PostAction(path, api string, body any) ([]byte, error) {
	r, err := e.Client.Call(http.MethodPost, path, api, body)
	if err != nil {
		return nil, err
	}
	if r.Status != http.StatusAccepted {
		return r.Body, nil
	}
	if r.Header.Get("Azure-AsyncOperation") != "" {
		if err := e.Wait(r); err != nil {
			return nil, err
		}
	}
	loc := r.Header.Get("Location")
	if loc == "" {
		return r.Body, nil
	}
	delay := 10 * time.Millisecond
	for range 600 {
		pr, err := e.Client.Call(http.MethodGet, loc, "", nil)
		if err != nil {
			return nil, err
		}
		if pr.Status != http.StatusAccepted {
			return pr.Body, nil
		}
		time.Sleep(delay)
		delay = min(2*delay, 500*time.Millisecond)
	}
	return nil, &output.Error{Code: 1, Message: "the operation at " + loc + " did not finish"}
}
