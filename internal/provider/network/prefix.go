package network

import (
	"net/netip"

	"github.com/aksnet/aksnet/internal/azerr"
	"github.com/aksnet/aksnet/internal/kubenet"
)

// CodeInvalidAddressPrefixFormat is the network RP's code for an address
// prefix that is not CIDR notation ("10.1.0.0", "10.0.0.0/160"), as Azure
// answers a VNet or subnet PUT (Azure/azure-service-operator#997,
// Azure/avdaccelerator#83). A prefix that parses but has host bits set is
// InvalidCIDRNotation, also the network RP's.
const CodeInvalidAddressPrefixFormat = "InvalidAddressPrefixFormat"

// parsePrefix parses s, an address prefix of a network RP body at JSON
// path target: InvalidAddressPrefixFormat when s is not CIDR notation, and
// kubenet.ParsePrefix's answers otherwise (InvalidCIDRNotation for host
// bits, the refusal of an IPv6 prefix, which aksnet does not model).
func parsePrefix(s, target string) (netip.Prefix, error) {
	if _, err := netip.ParsePrefix(s); err != nil {
		return netip.Prefix{}, azerr.BadRequest(CodeInvalidAddressPrefixFormat, target,
			"Address prefix %s of %s is not formatted correctly. It should follow CIDR notation, for example 10.0.0.0/24.", s, target)
	}
	return kubenet.ParsePrefix(s, target)
}
