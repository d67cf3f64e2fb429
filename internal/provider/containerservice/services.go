package containerservice

import (
	"encoding/json"
	"net/netip"
	"strings"

	"github.com/aksnet/aksnet/internal/arm"
	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/kubenet"
)

// putService creates or updates a ClusterIP service. Its ClusterIP is the
// lowest free address of the service CIDR, never the network address, the
// kubernetes service's .1, the DNS service IP or the broadcast address; it
// never changes afterwards.
func (w *workloads) putService(c *arm.Call) ([]byte, error) {
	var req serviceDoc
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	switch strings.ToLower(c.Name) {
	case "kubernetes", "kube-dns":
		return nil, azerr.BadRequest(CodeReservedName, "name", "Service name '%s' is reserved for the cluster's own services.", c.Name)
	}
	info, ok, err := Lookup(c.R, c.Parent)
	if err != nil {
		return nil, err
	}
	if !ok || !info.ServiceCIDR.IsValid() {
		return nil, azerr.BadRequest(CodeNotKubenetCluster, "name", "Cluster %s has no service CIDR.", arm.LastName(c.Parent))
	}
	if info.Stopped {
		return nil, workloadOnStopped(info, "service", c.Name)
	}
	p := req.Properties
	if err := p.normalize(); err != nil {
		return nil, err
	}
	ip, err := serviceClusterIP(c, info, p.ClusterIP)
	if err != nil {
		return nil, err
	}
	p.ClusterIP, p.ProvisioningState = ip, "Succeeded"
	w.realiseAfterCommit(c)
	return json.Marshal(serviceDoc{ID: c.ID, Name: c.Name, Type: TypeService, Properties: p})
}

// normalize checks a service body's selector, ports and protocol, and fills
// the target port (the port) and protocol (TCP) it leaves out.
func (p *serviceProps) normalize() error {
	if p.Selector == "" {
		return azerr.BadRequest("InvalidParameter", "properties.selector", "A service needs a selector (the prefix of the names of its pods).")
	}
	if p.Port < 1 || p.Port > 65535 {
		return azerr.BadRequest("InvalidParameter", "properties.port", "Port %d is outside 1-65535.", p.Port)
	}
	if p.TargetPort == 0 {
		p.TargetPort = p.Port
	}
	if p.TargetPort < 1 || p.TargetPort > 65535 {
		return azerr.BadRequest("InvalidParameter", "properties.targetPort", "Target port %d is outside 1-65535.", p.TargetPort)
	}
	switch strings.ToUpper(p.Protocol) {
	case "", "TCP":
		p.Protocol = "TCP"
	case "UDP":
		p.Protocol = "UDP"
	default:
		return azerr.BadRequest("InvalidParameter", "properties.protocol", "Protocol '%s' is not TCP or UDP.", p.Protocol)
	}
	return nil
}

// serviceClusterIP is the ClusterIP of the service c: the one it has, which
// asked (when valid) must equal, or, for a new service, the lowest free
// address of the cluster's service CIDR.
func serviceClusterIP(c *arm.Call, info ClusterInfo, asked netip.Addr) (netip.Addr, error) {
	if c.Existing != nil {
		var old serviceDoc
		if err := c.DecodeExisting(&old); err != nil {
			return netip.Addr{}, err
		}
		ip := old.Properties.ClusterIP
		if asked.IsValid() && asked != ip {
			return netip.Addr{}, azerr.BadRequest(kubenet.CodePropertyChangeNotAllowed, "properties.clusterIP", "The ClusterIP of service %s can't change.", c.Name)
		}
		return ip, nil
	}
	used := map[netip.Addr]bool{info.DNSServiceIP: true}
	for _, s := range Services(c.R, c.Parent) {
		used[s.ClusterIP] = true
	}
	cidr := info.ServiceCIDR.Masked()
	first := cidr.Addr().Next().Next() // .0 network, .1 kubernetes
	last := kubenet.LastAddr(cidr)
	for a := first; cidr.Contains(a) && a != last; a = a.Next() {
		if !used[a] {
			return a, nil
		}
	}
	return netip.Addr{}, azerr.Conflict(CodeServiceCIDRFull, "properties", "The service CIDR %s has no free ClusterIP.", cidr)
}
