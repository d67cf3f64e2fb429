package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// API versions the CLI speaks, as az 2.45's latest profile does.
const (
	apiResources     = "2021-04-01"
	apiNetwork       = "2022-01-01"
	apiMSI           = "2023-01-31"
	apiAuthorization = "2022-04-01"
	apiAKS           = "2024-05-01"
)

// rgPath returns /subscriptions/{sub}/resourceGroups/{rg}.
func (e *env) rgPath(rg string) string {
	return "/subscriptions/" + e.client.Subscription + "/resourceGroups/" + rg
}

// resourcePath returns the id of a resource of type t ("Microsoft.Network/virtualNetworks")
// named name in rg.
func (e *env) resourcePath(rg, t, name string) string {
	return e.rgPath(rg) + "/providers/" + t + "/" + name
}

// show GETs path and prints it.
func (e *env) show(path, api string) error {
	r, err := e.client.Call(http.MethodGet, path, api, nil)
	if err != nil {
		return err
	}
	return e.print(r.Body)
}

// list GETs every page of a collection and prints the items as one list.
func (e *env) list(path, api string) error {
	items, err := e.listItems(path, api)
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(items)
	return e.print(raw)
}

// listItems follows nextLink and returns all items.
func (e *env) listItems(path, api string) ([]json.RawMessage, error) {
	var all []json.RawMessage
	next := path
	for next != "" {
		r, err := e.client.Call(http.MethodGet, next, api, nil)
		if err != nil {
			return nil, err
		}
		var page struct {
			Value    []json.RawMessage `json:"value"`
			NextLink string            `json:"nextLink"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			return nil, fmt.Errorf("decode list: %w", err)
		}
		all = append(all, page.Value...)
		next = page.NextLink
		api = ""
	}
	if all == nil {
		all = []json.RawMessage{}
	}
	return all, nil
}

// put PUTs body, waits for a long-running operation unless noWait, and
// prints the final resource (nothing with --no-wait, as az).
func (e *env) put(path, api string, body any, noWait bool) error {
	r, err := e.client.Call(http.MethodPut, path, api, body)
	if err != nil {
		return err
	}
	if noWait {
		return nil
	}
	if err := e.wait(r); err != nil {
		return err
	}
	if r.Header.Get("Azure-AsyncOperation") != "" {
		return e.show(path, api)
	}
	return e.print(r.Body)
}

// wait follows a long-running operation, showing az's progress line on a
// terminal and nothing when stderr is piped.
func (e *env) wait(r *Response) error {
	tty := isTerminal(e.s.Err)
	spin := []string{"|", "/", "-", "\\"}
	n := 0
	err := e.client.Wait(r, func(status string) {
		if tty && status == "InProgress" {
			fmt.Fprintf(e.s.Err, "\r%s Running ..", spin[n%len(spin)])
			n++
		}
	})
	if tty && n > 0 {
		fmt.Fprint(e.s.Err, "\r               \r")
	}
	return err
}

// del DELETEs path and waits unless noWait. A missing resource is not an
// error, as with az's delete commands.
func (e *env) del(path, api string, noWait bool) error {
	r, err := e.client.Do(http.MethodDelete, path, api, nil)
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
	return e.wait(r)
}

// confirm asks az's question unless yes; without a terminal it fails as az
// does.
func (e *env) confirm(yes bool) error {
	if yes {
		return nil
	}
	if !isTerminal(e.s.In) {
		return &output.Error{Code: 1, Message: "Unable to prompt for confirmation as no tty available. Use --yes."}
	}
	fmt.Fprint(e.s.Err, "Are you sure you want to perform this operation? (y/n): ")
	var answer string
	_, _ = fmt.Fscanln(e.s.In, &answer)
	if !strings.EqualFold(strings.TrimSpace(answer), "y") && !strings.EqualFold(strings.TrimSpace(answer), "yes") {
		return &output.Error{Code: 1, Message: "Operation cancelled."}
	}
	return nil
}

// tagsArg turns az's --tags k=v k2=v2 into a map.
func tagsArg(tags []string) map[string]string {
	out := map[string]string{}
	for _, t := range tags {
		k, v, _ := strings.Cut(t, "=")
		if k != "" {
			out[k] = v
		}
	}
	return out
}

// cmdRun adapts a RunE that needs a connected env.
func cmdRun(s Streams, g *globalFlags, fn func(e *env, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		e, err := newEnv(cmd, s, g, true)
		if err != nil {
			return err
		}
		return fn(e, cmd, args)
	}
}

// rgLocation returns the location of resource group rg, az's default for
// new resources.
func (e *env) rgLocation(rg string) (string, error) {
	r, err := e.client.Call(http.MethodGet, e.rgPath(rg), apiResources, nil)
	if err != nil {
		return "", err
	}
	var doc struct {
		Location string `json:"location"`
	}
	_ = json.Unmarshal(r.Body, &doc)
	return doc.Location, nil
}
