package workload

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/aksnet/aksnet/internal/cli/command"
	"github.com/aksnet/aksnet/internal/cli/flags"
	"github.com/spf13/cobra"
)

// aksServiceView is how the service commands print a service.
type aksServiceView struct {
	Name       string `json:"name"`
	ClusterIP  string `json:"clusterIP"`
	Protocol   string `json:"protocol"`
	Port       int    `json:"port"`
	TargetPort int    `json:"targetPort"`
	Selector   string `json:"selector"`
}

// aksServiceOf reads a service document: its properties carry the view's
// fields under the same names.
func aksServiceOf(raw []byte) (aksServiceView, error) {
	var d struct {
		Name       string         `json:"name"`
		Properties aksServiceView `json:"properties"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return aksServiceView{}, fmt.Errorf("decode service: %w", err)
	}
	v := d.Properties
	v.Name = d.Name
	return v, nil
}

// aksServices is the list, show and delete half of `aks service`.
var aksServices = aksWorkload[aksServiceView]{collection: "services", view: aksServiceOf,
	listShort: "List a cluster's services.", showShort: "Show a service.", deleteShort: "Delete a service."}

func newAKSServiceCreateCommand(s command.Streams, g *command.Globals) *cobra.Command {
	f := &aksPodFlags{}
	var selector, protocol string
	var port int
	targetPort := 8080
	protocol = "TCP"
	cmd := &cobra.Command{
		Use: "create", Short: "Create a ClusterIP service selecting pods by name prefix.", Args: cobra.NoArgs,
		Example: "  aksnet aks service create -g myResourceGroup -n myAKSCluster --name web --selector web- --port 80 --target-port 8080",
	}
	return command.Leaf(s, g, cmd, flags.Cobra, func(a *flags.Set) {
		f.args(true)(a)
		a.String(&selector, "Prefix of the names of the pods the service sends to.", "--selector").Required()
		a.Int(&port, "Port of the service's ClusterIP.", "--port").Required()
		a.Int(&targetPort, "Port of the pods (their echo listens on 8080).", "--target-port")
		a.String(&protocol, "TCP or UDP.", "--protocol")
	}, func(e *command.Env) error {
		body := map[string]any{"properties": map[string]any{"selector": selector, "port": port, "targetPort": targetPort, "protocol": protocol}}
		return aksServices.print(e, http.MethodPut, f, body)
	})
}
