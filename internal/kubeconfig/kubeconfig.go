// Package kubeconfig builds the kubeconfig files aksnet hands out for a
// cluster, and merges one into an existing file the way `az aks
// get-credentials` does. It is pure: bytes in, bytes out.
package kubeconfig

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v2"
)

// Params describe one kubeconfig: one cluster, one user, one context.
type Params struct {
	// Name is the cluster's and the context's name (the AKS cluster name).
	Name string
	// User is the user entry's name, e.g. clusterUser_<rg>_<name>.
	User string
	// Server is the apiserver's URL, e.g. https://127.0.0.1:40123.
	Server string
	// TLSServerName, when set, is the name the serving certificate is
	// verified against instead of the server's host (the cluster's fqdn).
	TLSServerName string
	// CAPEM is the cluster CA, embedded as certificate-authority-data.
	CAPEM []byte
	// CertPEM and KeyPEM are the user's client certificate and key.
	CertPEM, KeyPEM []byte
}

// Build returns the kubeconfig for p in AKS's shape: apiVersion v1, kind
// Config, the CA embedded (TLS is always verified), the client certificate
// and key embedded, and current-context set.
func Build(p Params) ([]byte, error) {
	if p.Name == "" || p.User == "" || p.Server == "" || len(p.CAPEM) == 0 {
		return nil, errors.New("kubeconfig: name, user, server and CA are required")
	}
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	cluster := yaml.MapSlice{{Key: "certificate-authority-data", Value: b64(p.CAPEM)}, {Key: "server", Value: p.Server}}
	if p.TLSServerName != "" {
		cluster = append(cluster, yaml.MapItem{Key: "tls-server-name", Value: p.TLSServerName})
	}
	user := yaml.MapSlice{}
	if len(p.CertPEM) > 0 {
		user = append(user, yaml.MapItem{Key: "client-certificate-data", Value: b64(p.CertPEM)},
			yaml.MapItem{Key: "client-key-data", Value: b64(p.KeyPEM)})
	}
	doc := yaml.MapSlice{
		{Key: "apiVersion", Value: "v1"},
		{Key: "clusters", Value: []yaml.MapSlice{{{Key: "cluster", Value: cluster}, {Key: "name", Value: p.Name}}}},
		{Key: "contexts", Value: []yaml.MapSlice{{
			{Key: "context", Value: yaml.MapSlice{{Key: "cluster", Value: p.Name}, {Key: "user", Value: p.User}}},
			{Key: "name", Value: p.Name}}}},
		{Key: "current-context", Value: p.Name},
		{Key: "kind", Value: "Config"},
		{Key: "preferences", Value: yaml.MapSlice{}},
		{Key: "users", Value: []yaml.MapSlice{{{Key: "name", Value: p.User}, {Key: "user", Value: user}}}},
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	return out, nil
}

// ConflictError is az's refusal to replace an entry that differs from the
// new one without --overwrite-existing.
type ConflictError struct {
	// Name is the entry's name; Section is clusters, users or contexts.
	Name, Section string
}

func (e *ConflictError) Error() string {
	// azure-cli, acs/_helpers.py _handle_merge: "A different object named
	// {} already exists in {} in your kubeconfig file."
	return fmt.Sprintf("A different object named %s already exists in %s in your kubeconfig file.", e.Name, e.Section)
}

// ParseError is a file that is not a kubeconfig az could load.
type ParseError struct{ Err error }

func (e *ParseError) Error() string { return e.Err.Error() }
func (e *ParseError) Unwrap() error { return e.Err }

// message is an error worded as az words it, sentence case and all.
type message string

func (m message) Error() string { return string(m) }

// MergeOptions are get-credentials' --overwrite-existing and --context.
type MergeOptions struct {
	// Overwrite replaces entries of the same name that differ.
	Overwrite bool
	// Context renames the new context and cluster (az's --context).
	Context string
}

// Merge merges addition into existing as azure-cli's
// merge_kubernetes_configurations does (acs/_helpers.py):
//   - --context renames the first context, its cluster reference, the
//     first cluster and current-context;
//   - a context whose user starts with clusterAdmin is renamed <name>-admin,
//     so that the admin credential never replaces the user's context;
//   - an empty existing file becomes the addition;
//   - clusters, users and contexts are merged by name: an equal entry is
//     replaced silently, a different one only with Overwrite, else a
//     *ConflictError; new entries are appended;
//   - current-context becomes the addition's.
//
// It returns the merged file (keys sorted, as az's yaml.safe_dump writes
// them) and the new current context.
func Merge(existing, addition []byte, opt MergeOptions) ([]byte, string, error) {
	add, err := load(addition)
	if err != nil {
		return nil, "", err
	}
	if add == nil {
		return nil, "", &ParseError{errors.New("failed to load the new credentials")}
	}
	if opt.Context != "" {
		ctxs, clusters := list(add["contexts"]), list(add["clusters"])
		if len(ctxs) == 0 || len(clusters) == 0 {
			return nil, "", &ParseError{errors.New("the new credentials have no context or cluster to rename")}
		}
		ctxs[0]["name"] = opt.Context
		if c, ok := ctxs[0]["context"].(map[string]any); ok {
			c["cluster"] = opt.Context
		}
		clusters[0]["name"] = opt.Context
		add["current-context"] = opt.Context
	}
	for _, c := range list(add["contexts"]) {
		inner, ok := c["context"].(map[string]any)
		if !ok {
			continue
		}
		if u, ok := inner["user"].(string); ok && strings.HasPrefix(u, "clusterAdmin") {
			name := fmt.Sprint(c["name"]) + "-admin"
			c["name"], add["current-context"] = name, name
			break
		}
	}
	cur, err := load(existing)
	if err != nil {
		return nil, "", err
	}
	if cur == nil {
		cur = add
	} else {
		for _, section := range []string{"clusters", "users", "contexts"} {
			if err := mergeSection(cur, add, section, opt.Overwrite); err != nil {
				return nil, "", err
			}
		}
		cur["current-context"] = add["current-context"]
	}
	out, err := yaml.Marshal(cur)
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig: %w", err)
	}
	current, _ := add["current-context"].(string)
	return out, current, nil
}

// mergeSection is az's _handle_merge for one section.
func mergeSection(cur, add map[string]any, section string, overwrite bool) error {
	news := add[section]
	if isEmpty(news) {
		return nil
	}
	old, present := cur[section]
	if !present {
		// az's words (acs/_helpers.py _handle_merge).
		return &ParseError{message(fmt.Sprintf("No such key '%s' in existing config, please confirm whether it is a valid config file. "+
			"Consider backing up the existing config file, delete it, and retry the command.", section))}
	}
	if isEmpty(old) {
		cur[section] = news
		return nil
	}
	olds, ok := old.([]any)
	newList, ok2 := news.([]any)
	if !ok || !ok2 {
		return &ParseError{fmt.Errorf("'%s' is not a list", section)}
	}
	for _, n := range newList {
		nm, _ := n.(map[string]any)
		kept := olds[:0:0]
		for _, o := range olds {
			om, _ := o.(map[string]any)
			if nm == nil || om == nil || nm["name"] == nil || om["name"] == nil || !reflect.DeepEqual(nm["name"], om["name"]) {
				kept = append(kept, o)
				continue
			}
			if !overwrite && !reflect.DeepEqual(nm, om) {
				return &ConflictError{Name: fmt.Sprint(nm["name"]), Section: section}
			}
		}
		olds = append(kept, n)
	}
	cur[section] = olds
	return nil
}

// load parses a kubeconfig into plain maps; nil for an empty file.
func load(b []byte) (map[string]any, error) {
	var raw any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, &ParseError{err}
	}
	if raw == nil {
		return nil, nil
	}
	m, ok := normalize(raw).(map[string]any)
	if !ok {
		return nil, &ParseError{errors.New("the file is not a YAML mapping")}
	}
	return m, nil
}

// normalize turns yaml.v2's map[any]any into map[string]any, recursively.
func normalize(v any) any {
	switch t := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, val := range t {
			m[fmt.Sprint(k)] = normalize(val)
		}
		return m
	case []any:
		for i := range t {
			t[i] = normalize(t[i])
		}
		return t
	}
	return v
}

func list(v any) []map[string]any {
	items, _ := v.([]any)
	var out []map[string]any
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	case string:
		return t == ""
	}
	return false
}
