package client

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// TraceRequest is what `aks trace` asks: a packet from a node or pod to
// IP[:PORT] or a node or pod; a zero port or "" protocol is left to the
// server's defaults.
type TraceRequest struct {
	From, To         string
	Port, SourcePort int
	Protocol         string
}

// body is req as POST …/managedClusters/{name}/trace takes it.
func (req TraceRequest) body() map[string]any {
	body := map[string]any{"from": req.From, "to": req.To}
	if req.Port != 0 {
		body["port"] = req.Port
	}
	if req.SourcePort != 0 {
		body["sourcePort"] = req.SourcePort
	}
	SetGiven(body, "protocol", req.Protocol)
	return body
}

// TraceAnswer is the part of the server's trace answer that the table and
// --verify read.
type TraceAnswer struct {
	From struct {
		Kind, Name, IP, Node string
		Port                 int
	} `json:"from"`
	To struct {
		Kind, Name, IP, Node string
		Port                 int
	} `json:"to"`
	Protocol string `json:"protocol"`
	Hops     []struct {
		Step, Detail, Decision string
	} `json:"hops"`
	Outcome          string   `json:"outcome"`
	TranslatedSource string   `json:"translatedSource"`
	Notes            []string `json:"notes"`
}

// Trace asks the server for the path of req's packet through cluster name
// in rg. It returns the answer as sent (what -o json prints) and decoded.
func (c *Client) Trace(rg, name string, req TraceRequest) ([]byte, TraceAnswer, error) {
	var a TraceAnswer
	r, err := c.Call(http.MethodPost, c.ClusterPath(rg, name)+"/trace", APIAKS, req.body())
	if err != nil {
		return nil, a, err
	}
	if err := json.Unmarshal(r.Body, &a); err != nil {
		return nil, a, fmt.Errorf("decode response: %w", err)
	}
	return r.Body, a, nil
}

// ClusterPods are the test pods of cluster name in rg; a pod that does not
// decode is left out.
func (c *Client) ClusterPods(rg, name string) ([]Pod, error) {
	items, err := c.ListItems(c.ClusterPath(rg, name)+"/pods", APIAKS)
	if err != nil {
		return nil, err
	}
	var pods []Pod
	for _, it := range items {
		if p, err := DecodePod(it); err == nil {
			pods = append(pods, p)
		}
	}
	return pods, nil
}
