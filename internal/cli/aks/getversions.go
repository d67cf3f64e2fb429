package aks

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/aksnet/aksnet/internal/cli/output"
	"github.com/spf13/cobra"
)

// apiOrchestrators is the api-version az 2.45 sends for list_orchestrators
// (azure-mgmt-containerservice v2017_07_01, the container_services
// operation group of az's 2022-11-01 profile).
const apiOrchestrators = "2019-04-01"

// newGetVersionsCommand is `az aks get-versions`: az 2.45's
// aks_get_versions, which lists the orchestrators of a region
// (resource-type=managedClusters) and prints the answer, with
// aks_versions_table_format for -o table.
func newGetVersionsCommand(s command.Streams, g *command.Globals) *cobra.Command {
	var location string
	cmd := &cobra.Command{Use: "get-versions", Short: "Get the versions available for creating a managed Kubernetes cluster.", Args: cobra.NoArgs}
	return command.Leaf(s, g, cmd, flags.Cobra, func(a *flags.Set) {
		a.String(&location, "Location. Values from: `az account list-locations`.", "--location", "-l").Required()
	}, func(e *command.Env) error {
		e.Table = versionsTable
		path := fmt.Sprintf("%s/providers/Microsoft.ContainerService/locations/%s/orchestrators?resource-type=managedClusters",
			e.Client.SubscriptionPath(), url.PathEscape(location))
		return e.Show(path, apiOrchestrators)
	})
}

// versionsTable is az's aks_versions_table_format (acs/_format.py): one
// row per orchestrator, the version marked "(preview)" when it is one, its
// upgrades sorted and joined or "None available", newest version first.
func versionsTable(v any) any {
	o, ok := v.(*output.Object)
	if !ok {
		return v
	}
	list, _ := o.Get("orchestrators")
	items, _ := list.([]any)
	preview := map[string]bool{}
	for _, it := range items {
		if p, ok := it.(*output.Object); ok && truthy(p, "isPreview") {
			preview[text(p, "orchestratorVersion")] = true
		}
	}
	mark := func(v string) string {
		if preview[v] {
			return v + "(preview)"
		}
		return v
	}
	type row struct {
		version string
		obj     *output.Object
	}
	var rows []row
	for _, it := range items {
		p, ok := it.(*output.Object)
		if !ok {
			continue
		}
		version := text(p, "orchestratorVersion")
		var ups []string
		if u, _ := p.Get("upgrades"); u != nil {
			for _, x := range u.([]any) {
				if uo, ok := x.(*output.Object); ok {
					ups = append(ups, text(uo, "orchestratorVersion"))
				}
			}
		}
		slices.SortFunc(ups, compareVersions)
		for i := range ups {
			ups[i] = mark(ups[i])
		}
		upgrades := "None available"
		if len(ups) > 0 {
			upgrades = strings.Join(ups, ", ")
		}
		r := output.NewObject()
		r.Set("kubernetesVersion", mark(version))
		r.Set("upgrades", upgrades)
		rows = append(rows, row{version, r})
	}
	slices.SortStableFunc(rows, func(a, b row) int { return compareVersions(b.version, a.version) })
	out := make([]any, len(rows))
	for i, r := range rows {
		out[i] = r.obj
	}
	return out
}

func text(o *output.Object, key string) string {
	v, _ := o.Get(key)
	s, _ := v.(string)
	return s
}

func truthy(o *output.Object, key string) bool {
	v, _ := o.Get(key)
	b, _ := v.(bool)
	return b
}

// compareVersions orders dotted versions by their numbers, as az's
// version_to_tuple does ("1.9.11" before "1.10.12").
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		if errx != nil || erry != nil {
			if c := strings.Compare(as[i], bs[i]); c != 0 {
				return c
			}
			continue
		}
		if x != y {
			return x - y
		}
	}
	return len(as) - len(bs)
}
