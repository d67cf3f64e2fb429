package kubeconfig

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v2"
)

func build(t *testing.T, name, user, server string) []byte {
	t.Helper()
	b, err := Build(Params{Name: name, User: user, Server: server, CAPEM: []byte("CA"), CertPEM: []byte("CERT"), KeyPEM: []byte("KEY")})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// kc is the parsed shape the tests look at.
type kc struct {
	Clusters []struct {
		Name    string
		Cluster map[string]string
	}
	Contexts []struct {
		Name    string
		Context map[string]string
	}
	Users []struct {
		Name string
		User map[string]string
	}
	Current string `yaml:"current-context"`
}

func parse(t *testing.T, b []byte) kc {
	t.Helper()
	var k kc
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return k
}

func TestBuild(t *testing.T) {
	b, err := Build(Params{Name: "myAKSCluster", User: "clusterAdmin_rg_myAKSCluster", Server: "https://127.0.0.1:4000",
		TLSServerName: "x.hcp.eastus.azmk8s.io", CAPEM: []byte("CA"), CertPEM: []byte("CERT"), KeyPEM: []byte("KEY")})
	if err != nil {
		t.Fatal(err)
	}
	k := parse(t, b)
	if len(k.Clusters) != 1 || k.Clusters[0].Name != "myAKSCluster" || k.Clusters[0].Cluster["server"] != "https://127.0.0.1:4000" ||
		k.Clusters[0].Cluster["tls-server-name"] != "x.hcp.eastus.azmk8s.io" ||
		k.Clusters[0].Cluster["certificate-authority-data"] != base64.StdEncoding.EncodeToString([]byte("CA")) {
		t.Errorf("cluster entry wrong:\n%s", b)
	}
	if strings.Contains(string(b), "insecure-skip-tls-verify") {
		t.Errorf("kubeconfig skips TLS verification:\n%s", b)
	}
	if len(k.Contexts) != 1 || k.Contexts[0].Name != "myAKSCluster" || k.Contexts[0].Context["cluster"] != "myAKSCluster" ||
		k.Contexts[0].Context["user"] != "clusterAdmin_rg_myAKSCluster" || k.Current != "myAKSCluster" {
		t.Errorf("context wrong:\n%s", b)
	}
	if len(k.Users) != 1 || k.Users[0].User["client-certificate-data"] != base64.StdEncoding.EncodeToString([]byte("CERT")) ||
		k.Users[0].User["client-key-data"] != base64.StdEncoding.EncodeToString([]byte("KEY")) {
		t.Errorf("user wrong:\n%s", b)
	}
	if _, err := Build(Params{Name: "x", User: "u", Server: "https://s"}); err == nil {
		t.Error("Build without a CA succeeded")
	}
}

// The cases follow azure-cli's merge_kubernetes_configurations and
// _handle_merge (src/azure-cli/azure/cli/command_modules/acs/_helpers.py).
func TestMerge(t *testing.T) {
	userA := build(t, "a", "clusterUser_rg_a", "https://127.0.0.1:1")
	userA2 := build(t, "a", "clusterUser_rg_a", "https://127.0.0.1:2")
	adminA := build(t, "a", "clusterAdmin_rg_a", "https://127.0.0.1:1")
	userB := build(t, "b", "clusterUser_rg_b", "https://127.0.0.1:3")
	cases := []struct {
		name      string
		existing  []byte
		addition  []byte
		opt       MergeOptions
		current   string
		contexts  []string
		clusters  []string
		users     []string
		conflict  string // section of the expected ConflictError
		parseFail bool
	}{
		{name: "empty file", existing: nil, addition: userA, current: "a", contexts: []string{"a"}, clusters: []string{"a"}, users: []string{"clusterUser_rg_a"}},
		{name: "second cluster appended", existing: userA, addition: userB, current: "b", contexts: []string{"a", "b"}, clusters: []string{"a", "b"},
			users: []string{"clusterUser_rg_a", "clusterUser_rg_b"}},
		{name: "same credentials again", existing: userA, addition: userA, current: "a", contexts: []string{"a"}, clusters: []string{"a"}, users: []string{"clusterUser_rg_a"}},
		{name: "different cluster without overwrite", existing: userA, addition: userA2, conflict: "clusters"},
		{name: "different cluster with overwrite", existing: userA, addition: userA2, opt: MergeOptions{Overwrite: true}, current: "a",
			contexts: []string{"a"}, clusters: []string{"a"}, users: []string{"clusterUser_rg_a"}},
		{name: "admin gets its own context", existing: userA, addition: adminA, current: "a-admin", contexts: []string{"a", "a-admin"},
			clusters: []string{"a"}, users: []string{"clusterUser_rg_a", "clusterAdmin_rg_a"}},
		{name: "--context renames context and cluster", existing: userA, addition: userA2, opt: MergeOptions{Context: "other"}, current: "other",
			contexts: []string{"a", "other"}, clusters: []string{"a", "other"}, users: []string{"clusterUser_rg_a"}},
		{name: "existing without clusters key", existing: []byte("apiVersion: v1\nkind: Config\n"), addition: userA, parseFail: true},
		{name: "existing is not YAML", existing: []byte("{{{"), addition: userA, parseFail: true},
		{name: "existing with empty lists", existing: []byte("apiVersion: v1\nclusters: []\ncontexts: []\nusers: []\nkind: Config\n"), addition: userA,
			current: "a", contexts: []string{"a"}, clusters: []string{"a"}, users: []string{"clusterUser_rg_a"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, current, err := Merge(tc.existing, tc.addition, tc.opt)
			var ce *ConflictError
			var pe *ParseError
			switch {
			case tc.parseFail:
				if !errors.As(err, &pe) {
					t.Fatalf("err = %v, want a ParseError", err)
				}
				return
			case tc.conflict != "":
				if !errors.As(err, &ce) || ce.Section != tc.conflict || !strings.Contains(err.Error(), "A different object named a already exists in "+tc.conflict) {
					t.Fatalf("err = %v, want a conflict in %s", err, tc.conflict)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if current != tc.current {
				t.Errorf("current = %q, want %q", current, tc.current)
			}
			k := parse(t, out)
			if k.Current != tc.current {
				t.Errorf("current-context = %q, want %q", k.Current, tc.current)
			}
			names := func(n int, f func(int) string) []string {
				var s []string
				for i := 0; i < n; i++ {
					s = append(s, f(i))
				}
				return s
			}
			eq := func(what string, got, want []string) {
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s = %v, want %v\n%s", what, got, want, out)
				}
			}
			eq("contexts", names(len(k.Contexts), func(i int) string { return k.Contexts[i].Name }), tc.contexts)
			eq("clusters", names(len(k.Clusters), func(i int) string { return k.Clusters[i].Name }), tc.clusters)
			eq("users", names(len(k.Users), func(i int) string { return k.Users[i].Name }), tc.users)
		})
	}
}

func TestMergeKeepsOtherEntriesAndFields(t *testing.T) {
	existing := []byte(`apiVersion: v1
kind: Config
preferences:
  colors: true
clusters:
- name: kind
  cluster: {server: "https://127.0.0.1:6443", extensions: [{name: x, extension: {a: 1}}]}
contexts:
- name: kind
  context: {cluster: kind, user: kind, namespace: dev}
users:
- name: kind
  user: {token: abc}
current-context: kind
`)
	out, _, err := Merge(existing, build(t, "a", "clusterUser_rg_a", "https://127.0.0.1:1"), MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"namespace: dev", "token: abc", "colors: true", "extension:", "current-context: a"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("merged file lost %q:\n%s", want, out)
		}
	}
}
